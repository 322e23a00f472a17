/* fuzz_input_binary.c - libFuzzer target: bytes as auditd writes them with
 * `format = binary` (audit_dispatcher_header frames, both protocol versions
 * and both framings), through auparse, the mapper and the encoder. The
 * first byte picks how the bytes are split into reads. */
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
	/* 0: one read; else reads of 1..127 bytes (a header split across reads);
	 * the top bit ages between reads, which is what decides the framing of
	 * a lone frame */
	fuzz_run_input(CONFIG_FORMAT_BINARY, &mo, data + 1, size - 1, data[0] & 0x7f, data[0] >> 7);
	return 0;
}
