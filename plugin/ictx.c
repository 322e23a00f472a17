/* ictx.c - the ICTX remote-audit wire format: items to DER, DER responses to outcomes. */
#include "ictx.h"

#include <errno.h>
#include <lber.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* liblber's "s"/"o" default to OCTET STRING; the server wants IA5String. */
#define ICTX_TAG_IA5 ((ber_tag_t)0x16)

const char *ictx_major_name(int major)
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
	case ICTX_RACROUTE:
		return "RACROUTE";
	case ICTX_VAL_ERR:
		return "VAL_ERR";
	case ICTX_ENC_ERR:
		return "ENC_ERR";
	case ICTX_UNSUF_AUTH:
		return "UNSUF_AUTH";
	case ICTX_EMPTY:
		return "EMPTY";
	case ICTX_INTERNAL_ERR:
		return "INTERNAL_ERR";
	default:
		return major >= 61 && major <= 70 ? "INVALID_VER" : "UNKNOWN";
	}
}

const char *ictx_field_name(int minor1)
{
	static const char *const names[] = {
	        "Item",          "ItemVersion", "ItemTag", "LinkValue", "Violation",
	        "Event",         "Qualifier",   "Class",   "Resource",  "LogString",
	        "DataFieldList", "DataField",   "TYPE",    "VALUE",
	};
	if (minor1 < 0 || (size_t)minor1 >= sizeof(names) / sizeof(names[0]))
		return "unknown field";
	return names[minor1];
}

const char *ictx_reason_name(int minor2)
{
	switch (minor2) {
	case 32:
		return "incorrect length";
	case 36:
		return "incorrect value";
	case 40:
		return "encoding error";
	default:
		return "unknown reason";
	}
}

uint32_t ictx_next_tag(uint32_t prev)
{
	return prev >= ICTX_TAG_MAX ? 1 : prev + 1;
}

/* Append what ber holds to out. */
static int ber_to_buf(BerElement *ber, struct buf *out)
{
	struct berval bv;

	if (ber_flatten2(ber, &bv, 0) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return buf_append(out, bv.bv_val, bv.bv_len);
}

static int put_item(BerElement *ber, const struct item_list *l, const struct item *it, uint32_t tag)
{
	if (ber_printf(ber, "{iiobii", (ber_int_t)ICTX_ITEM_VERSION, (ber_int_t)tag,
	               (const char *)it->link, (ber_len_t)ITEM_LINK_LEN,
	               (ber_int_t)(it->violation ? 1 : 0), (ber_int_t)it->event,
	               (ber_int_t)it->qualifier) < 0)
		return -1;
	if (ber_printf(ber, "tototo{", ICTX_TAG_IA5, item_text(l, it->class_name),
	               (ber_len_t)it->class_name.len, ICTX_TAG_IA5, item_text(l, it->resource),
	               (ber_len_t)it->resource.len, ICTX_TAG_IA5, item_text(l, it->logstring),
	               (ber_len_t)it->logstring.len) < 0)
		return -1;
	for (uint32_t i = 0; i < it->nfields; i++) {
		const struct item_field *f = item_field_at(l, it, i);
		if (ber_printf(ber, "{ito}", (ber_int_t)f->type, ICTX_TAG_IA5,
		               item_text(l, f->value), (ber_len_t)f->value.len) < 0)
			return -1;
	}
	return ber_printf(ber, "}}") < 0 ? -1 : 0;
}

int ictx_encode_item(const struct item_list *l, const struct item *it, uint32_t tag,
                     struct buf *out)
{
	if (tag > ICTX_TAG_MAX) {
		/* A larger tag would go out as a negative INTEGER. */
		errno = EINVAL;
		return -1;
	}
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	if (!ber) {
		errno = ENOMEM;
		return -1;
	}
	int rc = put_item(ber, l, it, tag);
	if (rc == 0)
		rc = ber_to_buf(ber, out);
	else
		errno = ENOMEM; /* liblber fails only on allocation here */
	ber_free(ber, 1);
	return rc;
}

int ictx_encode_request(int version, const unsigned char *items, size_t len, struct buf *out)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	if (!ber) {
		errno = ENOMEM;
		return -1;
	}
	int rc = -1;
	if (ber_printf(ber, "{i{", (ber_int_t)version) >= 0 &&
	    (len == 0 ||
	     ber_write(ber, (const char *)items, (ber_len_t)len, 0) == (ber_slen_t)len) &&
	    ber_printf(ber, "}}") >= 0) {
		buf_reset(out);
		rc = ber_to_buf(ber, out);
	} else {
		errno = ENOMEM;
	}
	ber_free(ber, 1);
	return rc;
}

void ictx_response_init(struct ictx_response *r)
{
	memset(r, 0, sizeof(*r));
}

void ictx_response_free(struct ictx_response *r)
{
	free(r->items);
	ictx_response_init(r);
}

/* State of one decode: where we are, for messages. */
struct dec {
	BerElement *ber;
	size_t total;
	char *err;
	size_t errlen;
	size_t item; /* number of the ResponseItem being read, 0 outside one */
};

static size_t dec_off(const struct dec *d)
{
	ber_len_t rest = 0;
	ber_get_option(d->ber, LBER_OPT_BER_REMAINING_BYTES, &rest);
	return d->total - (size_t)rest;
}

