/* mapper.c - one Linux audit event -> remote audit items, per shared/spec/mapping.md. */
#include "mapper.h"
#include "rectext.h"

#include <errno.h>
#include <libaudit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "eventid.h"

#define MAP_DEFAULT_CLASS        "@LINUX"
#define MAP_DEFAULT_FIELD_LENGTH 1024
#define MAP_DEFAULT_ITEM_BYTES   30000
/* DER bytes a DataField adds around its value, at most: SEQUENCE tag and a
 * length of up to 4 bytes, INTEGER 113/114 (3 bytes), IA5String tag and
 * length. */
#define MAP_FIELD_OVERHEAD_MAX 13
/* The shortest part a split relocate carries: one \xHH escape. */
#define MAP_MIN_PART 4

void map_opts_default(struct map_opts *o)
{
	o->class_name = MAP_DEFAULT_CLASS;
	o->hostname = NULL;
	o->event_code = MAP_EVENT_AUTHORIZATION;
	o->violation = MAP_VIOLATION_NEVER;
	o->link = MAP_LINK_SERIAL_TIME;
	o->link_node = true;
	o->max_field_length = MAP_DEFAULT_FIELD_LENGTH;
	o->max_item_bytes = MAP_DEFAULT_ITEM_BYTES;
	o->filter = NULL;
	o->ids = NULL;
}

/* The by_type table (event_code = by_type). One place, so the man page can
 * be written from it; a type not listed is 2 (authorization). */
static const struct {
	const char *type;
	int code;
} map_type_codes[] = {
        /* 1 authentication: logins, PAM authentication and sessions. */
        {"USER_AUTH", 1},
        {"GRP_AUTH", 1},
        {"USER_LOGIN", 1},
        {"USER_LOGOUT", 1},
        {"LOGIN", 1},
        {"USER_START", 1},
        {"USER_END", 1},
        {"USER_ERR", 1},
        {"CRED_ACQ", 1},
        {"CRED_REFR", 1},
        {"CRED_DISP", 1},
        {"ANOM_LOGIN_FAILURES", 1},
        {"ANOM_LOGIN_TIME", 1},
        {"ANOM_LOGIN_SESSIONS", 1},
        {"ANOM_LOGIN_ACCT", 1},
        {"ANOM_LOGIN_LOCATION", 1},
        /* 3 authorization mapping: a user takes another security role. */
        {"USER_ROLE_CHANGE", 3},
        /* 4 key management. */
        {"CRYPTO_KEY_USER", 4},
        {"CRYPTO_SESSION", 4},
        {"CRYPTO_IKE_SA", 4},
        {"CRYPTO_IPSEC_SA", 4},
        {"CRYPTO_PARAM_CHANGE_USER", 4},
        {"MAC_IPSEC_ADDSA", 4},
        {"MAC_IPSEC_DELSA", 4},
        /* 5 policy management: audit rules, MAC policy, firewall, labels. */
        {"CONFIG_CHANGE", 5},
        {"FEATURE_CHANGE", 5},
        {"NETFILTER_CFG", 5},
        {"MAC_POLICY_LOAD", 5},
        {"MAC_STATUS", 5},
        {"MAC_CONFIG_CHANGE", 5},
        {"USER_MAC_POLICY_LOAD", 5},
        {"USER_MAC_CONFIG_CHANGE", 5},
        {"MAC_UNLBL_ALLOW", 5},
        {"MAC_UNLBL_STCADD", 5},
        {"MAC_UNLBL_STCDEL", 5},
        {"MAC_CIPSOV4_ADD", 5},
        {"MAC_CIPSOV4_DEL", 5},
        {"MAC_MAP_ADD", 5},
        {"MAC_MAP_DEL", 5},
        {"MAC_CALIPSO_ADD", 5},
        {"MAC_CALIPSO_DEL", 5},
        {"MAC_IPSEC_ADDSPD", 5},
        {"MAC_IPSEC_DELSPD", 5},
        {"FS_RELABEL", 5},
        /* 6 administrator configuration: daemons, run level, clock, software. */
        {"DAEMON_CONFIG", 6},
        {"USYS_CONFIG", 6},
        {"SYSTEM_RUNLEVEL", 6},
        {"TIME_ADJNTPVAL", 6},
        {"TIME_INJOFFSET", 6},
        {"SOFTWARE_UPDATE", 6},
        /* 7 administrator action: accounts, groups, roles. */
        {"ADD_USER", 7},
        {"DEL_USER", 7},
        {"USER_MGMT", 7},
        {"USER_CHAUTHTOK", 7},
        {"ACCT_LOCK", 7},
        {"ACCT_UNLOCK", 7},
        {"ADD_GROUP", 7},
        {"DEL_GROUP", 7},
        {"GRP_MGMT", 7},
        {"GRP_CHAUTHTOK", 7},
        {"ROLE_ASSIGN", 7},
        {"ROLE_REMOVE", 7},
        {"ROLE_MODIFY", 7},
};

