/* mapper.h - one Linux audit event -> remote audit items, per
 * ../shared/spec/mapping.md (sections Units, Item fields, Data fields,
 * Characters and lengths).
 *
 * Pure: no I/O, no syslog, no clock. It reads the event auparse is
 * positioned on and writes items into an item_list. Everything site-specific
 * comes in through struct map_opts, so tests can pin every input.
 *
 * Owner: the reader thread (auparse state is not thread-safe). */
#ifndef ZR_MAPPER_H
#define ZR_MAPPER_H

#include <auparse.h>
#include <stddef.h>

#include "item.h"

enum map_event_code {
	MAP_EVENT_AUTHORIZATION, /* every item: event 2 (the default) */
	MAP_EVENT_BY_TYPE,       /* table from record type to 1..7 */
};

enum map_violation {
	MAP_VIOLATION_NEVER,    /* Violation always FALSE (the default) */
	MAP_VIOLATION_FAILURES, /* TRUE when the qualifier is FAIL */
};

enum map_link {
	MAP_LINK_SERIAL_TIME, /* serial BE in 0-3, seconds BE in 4-7 (default) */
	MAP_LINK_SERIAL,      /* the original's x86_64 layout: serial BE, zeros */
};

struct map_opts {
	const char *class_name;  /* 1-8 chars, validated by config */
	const char *hostname;    /* used when a record has no node= */
	enum map_event_code event_code;
	enum map_violation violation;
	enum map_link link;
	size_t max_field_length; /* longest name=value relocate after escaping */
	size_t max_item_bytes;   /* data-field bytes before an item continues */
};

/* Default options (mapping.md defaults); hostname must still be set. */
void map_opts_default(struct map_opts *o);

/* Map the event auparse is positioned on (as in an AUPARSE_CB_EVENT_READY
 * callback) into l, which is cleared first. EOE records produce no item; an
 * event of nothing but EOE produces an empty list. Returns the number of
 * items, or -1 (ENOMEM; l is then cleared). */
int map_event(auparse_state_t *au, const struct map_opts *o, struct item_list *l);

/* Escape n bytes for an IA5String: bytes outside 0x20-0x7E become \xHH,
 * a backslash becomes \\. Appends to out (NUL-terminated); 0 or -1. */
struct buf;
int map_escape(const char *p, size_t n, struct buf *out);

/* Event code for a record type name under MAP_EVENT_BY_TYPE. */
int map_event_code_for_type(const char *type_name);

#endif
