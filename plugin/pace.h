/* pace.h - waits that follow the input rate: how long the sender lingers to
 * fill a request, and how long the reader lets a trickle gather.
 *
 * Why. auditd's load is mostly a trickle, one write() per record: at 1,000
 * records/s a fixed 5 ms linger sent a request for every 8 records, and
 * every record woke the reader (tests/bench/RESULTS.md, trickle).
 * Sender: the linger is the time batch_items take to arrive at the current
 * rate, at least linger_ms and at most linger_max_ms, so requests fill at
 * low rates and a lone event still leaves within linger_max_ms.
 *
 * The rate is the units (items, bytes) counted over windows of at least
 * PACE_WINDOW seconds, averaged with the previous estimate. Pure; each
 * user owns its own struct pace. */
#ifndef ZR_PACE_H
#define ZR_PACE_H

#include <stdint.h>

#define PACE_WINDOW 0.25 /* seconds */

struct pace {
	double t0;      /* start of the current window; 0 = none yet */
	uint64_t items; /* items taken in it */
	double rate;    /* items per second; 0 = unknown */
};

/* The reader uses the same estimate on the bytes it reads (main.c,
 * read_coalesce_ms): after a short read it waits the time auditd takes to
 * write READ_GATHER_BYTES at the current rate, at most read_coalesce_ms,
 * so a trickle costs one wake-up per batch of records, not per record,
 * while the socket buffer auditd writes into stays far from full. */
#define READ_GATHER_BYTES 16384

/* n items were taken from the queue at now (seconds, monotonic). */
void pace_note(struct pace *l, double now, uint64_t n);
/* Seconds to wait for a batch of batch_items to fill. max_ms <= min_ms
 * (linger_max_ms 0): min_ms, a fixed linger. */
double pace_seconds(const struct pace *l, unsigned batch_items, unsigned min_ms, unsigned max_ms);

#endif
