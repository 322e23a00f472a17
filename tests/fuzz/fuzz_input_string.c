/* fuzz_input_string.c - libFuzzer target: bytes as auditd writes them with
 * `format = string`, through the line framing, auparse, the mapper and the
 * encoder. The first byte picks how the bytes are split into reads. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct map_opts mo;

	if (size < 1)
		return 0;
	map_opts_default(&mo);
	mo.hostname = "fuzzhost";
	/* 0: one read; else reads of 1..127 bytes, the top bit ages events between them */
	fuzz_run_input(CONFIG_FORMAT_STRING, &mo, data + 1, size - 1, data[0] & 0x7f, data[0] >> 7);
	return 0;
}