static int dec_fail(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int dec_fail(struct dec *d, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The item number is added here, on failure only: formatting it for
	 * every field of every item cost more than the decoding itself. */
	if (d->err && d->errlen && d->item)
		snprintf(d->err, d->errlen, "ResponseItem %zu%s%s", d->item,
		         msg[0] == ' ' ? "" : " ", msg);
	else if (d->err && d->errlen)
		snprintf(d->err, d->errlen, "%s", msg);
	errno = EBADMSG;
	return -1;
}

/* Check the element at the current position: it exists before bound and
 * has tag want. Its header is left unread. */
static int dec_expect(struct dec *d, const char *what, size_t bound, ber_tag_t want)
{
	size_t at = dec_off(d);
	ber_len_t len;

	if (at >= bound)
		return dec_fail(d, "%s missing at byte %zu: its SEQUENCE ends there", what, at);
	ber_tag_t tag = ber_peek_tag(d->ber, &len);
	if (tag == LBER_DEFAULT)
		return dec_fail(d, "%s at byte %zu: truncated or malformed tag/length", what, at);
	if (tag != want)
		return dec_fail(d, "%s at byte %zu: expected tag 0x%02lx, got 0x%02lx", what, at,
		                (unsigned long)want, (unsigned long)tag);
	return 0;
}

/* Enter a SEQUENCE that must end within bound; *end = its end offset. */
static int dec_enter(struct dec *d, const char *what, size_t bound, size_t *end)
{
	ber_len_t len;

	if (dec_expect(d, what, bound, LBER_SEQUENCE) < 0)
		return -1;
	size_t at = dec_off(d);
	if (ber_skip_tag(d->ber, &len) == LBER_DEFAULT)
		return dec_fail(d, "%s at byte %zu: truncated or malformed length", what, at);
	size_t content = dec_off(d);
	if (len > bound - content)
		return dec_fail(d, "%s at byte %zu: length %lu runs past byte %zu", what, at,
		                (unsigned long)len, bound);
	*end = content + len;
	return 0;
}

static int dec_int(struct dec *d, const char *what, size_t bound, int *v)
{
	ber_int_t x;

	if (dec_expect(d, what, bound, LBER_INTEGER) < 0)
		return -1;
	size_t at = dec_off(d);
	if (ber_get_int(d->ber, &x) == LBER_DEFAULT)
		return dec_fail(d, "%s at byte %zu: not an INTEGER of 1 to 4 bytes", what, at);
	if (dec_off(d) > bound)
		return dec_fail(d, "%s at byte %zu: runs past its SEQUENCE (byte %zu)", what, at,
		                bound);
	*v = (int)x;
	return 0;
}

static int dec_grow(struct ictx_response *r)
{
	if (r->nitems < r->cap)
		return 0;
	size_t ncap = r->cap ? r->cap * 2 : 16;
	struct ictx_outcome *p = realloc(r->items, ncap * sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	r->items = p;
	r->cap = ncap;
	return 0;
}

static int dec_item(struct dec *d, size_t bound, size_t n, struct ictx_response *r)
{
	static const char *const names[] = {"ItemVersion", "ItemTag",    "MajorCode",
	                                    "MinorCode1",  "MinorCode2", "MinorCode3"};
	int v[6] = {0};
	size_t end = 0;

	d->item = n;
	if (dec_enter(d, "", bound, &end) < 0)
		return -1;
	for (int i = 0; i < 6; i++)
		if (dec_int(d, names[i], end, &v[i]) < 0)
			return -1;
	d->item = 0;
	if (dec_off(d) != end)
		return dec_fail(d, "ResponseItem %zu: %zu unexpected bytes at byte %zu", n,
		                end - dec_off(d), dec_off(d));
	if (v[1] < 0)
		return dec_fail(d, "ResponseItem %zu: ItemTag %d is negative (valid 0..2^31-1)", n,
		                v[1]);
	if (dec_grow(r) < 0)
		return dec_fail(d, "out of memory decoding ResponseItem %zu", n);
	r->items[r->nitems++] = (struct ictx_outcome){.item_version = v[0],
	                                              .tag = (uint32_t)v[1],
	                                              .major = v[2],
	                                              .minor1 = v[3],
	                                              .minor2 = v[4],
	                                              .minor3 = v[5]};
	return 0;
}

static int dec_response(struct dec *d, struct ictx_response *r)
{
	size_t end = 0, list_end = 0;

	if (dec_enter(d, "Response", d->total, &end) < 0)
		return -1;
	if (end != d->total)
		return dec_fail(d,
		                "Response ends at byte %zu but %zu bytes were received (trailing "
		                "bytes)",
		                end, d->total);
	if (dec_int(d, "Version", end, &r->version) < 0 ||
	    dec_int(d, "ResponseCode", end, &r->code) < 0 ||
	    dec_enter(d, "ItemList", end, &list_end) < 0)
		return -1;
	/* Enter the list once, then one ResponseItem per SEQUENCE: the
	 * original re-entered the list per item and mis-read every
	 * multi-item response. */
	for (size_t n = 1; dec_off(d) < list_end; n++)
		if (dec_item(d, list_end, n, r) < 0)
			return -1;
	if (dec_off(d) != end)
		return dec_fail(d, "Response: %zu unexpected bytes after ItemList at byte %zu",
		                end - dec_off(d), dec_off(d));
	return 0;
}

int ictx_decode_response(const unsigned char *der, size_t len, struct ictx_response *out, char *err,
                         size_t errlen)
{
	struct dec d = {.total = len, .err = err, .errlen = errlen};
	struct berval bv = {.bv_len = (ber_len_t)len, .bv_val = (char *)der};

	out->version = 0;
	out->code = 0;
	out->nitems = 0;
	if (err && errlen)
		err[0] = '\0';
	if (len == 0)
		return dec_fail(&d, "empty response value (0 bytes)");
	d.ber = ber_init(&bv);
	if (!d.ber) {
		int rc = dec_fail(&d, "out of memory decoding a %zu-byte response", len);
		errno = ENOMEM;
		return rc;
	}
	int rc = dec_response(&d, out);
	ber_free(d.ber, 1);
	if (rc < 0)
		out->nitems = 0;
	return rc;
}
