/* sim_ictx.c: strict decoder and judge of ICTX remote-audit requests, and the response encoder. */
#include "zr-autoconf.h"

#include "sim_ictx.h"

#include <inttypes.h>
#include <lber.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_der.h"

#define ICTX_LINUX_CLASS "@LINUX"

static const char *const ictx_field_names[] = {
        "Item",  "ItemVersion", "ItemTag",   "LinkValue",     "Violation", "Event", "Qualifier",
        "Class", "Resource",    "LogString", "DataFieldList", "DataField", "TYPE",  "VALUE",
};

const char *sim_ictx_field_name(enum ictx_field f)
{
	if ((size_t)f < sizeof ictx_field_names / sizeof ictx_field_names[0])
		return ictx_field_names[f];
	return "?";
}

const char *sim_ictx_major_name(int major)
{
	switch (major) {
	case ICTX_SUCCESS:
		return "SUCCESS";
	case ICTX_WARNINGMODE:
		return "WARNINGMODE";
	case ICTX_NOTREQ:
		return "NOTREQ";
	case ICTX_UNDETERMINED:
		return "UNDETERMINED";
	case ICTX_UNAUTHORIZED:
		return "UNAUTHORIZED";
	case 12:
		return "RACROUTE";
	case ICTX_VAL_ERR:
		return "VAL_ERR";
	case ICTX_ENC_ERR:
		return "ENC_ERR";
	case ICTX_UNSUF_AUTH:
		return "UNSUF_AUTH";
	case ICTX_EMPTY:
		return "EMPTY";
	case ICTX_INVALID_VER:
		return "INVALID_VER";
	case 100:
		return "INTERNAL_ERR";
	default:
		return "UNKNOWN";
	}
}

