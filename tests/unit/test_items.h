/* test_items.h - items and queue events with known contents, for the unit
 * tests of the queue, the spool, the session and the sender.
 *
 * Apart from sim_child.h because building items needs no simulator: the
 * queue and spool tests use these and never start one. Header-only (static
 * functions) so each test program stays one .c file. */
#ifndef ZR_TEST_ITEMS_H
#define ZR_TEST_ITEMS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "item.h"
#include "queue.h"

/* Append one item with the given resource (and one data field) to l. */
static inline void test_add_item(struct item_list *l, const char *resource, uint32_t serial)
{
	long i = item_list_new_item(l);
	struct item_str cls, res, ls;

	if (i < 0 || item_list_add_str(l, "@LINUX", 6, &cls) != 0 ||
	    item_list_add_str(l, resource, strlen(resource), &res) != 0 ||
	    item_list_add_str(l, "Linux (test): type: TEST", 24, &ls) != 0) {
		fprintf(stderr, "out of memory building items\n");
		exit(1);
	}
	struct item *it = &l->items[i];

	it->link[3] = (uint8_t)serial;
	it->event = 2;
	it->qualifier = 0;
	it->class_name = cls;
	it->resource = res;
	it->logstring = ls;
	it->serial = serial;
	if (item_list_add_field(l, 114, "key=value", 9) != 0) {
		fprintf(stderr, "out of memory building items\n");
		exit(1);
	}
}

/* An event of n items, resources "R<base+i>", serials base+i, tags from
 * *tag on (left at the last one used, as qevent_new leaves it). */
static inline struct qevent *test_make_event(unsigned n, unsigned base, uint32_t *tag)
{
	struct item_list l;
	struct buf scratch;
	struct qevent *e;
	char res[32];

	item_list_init(&l);
	buf_init(&scratch);
	for (unsigned i = 0; i < n; i++) {
		snprintf(res, sizeof(res), "R%u", base + i);
		test_add_item(&l, res, base + i);
	}
	e = qevent_new(&l, tag, &scratch);
	item_list_free(&l);
	buf_free(&scratch);
	return e;
}

#endif
