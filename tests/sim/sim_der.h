/* sim_der.h: a strict DER TLV reader for the simulator's ICTX decoder (no I/O, no allocation). */
#ifndef ZR_SIM_DER_H
#define ZR_SIM_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Universal tags used by the ICTX request and response (ictx-protocol.md §4.2). */
#define DER_BOOLEAN   0x01u
#define DER_INTEGER   0x02u
#define DER_OCTETSTR  0x04u
#define DER_IA5STRING 0x16u
#define DER_SEQUENCE  0x30u

/* Why a read failed; der_strerror() gives the text. */
enum der_err {
	DER_OK = 0,
	DER_TRUNCATED,   /* header or content runs past the enclosing element */
	DER_HIGH_TAG,    /* multi-byte tag number (never used by ICTX) */
	DER_INDEFINITE,  /* length octet 0x80: BER indefinite form, not DER */
	DER_NONMINIMAL,  /* long form where short would do, or leading zero length octets */
	DER_LEN_TOO_BIG, /* more than 4 length octets */
	DER_WRONG_TAG,   /* the element is not of the expected tag */
	DER_BAD_INT,     /* INTEGER with no content octets */
	DER_NONMIN_INT,  /* INTEGER with a redundant leading 00 or FF octet */
	DER_INT_RANGE,   /* INTEGER does not fit in 64 bits */
	DER_BAD_BOOL,    /* BOOLEAN length is not 1 or content is not 00/FF */
	DER_CONSTRUCTED, /* a primitive type with the constructed bit (BER only) */
};

/* A window over bytes; reading advances pos. Content windows point into the same bytes. */
struct der_reader {
	const unsigned char *p;
	size_t len;
	size_t pos;
};

/* One element as read: its tag octet, its content window and its start offset in the parent. */
struct der_tlv {
	unsigned tag;
	size_t start;
	struct der_reader content;
};

void der_init(struct der_reader *r, const void *p, size_t len);
bool der_at_end(const struct der_reader *r);
size_t der_remaining(const struct der_reader *r);

/* Reads the next element of any (single-octet) tag with a definite, minimal length that fits in
 * r. On error r is left unchanged. */
enum der_err der_next(struct der_reader *r, struct der_tlv *out);

/* Reads the next element and requires its tag; on error r is left unchanged. */
enum der_err der_expect(struct der_reader *r, unsigned tag, struct der_reader *content);

/* Typed readers: tag, DER-minimal content and range. */
enum der_err der_read_int(struct der_reader *r, int64_t *v);
enum der_err der_read_bool(struct der_reader *r, bool *v);

/* Decodes INTEGER content octets (already delimited). */
enum der_err der_int_content(const struct der_reader *c, int64_t *v);

const char *der_strerror(enum der_err e);

#endif
