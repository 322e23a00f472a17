/* sim_der.c: strict DER element reader: definite minimal lengths, minimal INTEGERs, DER BOOLEANs.
 */
#include "zr-autoconf.h"

#include "sim_der.h"

void der_init(struct der_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
}

bool der_at_end(const struct der_reader *r)
{
	return r->pos >= r->len;
}

size_t der_remaining(const struct der_reader *r)
{
	return r->len - r->pos;
}

/* Length octets per X.690 §10.1: the definite form, and the short form whenever it fits. */
static enum der_err der_read_len(const struct der_reader *r, size_t *pos, size_t *len)
{
	size_t i = *pos;
	if (i >= r->len)
		return DER_TRUNCATED;
	unsigned char b = r->p[i++];
	if (b < 0x80) {
		*len = b;
		*pos = i;
		return DER_OK;
	}
	if (b == 0x80)
		return DER_INDEFINITE;
	size_t n = b & 0x7fu;
	if (n > 4)
		return DER_LEN_TOO_BIG;
	if (r->len - i < n)
		return DER_TRUNCATED;
	if (r->p[i] == 0)
		return DER_NONMINIMAL;
	size_t v = 0;
	for (size_t k = 0; k < n; k++)
		v = (v << 8) | r->p[i + k];
	if (v < 0x80)
		return DER_NONMINIMAL;
	*len = v;
	*pos = i + n;
	return DER_OK;
}

enum der_err der_next(struct der_reader *r, struct der_tlv *out)
{
	size_t i = r->pos;
	if (i >= r->len)
		return DER_TRUNCATED;
	unsigned tag = r->p[i++];
	if ((tag & 0x1fu) == 0x1fu)
		return DER_HIGH_TAG;
	size_t len = 0;
	enum der_err e = der_read_len(r, &i, &len);
	if (e != DER_OK)
		return e;
	if (r->len - i < len)
		return DER_TRUNCATED;
	out->tag = tag;
	out->start = r->pos;
	der_init(&out->content, r->p + i, len);
	r->pos = i + len;
	return DER_OK;
}

/* The constructed bit on a universal primitive type is BER's segmented form: not DER. */
static bool der_tag_matches(unsigned got, unsigned want, enum der_err *e)
{
	if (got == want)
		return true;
	*e = ((got & ~0x20u) == want && want != DER_SEQUENCE) ? DER_CONSTRUCTED : DER_WRONG_TAG;
	return false;
}

enum der_err der_expect(struct der_reader *r, unsigned tag, struct der_reader *content)
{
	struct der_reader save = *r;
	struct der_tlv t;
	enum der_err e = der_next(r, &t);
	if (e != DER_OK)
		return e;
	if (!der_tag_matches(t.tag, tag, &e)) {
		*r = save;
		return e;
	}
	*content = t.content;
	return DER_OK;
}

enum der_err der_int_content(const struct der_reader *c, int64_t *v)
{
	const unsigned char *p = c->p;
	size_t n = c->len;
	if (n == 0)
		return DER_BAD_INT;
	/* X.690 §8.3.2: the first nine bits must not be all zeros or all ones. */
	if (n > 1 && ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80))))
		return DER_NONMIN_INT;
	if (n > 8)
		return DER_INT_RANGE;
	uint64_t u = (p[0] & 0x80) ? UINT64_MAX : 0;
	for (size_t k = 0; k < n; k++)
		u = (u << 8) | p[k];
	*v = (int64_t)u;
	return DER_OK;
}

enum der_err der_read_int(struct der_reader *r, int64_t *v)
{
	struct der_reader save = *r;
	struct der_reader c;
	enum der_err e = der_expect(r, DER_INTEGER, &c);
	if (e == DER_OK)
		e = der_int_content(&c, v);
	if (e != DER_OK)
		*r = save;
	return e;
}

enum der_err der_read_bool(struct der_reader *r, bool *v)
{
	struct der_reader save = *r;
	struct der_reader c;
	enum der_err e = der_expect(r, DER_BOOLEAN, &c);
	if (e == DER_OK) {
		/* X.690 §11.1: DER TRUE is FF, FALSE is 00; BER's "any non-zero" is not allowed. */
		if (c.len != 1 || (c.p[0] != 0x00 && c.p[0] != 0xff))
			e = DER_BAD_BOOL;
		else
			*v = c.p[0] == 0xff;
	}
	if (e != DER_OK)
		*r = save;
	return e;
}

const char *der_strerror(enum der_err e)
{
	switch (e) {
	case DER_OK:
		return "ok";
	case DER_TRUNCATED:
		return "element runs past the end of its container";
	case DER_HIGH_TAG:
		return "multi-octet tag";
	case DER_INDEFINITE:
		return "indefinite length (BER, not DER)";
	case DER_NONMINIMAL:
		return "non-minimal length encoding (not DER)";
	case DER_LEN_TOO_BIG:
		return "length field longer than 4 octets";
	case DER_WRONG_TAG:
		return "unexpected tag";
	case DER_BAD_INT:
		return "INTEGER without content";
	case DER_NONMIN_INT:
		return "non-minimal INTEGER encoding (not DER)";
	case DER_INT_RANGE:
		return "INTEGER larger than 64 bits";
	case DER_BAD_BOOL:
		return "BOOLEAN not encoded as 00 or FF (not DER)";
	case DER_CONSTRUCTED:
		return "constructed encoding of a primitive type (not DER)";
	}
	return "unknown DER error";
}
