/* commit.h - group commit: when the reader forces the spool and the intake
 * log to disk (fdatasync) under spool_sync = batch.
 *
 * Why. auditd writes one record per write(), so under a steady trickle
 * every read() brings one record; a sync per read cost 0.57-0.76
 * fdatasync per record and most of the plugin's CPU at 1,000 records/s
 * (tests/bench/RESULTS.md, trickle). A group commit syncs once for all
 * that was read since the last sync, as soon as either bound is reached:
 * interval seconds since the first unsynced input (spool_sync_interval_ms)
 * or `bytes` of input read since the last sync (spool_sync_bytes). The
 * writes themselves still happen per read: kill -9 and crashes lose nothing
 * read (the page cache keeps written data); a power cut or kernel crash can
 * lose at most the input of the last interval (or bytes), plus what the
 * reader still held in memory (an incomplete event).
 *
 * Pure bookkeeping: the caller does the syncs (spool first, then the
 * intake log) when commit_due says so and then calls commit_done. Owner:
 * the reader thread. Not thread-safe. */
#ifndef ZR_COMMIT_H
#define ZR_COMMIT_H

#include <stdbool.h>
#include <stdint.h>

struct commit {
	double interval;    /* seconds from the first unsynced input to its sync */
	uint64_t bytes;     /* input bytes that force a sync at once */
	double dirty_since; /* when the oldest unsynced input was read; 0 = none */
	uint64_t synced_at; /* input byte count at the last sync */
	uint64_t seen;      /* input byte count now */
};

/* On a zeroed struct, and again at a reload (what is unsynced stays so).
 * interval_ms 0 = sync at every commit point (once per read). */
void commit_init(struct commit *c, unsigned interval_ms, uint64_t bytes);
/* The input byte counter (input_stats()->bytes) at time now. */
void commit_note(struct commit *c, double now, uint64_t input_bytes);
/* A sync is due: something unsynced and a bound reached. */
bool commit_due(const struct commit *c, double now);
/* Seconds until a sync falls due (the reader's longest sleep); -1 = none. */
double commit_wait(const struct commit *c, double now);
/* The syncs were done at now. */
void commit_done(struct commit *c);

#endif
