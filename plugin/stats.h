/* stats.h - the counters an operator sees (activity report, state file)
 * that no other module keeps, and a snapshot of all of them.
 *
 * Most counters already live with the module that counts them: input_stats
 * (records read), queue_stats (queued, dropped for a full queue, depth),
 * sender_stats (requests, items sent, settled and dropped by reason,
 * retries, connects). This module adds what they lack, behind one mutex:
 *
 *   field                      written by      through
 *   outcomes by MajorCode      sender thread   stats_outcome
 *   NOTREQ / UNDETERMINED      sender thread   stats_outcome (per resource)
 *   current server             sender thread   stats_server
 *   skipped records by type    reader thread   stats_skipped (reader.c, for
 *                                              what filter_count finds)
 *
 * stats_collect() takes one consistent copy of these plus the other
 * modules' statistics (a snapshot: totals since start); stats_delta() makes
 * the figures of an interval out of two snapshots. Tables are bounded:
 * STATS_NAMES_MAX distinct names each, later names are added to `other`.
 *
 * The sender reaches stats_outcome and stats_server through its counters
 * hook (operate_watch), so it does not depend on this module.
 *
 * Every function accepts a NULL struct stats * and then does nothing, so
 * modules work (and are tested) without one. Thread-safe. */
#ifndef ZR_STATS_H
#define ZR_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "item.h"
#include "queue.h"
#include "sender.h"

#define STATS_MAJOR_MAX  128 /* MajorCodes 0..127 one by one; others together */
#define STATS_NAMES_MAX  64  /* distinct names per table */
#define STATS_SERVER_LEN 300

struct stats_name {
	char name[ITEM_RESOURCE_MAX + 1];
	uint64_t n;
};

/* Counts by name (resource or record type), in order of first appearance. */
struct stats_table {
	struct stats_name v[STATS_NAMES_MAX];
	size_t len;
	uint64_t other; /* counts of names that found the table full */
};

struct stats_snap {
	double mono; /* CLOCK_MONOTONIC seconds when taken (a delta: its length) */
	double cpu;  /* user + system CPU seconds of the process */
	struct input_stats in;
	struct queue_stats q; /* gauges (queued, held, limit) are current in a delta */
	struct sender_stats snd;
	uint64_t major[STATS_MAJOR_MAX + 1]; /* [STATS_MAJOR_MAX]: any other code */
	struct stats_table notreq, undetermined, skipped;
	uint64_t skipped_total;
	char server[STATS_SERVER_LEN]; /* "host:port" last connected to, "" never */
};

struct stats;

/* NULL on ENOMEM. */
struct stats *stats_new(void);
void stats_free(struct stats *st);
/* Forget every count (tests). */
void stats_reset(struct stats *st);

/* The sender got MajorCode major for an item with this resource. */
void stats_outcome(struct stats *st, int major, const char *resource);
/* The sender is connected to peer ("host:port"). */
void stats_server(struct stats *st, const char *peer);
/* The reader's filter skipped a record of this type (its name:
 * filter_type_name). */
void stats_skipped(struct stats *st, const char *type_name);

/* A snapshot: st's counters plus copies of the other modules' statistics
 * (each may be NULL: zeros), the monotonic clock and the CPU time used. */
void stats_collect(struct stats *st, const struct input_stats *in, const struct queue_stats *q,
                   const struct sender_stats *snd, struct stats_snap *out);

/* What happened between prev and now (prev NULL: since start). Counters
 * are differences (mono: the interval's length); gauges (queue depth,
 * connected, server) are now's. out must be neither now nor prev. */
void stats_delta(const struct stats_snap *now, const struct stats_snap *prev,
                 struct stats_snap *out);

/* Indexes into t->v of its at most n largest counts (count > 0), largest
 * first, ties in order of appearance. Returns how many were stored. */
size_t stats_top(const struct stats_table *t, size_t *idx, size_t n);

/* Items dropped in all (queue full and every sender reason). */
uint64_t stats_dropped_items(const struct stats_snap *s);

#endif
