/* certdiag.c - why a TLS server certificate was refused: read its names and dates
 * (liblber), compare them with the server name and the clock (see certdiag.h). */
#include <arpa/inet.h>
#include <lber.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "certdiag.h"

static int two(const char *p)
{
	return p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9'
	               ? (p[0] - '0') * 10 + (p[1] - '0')
	               : -1000;
}

/* UTCTime (0x17) YYMMDDHHMMSSZ or GeneralizedTime (0x18) YYYYMMDDHHMMSSZ. */
static time_t der_time(ber_tag_t tag, const struct berval *v)
{
	struct tm tm = {0};
	const char *p = v->bv_val;
	int year;

	if (tag == 0x17 && v->bv_len >= 13) {
		year = two(p);
		year += year < 50 ? 2000 : 1900;
		p += 2;
	} else if (tag == 0x18 && v->bv_len >= 15) {
		year = two(p) * 100 + two(p + 2);
		p += 4;
	} else {
		return (time_t)-1;
	}
	tm.tm_year = year - 1900;
	tm.tm_mon = two(p) - 1;
	tm.tm_mday = two(p + 2);
	tm.tm_hour = two(p + 4);
	tm.tm_min = two(p + 6);
	tm.tm_sec = two(p + 8);
	return year < 1950 || tm.tm_mon < 0 || tm.tm_sec < 0 ? (time_t)-1 : timegm(&tm);
}

