/* stats.c - operator counters shared by the reader and the sender, snapshots and intervals. */
#include "stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ictx.h"

struct stats {
	pthread_mutex_t lock;
	struct stats_snap own; /* only the fields this module writes are used */
};

struct stats *stats_new(void)
{
	struct stats *st = calloc(1, sizeof(*st));

	if (st)
		pthread_mutex_init(&st->lock, NULL);
	return st;
}

void stats_free(struct stats *st)
{
	if (!st)
		return;
	pthread_mutex_destroy(&st->lock);
	free(st);
}

void stats_reset(struct stats *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	memset(&st->own, 0, sizeof(st->own));
	pthread_mutex_unlock(&st->lock);
}

/* Add n to name's count; a name that finds the table full goes to other. */
static void table_add(struct stats_table *t, const char *name, uint64_t n)
{
	for (size_t i = 0; i < t->len; i++)
		if (strcmp(t->v[i].name, name) == 0) {
			t->v[i].n += n;
			return;
		}
	if (t->len == STATS_NAMES_MAX) {
		t->other += n;
		return;
	}
	snprintf(t->v[t->len].name, sizeof(t->v[t->len].name), "%s", name);
	t->v[t->len++].n = n;
}

static uint64_t table_get(const struct stats_table *t, const char *name)
{
	for (size_t i = 0; i < t->len; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return t->v[i].n;
	return 0;
}

void stats_outcome(struct stats *st, int major, const char *resource)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	st->own.major[major >= 0 && major < STATS_MAJOR_MAX ? major : STATS_MAJOR_MAX]++;
	if (major == ICTX_NOTREQ)
		table_add(&st->own.notreq, resource ? resource : "?", 1);
	else if (major == ICTX_UNDETERMINED)
		table_add(&st->own.undetermined, resource ? resource : "?", 1);
	pthread_mutex_unlock(&st->lock);
}

void stats_server(struct stats *st, const char *peer)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	snprintf(st->own.server, sizeof(st->own.server), "%s", peer ? peer : "");
	pthread_mutex_unlock(&st->lock);
}

void stats_skipped(struct stats *st, const char *type_name)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	table_add(&st->own.skipped, type_name, 1);
	st->own.skipped_total++;
	pthread_mutex_unlock(&st->lock);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void stats_collect(struct stats *st, const struct input_stats *in, const struct queue_stats *q,
                   const struct sender_stats *snd, struct stats_snap *out)
{
	struct timespec ts;

	memset(out, 0, sizeof(*out));
	if (st) {
		pthread_mutex_lock(&st->lock);
		*out = st->own;
		pthread_mutex_unlock(&st->lock);
	}
	if (in)
		out->in = *in;
	if (q)
		out->q = *q;
	if (snd)
		out->snd = *snd;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	out->mono = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	out->cpu = cpu_seconds();
}

static void table_delta(const struct stats_table *now, const struct stats_table *prev,
                        struct stats_table *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < now->len; i++) {
		uint64_t n = now->v[i].n - (prev ? table_get(prev, now->v[i].name) : 0);

		if (n)
			table_add(out, now->v[i].name, n);
	}
	out->other += now->other - (prev ? prev->other : 0);
}

#define SUB(f) (out->f = now->f - prev->f)

/* Per-server counters of an interval, matched by name: a reload may have
 * changed the list (a server new in it counts from zero). */
static void servers_delta(const struct sender_stats *now, const struct sender_stats *prev,
                          struct sender_stats *out)
{
	for (unsigned i = 0; i < now->nservers && i < SENDER_SERVERS_MAX; i++) {
		const struct sender_server_stats *p = NULL;
		struct sender_server_stats *o = &out->server[i];

		for (unsigned j = 0; j < prev->nservers && j < SENDER_SERVERS_MAX; j++)
			if (strcmp(prev->server[j].peer, now->server[i].peer) == 0)
				p = &prev->server[j];
		if (!p)
			continue;
		o->connects = now->server[i].connects - p->connects;
		o->failures = now->server[i].failures - p->failures;
		o->items_sent = now->server[i].items_sent - p->items_sent;
	}
}

static void sender_delta(const struct sender_stats *now, const struct sender_stats *prev,
                         struct sender_stats *out)
{
	*out = *now; /* connected, paused: current */
	SUB(requests);
	SUB(items_sent);
	SUB(responses);
	SUB(resent);
	SUB(connects);
	SUB(connection_losses);
	SUB(undelivered);
	SUB(set_aside);
	SUB(set_aside_errors);
	SUB(switches);
	servers_delta(now, prev, out);
	for (int i = 0; i < SETTLED_N; i++)
		SUB(settled[i]);
	for (int i = 0; i < DROPPED_N; i++)
		SUB(dropped[i]);
}

static void counters_delta(const struct stats_snap *now, const struct stats_snap *prev,
                           struct stats_snap *out)
{
	SUB(mono);
	SUB(cpu);
	SUB(in.bytes);
	SUB(in.records);
	SUB(in.events);
	SUB(in.overlong);
	SUB(in.bad_frames);
	SUB(in.rejected);
	SUB(q.pushed);
	SUB(q.items);
	SUB(q.dropped);
	SUB(q.dropped_items);
	SUB(q.released);
	SUB(skipped_total);
	for (int i = 0; i <= STATS_MAJOR_MAX; i++)
		SUB(major[i]);
	sender_delta(&now->snd, &prev->snd, &out->snd);
}

#undef SUB

void stats_delta(const struct stats_snap *now, const struct stats_snap *prev,
                 struct stats_snap *out)
{
	static const struct stats_snap zero;

	*out = *now; /* gauges and the server stay as they are now */
	counters_delta(now, prev ? prev : &zero, out);
	table_delta(&now->notreq, prev ? &prev->notreq : NULL, &out->notreq);
	table_delta(&now->undetermined, prev ? &prev->undetermined : NULL, &out->undetermined);
	table_delta(&now->skipped, prev ? &prev->skipped : NULL, &out->skipped);
}

size_t stats_top(const struct stats_table *t, size_t *idx, size_t n)
{
	size_t k = 0;

	/* Insertion into a short sorted list: n is a handful, len at most 64. */
	for (size_t i = 0; i < t->len; i++) {
		size_t j;

		if (t->v[i].n == 0)
			continue;
		for (j = k; j > 0 && t->v[idx[j - 1]].n < t->v[i].n; j--)
			if (j < n)
				idx[j] = idx[j - 1];
		if (j < n) {
			idx[j] = i;
			if (k < n)
				k++;
		}
	}
	return k;
}

uint64_t stats_dropped_items(const struct stats_snap *s)
{
	uint64_t n = s->q.dropped_items;

	for (int i = 0; i < DROPPED_N; i++)
		n += s->snd.dropped[i];
	return n;
}
