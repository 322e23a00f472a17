/* sim_smf.c: SMF 83/4 record encoder, strict decoder and unload line (layout in sim_smf.h). */
#include <zr-autoconf.h>

#include "sim_smf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ebcdic.h"

#define SMF_SSI_TEXT "RACF"

/* ---- big-endian fields ---- */

static void smf_put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void smf_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static unsigned smf_get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t smf_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- packed date ---- */

static bool smf_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int smf_month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && smf_leap(y) ? 29 : days[m - 1];
}

int64_t smf_packed_date(int year, int month, int day)
{
	if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1 ||
	    day > smf_month_days(year, month))
		return -1;
	int yday = day;
	for (int m = 1; m < month; m++)
		yday += smf_month_days(year, m);
	int c = (year - 1900) / 100, yy = year % 100;
	/* One decimal digit per nibble: 0 c y y d d d F. */
	uint32_t v = (uint32_t)c << 24 | (uint32_t)(yy / 10) << 20 | (uint32_t)(yy % 10) << 16 |
	             (uint32_t)(yday / 100) << 12 | (uint32_t)(yday / 10 % 10) << 8 |
	             (uint32_t)(yday % 10) << 4 | 0xFu;
	return v;
}

int smf_unpack_date(uint32_t packed, int *year, int *month, int *day)
{
	unsigned d[8];
	for (int i = 0; i < 8; i++)
		d[i] = (packed >> (28 - 4 * i)) & 0xFu;
	if (d[7] != 0xF || d[0] != 0 || d[1] > 1)
		return -1;
	for (int i = 2; i < 7; i++)
		if (d[i] > 9)
			return -1;
	int y = 1900 + 100 * (int)d[1] + 10 * (int)d[2] + (int)d[3];
	int yday = 100 * (int)d[4] + 10 * (int)d[5] + (int)d[6];
	if (yday < 1 || yday > (smf_leap(y) ? 366 : 365))
		return -1;
	int m = 1;
	while (yday > smf_month_days(y, m))
		yday -= smf_month_days(y, m++);
	*year = y;
	*month = m;
	*day = yday;
	return 0;
}

/* ---- encoder ---- */

static void smf_encode_header(const struct smf_record *rec, unsigned char *b)
{
	int64_t date = smf_packed_date(rec->when.year, rec->when.month, rec->when.day);
	b[SMF83FLG] = SMF_FLG;
	b[SMF83RTY] = SMF_TYPE;
	smf_put32(b + SMF83TME, rec->when.hundredths);
	smf_put32(b + SMF83DTE, date < 0 ? 0 : (uint32_t)date);
	ebcdic_field(b + SMF83SID, 4, rec->sid.p, rec->sid.len);
	ebcdic_field(b + SMF83SSI, 4, SMF_SSI_TEXT, 4);
	smf_put16(b + SMF83TYP, rec->subtype);
	smf_put16(b + SMF83TRP, 3);
	smf_put32(b + SMF83OPD, SMF_HEADER_LEN);
	smf_put16(b + SMF83LPD, SMF_PRODUCT_LEN);
	smf_put16(b + SMF83NPD, 1);
	smf_put32(b + SMF83OD1, SMF_HEADER_LEN + SMF_PRODUCT_LEN);
	smf_put16(b + SMF83LD1, SMF_SECURITY_LEN);
	smf_put16(b + SMF83ND1, 1);
	smf_put32(b + SMF83OD2, SMF_FIXED_LEN);
}

static void smf_encode_product(const struct smf_record *rec, unsigned char *p)
{
	smf_put16(p + SMF_PRD_VERSION, 1);
	ebcdic_field(p + SMF_PRD_COMPONENT, 8, rec->component.p, rec->component.len);
	ebcdic_field(p + SMF_PRD_FMID, 8, rec->fmid.p, rec->fmid.len);
}