__attribute__((format(printf, 5, 6))) static bool
ictx_fail(struct ictx_item *it, int major, enum ictx_field f, int minor2, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	/* clang-analyzer 14 false positive: ap was just started (plugin/config.c too) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	it->major = major;
	it->minor1 = (int)f;
	it->minor2 = minor2;
	it->minor3 = 0;
	snprintf(it->reason, sizeof it->reason, "%s %s", sim_ictx_field_name(f), what);
	return false;
}

/* The next element must exist and carry tag; anything else is an encoding error (20/f/40). */
static bool ictx_expect(struct der_reader *r, unsigned tag, enum ictx_field f, struct ictx_item *it,
                        struct der_reader *c)
{
	if (der_at_end(r))
		return ictx_fail(it, ICTX_ENC_ERR, f, ICTX_MINOR_ENCODING, "missing");
	struct der_tlv t;
	struct der_reader save = *r;
	enum der_err e = der_next(r, &t);
	if (e != DER_OK)
		return ictx_fail(it, ICTX_ENC_ERR, f, ICTX_MINOR_ENCODING, "encoding: %s",
		                 der_strerror(e));
	if (t.tag != tag) {
		*r = save;
		return ictx_fail(it, ICTX_ENC_ERR, f, ICTX_MINOR_ENCODING,
		                 "has tag 0x%02x, expected 0x%02x", t.tag, tag);
	}
	*c = t.content;
	return true;
}

/* An INTEGER within [lo, hi]; out of range is a value error (16/f/36). */
static bool ictx_int(struct der_reader *r, enum ictx_field f, int64_t lo, int64_t hi,
                     struct ictx_item *it, int64_t *v)
{
	struct der_reader c = {0};
	if (!ictx_expect(r, DER_INTEGER, f, it, &c))
		return false;
	enum der_err e = der_int_content(&c, v);
	if (e == DER_INT_RANGE)
		return ictx_fail(it, ICTX_VAL_ERR, f, ICTX_MINOR_VALUE,
		                 "value does not fit in 64 bits (allowed %" PRId64 "..%" PRId64 ")",
		                 lo, hi);
	if (e != DER_OK)
		return ictx_fail(it, ICTX_ENC_ERR, f, ICTX_MINOR_ENCODING, "encoding: %s",
		                 der_strerror(e));
	if (*v < lo || *v > hi)
		return ictx_fail(it, ICTX_VAL_ERR, f, ICTX_MINOR_VALUE,
		                 "value %" PRId64 " outside %" PRId64 "..%" PRId64, *v, lo, hi);
	it->have |= 1u << f;
	return true;
}

/* An IA5String of 1..max characters, all printable ASCII (0x20..0x7E). Bytes above 0x7F are not
 * IA5 at all (an encoding error); control characters are IA5 but not acceptable values. */
static bool ictx_ia5(struct der_reader *r, enum ictx_field f, size_t max, struct ictx_item *it,
                     struct ictx_span *s)
{
	struct der_reader c = {0};
	if (!ictx_expect(r, DER_IA5STRING, f, it, &c))
		return false;
	for (size_t i = 0; i < c.len; i++)
		if (c.p[i] > 0x7f)
			return ictx_fail(it, ICTX_ENC_ERR, f, ICTX_MINOR_ENCODING,
			                 "byte 0x%02x at offset %zu is not IA5", c.p[i], i);
	if (c.len < 1 || c.len > max)
		return ictx_fail(it, ICTX_VAL_ERR, f, ICTX_MINOR_LENGTH, "length %zu %s %zu", c.len,
		                 c.len < 1 ? "<" : ">", c.len < 1 ? (size_t)1 : max);
	for (size_t i = 0; i < c.len; i++)
		if (c.p[i] < 0x20 || c.p[i] == 0x7f)
			return ictx_fail(it, ICTX_VAL_ERR, f, ICTX_MINOR_VALUE,
			                 "control character 0x%02x at offset %zu", c.p[i], i);
	s->p = (const char *)c.p;
	s->len = c.len;
	it->have |= 1u << f;
	return true;
}

static bool ictx_no_trailing(const struct der_reader *r, enum ictx_field f, struct ictx_item *it)
{
	if (der_at_end(r))
		return true;
	return ictx_fail(it, ICTX_ENC_ERR, f, ICTX_MINOR_ENCODING,
	                 "has %zu unexpected bytes after its last component", der_remaining(r));
}

static bool ictx_datafield(struct der_reader *list, const struct ictx_policy *pol,
                           struct ictx_item *it)
{
	struct der_reader df = {0};
	struct ictx_reloc rel;
	if (!ictx_expect(list, DER_SEQUENCE, ICTX_F_DATAFIELD, it, &df) ||
	    !ictx_int(&df, ICTX_F_TYPE, ICTX_TYPE_MIN, ICTX_TYPE_MAX, it, &rel.type) ||
	    !ictx_ia5(&df, ICTX_F_VALUE, pol->max_value, it, &rel.value) ||
	    !ictx_no_trailing(&df, ICTX_F_DATAFIELD, it))
		return false;
	/* A DataField is a SEQUENCE element: the relocates array grows one at a time. */
	struct ictx_reloc *nr = realloc(it->relocs, (it->nrelocs + 1) * sizeof *nr);
	if (!nr)
		return ictx_fail(it, 100, ICTX_F_DATAFIELD, 0, "out of memory");
	it->relocs = nr;
	nr[it->nrelocs++] = rel;
	it->have |= 1u << ICTX_F_DATAFIELD;
	return true;
}

static bool ictx_link(struct der_reader *r, struct ictx_item *it)
{
	struct der_reader c = {0};
	if (!ictx_expect(r, DER_OCTETSTR, ICTX_F_LINK, it, &c))
		return false;
	if (c.len != sizeof it->link)
		return ictx_fail(it, ICTX_VAL_ERR, ICTX_F_LINK, ICTX_MINOR_LENGTH,
		                 "length %zu, must be 8", c.len);
	memcpy(it->link, c.p, sizeof it->link);
	it->have |= 1u << ICTX_F_LINK;
	return true;
}

static bool ictx_violation(struct der_reader *r, struct ictx_item *it)
{
	if (der_at_end(r))
		return ictx_fail(it, ICTX_ENC_ERR, ICTX_F_VIOLATION, ICTX_MINOR_ENCODING,
		                 "missing");
	enum der_err e = der_read_bool(r, &it->violation);
	if (e != DER_OK)
		return ictx_fail(it, ICTX_ENC_ERR, ICTX_F_VIOLATION, ICTX_MINOR_ENCODING,
		                 "encoding: %s", der_strerror(e));
	it->have |= 1u << ICTX_F_VIOLATION;
	return true;
}

/* Decodes one Item's content per §4.1; stops at the first problem, recorded in it. */
static bool ictx_decode_item(struct der_reader *r, const struct ictx_policy *pol,
                             struct ictx_item *it)
{
	struct der_reader dfl = {0};
	if (!ictx_int(r, ICTX_F_ITEMVERSION, 1, 1, it, &it->version) ||
	    !ictx_int(r, ICTX_F_ITEMTAG, 0, INT32_MAX, it, &it->tag) || !ictx_link(r, it) ||
	    !ictx_violation(r, it) || !ictx_int(r, ICTX_F_EVENT, 1, 7, it, &it->event) ||
	    !ictx_int(r, ICTX_F_QUALIFIER, 0, 3, it, &it->qualifier) ||
	    !ictx_ia5(r, ICTX_F_CLASS, ICTX_CLASS_MAX, it, &it->cls) ||
	    !ictx_ia5(r, ICTX_F_RESOURCE, ICTX_RESOURCE_MAX, it, &it->resource) ||
	    !ictx_ia5(r, ICTX_F_LOGSTRING, ICTX_LOGSTRING_MAX, it, &it->logstring) ||
	    !ictx_expect(r, DER_SEQUENCE, ICTX_F_DFLIST, it, &dfl))
		return false;
	while (!der_at_end(&dfl))
		if (!ictx_datafield(&dfl, pol, it))
			return false;
	it->have |= 1u << ICTX_F_DFLIST;
	return ictx_no_trailing(r, ICTX_F_ITEM, it);
}

static bool ictx_class_active(const struct ictx_policy *pol, const struct ictx_span *cls)
{
	if (cls->len == strlen(ICTX_LINUX_CLASS) && memcmp(cls->p, ICTX_LINUX_CLASS, cls->len) == 0)
		return true;
	for (size_t i = 0; i < pol->nclasses; i++)
		if (strlen(pol->classes[i]) == cls->len &&
		    memcmp(pol->classes[i], cls->p, cls->len) == 0)
			return true;
	return false;
}

/* The authority and RACF checks for a well-formed item (§9.2), in the order ICTX makes them:
 * the requester's authority, the server's own, then the class and its profiles. */
static void ictx_judge(const struct ictx_policy *pol, struct ictx_item *it)
{
	if (!pol->remote_audit) {
		it->major = ICTX_UNSUF_AUTH;
		snprintf(it->reason, sizeof it->reason,
		         "bind user lacks READ on FACILITY IRR.LDAP.REMOTE.AUDIT");
		return;
	}
	if (!pol->rauditx) {
		/* R_auditx's SAF/RACF return codes for "not authorized to the service". */
		it->major = ICTX_UNAUTHORIZED;
		it->minor1 = 8;
		it->minor2 = 8;
		snprintf(it->reason, sizeof it->reason,
		         "server user lacks READ on FACILITY IRR.RAUDITX");
		return;
	}
	if (!ictx_class_active(pol, &it->cls)) {
		it->major = ICTX_UNDETERMINED;
		snprintf(it->reason, sizeof it->reason, "class %.*s is not active",
		         (int)it->cls.len, it->cls.p);
		return;
	}
	struct racf_decision d;
	racf_decide(pol->racf, it->resource.p, it->resource.len, it->violation, &d);
	it->major = d.major;
	it->profile = d.profile;
	snprintf(it->reason, sizeof it->reason, "%s", d.reason);
}

__attribute__((format(printf, 3, 4))) static int ictx_refuse(struct ictx_result *out, int code,
                                                             const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	/* clang-analyzer 14 false positive: ap was just started (plugin/config.c too) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(out->reason, sizeof out->reason, fmt, ap);
	va_end(ap);
	if (code < 0)
		out->ldap_result = 2; /* protocolError: not a request value at all */
	out->code = code;
	return 0;
}

static size_t ictx_count_items(struct der_reader list)
{
	size_t n = 0;
	struct der_tlv t;
	while (!der_at_end(&list)) {
		n++;
		if (der_next(&list, &t) != DER_OK)
			break;
	}
	return n;
}

/* Decodes and judges the items one by one; an ENC_ERR item ends the request (§6.3). */
static int ictx_items(const struct ictx_policy *pol, struct der_reader *list,
                      struct ictx_result *out)
{
	out->items = calloc(out->nitems, sizeof *out->items);
	if (!out->items)
		return -1;
	while (!der_at_end(list)) {
		struct ictx_item *it = &out->items[out->nanswered++];
		struct der_tlv t;
		enum der_err e = der_next(list, &t);
		if (e != DER_OK)
			ictx_fail(it, ICTX_ENC_ERR, ICTX_F_ITEM, ICTX_MINOR_ENCODING,
			          "encoding: %s", der_strerror(e));
		else if (t.tag != DER_SEQUENCE)
			ictx_fail(it, ICTX_ENC_ERR, ICTX_F_ITEM, ICTX_MINOR_ENCODING,
			          "has tag 0x%02x, expected SEQUENCE 0x30", t.tag);
		else if (ictx_decode_item(&t.content, pol, it))
			ictx_judge(pol, it);
		if (it->major > out->code)
			out->code = it->major;
		if (it->major == ICTX_ENC_ERR || e != DER_OK)
			break;
	}
	return 0;
}

int ictx_process(const struct ictx_policy *pol, const void *val, size_t len,
                 struct ictx_result *out)
{
	struct der_reader all, req, list;
	struct der_tlv t;
	int64_t version;
	memset(out, 0, sizeof *out);
	der_init(&all, val, len);
	enum der_err e = der_next(&all, &t);
	if (e != DER_OK)
		return ictx_refuse(out, -1, "request value is not a DER SEQUENCE: %s",
		                   der_strerror(e));
	if (t.tag != DER_SEQUENCE)
		return ictx_refuse(out, -1, "request value is not a DER SEQUENCE (tag 0x%02x)",
		                   t.tag);
	if (!der_at_end(&all))
		return ictx_refuse(out, -1, "%zu bytes of trailing garbage after the request",
		                   der_remaining(&all));
	req = t.content;
	e = der_read_int(&req, &version);
	if (e != DER_OK)
		return ictx_refuse(out, -1, "RequestVersion: %s", der_strerror(e));
	if (version != 1)
		return ictx_refuse(out, ICTX_INVALID_VER,
		                   "RequestVersion %" PRId64 " not supported (only 1)", version);
	e = der_expect(&req, DER_SEQUENCE, &list);
	if (e != DER_OK)
		return ictx_refuse(out, -1, "ItemList: %s", der_strerror(e));
	if (!der_at_end(&req))
		return ictx_refuse(out, -1, "%zu unexpected bytes after the ItemList",
		                   der_remaining(&req));
	out->nitems = ictx_count_items(list);
	if (out->nitems == 0)
		return ictx_refuse(out, ICTX_EMPTY, "empty ItemList");
	if (ictx_items(pol, &list, out) != 0)
		return -1;
	if (out->code == 0)
		snprintf(out->reason, sizeof out->reason, "all %zu items written", out->nanswered);
	else
		snprintf(out->reason, sizeof out->reason, "highest MajorCode %d %s", out->code,
		         sim_ictx_major_name(out->code));
	return 0;
}

void ictx_result_free(struct ictx_result *res)
{
	for (size_t i = 0; i < res->nanswered; i++)
		free(res->items[i].relocs);
	free(res->items);
	res->items = NULL;
	res->nanswered = 0;
}

/* ItemTag is echoed when it fits the response INTEGER we encode; an unusable tag echoes 0. */
static ber_int_t ictx_echo_tag(const struct ictx_item *it)
{
	if (!(it->have & (1u << ICTX_F_ITEMTAG)))
		return 0;
	return (ber_int_t)it->tag;
}

int ictx_encode_response(const struct ictx_result *res, unsigned char **out, size_t *outlen)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval bv;
	int rc = -1;
	if (!ber)
		return -1;
	if (ber_printf(ber, "{ii{", (ber_int_t)1, (ber_int_t)res->code) < 0)
		goto out;
	for (size_t i = 0; i < res->nanswered; i++) {
		const struct ictx_item *it = &res->items[i];
		if (ber_printf(ber, "{iiiiii}", (ber_int_t)1, ictx_echo_tag(it),
		               (ber_int_t)it->major, (ber_int_t)it->minor1, (ber_int_t)it->minor2,
		               (ber_int_t)it->minor3) < 0)
			goto out;
	}
	if (ber_printf(ber, "}}") < 0 || ber_flatten2(ber, &bv, 0) < 0)
		goto out;
	*out = malloc(bv.bv_len ? bv.bv_len : 1);
	if (*out) {
		memcpy(*out, bv.bv_val, bv.bv_len);
		*outlen = bv.bv_len;
		rc = 0;
	}
out:
	ber_free(ber, 1);
	return rc;
}
