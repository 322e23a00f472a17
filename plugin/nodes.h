/* nodes.h - per-node accounting for a central auditd: records, events and
 * last-seen time per node= name, and which sending nodes fell silent.
 *
 * Behind one central auditd (tcp_listen_port, distribute_network = yes)
 * every record carries node=NAME of the host that wrote it; a host that
 * stops sending is a hole in the audit trail on the mainframe side, so the
 * plugin counts per node and says when one goes quiet (and when it is back).
 *
 * Pure: no I/O, no syslog, no clock. Times are monotonic seconds passed in
 * by the caller; the caller logs what nodes_seen() and nodes_check() return.
 *
 * Bounded: at most NODES_MAX named nodes (in order of first appearance). A
 * node that finds the table full, or whose name is longer than
 * NODES_NAME_MAX bytes, is counted in `other` (records and events) and has
 * no last-seen time and no silence check; nodes_seen() says NODES_FULL the
 * first time that happens. Records without node= (the aggregator's own
 * events) have their own entry, the empty name, which is never called
 * silent: it is the local host, not a sender.
 *
 * Owner: the reader thread (operate.c). Not thread-safe. */
#ifndef ZR_NODES_H
#define ZR_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define NODES_MAX      4096
#define NODES_NAME_MAX 255

struct node_entry {
	char name[NODES_NAME_MAX + 1]; /* "" = records without node= */
	size_t len;
	uint16_t tag;          /* map_node_tag(): bytes 0-1 of its link values */
	uint64_t records;      /* records read (EOE not counted), since start */
	uint64_t events;       /* events read, since start */
	uint64_t records_prev; /* records at the last nodes_report() */
	double first_seen;     /* monotonic seconds */
	double last_seen;
	bool silent; /* reported silent and not heard from since */
};

enum nodes_seen {
	NODES_SEEN, /* counted */
	NODES_NEW,  /* counted; the first record of a new node */
	NODES_BACK, /* counted; the node was silent (*silent_for: for how long) */
	NODES_FULL, /* counted in other; the first time the table was full */
};

struct nodes;

/* NULL on ENOMEM. */
struct nodes *nodes_new(void);
void nodes_free(struct nodes *t);

/* A part of an event from node (n bytes; n = 0: no node=) with `records`
 * records, read at now. event: the part starts an event (false for a
 * later part of one libauparse handed over in pieces). silent_for may be
 * NULL. Never fails: past the bound (or out of memory) it counts in other. */
enum nodes_seen nodes_seen(struct nodes *t, const char *node, size_t n, unsigned records,
                           bool event, double now, double *silent_for);

/* The entry the last nodes_seen() counted in; NULL when it went to other
 * (or before the first call). */
const struct node_entry *nodes_last(const struct nodes *t);

/* Called for each node that nodes_check() finds silent. */
typedef void (*nodes_silent_fn)(void *arg, const struct node_entry *e, double silent_for);

/* Mark silent every named node not yet marked whose last record is more
 * than `silence` seconds before now, calling fn (may be NULL) for each.
 * silence 0: nothing is ever silent. Returns how many were marked. */
size_t nodes_check(struct nodes *t, double now, unsigned silence, nodes_silent_fn fn, void *arg);

/* Entries in order of first appearance; NULL for i >= nodes_count(). */
size_t nodes_count(const struct nodes *t);
const struct node_entry *nodes_at(const struct nodes *t, size_t i);
/* Entries with a node name (all but the one without node=). */
size_t nodes_named(const struct nodes *t);
/* Entries marked silent now. */
size_t nodes_silent(const struct nodes *t);
/* Records and events of the nodes that found no room (names are not kept). */
void nodes_other(const struct nodes *t, uint64_t *records, uint64_t *events);

/* The node's name as printable ASCII (map_escape): "-" for the entry
 * without node=. Appended to out, NUL-terminated; 0 or -1 (ENOMEM). */
int nodes_name(const struct node_entry *e, struct buf *out);

/* State-file lines, appended to out (NUL-terminated): first
 *   nodes: N known, S silent
 * then per entry, in order of first appearance,
 *   node.NAME: records=R events=E last_seen=ISO8601Z seen_seconds_ago=S
 *   tag=HHHH state=sending|silent
 * (one line), and, only when some nodes found no room,
 *   node.(other): records=R events=E
 * last_seen is wall time: wall_now - (now - last_seen). 0 or -1 (ENOMEM). */
int nodes_state(const struct nodes *t, double now, time_t wall_now, struct buf *out);

/* The activity line's part, appended to out (NUL-terminated):
 *   " nodes=A/K silent=S nodes_top=NAME:R,NAME:R,NAME:R"
 * A: nodes with records since the last call, K: known, R: records since
 * the last call (at most 3 names, largest first, each cut to 40 characters;
 * "-" for none). Starts the next interval. 0 or -1 (ENOMEM). */
int nodes_report(struct nodes *t, struct buf *out);

#endif