static void smf_encode_security(const struct smf_record *rec, unsigned char *s)
{
	memcpy(s + SMF83LNK, rec->link, sizeof rec->link);
	smf_put16(s + SMF83DES, rec->des);
	s[SMF83EVT] = (unsigned char)rec->event;
	s[SMF83EVQ] = (unsigned char)rec->qualifier;
	ebcdic_field(s + SMF83USR, 8, rec->user.p, rec->user.len);
	ebcdic_field(s + SMF83GRP, 8, rec->group.p, rec->group.len);
	s[SMF83REA] = (unsigned char)rec->rea;
	ebcdic_field(s + SMF83TRM, 8, rec->terminal.p, rec->terminal.len);
	ebcdic_field(s + SMF83JBN, 8, rec->jobname.p, rec->jobname.len);
}

size_t smf_encode(const struct smf_record *rec, unsigned char *buf, size_t cap, size_t *written,
                  bool *truncated)
{
	size_t max = cap < SMF_RECORD_MAX ? cap : SMF_RECORD_MAX;
	size_t off = SMF_FIXED_LEN, n = 0;
	bool cut = false;
	*written = 0;
	*truncated = false;
	if (max < SMF_FIXED_LEN)
		return 0;
	memset(buf, 0, SMF_FIXED_LEN);
	smf_encode_header(rec, buf);
	smf_encode_product(rec, buf + SMF_HEADER_LEN);
	smf_encode_security(rec, buf + SMF_HEADER_LEN + SMF_PRODUCT_LEN);
	for (; n < rec->nrelocs; n++) {
		const struct smf_reloc *r = &rec->relocs[n];
		if (max - off <= SMF_RELOC_HDR) { /* not even one data byte: drop the rest */
			cut = true;
			break;
		}
		size_t len = r->value.len;
		if (len > max - off - SMF_RELOC_HDR) {
			len = max - off - SMF_RELOC_HDR;
			cut = true;
		}
		smf_put16(buf + off, r->type);
		smf_put16(buf + off + 2, (unsigned)len);
		ebcdic_encode(buf + off + SMF_RELOC_HDR, r->value.p, len);
		off += SMF_RELOC_HDR + len;
		if (cut) {
			n++;
			break;
		}
	}
	if (cut) {
		const size_t des = SMF_HEADER_LEN + SMF_PRODUCT_LEN + SMF83DES;
		smf_put16(buf + des, rec->des | SMF_DES_TRUNCATED);
	}
	smf_put16(buf + SMF83LEN, (unsigned)off);
	smf_put16(buf + SMF83LD2, (unsigned)(off - SMF_FIXED_LEN));
	smf_put16(buf + SMF83ND2, (unsigned)n);
	*written = n;
	*truncated = cut;
	return off;
}

/* ---- decoder ---- */

struct smf_cursor {
	struct smf_decoded *d;
	char *next; /* free space in d->text */
};

/* A text field: decoded to ISO 8859-1 into the record's text buffer; trim drops EBCDIC blanks. */
static struct smf_text smf_take(struct smf_cursor *c, const unsigned char *p, size_t n, bool trim)
{
	if (trim)
		n = ebcdic_trimmed(p, n);
	struct smf_text t = {.p = c->next, .len = n};
	ebcdic_decode(c->next, p, n);
	c->next += n + 1;
	return t;
}

/* Is [off, off + len) inside a record of rlen bytes and after the header? */
static bool smf_section_ok(uint32_t off, uint32_t len, size_t rlen)
{
	return off >= SMF_HEADER_LEN && off <= rlen && len <= rlen - off;
}

static int smf_check_rdw(const unsigned char *p, size_t avail, size_t *len, char *why, size_t wl)
{
	if (avail < 4) {
		snprintf(why, wl, "only %zu bytes left, an RDW needs 4", avail);
		return -1;
	}
	size_t rlen = smf_get16(p + SMF83LEN);
	unsigned seg = smf_get16(p + SMF83SEG);
	if (rlen < SMF_HEADER_LEN || rlen > SMF_RECORD_MAX) {
		snprintf(why, wl, "RDW length %zu outside %d..%d", rlen, SMF_HEADER_LEN,
		         SMF_RECORD_MAX);
		return -1;
	}
	if (rlen > avail) {
		snprintf(why, wl, "RDW length %zu but only %zu bytes left", rlen, avail);
		return -1;
	}
	*len = rlen; /* from here on the RDW is usable: a reader may skip the record */
	if (seg != 0) {
		snprintf(why, wl,
		         "RDW segment descriptor X'%04X', expected 0 (spanned records are "
		         "not supported)",
		         seg);
		return -1;
	}
	return 0;
}

