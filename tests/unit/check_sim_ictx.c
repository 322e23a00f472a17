/* check_sim_ictx.c: the simulator's ICTX decoder and judge against ictx-protocol.md §4-§6, §8-§9.
 */
#include "zr-autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_der.h"
#include "sim/sim_ictx.h"
#include "spec_vector.h"

/* ---- a tiny DER writer for building test requests field by field ---- */

struct blob {
	unsigned char b[32768];
	size_t n;
};

static void put(struct blob *x, const void *p, size_t n)
{
	ck_assert_uint_le(x->n + n, sizeof x->b);
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

static void tlv(struct blob *x, unsigned tag, const void *p, size_t n)
{
	unsigned char h[4] = {(unsigned char)tag};
	size_t hl = 2;
	if (n < 0x80) {
		h[1] = (unsigned char)n;
	} else if (n < 0x100) {
		h[1] = 0x81;
		h[2] = (unsigned char)n;
		hl = 3;
	} else {
		h[1] = 0x82;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	}
	put(x, h, hl);
	put(x, p, n);
}

static void integer(struct blob *x, int64_t v)
{
	unsigned char c[8];
	size_t n = 8;
	for (int i = 7; i >= 0; i--, v >>= 8)
		c[i] = (unsigned char)(v & 0xff);
	size_t k = 0;
	while (k < 7 &&
	       ((c[k] == 0x00 && !(c[k + 1] & 0x80)) || (c[k] == 0xff && (c[k + 1] & 0x80))))
		k++;
	tlv(x, 0x02, c + k, n - k);
}

struct item_def {
	int64_t version, tag;
	const char *link;
	size_t linklen;
	bool violation;
	int64_t event, qualifier;
	const char *cls, *res, *log;
	size_t nrel;
	int64_t rtype[4];
	const char *rval[4];
	/* raw[f] replaces field f's whole element (raw[ICTX_F_ITEM] the whole Item) */
	const unsigned char *raw[14];
	size_t rawlen[14];
	const unsigned char *extra; /* appended inside the Item */
	size_t extralen;
};

#define RAW(d, f, ...)                                                                             \
	do {                                                                                       \
		static const unsigned char raw_[] = {__VA_ARGS__};                                 \
		(d).raw[f] = raw_;                                                                 \
		(d).rawlen[f] = sizeof raw_;                                                       \
	} while (0)

static struct item_def item_default(void)
{
	struct item_def d = {.version = 1,
	                     .tag = 1,
	                     .link = "\x00\x00\x12\x34\x00\x00\x00\x00",
	                     .linklen = 8,
	                     .event = 2,
	                     .cls = "@LINUX",
	                     .res = "SYSCALL",
	                     .log = "Linux (h): type: SYSCALL",
	                     .nrel = 2,
	                     .rtype = {113, 114},
	                     .rval = {"Thu Jan  1 00:00:00 1970", "arch=x86_64"}};
	return d;
}

static bool use_raw(struct blob *x, const struct item_def *d, enum ictx_field f)
{
	if (!d->raw[f])
		return false;
	put(x, d->raw[f], d->rawlen[f]);
	return true;
}

static void build_item(struct blob *out, const struct item_def *d)
{
	static struct blob it, dfl, df;
	if (use_raw(out, d, ICTX_F_ITEM))
		return;
	it.n = dfl.n = 0;
	if (!use_raw(&it, d, ICTX_F_ITEMVERSION))
		integer(&it, d->version);
	if (!use_raw(&it, d, ICTX_F_ITEMTAG))
		integer(&it, d->tag);
	if (!use_raw(&it, d, ICTX_F_LINK))
		tlv(&it, 0x04, d->link, d->linklen);
	if (!use_raw(&it, d, ICTX_F_VIOLATION))
		tlv(&it, 0x01, d->violation ? "\xff" : "\x00", 1);
	if (!use_raw(&it, d, ICTX_F_EVENT))
		integer(&it, d->event);
	if (!use_raw(&it, d, ICTX_F_QUALIFIER))
		integer(&it, d->qualifier);
	if (!use_raw(&it, d, ICTX_F_CLASS))
		tlv(&it, 0x16, d->cls, strlen(d->cls));
	if (!use_raw(&it, d, ICTX_F_RESOURCE))
		tlv(&it, 0x16, d->res, strlen(d->res));
	if (!use_raw(&it, d, ICTX_F_LOGSTRING))
		tlv(&it, 0x16, d->log, strlen(d->log));
	if (!use_raw(&it, d, ICTX_F_DFLIST)) {
		for (size_t i = 0; i < d->nrel; i++) {
			df.n = 0;
			integer(&df, d->rtype[i]);
			tlv(&df, 0x16, d->rval[i], strlen(d->rval[i]));
			if (i != 0 || !use_raw(&dfl, d, ICTX_F_DATAFIELD))
				tlv(&dfl, 0x30, df.b, df.n);
		}
		tlv(&it, 0x30, dfl.b, dfl.n);
	}
	if (d->extra)
		put(&it, d->extra, d->extralen);
	tlv(out, 0x30, it.b, it.n);
}

static void build_request(struct blob *out, int64_t version, const struct item_def *items, size_t n)
{
	static struct blob body, list;
	out->n = body.n = list.n = 0;
	for (size_t i = 0; i < n; i++)
		build_item(&list, &items[i]);
	integer(&body, version);
	tlv(&body, 0x30, list.b, list.n);
	tlv(out, 0x30, body.b, body.n);
}

/* ---- running the judge ---- */

static struct racf racf;
static struct ictx_policy policy;
static struct blob req;
static struct ictx_result res;

static void load_profiles(const char *text)
{
	char err[256];
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(racf_parse_profiles(&racf, f, "test", err, sizeof err) == 0, "%s", err);
	fclose(f);
}

static void setup(void)
{
	memset(&racf, 0, sizeof racf);
	load_profiles("* all\nNOPE none\nWARN all warning\nFAIL failures\n");
	policy = (struct ictx_policy){.racf = &racf,
	                              .remote_audit = true,
	                              .rauditx = true,
	                              .max_value = ICTX_VALUE_DEFAULT};
	memset(&res, 0, sizeof res);
}

static void teardown(void)
{
	ictx_result_free(&res);
	racf_free(&racf);
}

static const struct ictx_result *run_blob(const struct blob *b)
{
	ictx_result_free(&res);
	ck_assert_int_eq(ictx_process(&policy, b->b, b->n, &res), 0);
	return &res;
}

static const struct ictx_item *run_one(const struct item_def *d)
{
	build_request(&req, 1, d, 1);
	run_blob(&req);
	ck_assert_msg(res.ldap_result == 0, "ldap_result %d: %s", res.ldap_result, res.reason);
	ck_assert_uint_eq(res.nitems, 1);
	ck_assert_uint_eq(res.nanswered, 1);
	ck_assert_int_eq(res.code, res.items[0].major);
	return &res.items[0];
}

static void expect(const struct ictx_item *it, int major, int m1, int m2)
{
	ck_assert_msg(it->major == major && it->minor1 == m1 && it->minor2 == m2,
	              "got %d/%d/%d (%s), want %d/%d/%d", it->major, it->minor1, it->minor2,
	              it->reason, major, m1, m2);
}

static bool span_is(const struct ictx_span *s, const char *want)
{
	return s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

/* ---- the §5 wire example ---- */

START_TEST(test_spec_vector)
{
	ck_assert_uint_eq(sizeof spec_vector, 0x80);
	ictx_result_free(&res);
	ck_assert_int_eq(ictx_process(&policy, spec_vector, sizeof spec_vector, &res), 0);
	ck_assert_int_eq(res.ldap_result, 0);
	ck_assert_int_eq(res.code, 0);
	ck_assert_uint_eq(res.nitems, 1);
	ck_assert_uint_eq(res.nanswered, 1);
	const struct ictx_item *it = &res.items[0];
	ck_assert_int_eq(it->version, 1);
	ck_assert_int_eq(it->tag, 1);
	ck_assert_mem_eq(it->link, "\x00\x00\x12\x34\x00\x00\x00\x00", 8);
	ck_assert(!it->violation);
	ck_assert_int_eq(it->event, 2);
	ck_assert_int_eq(it->qualifier, 0);
	ck_assert(span_is(&it->cls, "@LINUX"));
	ck_assert(span_is(&it->resource, "SYSCALL"));
	ck_assert(span_is(&it->logstring, "Linux (h): type: SYSCALL"));
	ck_assert_uint_eq(it->nrelocs, 2);
	ck_assert_int_eq(it->relocs[0].type, 113);
	ck_assert(span_is(&it->relocs[0].value, "Thu Jan  1 00:00:00 1970"));
	ck_assert_int_eq(it->relocs[1].type, 114);
	ck_assert(span_is(&it->relocs[1].value, "arch=x86_64"));
	ck_assert_uint_eq(it->have, (1u << 14) - 2); /* every field but "Item" itself */
	expect(it, 0, 0, 0);
	ck_assert_str_eq(it->profile->name, "*");
	/* and the test's own builder produces the same bytes */
	struct item_def d = item_default();
	build_request(&req, 1, &d, 1);
	ck_assert_uint_eq(req.n, sizeof spec_vector);
	ck_assert_mem_eq(req.b, spec_vector, sizeof spec_vector);
}
END_TEST

/* ---- MajorCodes from RACF and authority ---- */

START_TEST(test_major_racf)
{
	struct item_def d = item_default();
	d.res = "WARN";
	expect(run_one(&d), 2, 0, 0);
	d.res = "NOPE";
	const struct ictx_item *it = run_one(&d);
	expect(it, 3, 0, 0);
	ck_assert_str_eq(it->reason, "profile NOPE has AUDIT(NONE)");
	d.res = "FAIL";
	expect(run_one(&d), 3, 0, 0);
	d.violation = true;
	expect(run_one(&d), 0, 0, 0);
	d.cls = "@OTHER";
	expect(run_one(&d), 4, 0, 0);
	static const char *const classes[] = {"@OTHER"};
	policy.classes = classes;
	policy.nclasses = 1;
	expect(run_one(&d), 0, 0, 0);
	racf_free(&racf);
	load_profiles("AVC all\n");
	d = item_default();
	it = run_one(&d);
	expect(it, 4, 0, 0);
	ck_assert_ptr_null(it->profile);
}
END_TEST

START_TEST(test_major_authority)
{
	struct item_def d = item_default();
	policy.rauditx = false;
	const struct ictx_item *it = run_one(&d);
	ck_assert_int_eq(it->major, 8);
	ck_assert_int_eq(it->minor1, 8); /* R_auditx SAF/RACF return codes */
	ck_assert_int_eq(it->minor2, 8);
	policy.remote_audit = false;
	expect(run_one(&d), 24, 0, 0);
	/* syntax is checked before authority */
	d.event = 9;
	expect(run_one(&d), 16, 5, 36);
}
END_TEST

START_TEST(test_request_codes)
{
	struct item_def d = item_default();
	build_request(&req, 2, &d, 1);
	run_blob(&req);
	ck_assert_int_eq(res.ldap_result, 0);
	ck_assert_int_eq(res.code, 61);
	ck_assert_uint_eq(res.nanswered, 0);
	build_request(&req, 1, NULL, 0);
	run_blob(&req);
	ck_assert_int_eq(res.ldap_result, 0);
	ck_assert_int_eq(res.code, 28);
	ck_assert_uint_eq(res.nanswered, 0);
	/* ResponseCode is the highest MajorCode; a 16 does not stop the items after it */
	struct item_def three[3] = {item_default(), item_default(), item_default()};
	three[0].res = "NOPE";
	three[1].qualifier = 7;
	three[2].tag = 3;
	build_request(&req, 1, three, 3);
	run_blob(&req);
	ck_assert_int_eq(res.code, 16);
	ck_assert_uint_eq(res.nanswered, 3);
	ck_assert_int_eq(res.items[0].major, 3);
	ck_assert_int_eq(res.items[1].major, 16);
	ck_assert_int_eq(res.items[2].major, 0);
	ck_assert_int_eq(res.items[2].tag, 3);
}
END_TEST

/* ---- MajorCode 16: lengths (32) and values (36) ---- */

static char *repeat(char c, size_t n)
{
	static char buf[4][2048];
	static int k;
	char *s = buf[k++ % 4];
	ck_assert_uint_lt(n, sizeof buf[0]);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(test_lengths)
{
	struct item_def d = item_default();
	d.linklen = 7;
	expect(run_one(&d), 16, 3, 32);
	d = item_default();
	d.link = "123456789";
	d.linklen = 9;
	expect(run_one(&d), 16, 3, 32);
	d = item_default();
	d.cls = "";
	expect(run_one(&d), 16, 7, 32);
	d.cls = "@LINUXABC";
	expect(run_one(&d), 16, 7, 32);
	d.cls = "@LINUXAB";
	expect(run_one(&d), 4, 0, 0); /* 8 is a legal length, but not an active class */
	d = item_default();
	d.res = repeat('R', 241);
	const struct ictx_item *it = run_one(&d);
	expect(it, 16, 8, 32);
	ck_assert_str_eq(it->reason, "Resource length 241 > 240");
	d.res = repeat('R', 240);
	expect(run_one(&d), 0, 0, 0);
	d.res = "";
	expect(run_one(&d), 16, 8, 32);
	d = item_default();
	d.log = repeat('L', 201);
	expect(run_one(&d), 16, 9, 32);
	d.log = repeat('L', 200);
	expect(run_one(&d), 0, 0, 0);
	d.log = "";
	expect(run_one(&d), 16, 9, 32);
	d = item_default();
	d.rval[1] = repeat('v', 1025);
	expect(run_one(&d), 16, 13, 32);
	d.rval[1] = repeat('v', 1024);
	expect(run_one(&d), 0, 0, 0);
	policy.max_value = 10;
	d.rval[1] = "arch=x86_64"; /* 11 */
	expect(run_one(&d), 16, 13, 32);
	d.rval[1] = "";
	expect(run_one(&d), 16, 13, 32);
}
END_TEST

START_TEST(test_values)
{
	struct item_def d = item_default();
	d.version = 2;
	expect(run_one(&d), 16, 1, 36);
	d = item_default();
	d.tag = -1;
	expect(run_one(&d), 16, 2, 36);
	d.tag = 2147483648LL;
	expect(run_one(&d), 16, 2, 36);
	d.tag = 2147483647LL;
	expect(run_one(&d), 0, 0, 0);
	d = item_default();
	d.event = 0;
	expect(run_one(&d), 16, 5, 36);
	d.event = 8;
	expect(run_one(&d), 16, 5, 36);
	d.event = 7;
	expect(run_one(&d), 0, 0, 0);
	d = item_default();
	d.qualifier = 4;
	expect(run_one(&d), 16, 6, 36);
	d.qualifier = -1;
	expect(run_one(&d), 16, 6, 36);
	d = item_default();
	d.rtype[0] = 101;
	expect(run_one(&d), 16, 12, 36);
	d.rtype[0] = 115;
	expect(run_one(&d), 16, 12, 36);
	d.rtype[0] = 102;
	expect(run_one(&d), 0, 0, 0);
	d = item_default();
	d.res = "SYS\tCALL";
	expect(run_one(&d), 16, 8, 36);
	d.res = "SYSCALL\x7f";
	expect(run_one(&d), 16, 8, 36);
	/* a 9-octet INTEGER is valid DER but no ItemTag */
	d = item_default();
	RAW(d, ICTX_F_ITEMTAG, 0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0);
	expect(run_one(&d), 16, 2, 36);
}
END_TEST

/* ---- MajorCode 20: not DER, not IA5, wrong tags ---- */

START_TEST(test_encoding_errors)
{
	struct item_def d = item_default();
	RAW(d, ICTX_F_VIOLATION, 0x01, 0x01, 0x01); /* BER TRUE */
	expect(run_one(&d), 20, 4, 40);
	d = item_default();
	RAW(d, ICTX_F_EVENT, 0x02, 0x02, 0x00, 0x02); /* non-minimal INTEGER */
	expect(run_one(&d), 20, 5, 40);
	d = item_default();
	RAW(d, ICTX_F_RESOURCE, 0x16, 0x81, 0x03, 'A', 'V', 'C'); /* non-minimal length */
	expect(run_one(&d), 20, 8, 40);
	d = item_default();
	RAW(d, ICTX_F_CLASS, 0x04, 0x06, '@', 'L', 'I', 'N', 'U', 'X'); /* OCTET STRING */
	expect(run_one(&d), 20, 7, 40);
	d = item_default();
	d.log = "caf\xc3\xa9";
	expect(run_one(&d), 20, 9, 40);
	d = item_default();
	RAW(d, ICTX_F_DATAFIELD, 0x31, 0x03, 0x02, 0x01, 0x71); /* SET, not SEQUENCE */
	expect(run_one(&d), 20, 11, 40);
	d = item_default();
	RAW(d, ICTX_F_DATAFIELD, 0x30, 0x05, 0x02, 0x01, 0x71, 0x04, 0x00);
	expect(run_one(&d), 20, 13, 40);
	d = item_default();
	RAW(d, ICTX_F_DATAFIELD, 0x30, 0x06, 0x02, 0x01, 0x71, 0x16, 0x01, 'x', 0x05, 0x00);
	ck_assert_int_eq(run_one(&d)->major, 20); /* a DataField with a third element */
	d = item_default();
	RAW(d, ICTX_F_QUALIFIER); /* missing */
	expect(run_one(&d), 20, 6, 40);
	d = item_default();
	RAW(d, ICTX_F_DFLIST, 0x04, 0x00);
	expect(run_one(&d), 20, 10, 40);
	d = item_default();
	static const unsigned char trailing[] = {0x05, 0x00};
	d.extra = trailing;
	d.extralen = sizeof trailing;
	expect(run_one(&d), 20, 0, 40);
	d = item_default();
	RAW(d, ICTX_F_ITEM, 0x31, 0x00); /* an Item that is not a SEQUENCE */
	expect(run_one(&d), 20, 0, 40);
	d = item_default();
	RAW(d, ICTX_F_ITEM, 0x30, 0x80, 0x00, 0x00); /* indefinite length */
	expect(run_one(&d), 20, 0, 40);
	d = item_default();
	RAW(d, ICTX_F_ITEMVERSION, 0x02, 0x81, 0x01, 0x01); /* non-minimal length, first field */
	expect(run_one(&d), 20, 1, 40);
}
END_TEST

START_TEST(test_enc_err_stops_request)
{
	struct item_def d[3] = {item_default(), item_default(), item_default()};
	d[0].tag = 10;
	d[1].tag = 11;
	RAW(d[1], ICTX_F_VIOLATION, 0x01, 0x01, 0x01);
	d[2].tag = 12;
	build_request(&req, 1, d, 3);
	run_blob(&req);
	ck_assert_int_eq(res.ldap_result, 0);
	ck_assert_int_eq(res.code, 20);
	ck_assert_uint_eq(res.nitems, 3);
	ck_assert_uint_eq(res.nanswered, 2);
	ck_assert_int_eq(res.items[0].major, 0);
	expect(&res.items[1], 20, 4, 40);
	ck_assert_int_eq(res.items[1].tag, 11);
}
END_TEST

/* ---- a value that is not a request at all: LDAP protocolError ---- */

START_TEST(test_not_a_request)
{
	struct item_def d = item_default();
	build_request(&req, 1, &d, 1);
	struct blob b = req;
	b.b[b.n++] = 0x00; /* trailing garbage */
	ck_assert_int_eq(run_blob(&b)->ldap_result, 2);
	ck_assert_int_eq(res.code, -1);
	ck_assert_ptr_nonnull(strstr(res.reason, "trailing garbage"));
	b = req;
	b.n -= 5; /* truncated */
	ck_assert_int_eq(run_blob(&b)->ldap_result, 2);
	b = req;
	b.b[0] = 0x31;
	ck_assert_int_eq(run_blob(&b)->ldap_result, 2);
	b.n = 0;
	ck_assert_int_eq(run_blob(&b)->ldap_result, 2);
	static const struct blob nonmin_version = {{0x30, 0x06, 0x02, 0x02, 0x00, 0x01, 0x30, 0x00},
	                                           8};
	ck_assert_int_eq(run_blob(&nonmin_version)->ldap_result, 2);
	static const struct blob indefinite = {
	        {0x30, 0x80, 0x02, 0x01, 0x01, 0x30, 0x00, 0x00, 0x00}, 9};
	ck_assert_int_eq(run_blob(&indefinite)->ldap_result, 2);
	static const struct blob long_outer = {{0x30, 0x81, 0x05, 0x02, 0x01, 0x01, 0x30, 0x00}, 8};
	ck_assert_int_eq(run_blob(&long_outer)->ldap_result, 2);
	static const struct blob extra = {{0x30, 0x07, 0x02, 0x01, 0x01, 0x30, 0x00, 0x05, 0x00},
	                                  9};
	ck_assert_int_eq(run_blob(&extra)->ldap_result, 2);
}
END_TEST

/* ---- the response value ---- */

START_TEST(test_response_encoding)
{
	struct item_def d[2] = {item_default(), item_default()};
	d[0].tag = 77;
	d[1].tag = 78;
	d[1].res = repeat('R', 300);
	build_request(&req, 1, d, 2);
	run_blob(&req);
	unsigned char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(ictx_encode_response(&res, &out, &len), 0);
	struct der_reader r, body, list, item;
	int64_t v[6];
	der_init(&r, out, len);
	ck_assert_int_eq(der_expect(&r, DER_SEQUENCE, &body), DER_OK);
	ck_assert(der_at_end(&r));
	ck_assert_int_eq(der_read_int(&body, &v[0]), DER_OK);
	ck_assert_int_eq(v[0], 1);
	ck_assert_int_eq(der_read_int(&body, &v[0]), DER_OK);
	ck_assert_int_eq(v[0], 16);
	ck_assert_int_eq(der_expect(&body, DER_SEQUENCE, &list), DER_OK);
	static const int64_t want[2][6] = {{1, 77, 0, 0, 0, 0}, {1, 78, 16, 8, 32, 0}};
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(der_expect(&list, DER_SEQUENCE, &item), DER_OK);
		for (int k = 0; k < 6; k++) {
			ck_assert_int_eq(der_read_int(&item, &v[k]), DER_OK);
			ck_assert_int_eq(v[k], want[i][k]);
		}
		ck_assert(der_at_end(&item));
	}
	ck_assert(der_at_end(&list));
	free(out);
	build_request(&req, 1, NULL, 0);
	run_blob(&req);
	ck_assert_int_eq(ictx_encode_response(&res, &out, &len), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_mem_eq(out, "\x30\x08\x02\x01\x01\x02\x01\x1c\x30\x00", 10);
	free(out);
	ck_assert_str_eq(sim_ictx_major_name(20), "ENC_ERR");
	ck_assert_str_eq(sim_ictx_field_name(ICTX_F_VALUE), "VALUE");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_ictx");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spec_vector);
	tcase_add_test(tc, test_major_racf);
	tcase_add_test(tc, test_major_authority);
	tcase_add_test(tc, test_request_codes);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_encoding_errors);
	tcase_add_test(tc, test_enc_err_stops_request);
	tcase_add_test(tc, test_not_a_request);
	tcase_add_test(tc, test_response_encoding);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
