/* nodes.c - per-node records, events, last-seen time and silence, for a central auditd. */
#include "nodes.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapper.h"

/* Open addressing over entry indexes + 1 (0 = empty); at most half full. */
#define NODES_SLOTS 8192
_Static_assert(NODES_SLOTS >= 2 * NODES_MAX, "index at most half full");
_Static_assert((NODES_SLOTS & (NODES_SLOTS - 1)) == 0, "a power of two");

#define NODES_TOP        3
#define NODES_NAME_SHOWN 40

struct nodes {
	struct node_entry *v;
	size_t len, cap;
	size_t last; /* index of the entry found last + 1 (0 = none): runs of one node */
	uint64_t other_records, other_events;
	bool full_reported;
	uint32_t slot[NODES_SLOTS];
};

struct nodes *nodes_new(void)
{
	return calloc(1, sizeof(struct nodes));
}

void nodes_free(struct nodes *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

static bool same_name(const struct node_entry *e, const char *node, size_t n)
{
	return e->len == n && memcmp(e->name, node, n) == 0;
}

/* The entry of node, added when there is room; NULL when there is none.
 * *added says whether it is new. */
static struct node_entry *find(struct nodes *t, const char *node, size_t n, double now, bool *added)
{
	*added = false;
	if (t->last && same_name(&t->v[t->last - 1], node, n))
		return &t->v[t->last - 1];
	uint32_t h = map_node_hash(node, n);
	size_t i = h & (NODES_SLOTS - 1);
	for (; t->slot[i]; i = (i + 1) & (NODES_SLOTS - 1)) {
		if (same_name(&t->v[t->slot[i] - 1], node, n)) {
			t->last = t->slot[i];
			return &t->v[t->slot[i] - 1];
		}
	}
	if (n > NODES_NAME_MAX || t->len >= NODES_MAX ||
	    array_grow(&t->v, t->len, &t->cap, sizeof(*t->v), 16) < 0)
		return NULL;
	struct node_entry *e = &t->v[t->len];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, node, n);
	e->len = n;
	e->tag = map_node_tag(node, n);
	e->first_seen = now;
	t->slot[i] = (uint32_t)++t->len;
	t->last = t->len;
	*added = true;
	return e;
}

enum nodes_seen nodes_seen(struct nodes *t, const char *node, size_t n, unsigned records,
                           bool event, double now, double *silent_for)
{
	bool added;
	struct node_entry *e = find(t, node ? node : "", node ? n : 0, now, &added);
	enum nodes_seen r = added ? NODES_NEW : NODES_SEEN;

	if (!e) {
		t->last = 0;
		t->other_records += records;
		t->other_events += event;
		if (t->full_reported)
			return NODES_SEEN;
		t->full_reported = true;
		return NODES_FULL;
	}
	if (e->silent) {
		e->silent = false;
		if (silent_for)
			*silent_for = now - e->last_seen;
		r = NODES_BACK;
	}
	e->records += records;
	e->events += event;
	e->last_seen = now;
	return r;
}

size_t nodes_check(struct nodes *t, double now, unsigned silence, nodes_silent_fn fn, void *arg)
{
	size_t marked = 0;

	if (silence == 0)
		return 0;
	for (size_t i = 0; i < t->len; i++) {
		struct node_entry *e = &t->v[i];

		if (e->silent || e->len == 0 || now - e->last_seen <= (double)silence)
			continue;
		e->silent = true;
		marked++;
		if (fn)
			fn(arg, e, now - e->last_seen);
	}
	return marked;
}

const struct node_entry *nodes_last(const struct nodes *t)
{
	return t->last ? &t->v[t->last - 1] : NULL;
}

size_t nodes_count(const struct nodes *t)
{
	return t->len;
}

const struct node_entry *nodes_at(const struct nodes *t, size_t i)
{
	return i < t->len ? &t->v[i] : NULL;
}

size_t nodes_named(const struct nodes *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->len; i++)
		n += t->v[i].len > 0;
	return n;
}

size_t nodes_silent(const struct nodes *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->len; i++)
		n += t->v[i].silent;
	return n;
}

void nodes_other(const struct nodes *t, uint64_t *records, uint64_t *events)
{
	*records = t->other_records;
	*events = t->other_events;
}

int nodes_name(const struct node_entry *e, struct buf *out)
{
	return e->len ? map_escape(e->name, e->len, out) : map_escape("-", 1, out);
}

/* printf onto out, keeping it NUL-terminated. */
static int add(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add(struct buf *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(out, (size_t)n + 1) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)out->data + out->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out->len += (size_t)n;
	return 0;
}

static void iso_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}

int nodes_state(const struct nodes *t, double now, time_t wall_now, struct buf *out)
{
	char when[64];

	if (add(out, "nodes: %zu known, %zu silent\n", t->len, nodes_silent(t)) < 0)
		return -1;
	for (size_t i = 0; i < t->len; i++) {
		const struct node_entry *e = &t->v[i];
		double ago = now - e->last_seen;

		iso_time(wall_now - (time_t)(ago + 0.5), when, sizeof(when));
		if (add(out, "node.") < 0 || nodes_name(e, out) < 0 ||
		    add(out,
		        ": records=%" PRIu64 " events=%" PRIu64
		        " last_seen=%s seen_seconds_ago=%.0f tag=%04x state=%s\n",
		        e->records, e->events, when, ago, e->tag,
		        e->silent ? "silent" : "sending") < 0)
			return -1;
	}
	if (t->other_records && add(out, "node.(other): records=%" PRIu64 " events=%" PRIu64 "\n",
	                            t->other_records, t->other_events) < 0)
		return -1;
	return 0;
}

static uint64_t interval_records(const struct node_entry *e)
{
	return e->records - e->records_prev;
}

int nodes_report(struct nodes *t, struct buf *out)
{
	size_t top[NODES_TOP], ntop = 0, active = 0;

	for (size_t i = 0; i < t->len; i++) {
		uint64_t d = interval_records(&t->v[i]);
		if (!d)
			continue;
		active++;
		/* keep the NODES_TOP largest, largest first, ties by appearance */
		size_t k = ntop;
		if (k == NODES_TOP) {
			if (interval_records(&t->v[top[k - 1]]) >= d)
				continue;
			k--;
		} else {
			ntop++;
		}
		for (; k > 0 && interval_records(&t->v[top[k - 1]]) < d; k--)
			top[k] = top[k - 1];
		top[k] = i;
	}
	if (add(out, " nodes=%zu/%zu silent=%zu nodes_top=", active, t->len, nodes_silent(t)) < 0)
		return -1;
	for (size_t j = 0; j < ntop; j++) {
		const struct node_entry *e = &t->v[top[j]];
		size_t at = out->len;

		if ((j && add(out, ",") < 0) || nodes_name(e, out) < 0)
			return -1;
		size_t keep = map_escaped_cut((const char *)out->data + at + (j > 0),
		                              out->len - at - (j > 0), NODES_NAME_SHOWN);
		out->len = at + (j > 0) + keep;
		if (add(out, ":%" PRIu64, interval_records(e)) < 0)
			return -1;
	}
	if (ntop == 0 && add(out, "-") < 0)
		return -1;
	for (size_t i = 0; i < t->len; i++)
		t->v[i].records_prev = t->v[i].records;
	return 0;
}