static int smf_check_header(const unsigned char *p, size_t rlen, char *why, size_t wl)
{
	if (p[SMF83RTY] != SMF_TYPE) {
		snprintf(why, wl, "SMF83RTY %u, expected 83", p[SMF83RTY]);
		return -1;
	}
	if (smf_get16(p + SMF83TYP) != SMF_SUBTYPE) {
		snprintf(why, wl, "SMF83TYP %u, expected subtype 4", smf_get16(p + SMF83TYP));
		return -1;
	}
	if (smf_get16(p + SMF83TRP) != 3) {
		snprintf(why, wl, "SMF83TRP %u, expected 3 triplets", smf_get16(p + SMF83TRP));
		return -1;
	}
	static const struct {
		const char *name;
		size_t off;
		unsigned min_len, count;
	} trip[] = {{"SMF83OPD", SMF83OPD, SMF_PRODUCT_LEN, 1},
	            {"SMF83OD1", SMF83OD1, SMF_SECURITY_LEN, 1},
	            {"SMF83OD2", SMF83OD2, 0, 0}};
	for (size_t i = 0; i < sizeof trip / sizeof trip[0]; i++) {
		uint32_t off = smf_get32(p + trip[i].off);
		unsigned len = smf_get16(p + trip[i].off + 4), cnt = smf_get16(p + trip[i].off + 6);
		if (!smf_section_ok(off, len, rlen)) {
			snprintf(why, wl,
			         "%s %u + length %u outside the record (header %d, length %zu)",
			         trip[i].name, (unsigned)off, len, SMF_HEADER_LEN, rlen);
			return -1;
		}
		if (trip[i].count && (cnt != trip[i].count || len < trip[i].min_len)) {
			snprintf(why, wl,
			         "%s: %u section(s) of %u bytes, expected %u of at least %u",
			         trip[i].name, cnt, len, trip[i].count, trip[i].min_len);
			return -1;
		}
	}
	return 0;
}

static int smf_check_time(const unsigned char *p, struct smf_record *rec, char *why, size_t wl)
{
	uint32_t date = smf_get32(p + SMF83DTE);
	rec->when.hundredths = smf_get32(p + SMF83TME);
	if (rec->when.hundredths >= 8640000) {
		snprintf(why, wl, "SMF83TME %u hundredths is not a time of day",
		         (unsigned)rec->when.hundredths);
		return -1;
	}
	if (smf_unpack_date(date, &rec->when.year, &rec->when.month, &rec->when.day) != 0) {
		snprintf(why, wl, "SMF83DTE X'%08X' is not a packed date 0cyydddF", (unsigned)date);
		return -1;
	}
	return 0;
}

/* Walks the relocate sections: they must fill SMF83LD2 exactly, SMF83ND2 of them. */
static int smf_decode_relocs(const unsigned char *p, struct smf_cursor *c, char *why, size_t wl)
{
	uint32_t off = smf_get32(p + SMF83OD2), end = off + smf_get16(p + SMF83LD2);
	size_t n = smf_get16(p + SMF83ND2);
	struct smf_record *rec = &c->d->rec;
	rec->relocs = n ? calloc(n, sizeof *rec->relocs) : NULL;
	if (n && !rec->relocs)
		return -2;
	for (size_t i = 0; i < n; i++) {
		if (end - off < SMF_RELOC_HDR) {
			snprintf(why, wl,
			         "relocate %zu of %zu at record offset %u: header past SMF83LD2",
			         i + 1, n, (unsigned)off);
			return -1;
		}
		unsigned len = smf_get16(p + off + 2);
		if (len > end - off - SMF_RELOC_HDR) {
			snprintf(why, wl,
			         "relocate %zu of %zu (type %u) at record offset %u: length %u "
			         "runs past "
			         "SMF83LD2",
			         i + 1, n, smf_get16(p + off), (unsigned)off, len);
			return -1;
		}
		rec->relocs[i].type = smf_get16(p + off);
		rec->relocs[i].value = smf_take(c, p + off + SMF_RELOC_HDR, len, false);
		rec->nrelocs++;
		off += SMF_RELOC_HDR + len;
	}
	if (off != end) {
		snprintf(why, wl, "%u bytes after the %zu relocates, SMF83LD2 says none", end - off,
		         n);
		return -1;
	}
	return 0;
}

