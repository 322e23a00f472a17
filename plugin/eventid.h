/* eventid.h - a Linux event id as libauparse keys events: seconds,
 * milliseconds, serial and node. The intake log keys its records by it and
 * its pending set (pendset.h) keeps them, so it sits below both.
 * Header only: a type and its comparison. */
#ifndef ZR_EVENTID_H
#define ZR_EVENTID_H

#include <stdbool.h>
#include <stdint.h>

struct intake_id {
	int64_t sec;
	uint32_t milli;
	uint32_t node; /* intake_node_hash of the node= name */
	uint64_t serial;
};

static inline bool intake_id_eq(const struct intake_id *a, const struct intake_id *b)
{
	return a->sec == b->sec && a->milli == b->milli && a->serial == b->serial &&
	       a->node == b->node;
}

#endif
