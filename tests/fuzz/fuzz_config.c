/* fuzz_config.c - libFuzzer target: config_parse on arbitrary text. Every
 * message must be one printable line, a password must never be quoted, and
 * a config that parses must be within every documented range. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_err(void *arg, const char *msg)
{
	size_t *count = arg;
	size_t n = strlen(msg);

	(*count)++;
	if (n == 0 || n >= 512)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] == 0x7f)
			abort(); /* control bytes from the file reached a message */
}

static void check_ranges(const struct config *c)
{
	if (!c->server[0] || !c->user[0] || !c->password[0] || strlen(c->user) > 8 ||
	    c->port > 65535 || c->timeout < 1 || c->timeout > 3600 || c->q_depth < 16 ||
	    c->q_depth > 1000000 || c->max_field_length < 64 || c->max_field_length > 16384 ||
	    c->max_item_bytes < 1024 || c->max_item_bytes > 30000 || c->window < 1 ||
	    c->window > 256 || c->batch_items < 1 || c->batch_items > 10000 ||
	    c->batch_bytes < 4096 || c->batch_bytes > 4194304 || c->linger_ms > 1000 ||
	    c->drain_timeout > 600 || c->log_interval < 1 || c->log_interval > 86400 ||
	    !c->class_name[0] || strlen(c->class_name) > 8)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct map_opts mo;
	size_t count = 0;
	int rc = config_parse("fuzz.conf", (const char *)data, size, &c, fuzz_err, &count);

	if (rc < 0 || (size_t)rc != count)
		abort(); /* the result is the number of problems reported */
	if (rc == 0) {
		check_ranges(&c);
		config_map_opts(&c, &mo);
		if (mo.class_name != c.class_name)
			abort();
	}
	config_wipe(&c);
	return 0;
}