static void smf_decode_fixed(const unsigned char *p, struct smf_cursor *c)
{
	struct smf_record *rec = &c->d->rec;
	const unsigned char *prd = p + smf_get32(p + SMF83OPD);
	const unsigned char *sec = p + smf_get32(p + SMF83OD1);
	rec->sid = smf_take(c, p + SMF83SID, 4, true);
	rec->subtype = smf_get16(p + SMF83TYP);
	rec->component = smf_take(c, prd + SMF_PRD_COMPONENT, 8, true);
	rec->fmid = smf_take(c, prd + SMF_PRD_FMID, 8, true);
	memcpy(rec->link, sec + SMF83LNK, sizeof rec->link);
	rec->des = smf_get16(sec + SMF83DES);
	rec->event = sec[SMF83EVT];
	rec->qualifier = sec[SMF83EVQ];
	rec->user = smf_take(c, sec + SMF83USR, 8, true);
	rec->group = smf_take(c, sec + SMF83GRP, 8, true);
	rec->rea = sec[SMF83REA];
	rec->terminal = smf_take(c, sec + SMF83TRM, 8, true);
	rec->jobname = smf_take(c, sec + SMF83JBN, 8, true);
}

int smf_decode(const unsigned char *p, size_t avail, struct smf_decoded *out, size_t *len,
               char *why, size_t whylen)
{
	size_t rlen = 0;
	memset(out, 0, sizeof *out);
	int rdw = smf_check_rdw(p, avail, &rlen, why, whylen);
	*len = rlen;
	if (rdw != 0)
		return -1;
	if (smf_check_header(p, rlen, why, whylen) != 0 ||
	    smf_check_time(p, &out->rec, why, whylen) != 0)
		return -1;
	if (p[SMF83SSI] != ebcdic_from_latin1['R'] || p[SMF83SSI + 3] != ebcdic_from_latin1['F']) {
		snprintf(why, whylen, "SMF83SSI is not \"RACF\" in EBCDIC");
		return -1;
	}
	/* Every text is at most rlen bytes in all, plus one NUL for each of <= rlen/4 fields. */
	out->text = malloc(2 * rlen + 16);
	if (!out->text)
		return -2;
	out->len = rlen;
	struct smf_cursor c = {.d = out, .next = out->text};
	smf_decode_fixed(p, &c);
	int rc = smf_decode_relocs(p, &c, why, whylen);
	if (rc != 0)
		smf_decoded_free(out);
	return rc;
}

void smf_decoded_free(struct smf_decoded *d)
{
	free(d->rec.relocs);
	free(d->text);
	d->rec.relocs = NULL;
	d->rec.nrelocs = 0;
	d->text = NULL;
}

/* ---- unload line ---- */

static bool smf_bare_char(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       (ch != 0 && strchr("@#$%*._-", ch) != NULL);
}

size_t smf_unload_value(char *out, const char *s, size_t len)
{
	bool bare = len > 0;
	for (size_t i = 0; bare && i < len; i++)
		bare = smf_bare_char((unsigned char)s[i]);
	if (bare) {
		memcpy(out, s, len);
		return len;
	}
	size_t k = 0;
	out[k++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			out[k++] = '\\';
			out[k++] = (char)ch;
		} else if (ch < 0x20 || ch > 0x7E) {
			k += (size_t)snprintf(out + k, 5, "\\x%02X", ch);
		} else {
			out[k++] = (char)ch;
		}
	}
	out[k++] = '"';
	return k;
}