int map_event_code_for_type(const char *type_name)
{
	if (type_name) {
		for (size_t i = 0; i < sizeof(map_type_codes) / sizeof(map_type_codes[0]); i++)
			if (strcmp(map_type_codes[i].type, type_name) == 0)
				return map_type_codes[i].code;
	}
	return ITEM_EVENT_AUTHORIZATION;
}

const char *map_type_table_entry(size_t i, int *code)
{
	if (i >= sizeof(map_type_codes) / sizeof(map_type_codes[0]))
		return NULL;
	*code = map_type_codes[i].code;
	return map_type_codes[i].type;
}

/* map_escape, and with unhide the inverse of map_hide on the way. */
static int escape_bytes(const char *p, size_t n, struct buf *out, bool unhide)
{
	static const char hex[] = "0123456789ABCDEF";

	if (n > (SIZE_MAX - 1) / 4) {
		errno = ENOMEM;
		return -1;
	}
	/* Worst case up front, so the loop below has no checks. */
	if (buf_reserve(out, n * 4 + 1) < 0)
		return -1;
	unsigned char *d = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\\') {
			*d++ = '\\';
			*d++ = '\\';
		} else if (c >= 0x20 && c <= 0x7e) {
			*d++ = c;
		} else {
			if (unhide && c == MAP_HIDE_LEAD && i + 1 < n) {
				unsigned char next = (unsigned char)p[i + 1];
				if (next == 0x80 || next == MAP_HIDE_LEAD) {
					c = next == 0x80 ? 0 : MAP_HIDE_LEAD;
					i++;
				}
			}
			*d++ = '\\';
			*d++ = 'x';
			*d++ = (unsigned char)hex[c >> 4];
			*d++ = (unsigned char)hex[c & 15];
		}
	}
	*d = '\0';
	out->len = (size_t)(d - out->data);
	return 0;
}

int map_escape(const char *p, size_t n, struct buf *out)
{
	return escape_bytes(p, n, out, false);
}

bool map_needs_hide(const char *p, size_t n)
{
	return memchr(p, 0, n) || memchr(p, MAP_HIDE_LEAD, n);
}

