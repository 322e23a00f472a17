/* eventid.h - a Linux event id as libauparse keys events: seconds,
 * milliseconds, serial and node. The intake log keys its records by it and
 * its pending set (pendset.h) keeps them, so it sits below both.
 * Header only: a type, its comparison and the node name's hash. */
#ifndef ZR_EVENTID_H
#define ZR_EVENTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct intake_id {
	int64_t sec;
	uint32_t milli;
	uint32_t node; /* eventid_node_hash of the node= name */
	uint64_t serial;
};

/* The 32-bit FNV-1a hash of a node name (n bytes, as written after
 * node=): offset basis 2166136261, each byte XORed in, then multiplied by
 * 16777619 modulo 2^32. The intake log's event ids and the mapper's link
 * value tag (map_node_hash) both use this one. */
static inline uint32_t eventid_node_hash(const char *node, size_t n)
{
	uint32_t h = 2166136261U;

	for (size_t i = 0; node && i < n; i++) {
		h ^= (unsigned char)node[i];
		h *= 16777619U;
	}
	return h;
}

static inline bool intake_id_eq(const struct intake_id *a, const struct intake_id *b)
{
	return a->sec == b->sec && a->milli == b->milli && a->serial == b->serial &&
	       a->node == b->node;
}

#endif
