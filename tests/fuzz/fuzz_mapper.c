/* fuzz_mapper.c - libFuzzer target for the mapper's options: the first four
 * bytes choose event_code, violation, link_value, max_field_length and
 * max_item_bytes (within the ranges config accepts), the rest is string
 * input. Small limits force split relocates and continuation items. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct map_opts mo;

	if (size < 4)
		return 0;
	map_opts_default(&mo);
	mo.hostname = (data[0] & 8) ? "fuzzhost" : NULL;
	mo.event_code = (data[0] & 1) ? MAP_EVENT_BY_TYPE : MAP_EVENT_AUTHORIZATION;
	mo.violation = (data[0] & 2) ? MAP_VIOLATION_FAILURES : MAP_VIOLATION_NEVER;
	mo.link = (data[0] & 4) ? MAP_LINK_SERIAL : MAP_LINK_SERIAL_TIME;
	mo.class_name = (data[0] & 16) ? "ABCDEFGHIJ" : "@LINUX"; /* config cuts at 8 */
	/* config's ranges: max_field_length 64-16384, max_item_bytes 1024-30000 */
	mo.max_field_length = 64 + (((size_t)data[1] << 8 | data[2]) % (16384 - 64 + 1));
	mo.max_item_bytes = 1024 + ((size_t)data[3] * 113) % (30000 - 1024 + 1);
	fuzz_run_input(CONFIG_FORMAT_STRING, &mo, data + 4, size - 4, 0, 0);
	return 0;
}
