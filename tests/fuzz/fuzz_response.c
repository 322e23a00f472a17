/* fuzz_response.c - libFuzzer target: ictx_decode_response on arbitrary
 * bytes. A success must describe a well-formed Response (ItemTags never
 * negative); a failure must say why and leave no items. The decoder's
 * storage is reused across two decodes, as the sender reuses it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ictx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one(const uint8_t *data, size_t size, struct ictx_response *r)
{
	char err[256];
	int rc = ictx_decode_response(data, size, r, err, sizeof err);

	if (rc == 0) {
		if (err[0] != '\0' || r->nitems > r->cap || (r->nitems && !r->items))
			abort();
		for (size_t i = 0; i < r->nitems; i++)
			if (r->items[i].tag > ICTX_TAG_MAX)
				abort();
		/* names for whatever came back: never NULL */
		if (!ictx_major_name(r->code))
			abort();
		for (size_t i = 0; i < r->nitems; i++)
			if (!ictx_major_name(r->items[i].major) ||
			    !ictx_field_name(r->items[i].minor1) ||
			    !ictx_reason_name(r->items[i].minor2))
				abort();
	} else if (rc != -1 || r->nitems != 0 || err[0] == '\0' || strlen(err) >= sizeof err) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ictx_response r;

	ictx_response_init(&r);
	check_one(data, size, &r);
	/* the same bytes again into the used storage, then a prefix */
	check_one(data, size, &r);
	if (size > 1)
		check_one(data, size / 2, &r);
	ictx_response_free(&r);
	return 0;
}
