/* event.c - the encoded event: built once from mapped items, serialised for the spool. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "ictx.h"
#include "segfile.h"

/* Per-item layout collected while encoding, before the one allocation. */
struct qevent_draft {
	uint32_t der_off, der_len, res_off;
};

static int draft_item(const struct item_list *l, const struct item *it, uint32_t tag,
                      struct buf *scratch, struct qevent_draft *d)
{
	size_t before = scratch->len;

	if (ictx_encode_item(l, it, tag, scratch) != 0)
		return -1;
	d->der_off = (uint32_t)before;
	d->der_len = (uint32_t)(scratch->len - before);
	return 0;
}

struct qevent *qevent_new(const struct item_list *l, uint32_t *tag, struct buf *scratch)
{
	size_t n = l->nitems;
	struct qevent_draft small[32], *d = small;
	struct qevent *e = NULL;
	uint32_t t = *tag;

	if (n == 0 || n > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	/* Most events have a handful of records: keep the hot path to the
	 * event's own allocation. */
	if (n > sizeof(small) / sizeof(small[0]) && !(d = calloc(n, sizeof(*d))))
		return NULL;
	buf_reset(scratch);
	/* DER first, then the resource names, all in the scratch buffer, so
	 * the event is built with a single malloc and one copy. */
	for (size_t i = 0; i < n; i++) {
		t = ictx_next_tag(t);
		if (draft_item(l, &l->items[i], t, scratch, &d[i]) != 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct item *it = &l->items[i];

		d[i].res_off = (uint32_t)scratch->len;
		if (buf_append(scratch, item_text(l, it->resource), it->resource.len + 1) != 0)
			goto out;
	}
	e = malloc(sizeof(*e) + n * sizeof(e->items[0]) + scratch->len);
	if (!e)
		goto out;
	e->next = NULL;
	e->seq = 0;
	e->nitems = (uint32_t)n;
	e->unsettled = (uint32_t)n;
	e->data_len = (uint32_t)scratch->len;
	e->bytes = 0;
	t = *tag;
	for (size_t i = 0; i < n; i++) {
		t = ictx_next_tag(t);
		e->items[i] = (struct qitem){.tag = t,
		                             .der_off = d[i].der_off,
		                             .der_len = d[i].der_len,
		                             .res_off = d[i].res_off,
		                             .serial = l->items[i].serial};
		e->bytes += d[i].der_len;
	}
	memcpy((unsigned char *)&e->items[n], scratch->data, scratch->len);
	*tag = t;
out:
	if (d != small)
		free(d);
	return e;
}

void qevent_free(struct qevent *e)
{
	free(e);
}

size_t qevent_wire_size(const struct qevent *e)
{
	return QEVENT_WIRE_HEADER + (size_t)e->nitems * QEVENT_WIRE_ITEM + e->data_len;
}

void qevent_serialise(const struct qevent *e, unsigned char *p)
{
	le_put64(p, e->seq);
	le_put32(p + 8, e->nitems);
	le_put32(p + 12, e->data_len);
	p += QEVENT_WIRE_HEADER;
	for (uint32_t i = 0; i < e->nitems; i++, p += QEVENT_WIRE_ITEM) {
		const struct qitem *it = &e->items[i];

		le_put32(p, it->tag);
		le_put32(p + 4, it->der_off);
		le_put32(p + 8, it->der_len);
		le_put32(p + 12, it->res_off);
		le_put32(p + 16, it->serial);
	}
	memcpy(p, qevent_data(e), e->data_len);
}

struct qevent *qevent_deserialise(const unsigned char *p, size_t plen)
{
	uint32_t n, dlen;
	struct qevent *e;

	if (plen < QEVENT_WIRE_HEADER)
		return NULL;
	n = le_get32(p + 8);
	dlen = le_get32(p + 12);
	if (n == 0 || (uint64_t)n * QEVENT_WIRE_ITEM + dlen + QEVENT_WIRE_HEADER != plen)
		return NULL;
	e = malloc(sizeof(*e) + (size_t)n * sizeof(e->items[0]) + dlen);
	if (!e)
		return NULL;
	*e = (struct qevent){.seq = le_get64(p), .nitems = n, .unsettled = n, .data_len = dlen};
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *w = p + QEVENT_WIRE_HEADER + (size_t)i * QEVENT_WIRE_ITEM;
		struct qitem *it = &e->items[i];

		*it = (struct qitem){.tag = le_get32(w),
		                     .der_off = le_get32(w + 4),
		                     .der_len = le_get32(w + 8),
		                     .res_off = le_get32(w + 12),
		                     .serial = le_get32(w + 16)};
		if ((uint64_t)it->der_off + it->der_len > dlen || it->res_off >= dlen) {
			free(e);
			return NULL;
		}
		e->bytes += it->der_len;
	}
	memcpy((unsigned char *)&e->items[n], p + QEVENT_WIRE_HEADER + (size_t)n * QEVENT_WIRE_ITEM,
	       dlen);
	/* Resources are printed as C strings: make sure the last one ends. */
	if (dlen && ((unsigned char *)&e->items[n])[dlen - 1] != '\0') {
		free(e);
		return NULL;
	}
	return e;
}
