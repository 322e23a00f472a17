/* ictx.h - the ICTX remote-audit wire format (ictx-protocol.md sections 4-6).
 *
 * Pure: items in, DER bytes out; DER response bytes in, outcomes out.
 * Encoding uses liblber with LBER_USE_DER and universal tags only
 * (IA5String = 0x16). The response decoder enters the item list once,
 * accepts an empty list, and leaves matching outcomes to items (by ItemTag)
 * to the caller. */
#ifndef ZR_ICTX_H
#define ZR_ICTX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "item.h"

#define ICTX_REQUEST_OID     "1.3.18.0.2.12.68"
#define ICTX_RESPONSE_OID    "1.3.18.0.2.12.69"
#define ICTX_REQUEST_VERSION 1
#define ICTX_ITEM_VERSION    1
#define ICTX_TAG_MAX         0x7fffffffU

/* MajorCode values (ictx-protocol.md 6.3). */
enum ictx_major {
	ICTX_SUCCESS = 0,
	ICTX_WARNINGMODE = 2,
	ICTX_NOTREQ = 3,
	ICTX_UNDETERMINED = 4,
	ICTX_UNAUTHORIZED = 8,
	ICTX_RACROUTE = 12,
	ICTX_VAL_ERR = 16,
	ICTX_ENC_ERR = 20,
	ICTX_UNSUF_AUTH = 24,
	ICTX_EMPTY = 28,
	ICTX_INVALID_VER = 61, /* 61..70: server supports up to code - 60 */
	ICTX_INTERNAL_ERR = 100,
};

/* "NOTREQ", "UNDETERMINED", ...; "INVALID_VER" for 61..70; "UNKNOWN". */
const char *ictx_major_name(int major);
/* MinorCode1 of a 16/20: "ItemVersion", "Class", ...; "unknown field". */
const char *ictx_field_name(int minor1);
/* MinorCode2 of a 16/20: "incorrect length", ...; "unknown reason". */
const char *ictx_reason_name(int minor2);

/* Next ItemTag after prev: 1..2^31-1, wrapping to 1 (never 0, never
 * negative on the wire). */
uint32_t ictx_next_tag(uint32_t prev);

/* Append the DER encoding of item it of list l, with ItemTag tag, to out.
 * 0, or -1 (ENOMEM or an encoder failure). */
int ictx_encode_item(const struct item_list *l, const struct item *it, uint32_t tag,
                     struct buf *out);

/* Replace out with a RequestValue wrapping len bytes of concatenated,
 * already-encoded Items. version is normally ICTX_REQUEST_VERSION. */
int ictx_encode_request(int version, const unsigned char *items, size_t len, struct buf *out);

struct ictx_outcome {
	uint32_t tag;
	int item_version;
	int major;
	int minor1, minor2, minor3;
};

struct ictx_response {
	int version;
	int code; /* ResponseCode: 0, 28, 61..70, or the highest item major */
	struct ictx_outcome *items;
	size_t nitems, cap; /* storage reused across decodes */
};

void ictx_response_init(struct ictx_response *r);
void ictx_response_free(struct ictx_response *r);

/* Decode a response value. 0 on success; -1 with a message in err (what
 * was wrong and at which byte offset) when the bytes are not a well-formed
 * Response. Trailing bytes after the Response are an error. */
int ictx_decode_response(const unsigned char *der, size_t len, struct ictx_response *out, char *err,
                         size_t errlen);

#endif