struct smf_line {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void smf_line_room(struct smf_line *l, size_t more)
{
	if (l->oom || l->cap - l->len > more)
		return;
	size_t cap = l->cap ? l->cap : 256;
	while (cap - l->len <= more)
		cap *= 2;
	char *n = realloc(l->buf, cap);
	if (!n) {
		l->oom = true;
		return;
	}
	l->buf = n;
	l->cap = cap;
}

/* " KEY=value" with the value bare or quoted. */
static void smf_line_kv(struct smf_line *l, const char *key, const char *s, size_t len)
{
	smf_line_room(l, strlen(key) + 2 + 4 * len + 3);
	if (l->oom)
		return;
	l->len += (size_t)snprintf(l->buf + l->len, l->cap - l->len, " %s=", key);
	l->len += smf_unload_value(l->buf + l->len, s, len);
	l->buf[l->len] = '\0';
}

static void smf_line_str(struct smf_line *l, const char *key, const char *s)
{
	smf_line_kv(l, key, s, strlen(s));
}

static void smf_line_text(struct smf_line *l, const char *key, struct smf_text t)
{
	smf_line_kv(l, key, t.p, t.len);
}

static const char *smf_reloc_key(unsigned type, char *buf, size_t len)
{
	static const char *const names[] = {NULL, "CLASS", "RESOURCE", "LOG", "PROFILE"};
	if (type >= SMF_R_CLASS && type <= SMF_R_PROFILE)
		return names[type];
	snprintf(buf, len, "R%u", type);
	return buf;
}

char *smf_unload_line(const struct smf_record *rec)
{
	struct smf_line l = {0};
	char num[32], link[17];
	const struct smf_time *w = &rec->when;
	smf_line_room(&l, 64);
	if (l.oom)
		return NULL;
	l.len = (size_t)snprintf(
	        l.buf, l.cap, "%04d-%02d-%02d %02u:%02u:%02u.%02u", w->year, w->month, w->day,
	        (unsigned)(w->hundredths / 360000), (unsigned)(w->hundredths / 6000 % 60),
	        (unsigned)(w->hundredths / 100 % 60), (unsigned)(w->hundredths % 100));
	smf_line_text(&l, "SID", rec->sid);
	snprintf(num, sizeof num, "%u", rec->subtype);
	smf_line_str(&l, "SUBTYPE", num);
	for (size_t i = 0; i < sizeof rec->link; i++)
		snprintf(link + 2 * i, 3, "%02X", rec->link[i]);
	smf_line_str(&l, "LINK", link);
	snprintf(num, sizeof num, "%u", rec->event);
	smf_line_str(&l, "EVENT", num);
	snprintf(num, sizeof num, "%u", rec->qualifier);
	smf_line_str(&l, "QUAL", num);
	smf_line_str(&l, "VIOL", rec->des & SMF_DES_VIOLATION ? "Y" : "N");
	smf_line_str(&l, "WARN", rec->des & SMF_DES_WARNING ? "Y" : "N");
	smf_line_str(&l, "TRUNC", rec->des & SMF_DES_TRUNCATED ? "Y" : "N");
	smf_line_text(&l, "USER", rec->user);
	smf_line_text(&l, "GROUP", rec->group);
	smf_line_text(&l, "JOB", rec->jobname);
	smf_line_text(&l, "COMPONENT", rec->component);
	smf_line_text(&l, "FMID", rec->fmid);
	for (size_t i = 0; i < rec->nrelocs; i++)
		smf_line_text(&l, smf_reloc_key(rec->relocs[i].type, num, sizeof num),
		              rec->relocs[i].value);
	if (l.oom) {
		free(l.buf);
		return NULL;
	}
	return l.buf;
}
