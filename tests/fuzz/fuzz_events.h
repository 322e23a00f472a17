/* fuzz_events.h - the event path of the plugin for the fuzz targets: input
 * framing -> auparse -> mapper -> ICTX encoder, with the mapper's promises
 * (mapping.md, ictx-protocol.md 8.1) checked on every item it makes.
 *
 * Header-only so each target stays one file that clang compiles with the
 * plugin sources. A broken promise aborts, which libFuzzer reports as a
 * crash with the input that caused it. */
#ifndef ZR_FUZZ_EVENTS_H
#define ZR_FUZZ_EVENTS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ictx.h"
#include "input.h"
#include "item.h"
#include "mapper.h"

/* What the callback holds between auparse callbacks, as main.c does: the
 * mapped items of the current event until another event arrives. */
struct fuzz_events {
	struct map_opts mo;
	struct item_list items;
	struct buf der;
	uint32_t tag;
	int held;
};

static void fuzz_fail(const char *what, const struct item_list *l, const struct item *it)
{
	fprintf(stderr, "fuzz: broken promise: %s (serial %u, %zu items)\n", what,
	        (unsigned)it->serial, l->nitems);
	abort();
}

/* An IA5String the simulator accepts: lo..hi bytes, all printable ASCII. */
static void fuzz_check_str(const struct item_list *l, const struct item *it, struct item_str s,
                           size_t lo, size_t hi, const char *what)
{
	const char *p = item_text(l, s);

	if (s.len < lo || s.len > hi)
		fuzz_fail(what, l, it);
	for (uint32_t i = 0; i < s.len; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			fuzz_fail(what, l, it);
	if (p[s.len] != '\0')
		fuzz_fail(what, l, it);
}

/* Every item as mapping.md promises, then encoded. */
static void fuzz_hand_on(struct fuzz_events *fe)
{
	const struct item_list *l = &fe->items;

	fe->held = 0;
	for (size_t i = 0; i < l->nitems; i++) {
		const struct item *it = &l->items[i];

		if (it->event < 1 || it->event > 7 || it->qualifier > 3)
			fuzz_fail("event code or qualifier out of range", l, it);
		fuzz_check_str(l, it, it->class_name, 1, ITEM_CLASS_MAX, "Class");
		fuzz_check_str(l, it, it->resource, 1, ITEM_RESOURCE_MAX, "Resource");
		fuzz_check_str(l, it, it->logstring, 1, ITEM_LOGSTRING_MAX, "LogString");
		if (it->nfields < 3)
			fuzz_fail("an item without its head relocates and a field", l, it);
		for (uint32_t f = 0; f < it->nfields; f++) {
			const struct item_field *df = item_field_at(l, it, f);

			if (df->type != ITEM_RELOC_TIMESTAMP && df->type != ITEM_RELOC_OTHER)
				fuzz_fail("relocate TYPE", l, it);
			fuzz_check_str(l, it, df->value, 1, fe->mo.max_field_length,
			               "relocate value longer than max_field_length");
		}
		fe->tag = ictx_next_tag(fe->tag);
		buf_reset(&fe->der);
		if (ictx_encode_item(l, it, fe->tag, &fe->der) < 0 || fe->der.len == 0)
			fuzz_fail("encoding", l, it);
	}
	item_list_clear(&fe->items);
}

/* Every event input hands over can be mapped: only ENOMEM may fail (the
 * plugin logs ZRA0008E and loses the event otherwise). */
static void fuzz_map_failed(void)
{
	if (errno != ENOMEM) {
		fprintf(stderr, "fuzz: broken promise: map_event failed: %s\n", strerror(errno));
		abort();
	}
}

/* The input callback: main.c's on_event without the queue. */
static void fuzz_on_event(auparse_state_t *au, void *arg)
{
	struct fuzz_events *fe = arg;
	int n;

	if (fe->held) {
		n = map_event_continue(au, &fe->mo, &fe->items);
		if (n >= 0)
			return;
		if (n == -1) {
			fe->held = 0;
			fuzz_map_failed();
			return;
		}
		fuzz_hand_on(fe);
	}
	n = map_event(au, &fe->mo, &fe->items);
	if (n < 0)
		fuzz_map_failed();
	if (n > 0)
		fe->held = 1;
}

/* Feed data through framing fmt in chunks of chunk bytes (0 = at once),
 * aging pending events between chunks when age is set, then flush. */
static void fuzz_run_input(enum config_format fmt, const struct map_opts *mo, const uint8_t *data,
                           size_t size, size_t chunk, int age)
{
	struct fuzz_events fe = {.mo = *mo};
	struct input *in;

	item_list_init(&fe.items);
	buf_init(&fe.der);
	in = input_new(fmt, fuzz_on_event, &fe);
	if (!in)
		abort();
	if (chunk == 0)
		chunk = size ? size : 1;
	for (size_t pos = 0; pos < size; pos += chunk) {
		input_feed(in, (const char *)data + pos, size - pos < chunk ? size - pos : chunk);
		if (age)
			input_age(in);
	}
	input_flush(in);
	if (fe.held)
		fuzz_hand_on(&fe);
	input_free(in);
	item_list_free(&fe.items);
	buf_free(&fe.der);
}

#endif
