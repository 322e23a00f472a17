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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "filter.h"
#include "idcache.h"
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

/* The fleet layout, used under MAP_LINK_SERIAL_TIME with link_node for an
 * event that carries node= (auditd's name_format, or a central auditd
 * receiving from audisp-remote): serial and time alone repeat across
 * hosts. Bytes 0-1: map_node_tag() of the node name, big-endian; bytes
 * 2-4: the serial's low 24 bits, big-endian; bytes 5-7: the seconds' low
 * 24 bits, big-endian. A host's values repeat only after 2^24 seconds
 * (194 days) or 2^24 events in one second. The layout of an event without
 * node= is unchanged. */
#define MAP_NODE_TAG_SERIAL_BITS 24
#define MAP_NODE_TAG_TIME_BITS   24

/* The 32-bit FNV-1a hash of a node name (n bytes, as written after
 * node=): offset basis 2166136261, each byte XORed in, then multiplied by
 * 16777619 modulo 2^32 (eventid_node_hash, which the intake log uses too). */
uint32_t map_node_hash(const char *node, size_t n);
/* The 16-bit tag of a node name: map_node_hash(), its high half XOR its
 * low half. "host1" -> 0x3924. */
uint16_t map_node_tag(const char *node, size_t n);

struct map_opts {
	const char *class_name; /* 1-8 chars, validated by config (cut at 8) */
	const char *hostname;   /* used when a record has no node= */
	enum map_event_code event_code;
	enum map_violation violation;
	enum map_link link;
	/* Under MAP_LINK_SERIAL_TIME, give an event with node= the fleet
	 * layout (above). Default true. */
	bool link_node;
	/* Longest relocate value (name=value, or name[i/n]=part with its
	 * prefix) after escaping. Also capped so that one relocate plus the
	 * two head relocates fit max_item_bytes. */
	size_t max_field_length;
	/* Budget of one item's DataFieldList, measured as the sum of the DER
	 * sizes of its DataFields (SEQUENCE { INTEGER, IA5String }, headers
	 * included). A record whose relocates exceed it continues in further
	 * items. Each item carries at least one record relocate beyond its
	 * head, so a tiny budget still makes progress. */
	size_t max_item_bytes;
	/* Records whose type this filter does not pass make no item; the
	 * event-wide decisions still see them. NULL = every record. */
	const struct filter *filter;
	/* Interpretations of uid and gid fields of records without their own
	 * (not ENRICHED), reused instead of asking libauparse, which asks
	 * NSS for every unknown id (idcache.h). The output is the same.
	 * NULL = ask libauparse for every field. */
	struct idcache *ids;
};

/* Default options (mapping.md defaults); hostname must still be set. */
void map_opts_default(struct map_opts *o);

/* Map the event auparse is positioned on (as in an AUPARSE_CB_EVENT_READY
 * callback) into l, which is cleared first. EOE records produce no item; an
 * event of nothing but EOE produces an empty list. Returns the number of
 * items, or -1 (ENOMEM, or EINVAL when auparse has no current event; l is
 * then cleared).
 *
 * What it decides once per event: link value, qualifier (first success=,
 * else first res=, else info), violation, event code (by_type: the first
 * record whose type has an entry in the table, else 2), class, log string
 * (node= of the event, else o->hostname, else "unknown"). Per record:
 * resource (type name), the head relocates 113 (ctime form of the event
 * time, local time) and 114 msg=audit(sec.msec:serial), then one 114
 * name=value per field in record order. A record too large for one item
 * continues in items with the same fields and head relocates, so each SMF
 * record stands alone.
 *
 * Side effect: sets auparse's escape mode to AUPARSE_ESC_RAW, so values
 * reach map_escape() unescaped (auparse's default TTY mode would turn
 * control bytes into octal first and hide them). */
int map_event(auparse_state_t *au, const struct map_opts *o, struct item_list *l);

/* libauparse 3.0.9 hands some events over in several callbacks with the
 * same time, serial and node (a LOGIN or other type < 1300 ends an event
 * early, so does a PROCTITLE that comes first; see auditd-dispatcher.md
 * 2.7). To keep one qualifier, event code and log string per Linux event,
 * a caller that holds l (not yet encoded) calls map_event_continue() for
 * the next callback: when auparse's event is the one in l, its records are
 * appended as items and the event-wide decisions are re-made over all
 * parts, updating the items already in l; the log string keeps the type
 * of the first part's first record. Returns the number of items added
 * (0 for a part of nothing but EOE), -1 (ENOMEM; l is cleared), or
 * MAP_OTHER_EVENT when auparse is on another event or l holds none: l is
 * untouched, and the caller hands l on and calls map_event(). */
#define MAP_OTHER_EVENT (-2)
int map_event_continue(auparse_state_t *au, const struct map_opts *o, struct item_list *l);

/* Escape n bytes for an IA5String: bytes outside 0x20-0x7E become \xHH,
 * a backslash becomes \\. Appends to out (NUL-terminated); 0 or -1. */
int map_escape(const char *p, size_t n, struct buf *out);

/* libauparse keeps records as C strings: a NUL byte inside one would end
 * it there, and everything after would vanish without a word. So the
 * input hides NUL before auparse sees the record and the mapper brings it
 * back: map_hide writes the n bytes at p to out (room for 2 * n) with NUL
 * as MAP_HIDE_LEAD 0x80 and MAP_HIDE_LEAD itself as MAP_HIDE_LEAD
 * MAP_HIDE_LEAD, and returns the length written. Only a record that holds
 * NUL or MAP_HIDE_LEAD changes (map_needs_hide). The mapper undoes it in
 * every name and value whose raw text holds MAP_HIDE_LEAD, so the SMF
 * record shows \x00 and \xC0 as map_escape promises for any byte. */
#define MAP_HIDE_LEAD 0xC0 /* never valid UTF-8, rare in audit records */
bool map_needs_hide(const char *p, size_t n);
size_t map_hide(const char *p, size_t n, char *out);

/* The longest prefix of an escaped string s (len bytes, as map_escape
 * makes it) of at most max bytes that does not end inside an escape. Used
 * for every cut: LogString (200), Resource (240) and split relocates. */
size_t map_escaped_cut(const char *s, size_t len, size_t max);

/* t as ctime(3) prints it in local time, without the newline (relocate
 * 113). Returns the length written, as snprintf. */
int map_ctime(time_t t, char *out, size_t outlen);

/* Event code (1..7) for a record type name under MAP_EVENT_BY_TYPE; 2 for
 * a type not in the table (and for NULL). */
int map_event_code_for_type(const char *type_name);

/* Entry i of the by_type table: its type name, and its code in *code; NULL
 * past the end. For tests and documentation. */
const char *map_type_table_entry(size_t i, int *code);

#endif
