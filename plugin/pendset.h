/* pendset.h - the intake log's events with records waiting, keyed by event
 * id: find, add and remove cost the same with 10 or 300,000 of them.
 *
 * Why. Falling timestamps without EOE keep events waiting in libauparse; a
 * linear search per record made 20,000 such events cost 6 s and 300,000
 * never finish. Here an open-addressing hash (linear probing) maps an id to
 * its slot in an array kept in arrival order, so the oldest event (the
 * lowest first_seq, which decides which files may go) is the first live
 * slot. Removed slots are marked and the array is compacted once they
 * outnumber the live ones (amortised O(1)).
 *
 * Candidates. intake_settle only has to look at events whose counts
 * changed (pendset_touch) and those a caller still held last time, not at
 * every waiting event: pendset_candidates hands the queued ids over.
 *
 * Owner: the intake log (reader thread). Not thread-safe. */
#ifndef ZR_PENDSET_H
#define ZR_PENDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eventid.h"

/* An event with records waiting. */
struct pend {
	struct intake_id id;
	uint64_t first_seq, last_seq; /* its oldest and newest record */
	uint32_t fed, emitted;
	bool on_disk; /* some record of it was written: its settling needs a D entry */
	bool gone;    /* removed (pendset's own) */
	bool queued;  /* among the candidates (pendset's own) */
};

struct pendset {
	struct pend *pend;         /* arrival order; gone ones until compacted */
	size_t n, cap, live, head; /* head: no live slot before it */
	uint32_t *slot;            /* pend index + 1, 0 = empty; nslot a power of 2 */
	size_t nslot;
	struct intake_id *cand, *taken; /* queued; handed out by pendset_candidates */
	size_t ncand, candcap, takencap;
};

void pendset_init(struct pendset *ps);
void pendset_free(struct pendset *ps);

/* The event, or NULL. A pointer stays valid until the next pendset_add. */
struct pend *pendset_find(struct pendset *ps, const struct intake_id *id);
/* A new event (the id must not be there); NULL when out of memory. */
struct pend *pendset_add(struct pendset *ps, const struct intake_id *id);
void pendset_remove(struct pendset *ps, struct pend *pe);
/* Queue pe for the next pendset_candidates (once). */
void pendset_touch(struct pendset *ps, struct pend *pe);
/* The queued ids in *ids (n of them, valid until the next call; touching
 * meanwhile queues for the call after), the queue emptied. An id whose
 * event has gone since is not found. */
size_t pendset_candidates(struct pendset *ps, struct intake_id **ids);

size_t pendset_count(const struct pendset *ps);
/* The live event with the lowest first_seq, or NULL. */
const struct pend *pendset_oldest(struct pendset *ps);
/* Slot i of the array for walking every event: NULL past the end, a gone
 * one is returned with gone set. */
struct pend *pendset_at(struct pendset *ps, size_t i);

#endif