static void dn_string(struct berval *raw, char *out, size_t len)
{
	struct berval dn = {0};

	if (ldap_X509dn2bv(raw, &dn, NULL, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && dn.bv_val)
		snprintf(out, len, "%s", dn.bv_val);
	else
		snprintf(out, len, "?");
	ber_memfree(dn.bv_val);
}

bool cert_host_matches(const char *pattern, size_t n, const char *host)
{
	const char *dot = strchr(host, '.');

	if (n == strlen(host) && strncasecmp(pattern, host, n) == 0)
		return true;
	/* "*.example.com" covers exactly one label */
	return n > 2 && pattern[0] == '*' && pattern[1] == '.' && dot && strlen(dot) == n - 1 &&
	       strncasecmp(pattern + 1, dot, n - 1) == 0;
}

/* One GeneralName of subjectAltName: dNSName [2] or iPAddress [7]. */
static void add_name(struct cert_info *pc, ber_tag_t tag, const struct berval *v,
                     const char *server)
{
	char ip[INET6_ADDRSTRLEN] = "", mine[16];
	size_t used = strlen(pc->names);
	int fam = v->bv_len == 4 ? AF_INET : AF_INET6;

	if (tag == 0x82) {
		snprintf(pc->names + used, sizeof(pc->names) - used, "%sDNS:%.*s", used ? " " : "",
		         (int)v->bv_len, v->bv_val);
		pc->name_ok = pc->name_ok || cert_host_matches(v->bv_val, v->bv_len, server);
	} else if (tag == 0x87 && (v->bv_len == 4 || v->bv_len == 16)) {
		inet_ntop(fam, v->bv_val, ip, sizeof(ip));
		snprintf(pc->names + used, sizeof(pc->names) - used, "%sIP:%s", used ? " " : "",
		         ip);
		pc->name_ok = pc->name_ok || (inet_pton(fam, server, mine) == 1 &&
		                              memcmp(mine, v->bv_val, v->bv_len) == 0);
	} else {
		return;
	}
	pc->has_names = true;
}

/* The subjectAltName extension's value (a SEQUENCE OF GeneralName). */
static void read_san(struct cert_info *pc, struct berval *value, const char *server)
{
	BerElement *b = ber_init(value);
	struct berval v;
	ber_len_t len;
	ber_tag_t tag;

	if (b && ber_skip_tag(b, &len) == 0x30)
		while ((tag = ber_skip_element(b, &v)) != LBER_DEFAULT)
			add_name(pc, tag, &v, server);
	if (b)
		ber_free(b, 1);
}

/* extensions [3] EXPLICIT SEQUENCE OF Extension { OID, BOOLEAN?, OCTET STRING } */
static void read_extensions(struct cert_info *pc, struct berval *wrapped, const char *server)
{
	static const char san_oid[] = {0x55, 0x1d, 0x11}; /* 2.5.29.17 */
	BerElement *b = ber_init(wrapped);
	struct berval ext, oid, value;
	ber_len_t len;

	if (!b || ber_skip_tag(b, &len) != 0x30) {
		if (b)
			ber_free(b, 1);
		return;
	}
	while (ber_skip_element(b, &ext) != LBER_DEFAULT) {
		BerElement *e = ber_init(&ext);

		if (e && ber_skip_element(e, &oid) == 0x06 && oid.bv_len == sizeof(san_oid) &&
		    memcmp(oid.bv_val, san_oid, sizeof(san_oid)) == 0) {
			if (ber_peek_tag(e, &len) == 0x01)
				ber_skip_element(e, &value);
			if (ber_skip_element(e, &value) == 0x04)
				read_san(pc, &value, server);
		}
		if (e)
			ber_free(e, 1);
	}
	ber_free(b, 1);
}

/* Certificate { tbsCertificate { [0] version?, serial, signature, issuer,
 * validity { notBefore, notAfter }, subject, spki, ..., [3] extensions } } */
bool cert_read(const unsigned char *der, size_t n, const char *server, struct cert_info *pc)
{
	struct berval whole = {.bv_len = n, .bv_val = (char *)der};
	BerElement *b = ber_init(&whole);
	struct berval v, issuer, subject;
	ber_len_t len;
	ber_tag_t tag;
	bool ok = false;

	memset(pc, 0, sizeof(*pc));
	if (!b)
		return false;
	/* Each ber_skip_* call consumes the next element: the "equivalent"
	 * sides clang-tidy sees are two different fields. */
	// NOLINTNEXTLINE(misc-redundant-expression)
	if (ber_skip_tag(b, &len) == 0x30 && ber_skip_tag(b, &len) == 0x30) {
		if (ber_peek_tag(b, &len) == 0xa0)
			ber_skip_element(b, &v);
		// NOLINTNEXTLINE(misc-redundant-expression)
		ok = ber_skip_element(b, &v) != LBER_DEFAULT &&
		     ber_skip_element(b, &v) != LBER_DEFAULT && ber_skip_raw(b, &issuer) == 0x30 &&
		     ber_skip_tag(b, &len) == 0x30;
		if (ok) {
			tag = ber_skip_element(b, &v);
			pc->not_before = der_time(tag, &v);
			tag = ber_skip_element(b, &v);
			pc->not_after = der_time(tag, &v);
			ok = ber_skip_raw(b, &subject) == 0x30 &&
			     ber_skip_element(b, &v) != LBER_DEFAULT;
		}
		while (ok && (tag = ber_skip_element(b, &v)) != LBER_DEFAULT && tag != 0x30)
			if (tag == 0xa3)
				read_extensions(pc, &v, server);
		if (ok) {
			dn_string(&issuer, pc->issuer, sizeof(pc->issuer));
			dn_string(&subject, pc->subject, sizeof(pc->subject));
		}
	}
	ber_free(b, 1);
	return ok;
}

static void day(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (t == (time_t)-1 || !gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, len, "?");
}

void cert_verdict(const struct cert_info *pc, const char *server, const char *ca_file,
                  const char *ca_dir, time_t now, char *out, size_t len)
{
	char a[40], b[40];

	day(pc->not_before, a, sizeof(a));
	day(pc->not_after, b, sizeof(b));
	if (pc->not_after != (time_t)-1 && now > pc->not_after)
		snprintf(out, len,
		         "the server's certificate (%s) expired on %s: renew it on the server",
		         pc->subject, b);
	else if (pc->not_before != (time_t)-1 && now < pc->not_before)
		snprintf(out, len,
		         "the server's certificate (%s) is not valid before %s: check the clocks",
		         pc->subject, a);
	else if (pc->has_names && !pc->name_ok)
		snprintf(out, len,
		         "the server's certificate is for %s, not for '%s': set 'server' to one of "
		         "those names, or reissue the certificate",
		         pc->names, server);
	else
		snprintf(out, len,
		         "the server's certificate (%s) is issued by '%s', which is not a CA we "
		         "trust: put that CA's certificate into tls_ca_file (%s)",
		         pc->subject, pc->issuer,
		         ca_file && *ca_file ? ca_file
		         : ca_dir && *ca_dir ? "or tls_ca_dir"
		                             : "none set: the system store was used");
}