size_t map_hide(const char *p, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0 || c == MAP_HIDE_LEAD) {
			out[o++] = (char)MAP_HIDE_LEAD;
			out[o++] = (char)(c == 0 ? 0x80 : MAP_HIDE_LEAD);
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

/* Length of the escape unit at s[i]: 4 for \xHH, 2 for \\, else 1. */
static size_t esc_unit(const char *s, size_t i, size_t len)
{
	if (s[i] != '\\' || i + 1 >= len)
		return 1;
	size_t u = s[i + 1] == 'x' ? 4 : 2;
	return i + u <= len ? u : len - i;
}

size_t map_escaped_cut(const char *s, size_t len, size_t max)
{
	size_t i = 0;
	while (i < len) {
		size_t u = esc_unit(s, i, len);
		if (i + u > max)
			break;
		i += u;
	}
	return i;
}

static size_t der_len_size(size_t n)
{
	size_t k = 1;
	if (n >= 0x80)
		for (size_t v = n; v; v >>= 8)
			k++;
	return k;
}

/* DER size of DataField { INTEGER 113|114, IA5String of n bytes }. */
static size_t der_field_size(size_t n)
{
	size_t inner = 3 + 1 + der_len_size(n) + n;
	return 1 + der_len_size(inner) + inner;
}

/* Formatted by hand: strftime's names follow LC_TIME, ctime's are always
 * English. */
int map_ctime(time_t t, char *out, size_t outlen)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return snprintf(out, outlen, "%lld", (long long)t);
	return snprintf(out, outlen, "%s %s %2d %02d:%02d:%02d %lld", days[tm.tm_wday % 7],
	                months[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	                (long long)tm.tm_year + 1900);
}

/* State of one map_event call. */
struct map_run {
	auparse_state_t *au;
	const struct map_opts *o;
	struct item_list *l;
	struct item_evstate *ev; /* &l->ev: what holds for every item of the event */
	size_t item_bytes;       /* DER size of the current item's relocates */
};

/* What a pass over one part of the event finds. */
struct map_scan {
	bool found;             /* a record other than EOE exists */
	const char *first_type; /* its type name (record_type_name), or NULL */
	size_t first_type_len;
	int first_type_num;
};

static int qualifier_of(const char *name, const char *value)
{
	if (!value)
		return ITEM_QUAL_SUCCESS;
	if (strcmp(name, "success") == 0)
		return strcmp(value, "no") == 0 || strcmp(value, "0") == 0 ? ITEM_QUAL_FAIL
		                                                           : ITEM_QUAL_SUCCESS;
	return strcmp(value, "failed") == 0 || strcmp(value, "0") == 0 ? ITEM_QUAL_FAIL
	                                                               : ITEM_QUAL_SUCCESS;
}

/* The type name of the record auparse is on, *len bytes: libaudit's, or
 * when libaudit has none (a type newer than the library: URINGOP with
 * 3.0.6) the one the record's text gives (rectext.h), so RACF sees the
 * type rather than UNKNOWN[-1]; NULL when neither has one. */
static const char *record_type_name(auparse_state_t *au, size_t *len)
{
	const char *tn = auparse_get_type_name(au);

	*len = 0;
	if (tn) {
		*len = strlen(tn);
		return tn;
	}
	const char *text = auparse_get_record_text(au);
	return text ? rectext_type(text, len) : NULL;
}

/* First pass over a part of the event: the first success= and res= values
 * (kept across parts in ev), the event code, the first record's type. */
static void scan_part(auparse_state_t *au, const struct map_opts *o, struct item_evstate *ev,
                      struct map_scan *s)
{
	s->found = false;
	s->first_type = NULL;
	s->first_type_num = 0;
	if (auparse_first_record(au) <= 0)
		return;
	do {
		if (auparse_get_type(au) == AUDIT_EOE)
			continue;
		size_t tlen = 0;
		const char *tn = record_type_name(au, &tlen);
		if (!s->found) {
			s->found = true;
			s->first_type = tn;
			s->first_type_len = tlen;
			s->first_type_num = auparse_get_type(au);
		}
		/* The first record whose type has its own code decides: the
		 * SYSCALL record of a CONFIG_CHANGE event is policy too. */
		if (o->event_code == MAP_EVENT_BY_TYPE && ev->event == ITEM_EVENT_AUTHORIZATION &&
		    tn && tn[tlen] == '\0')
			ev->event = map_event_code_for_type(tn);
		if (ev->succ_q >= 0 || auparse_first_field(au) <= 0)
			continue;
		do {
			const char *name = auparse_get_field_name(au);
			if (!name)
				continue;
			if (strcmp(name, "success") == 0) {
				ev->succ_q = qualifier_of(name, auparse_get_field_str(au));
				break;
			}
			if (ev->res_q < 0 && strcmp(name, "res") == 0)
				ev->res_q = qualifier_of(name, auparse_get_field_str(au));
		} while (auparse_next_field(au) > 0);
	} while (auparse_next_record(au) > 0);
}

/* Apply the event-wide decisions to every item of the event, including
 * those of earlier parts: one qualifier per event (first success=, else
 * first res=, else info). */
static void settle(struct map_run *r)
{
	struct item_evstate *ev = r->ev;
	int q = ev->succ_q >= 0 ? ev->succ_q : ev->res_q >= 0 ? ev->res_q : ITEM_QUAL_INFO;
	bool violation = r->o->violation == MAP_VIOLATION_FAILURES && q == ITEM_QUAL_FAIL;

	ev->proto.qualifier = (uint8_t)q;
	ev->proto.violation = violation;
	ev->proto.event = (uint8_t)ev->event;
	for (size_t i = 0; i < r->l->nitems; i++) {
		r->l->items[i].qualifier = (uint8_t)q;
		r->l->items[i].violation = violation;
		r->l->items[i].event = (uint8_t)ev->event;
	}
}

/* Append the record type name (tlen bytes) to scratch, or UNKNOWN[n]
 * when there is none. */
static int append_type_name(struct buf *sc, const char *tn, size_t tlen, int num)
{
	char tmp[32];

	if (tn)
		return map_escape(tn, tlen, sc);
	int n = snprintf(tmp, sizeof(tmp), "UNKNOWN[%d]", num);
	return map_escape(tmp, (size_t)n, sc);
}

/* LogString `Linux (<node>): type: <first type>`, cut at 200 characters
 * on an escape boundary: it is a summary, the relocates carry everything. */
static int make_logstring(struct map_run *r, const struct map_scan *s, const char *node)
{
	struct buf *sc = &r->l->scratch;

	if (!node || !*node)
		node = r->o->hostname && *r->o->hostname ? r->o->hostname : "unknown";
	buf_reset(sc);
	if (buf_append(sc, "Linux (", 7) < 0 || map_escape(node, strlen(node), sc) < 0 ||
	    buf_append(sc, "): type: ", 9) < 0 ||
	    append_type_name(sc, s->first_type, s->first_type_len, s->first_type_num) < 0)
		return -1;
	size_t n = map_escaped_cut((const char *)sc->data, sc->len, ITEM_LOGSTRING_MAX);
	return item_list_add_str(r->l, (const char *)sc->data, n, &r->ev->proto.logstring);
}

/* Is auparse's current event the one ev describes? */
static bool same_event(const struct item_list *l, const au_event_t *e)
{
	const struct item_evstate *ev = &l->ev;
	const char *node = e->host ? e->host : "";

	return ev->valid && ev->sec == (long long)e->sec && ev->milli == e->milli &&
	       ev->serial == e->serial && strcmp(item_text(l, ev->node), node) == 0;
}

uint32_t map_node_hash(const char *node, size_t n)
{
	return eventid_node_hash(node, n);
}

uint16_t map_node_tag(const char *node, size_t n)
{
	uint32_t h = map_node_hash(node, n);

	return (uint16_t)((h >> 16) ^ (h & 0xffffU));
}

/* The event's link value (mapping.md LinkValue; mapper.h for the fleet
 * layout). */
static void make_link(const struct map_opts *o, const au_event_t *e, uint8_t link[ITEM_LINK_LEN])
{
	uint32_t serial = (uint32_t)e->serial;
	uint32_t secs = (uint32_t)((unsigned long long)e->sec & 0xffffffffU);

	if (o->link == MAP_LINK_SERIAL_TIME && o->link_node && e->host && *e->host) {
		uint16_t tag = map_node_tag(e->host, strlen(e->host));
		link[0] = (uint8_t)(tag >> 8);
		link[1] = (uint8_t)tag;
		for (int i = 0; i < 3; i++) {
			link[2 + i] = (uint8_t)(serial >> (16 - 8 * i));
			link[5 + i] = (uint8_t)(secs >> (16 - 8 * i));
		}
		return;
	}
	for (int i = 0; i < 4; i++) {
		link[i] = (uint8_t)(serial >> (24 - 8 * i));
		link[4 + i] = o->link == MAP_LINK_SERIAL ? 0 : (uint8_t)(secs >> (24 - 8 * i));
	}
}

/* Item fields shared by every item of the event, and the head relocates. */
static int begin_event(struct map_run *r, const struct map_scan *s, const au_event_t *e)
{
	struct item_evstate *ev = r->ev;
	const struct map_opts *o = r->o;
	char tmp[96];

	memset(&ev->proto, 0, sizeof(ev->proto));
	make_link(o, e, ev->proto.link);
	ev->proto.serial = (uint32_t)e->serial;

	const char *cls = o->class_name ? o->class_name : MAP_DEFAULT_CLASS;
	const char *node = e->host ? e->host : "";
	if (item_list_add_str(r->l, cls, strnlen(cls, ITEM_CLASS_MAX), &ev->proto.class_name) < 0 ||
	    item_list_add_str(r->l, node, strlen(node), &ev->node) < 0 ||
	    make_logstring(r, s, e->host) < 0)
		return -1;

	int n = map_ctime(e->sec, tmp, sizeof(tmp));
	if (item_list_add_str(r->l, tmp, (size_t)n, &ev->head[0]) < 0)
		return -1;
	n = snprintf(tmp, sizeof(tmp), "msg=audit(%lld.%03u:%lu)", (long long)e->sec, e->milli,
	             e->serial);
	if (item_list_add_str(r->l, tmp, (size_t)n, &ev->head[1]) < 0)
		return -1;
	ev->head_bytes = der_field_size(ev->head[0].len) + der_field_size(ev->head[1].len);

	/* A relocate never makes its item exceed max_item_bytes on its own:
	 * the split length is capped by the room the head leaves. */
	ev->field_limit = o->max_field_length;
	if (o->max_item_bytes > ev->head_bytes + MAP_FIELD_OVERHEAD_MAX) {
		size_t room = o->max_item_bytes - ev->head_bytes - MAP_FIELD_OVERHEAD_MAX;
		if (room < ev->field_limit)
			ev->field_limit = room;
	}
	ev->sec = (long long)e->sec;
	ev->milli = e->milli;
	ev->serial = e->serial;
	ev->valid = true;
	return 0;
}

/* Start an item: the event's shared fields, the record's resource, and the
 * head relocates. Continuation items start the same way, so each SMF
 * record stands alone (time and event id in every one). */
static int start_item(struct map_run *r)
{
	long idx = item_list_new_item(r->l);
	if (idx < 0)
		return -1;
	struct item *it = &r->l->items[idx];
	uint32_t first = it->first_field;
	*it = r->ev->proto;
	it->first_field = first;
	it->nfields = 0;
	if (item_list_add_field_str(r->l, ITEM_RELOC_TIMESTAMP, r->ev->head[0]) < 0 ||
	    item_list_add_field_str(r->l, ITEM_RELOC_OTHER, r->ev->head[1]) < 0)
		return -1;
	r->item_bytes = r->ev->head_bytes;
	return 0;
}

/* Add one 114 relocate (p is in scratch, not in the list's text),
 * continuing in a new item when this one would exceed max_item_bytes. An
 * item always takes at least one relocate beyond its head, so mapping
 * makes progress whatever the limits. */
static int emit_field(struct map_run *r, const unsigned char *p, size_t n)
{
	size_t der = der_field_size(n);
	const struct item *cur = &r->l->items[r->l->nitems - 1];

	if (r->item_bytes + der > r->o->max_item_bytes && cur->nfields > 2 && start_item(r) < 0)
		return -1;
	if (item_list_add_field(r->l, ITEM_RELOC_OTHER, (const char *)p, n) < 0)
		return -1;
	r->item_bytes += der;
	return 0;
}

static unsigned digits(size_t n)
{
	unsigned d = 1;
	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Number of parts the escaped value splits into at cap bytes per part. */
static size_t count_parts(const char *v, size_t vlen, size_t cap)
{
	size_t n = 0;
	for (size_t pos = 0; pos < vlen; n++)
		pos += map_escaped_cut(v + pos, vlen - pos, cap);
	return n;
}

/* Scratch holds `name=value` (escaped, total bytes, name nl bytes). Emit
 * it as name[i/n]=part relocates, each at most field_limit bytes with its
 * prefix, never cutting an escape. The parts, concatenated, are the value.
 * A name longer than half the limit (only junk has one) would leave no
 * room for the value, so then the whole text is split, as [i/n]=part of
 * name=value: still lossless, and each relocate within the limit. */
static int emit_split(struct map_run *r, size_t nl, size_t total)
{
	struct buf *sc = &r->l->scratch;
	size_t name = nl, voff = nl + 1, cap, nparts;
	unsigned d = 1;

	if (name > r->ev->field_limit / 2) {
		name = 0;
		voff = 0;
	}
	size_t vlen = total - voff;
	/* The prefix width depends on the number of parts: widen until the
	 * count fits the width assumed (every prefix sized for i = n). */
	for (;;) {
		size_t prefix = name + 4 + 2 * (size_t)d;
		cap = r->ev->field_limit > prefix + MAP_MIN_PART ? r->ev->field_limit - prefix
		                                                 : MAP_MIN_PART;
		nparts = count_parts((const char *)sc->data + voff, vlen, cap);
		if (digits(nparts) <= d)
			break;
		d++;
	}
	/* Reserve once so the pointers below stay valid while parts are
	 * built behind the value. */
	if (buf_reserve(sc, name + 4 + 2 * (size_t)d + cap + 1) < 0)
		return -1;
	size_t pos = 0;
	for (size_t i = 1; i <= nparts; i++) {
		const char *v = (const char *)sc->data + voff;
		size_t c = map_escaped_cut(v + pos, vlen - pos, cap);
		char *o = (char *)sc->data + total;
		memcpy(o, sc->data, name);
		int pl = snprintf(o + name, 4 + 2 * (size_t)d + 1, "[%zu/%zu]=", i, nparts);
		memcpy(o + name + pl, v + pos, c);
		if (emit_field(r, (const unsigned char *)o, name + (size_t)pl + c) < 0)
			return -1;
		pos += c;
	}
	return 0;
}

/* libauparse 3.0.9 returns an unterminated buffer (read past its end) for
 * a proctitle that begins with a NUL byte and then is not hex, such as
 * proctitle=0085gg (found by tests/fuzz). The kernel writes proctitle
 * quoted or as hex digits; anything else is sent as it stands. Decided by
 * the field name: auparse_get_field_type() itself crashes (strcmp on NULL
 * in auparse_interp_adjust_type) on damaged records (found by tests/soak). */
static bool proctitle_unsafe(auparse_state_t *au, const char *name)
{
	const char *raw;

	if (strcmp(name, "proctitle") != 0)
		return false;
	raw = auparse_get_field_str(au);
	if (!raw || raw[0] == '"')
		return false;
	size_t n = strspn(raw, "0123456789ABCDEFabcdef");
	return raw[n] != '\0' || n % 2 != 0;
}

/* auparse_interpret_field(), through the id cache where that gives the
 * same text: a uid or gid field (idcache_field) of a record that carries
 * no interpretations of its own. An ENRICHED record's names come from the
 * host that wrote it (another node may name the same id otherwise), so
 * those always go to auparse. */
static const char *interpret(struct map_run *r, const char *name)
{
	struct idcache *ids = r->o->ids;
	int rtype = auparse_get_type(r->au);

	if (!ids || !idcache_field(rtype, name) || auparse_get_record_interpretations(r->au))
		return auparse_interpret_field(r->au);
	const char *raw = auparse_get_field_str(r->au);
	const char *val = idcache_get(ids, rtype, name, raw);
	if (val)
		return val;
	val = auparse_interpret_field(r->au);
	idcache_put(ids, rtype, name, raw, val);
	return val;
}

/* The byte two hex digits at p stand for (validated by the caller). */
static char hex_byte(const char *p)
{
	unsigned v = 0;

	for (int i = 0; i < 2; i++) {
		char c = p[i];

		v = v << 4 | (unsigned)(c >= '0' && c <= '9'   ? c - '0'
		                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                                               : c - 'a' + 10);
	}
	return (char)(v & 0xff);
}

/* Does val equal the bytes raw's hex digits (n, even) decode to, either up
 * to the first NUL (skip false) or with every NUL left out (skip true)?
 * *lost: NUL bytes (and with a cut, bytes after) that val does not show. */
static bool hex_shows(const char *raw, size_t n, const char *val, bool skip, size_t *lost)
{
	size_t k = 0;

	*lost = 0;
	for (size_t i = 0; i < n; i += 2) {
		char b = hex_byte(raw + i);

		if (!b && !skip) {
			*lost = (n - i) / 2;
			break;
		}
		if (!b) {
			(*lost)++;
			continue;
		}
		if (b != val[k])
			return false;
		k++;
	}
	return val[k] == '\0';
}

/* auparse decodes a hex-encoded value into a C string, so a NUL among its
 * bytes is lost: name=41004200 came out as name=A, name=00410A as A and a
 * newline. When val is such a decoding of raw and more than a trailing NUL
 * went missing, append the whole decoding, escaped, and return 1; 0 when
 * val is not that (an interpretation of another kind, or proctitle, whose
 * NULs auparse turns into blanks); -1 on ENOMEM. */
static int append_hex_cut(const char *raw, const char *val, struct buf *sc)
{
	size_t n = raw ? strlen(raw) : 0, lost;

	if (n < 4 || n % 2 || strspn(raw, "0123456789ABCDEFabcdef") != n)
		return 0;
	bool trailing = raw[n - 2] == '0' && raw[n - 1] == '0';
	if (!((hex_shows(raw, n, val, false, &lost) || hex_shows(raw, n, val, true, &lost)) &&
	      lost > (trailing ? 1u : 0u)))
		return 0;
	char *d = malloc(n / 2);
	if (!d)
		return -1;
	for (size_t i = 0; i < n / 2; i++)
		d[i] = hex_byte(raw + 2 * i);
	int rc = escape_bytes(d, n / 2, sc, false);
	free(d);
	return rc < 0 ? -1 : 1;
}

/* One 114 relocate (or its parts) for the field auparse is on. */
static int map_field(struct map_run *r)
{
	struct buf *sc = &r->l->scratch;
	const char *name = auparse_get_field_name(r->au);
	if (!name)
		name = "";
	buf_reset(sc);
	if (escape_bytes(name, strlen(name), sc, strchr(name, MAP_HIDE_LEAD) != NULL) < 0)
		return -1;
	size_t nl = sc->len;
	/* A value with hidden bytes (map_hide) is a text field: its raw form,
	 * unquoted, is its interpretation, and only that form has the bytes
	 * as the input hid them (a hex field decodes to bytes never hidden). */
	const char *raw = auparse_get_field_str(r->au);
	bool hidden = raw && strchr(raw, MAP_HIDE_LEAD);
	/* The interpretation buffer is reused by auparse's next call:
	 * escaping copies it into scratch at once. */
	const char *val = hidden || proctitle_unsafe(r->au, name) ? NULL : interpret(r, name);
	if (!val)
		val = raw;
	if (!val)
		val = "";
	size_t vlen = strlen(val);
	if (hidden && vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val++;
		vlen -= 2;
	}
	if (buf_append(sc, "=", 1) < 0)
		return -1;
	int cut = hidden || val == raw ? 0 : append_hex_cut(raw, val, sc);
	if (cut < 0 || (cut == 0 && escape_bytes(val, vlen, sc, hidden) < 0))
		return -1;
	if (sc->len <= r->ev->field_limit)
		return emit_field(r, sc->data, sc->len);
	return emit_split(r, nl, sc->len);
}

/* The resource of the record auparse is on: its type name, at most 240
 * characters. libaudit's names are far shorter; the cut only guards the
 * server's Resource limit (a longer one is rejected, VAL_ERR 8/32), and
 * never splits an escape so the name stays readable. */
static int set_resource(struct map_run *r)
{
	struct buf *sc = &r->l->scratch;

	size_t tlen = 0;
	const char *tn = record_type_name(r->au, &tlen);

	buf_reset(sc);
	if (append_type_name(sc, tn, tlen, auparse_get_type(r->au)) < 0)
		return -1;
	size_t n = map_escaped_cut((const char *)sc->data, sc->len, ITEM_RESOURCE_MAX);
	return item_list_add_str(r->l, (const char *)sc->data, n, &r->ev->proto.resource);
}

/* One 114 relocate name=value from the record's text (rectext.h): raw,
 * escaped and split as map_field does. */
static int map_text_field(struct map_run *r, const struct rectext_field *f)
{
	struct buf *sc = &r->l->scratch;

	buf_reset(sc);
	if (escape_bytes(f->name, f->nlen, sc, memchr(f->name, MAP_HIDE_LEAD, f->nlen) != NULL) < 0)
		return -1;
	size_t nl = sc->len;
	if (buf_append(sc, "=", 1) < 0 ||
	    escape_bytes(f->val, f->vlen, sc, memchr(f->val, MAP_HIDE_LEAD, f->vlen) != NULL) < 0)
		return -1;
	if (sc->len <= r->ev->field_limit)
		return emit_field(r, sc->data, sc->len);
	return emit_split(r, nl, sc->len);
}

/* libauparse < 3.1 gave the first RECTEXT_OLD_AUPARSE_FIELDS fields of a
 * longer record and dropped the rest: map those from the text, raw (they
 * have no interpretation; the man page says so). Their place in the text
 * is after the field auparse gave last: the how-many-th of that name. A
 * newer libauparse gives every field; the text then has none after it. */
static int map_text_tail(struct map_run *r)
{
	const char *text = auparse_get_record_text(r->au);
	const char *last = auparse_get_field_name(r->au);
	struct rectext_iter it;
	struct rectext_field f;
	size_t count = 0;

	if (!text || !last || auparse_first_field(r->au) <= 0)
		return 0;
	do {
		const char *n = auparse_get_field_name(r->au);
		count += n && strcmp(n, last) == 0;
	} while (auparse_next_field(r->au) > 0);
	rectext_begin(&it, text);
	if (!rectext_skip_past(&it, last, count))
		return 0;
	while (rectext_next(&it, &f))
		if (map_text_field(r, &f) < 0)
			return -1;
	return 0;
}

static int map_record(struct map_run *r)
{
	if (set_resource(r) < 0 || start_item(r) < 0)
		return -1;
	if (auparse_first_field(r->au) <= 0)
		return 0;
	do {
		if (map_field(r) < 0)
			return -1;
	} while (auparse_next_field(r->au) > 0);
	if (auparse_get_num_fields(r->au) == RECTEXT_OLD_AUPARSE_FIELDS)
		return map_text_tail(r);
	return 0;
}

/* Map the records of the part auparse is on onto the end of l. */
static int map_records(struct map_run *r)
{
	auparse_first_record(r->au);
	do {
		int t = auparse_get_type(r->au);

		if (t != AUDIT_EOE && filter_pass(r->o->filter, t) && map_record(r) < 0)
			return -1;
	} while (auparse_next_record(r->au) > 0);
	settle(r);
	return 0;
}

int map_event(auparse_state_t *au, const struct map_opts *o, struct item_list *l)
{
	struct map_run r = {.au = au, .o = o, .l = l, .ev = &l->ev};
	struct map_scan s;

	item_list_clear(l);
	const au_event_t *e = auparse_get_timestamp(au);
	if (!e) {
		errno = EINVAL;
		return -1;
	}
	/* Our escaping is the only one: auparse's default (TTY) would turn
	 * control bytes into octal before we see them. */
	auparse_set_escape_mode(au, AUPARSE_ESC_RAW);
	l->ev.succ_q = -1;
	l->ev.res_q = -1;
	l->ev.event = ITEM_EVENT_AUTHORIZATION;
	scan_part(au, o, &l->ev, &s);
	if (!s.found)
		return 0; /* nothing but EOE */
	if (begin_event(&r, &s, e) < 0 || map_records(&r) < 0) {
		item_list_clear(l);
		return -1;
	}
	return (int)l->nitems;
}

int map_event_continue(auparse_state_t *au, const struct map_opts *o, struct item_list *l)
{
	struct map_run r = {.au = au, .o = o, .l = l, .ev = &l->ev};
	struct map_scan s;
	const au_event_t *e = auparse_get_timestamp(au);

	if (!e || !same_event(l, e))
		return MAP_OTHER_EVENT;
	auparse_set_escape_mode(au, AUPARSE_ESC_RAW);
	size_t before = l->nitems;
	scan_part(au, o, &l->ev, &s);
	if (!s.found)
		return 0;
	if (map_records(&r) < 0) {
		item_list_clear(l);
		return -1;
	}
	return (int)(l->nitems - before);
}
