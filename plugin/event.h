/* event.h - the encoded event: one audit event's items, encoded once by
 * the reader (qevent_new), held by the queue and the sender, written to
 * and read back from the spool (qevent_serialise, qevent_deserialise).
 *
 * One allocation holds the header, the items and their bytes. The
 * serialised form (the spool entry's payload, little-endian) is
 *
 *   u64 seq | u32 nitems | u32 data_len |
 *   nitems x (u32 tag | u32 der_off | u32 der_len | u32 res_off | u32 serial) |
 *   data_len bytes of data
 *
 * Pure: no I/O, no locks; whoever holds an event owns it. */
#ifndef ZR_EVENT_H
#define ZR_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "item.h"

#define QEVENT_WIRE_HEADER 16u /* seq, nitems, data_len */
#define QEVENT_WIRE_ITEM   20u /* bytes per item */

/* One encoded item of a queued event. */
struct qitem {
	uint32_t tag;     /* ItemTag sent with it */
	uint32_t der_off; /* its DER Item in the event's data */
	uint32_t der_len;
	uint32_t res_off;  /* its Resource (NUL-terminated) in the data, for messages */
	uint32_t serial;   /* Linux event serial, for messages */
	uint16_t attempts; /* sends that ended without a verdict; sender-owned */
	uint8_t settled;   /* 1 once the sender is done with it; sender-owned */
};

/* One audit event. next and unsettled belong to whoever holds the event
 * (the queue, then the sender). */
struct qevent {
	struct qevent *next;
	uint64_t seq; /* spool sequence number; 0 = not spooled */
	uint32_t nitems;
	uint32_t unsettled; /* items not yet settled (sender) */
	uint32_t data_len;  /* bytes after items[] */
	size_t bytes;       /* sum of der_len */
	struct qitem items[];
	/* followed by the data bytes: see qevent_data() */
};

static inline const unsigned char *qevent_data(const struct qevent *e)
{
	return (const unsigned char *)&e->items[e->nitems];
}

static inline const unsigned char *qitem_der(const struct qevent *e, const struct qitem *it)
{
	return qevent_data(e) + it->der_off;
}

static inline const char *qitem_resource(const struct qevent *e, const struct qitem *it)
{
	return (const char *)qevent_data(e) + it->res_off;
}

/* Encode every item of l (ItemTags from *tag onwards via ictx_next_tag;
 * *tag is left at the last tag used) into one new event. scratch is a
 * buffer the caller reuses so the hot path does not grow a new one.
 * NULL when l is empty or on ENOMEM/encoder failure (errno set). */
struct qevent *qevent_new(const struct item_list *l, uint32_t *tag, struct buf *scratch);
void qevent_free(struct qevent *e);

/* Bytes of e's serialised form. */
size_t qevent_wire_size(const struct qevent *e);
/* Write e's serialised form (qevent_wire_size bytes) at p. */
void qevent_serialise(const struct qevent *e, unsigned char *p);
/* A serialised form of plen bytes back into a new event (checked: offsets
 * inside the data, the last resource ends). NULL when it does not hold
 * together or on ENOMEM. */
struct qevent *qevent_deserialise(const unsigned char *p, size_t plen);

#endif
