/* pendset.c - events with records waiting, keyed by id (an open-addressing hash over an array). */
#include "pendset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define PENDSET_MIN_SLOTS 64

static uint64_t id_hash(const struct intake_id *id)
{
	uint64_t h = (uint64_t)id->sec * 0x9e3779b97f4a7c15u;

	h ^= id->serial + 0x632be59bd9b4e019u + (h << 6) + (h >> 2);
	h ^= ((uint64_t)id->milli << 32 | id->node) + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9u;
	return h ^ (h >> 29);
}

void pendset_init(struct pendset *ps)
{
	memset(ps, 0, sizeof(*ps));
}

void pendset_free(struct pendset *ps)
{
	free(ps->pend);
	free(ps->slot);
	free(ps->cand);
	free(ps->taken);
	pendset_init(ps);
}

/* The slot that holds id, or the empty one where it would go. */
static size_t probe(const struct pendset *ps, const struct intake_id *id)
{
	size_t mask = ps->nslot - 1, i = (size_t)id_hash(id) & mask;

	while (ps->slot[i] && !intake_id_eq(&ps->pend[ps->slot[i] - 1].id, id))
		i = (i + 1) & mask;
	return i;
}

/* Compact the array (dropping gone slots) and rebuild the hash with room
 * for twice the live events. 0 or -1 (ENOMEM, nothing changed). */
static int rebuild(struct pendset *ps, size_t want_live)
{
	size_t nslot = PENDSET_MIN_SLOTS, keep = 0;

	while (nslot < 2 * want_live)
		nslot *= 2;
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	if (!slot)
		return -1;
	for (size_t i = 0; i < ps->n; i++)
		if (!ps->pend[i].gone)
			ps->pend[keep++] = ps->pend[i];
	ps->n = keep;
	ps->head = 0;
	free(ps->slot);
	ps->slot = slot;
	ps->nslot = nslot;
	for (size_t i = 0; i < ps->n; i++)
		ps->slot[probe(ps, &ps->pend[i].id)] = (uint32_t)(i + 1);
	return 0;
}

struct pend *pendset_find(struct pendset *ps, const struct intake_id *id)
{
	if (!ps->nslot)
		return NULL;
	size_t i = probe(ps, id);

	return ps->slot[i] ? &ps->pend[ps->slot[i] - 1] : NULL;
}

struct pend *pendset_add(struct pendset *ps, const struct intake_id *id)
{
	if (ps->n >= UINT32_MAX - 1) {
		errno = ENOMEM;
		return NULL;
	}
	/* Many gone slots, or a hash more than half full: compact and grow. */
	if ((ps->n > PENDSET_MIN_SLOTS && ps->n - ps->live > ps->live) ||
	    2 * (ps->n + 1) > ps->nslot) {
		if (rebuild(ps, ps->live + 1) != 0)
			return NULL;
	}
	if (array_grow(&ps->pend, ps->n, &ps->cap, sizeof(*ps->pend), 64) != 0)
		return NULL;
	struct pend *pe = &ps->pend[ps->n];

	*pe = (struct pend){.id = *id};
	ps->slot[probe(ps, id)] = (uint32_t)(++ps->n);
	ps->live++;
	return pe;
}

void pendset_remove(struct pendset *ps, struct pend *pe)
{
	size_t mask = ps->nslot - 1, i = probe(ps, &pe->id), j = i;

	if (pe->gone || !ps->slot[i])
		return;
	pe->gone = true;
	ps->live--;
	/* Backward-shift deletion: pull later entries of the run into the
	 * hole when their home slot allows it, so probes need no tombstones. */
	ps->slot[i] = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (!ps->slot[j])
			break;
		size_t home = (size_t)id_hash(&ps->pend[ps->slot[j] - 1].id) & mask;

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			ps->slot[i] = ps->slot[j];
			ps->slot[j] = 0;
			i = j;
		}
	}
}

void pendset_touch(struct pendset *ps, struct pend *pe)
{
	if (pe->queued || pe->gone)
		return;
	if (array_grow(&ps->cand, ps->ncand, &ps->candcap, sizeof(*ps->cand), 64) != 0)
		return; /* out of memory: seen at the next idle walk */
	pe->queued = true;
	ps->cand[ps->ncand++] = pe->id;
}

size_t pendset_candidates(struct pendset *ps, struct intake_id **ids)
{
	size_t n = ps->ncand, tcap = ps->takencap;
	struct intake_id *t = ps->taken;

	/* The caller walks them and may touch again: the two arrays swap. */
	ps->taken = ps->cand;
	ps->takencap = ps->candcap;
	ps->cand = t;
	ps->candcap = tcap;
	ps->ncand = 0;
	*ids = ps->taken;
	for (size_t i = 0; i < n; i++) {
		struct pend *pe = pendset_find(ps, &(*ids)[i]);

		if (pe)
			pe->queued = false;
	}
	return n;
}

size_t pendset_count(const struct pendset *ps)
{
	return ps->live;
}

const struct pend *pendset_oldest(struct pendset *ps)
{
	while (ps->head < ps->n && ps->pend[ps->head].gone)
		ps->head++;
	return ps->head < ps->n ? &ps->pend[ps->head] : NULL;
}

struct pend *pendset_at(struct pendset *ps, size_t i)
{
	return i < ps->n ? &ps->pend[i] : NULL;
}
