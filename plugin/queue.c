/* queue.c - bounded hand-over of encoded events from the reader to the sender. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	int wake_fd;    /* eventfd; written when something becomes poppable, and on close */
	bool signalled; /* under lock: wake_fd written and not yet cleared */
	size_t wake_at; /* under lock: queued events that wake a lingering sender (queue_wake_at) */
	struct qevent *head, *tail; /* under lock */
	struct queue_stats st;      /* under lock */
	/* With a spool (all under lock; the spool is not thread-safe). */
	struct spool *sp;
	enum queue_full_action full_action;
	bool spilled;          /* events from disk_next on are on disk only */
	uint64_t disk_next;    /* next seq to read back */
	uint64_t offered_next; /* seq after the newest spooled event */
};

struct queue *queue_new(size_t limit)
{
	struct queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->wake_fd < 0) {
		free(q);
		return NULL;
	}
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_condattr_destroy(&ca);
	q->st.limit = limit ? limit : 1;
	return q;
}

static void free_chain(struct qevent *e)
{
	while (e) {
		struct qevent *next = e->next;

		qevent_free(e);
		e = next;
	}
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	free_chain(q->head);
	close(q->wake_fd);
	pthread_cond_destroy(&q->nonempty);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* Under lock: make wake_fd readable (one write until the next clear). */
static void wake(struct queue *q)
{
	uint64_t one = 1;

	if (q->signalled)
		return;
	q->signalled = true;
	/* EAGAIN means the counter is already non-zero: the sender will wake. */
	if (write(q->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		abort(); /* an eventfd write cannot fail otherwise */
}

static void clear_wake(struct queue *q)
{
	uint64_t v;

	if (!q->signalled)
		return;
	q->signalled = false;
	if (read(q->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		abort();
}

/* Something queue_pop can return now: an event in memory, or a spilled
 * one on disk that the bound lets in. */
static bool poppable(const struct queue *q)
{
	return q->head || (q->spilled && q->st.held < q->st.limit);
}

/* Under lock, after a push: wake the sender. While it lingers over a
 * batch (wake_at > 1) only once the queue holds the events that fill it,
 * so a trickle wakes it once per batch, not once per event. */
static void wake_after_push(struct queue *q)
{
	if (poppable(q) && (q->wake_at <= 1 || q->spilled || q->st.queued >= q->wake_at))
		wake(q);
}

static void link_tail(struct queue *q, struct qevent *e)
{
	e->next = NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->st.queued++;
	q->st.held++;
	if (q->st.held > q->st.high_water)
		q->st.high_water = q->st.held;
}

/* Under lock: count e as dropped and free it. */
static void drop_locked(struct queue *q, struct qevent *e)
{
	q->st.dropped++;
	q->st.dropped_items += e->nitems;
	qevent_free(e);
}

bool queue_push(struct queue *q, struct qevent *e)
{
	if (q->sp)
		return queue_append(q, e) == QUEUE_TAKEN;
	pthread_mutex_lock(&q->lock);
	if (q->st.closed || q->st.held >= q->st.limit) {
		drop_locked(q, e);
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	link_tail(q, e);
	q->st.pushed++;
	q->st.items += e->nitems;
	pthread_cond_signal(&q->nonempty);
	wake_after_push(q);
	pthread_mutex_unlock(&q->lock);
	return true;
}

void queue_attach_spool(struct queue *q, struct spool *sp, enum queue_full_action full)
{
	pthread_mutex_lock(&q->lock);
	q->sp = sp;
	q->full_action = full;
	q->offered_next = spool_next_seq(sp);
	q->disk_next = spool_head(sp);
	/* What an earlier run left goes first, read back in order. */
	q->spilled = q->disk_next < q->offered_next;
	if (q->spilled)
		wake(q);
	pthread_mutex_unlock(&q->lock);
}

void queue_set_full_action(struct queue *q, enum queue_full_action full)
{
	pthread_mutex_lock(&q->lock);
	q->full_action = full;
	pthread_mutex_unlock(&q->lock);
}

void queue_set_spool_limits(struct queue *q, uint64_t max_bytes, enum spool_sync sync)
{
	pthread_mutex_lock(&q->lock);
	if (q->sp)
		spool_set_limits(q->sp, max_bytes, sync);
	pthread_mutex_unlock(&q->lock);
}

void queue_spool_stats(struct queue *q, struct spool_stats *st, char *err, size_t errlen)
{
	pthread_mutex_lock(&q->lock);
	memset(st, 0, sizeof(*st));
	if (q->sp)
		spool_stats(q->sp, st);
	if (err && errlen)
		snprintf(err, errlen, "%s", q->sp ? spool_error(q->sp) : "");
	pthread_mutex_unlock(&q->lock);
}

/* keep_newest: unsent events of the oldest segment make room. Events the
 * sender holds are left to it (they may be in flight); events waiting in
 * memory or only on disk are removed and counted. */
static enum spool_status make_room(struct queue *q, struct qevent *e)
{
	enum spool_status rc = SPOOL_FULL;

	while (rc == SPOOL_FULL && q->full_action == QUEUE_KEEP_NEWEST) {
		uint64_t end = 0, ev = 0, items = 0;
		uint64_t from = q->spilled ? q->disk_next : q->offered_next;

		if (!spool_drop_oldest(q->sp, from, &end, &ev, &items))
			break;
		while (q->head && q->head->seq < end) {
			struct qevent *old = q->head;

			q->head = old->next;
			if (!q->head)
				q->tail = NULL;
			q->st.queued--;
			q->st.held--;
			ev++;
			items += old->nitems;
			qevent_free(old);
		}
		if (q->spilled && q->disk_next < end)
			q->disk_next = end;
		if (q->spilled && q->disk_next >= q->offered_next)
			q->spilled = false;
		q->st.discarded += ev;
		q->st.discarded_items += items;
		rc = spool_append(q->sp, e);
	}
	return rc;
}

/* Under lock: the spool said full. */
static enum queue_put spool_full(struct queue *q, struct qevent *e)
{
	q->st.full = true;
	if (q->full_action == QUEUE_SUSPEND) {
		q->st.suspended++;
		return QUEUE_SUSPENDED;
	}
	q->st.full_dropped++;
	q->st.full_dropped_items += e->nitems;
	qevent_free(e);
	return QUEUE_DROPPED;
}

/* Under lock: the spool cannot be written (not full: an I/O error). The
 * event is kept in memory when that keeps the order, else dropped; both
 * counted (main reports spool_errors). */
static enum queue_put spool_broken(struct queue *q, struct qevent *e)
{
	q->st.spool_errors++;
	e->seq = 0;
	if (q->spilled || q->st.held >= q->st.limit) {
		drop_locked(q, e);
		return QUEUE_DROPPED;
	}
	q->st.unspooled++;
	return QUEUE_TAKEN;
}

/* Under lock: a reserved event the spool cannot take even from its
 * reserve. It is kept in memory (beyond q_depth if need be: these are few
 * and small) rather than dropped. */
static void hold_reserved(struct queue *q, struct qevent *e)
{
	e->seq = 0;
	q->st.unspooled++;
	q->st.reserved_in_memory++;
}

/* Under lock, without a spool: a reserved event goes into memory even
 * when q_depth is reached. */
static bool push_reserved(struct queue *q, struct qevent *e)
{
	if (q->st.closed) {
		drop_locked(q, e);
		return false;
	}
	link_tail(q, e);
	q->st.pushed++;
	q->st.items += e->nitems;
	q->st.reserved_in_memory++;
	pthread_cond_signal(&q->nonempty);
	wake_after_push(q);
	return true;
}

static enum queue_put append(struct queue *q, struct qevent *e, bool reserved)
{
	enum queue_put put = QUEUE_TAKEN;
	enum spool_status rc;
	bool in_memory;

	if (!q->sp && !reserved)
		return queue_push(q, e) ? QUEUE_TAKEN : QUEUE_DROPPED;
	pthread_mutex_lock(&q->lock);
	if (!q->sp) {
		put = push_reserved(q, e) ? QUEUE_TAKEN : QUEUE_DROPPED;
		pthread_mutex_unlock(&q->lock);
		return put;
	}
	if (q->st.closed) {
		drop_locked(q, e);
		pthread_mutex_unlock(&q->lock);
		return QUEUE_DROPPED;
	}
	rc = reserved ? spool_append_reserved(q->sp, e) : spool_append(q->sp, e);
	if (rc == SPOOL_FULL && !reserved)
		rc = make_room(q, e);
	if (rc != SPOOL_OK && reserved) {
		hold_reserved(q, e);
	} else if (rc == SPOOL_FULL) {
		put = spool_full(q, e);
		pthread_mutex_unlock(&q->lock);
		return put;
	} else {
		q->st.full = false;
		if (rc == SPOOL_IOERR && spool_broken(q, e) == QUEUE_DROPPED) {
			pthread_mutex_unlock(&q->lock);
			return QUEUE_DROPPED;
		}
	}
	q->st.pushed++;
	q->st.items += e->nitems;
	in_memory = rc != SPOOL_OK || (!q->spilled && q->st.held < q->st.limit);
	if (rc == SPOOL_OK)
		q->offered_next = e->seq + 1;
	if (in_memory) {
		link_tail(q, e);
	} else {
		/* Memory is full: this and every later event wait on disk. */
		if (!q->spilled)
			q->disk_next = e->seq;
		q->spilled = true;
		q->st.spilled++;
		qevent_free(e);
	}
	if (poppable(q))
		pthread_cond_signal(&q->nonempty);
	wake_after_push(q);
	pthread_mutex_unlock(&q->lock);
	return put;
}

enum queue_put queue_append(struct queue *q, struct qevent *e)
{
	return append(q, e, false);
}

enum queue_put queue_append_reserved(struct queue *q, struct qevent *e)
{
	return append(q, e, true);
}

void queue_sync(struct queue *q)
{
	int fd;

	if (!q->sp)
		return;
	pthread_mutex_lock(&q->lock);
	fd = spool_sync_fd(q->sp);
	pthread_mutex_unlock(&q->lock);
	/* Outside the lock: the sender keeps settling meanwhile. Only the
	 * reader appends, so the descriptor cannot go away under us. */
	if (fd >= 0)
		fdatasync(fd);
}

/* Under lock: one event let go by the sender. */
static void let_go(struct queue *q)
{
	bool at_limit = q->st.held >= q->st.limit;

	q->st.released++;
	q->st.held = q->st.held ? q->st.held - 1 : 0;
	/* A spilled event may fit now. */
	if (at_limit && poppable(q)) {
		pthread_cond_signal(&q->nonempty);
		wake(q);
	}
}

void queue_settle(struct queue *q, struct qevent *e)
{
	pthread_mutex_lock(&q->lock);
	if (q->sp && e->seq)
		spool_settle(q->sp, e->seq);
	let_go(q);
	pthread_mutex_unlock(&q->lock);
	qevent_free(e);
}

void queue_abandon(struct queue *q, struct qevent *e)
{
	pthread_mutex_lock(&q->lock);
	let_go(q);
	pthread_mutex_unlock(&q->lock);
	qevent_free(e);
}

void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->st.closed = true;
	pthread_cond_broadcast(&q->nonempty);
	wake(q);
	pthread_mutex_unlock(&q->lock);
}

void queue_wake_at(struct queue *q, size_t events)
{
	pthread_mutex_lock(&q->lock);
	q->wake_at = events;
	wake_after_push(q);
	pthread_mutex_unlock(&q->lock);
}

void queue_set_limit(struct queue *q, size_t limit)
{
	pthread_mutex_lock(&q->lock);
	q->st.limit = limit ? limit : 1;
	pthread_mutex_unlock(&q->lock);
}

static struct timespec deadline_after(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* The condition variable runs on CLOCK_MONOTONIC (queue_new): a wall-clock
 * jump must not stretch or cut a wait. */
static void wait_nonempty(struct queue *q, int timeout_ms)
{
	if (timeout_ms < 0) {
		while (!poppable(q) && !q->st.closed)
			pthread_cond_wait(&q->nonempty, &q->lock);
		return;
	}
	struct timespec dl = deadline_after(timeout_ms);

	while (!poppable(q) && !q->st.closed)
		if (pthread_cond_timedwait(&q->nonempty, &q->lock, &dl) == ETIMEDOUT)
			break;
}

/* Under lock: the next spilled event from the spool. */
static struct qevent *read_back(struct queue *q)
{
	uint64_t seq = q->disk_next;
	struct qevent *e = NULL;

	if (seq < q->offered_next && spool_read(q->sp, &seq, &e) == 1) {
		q->disk_next = seq + 1;
		e->next = NULL;
		q->st.read_back++;
		q->st.held++;
		if (q->st.held > q->st.high_water)
			q->st.high_water = q->st.held;
	} else {
		/* Nothing readable is left (damage was counted by the spool). */
		q->disk_next = q->offered_next;
	}
	if (q->disk_next >= q->offered_next)
		q->spilled = false;
	return e;
}

struct qevent *queue_pop(struct queue *q, int timeout_ms)
{
	struct qevent *e;

	pthread_mutex_lock(&q->lock);
	if (timeout_ms != 0)
		wait_nonempty(q, timeout_ms);
	e = q->head;
	if (e) {
		q->head = e->next;
		if (!q->head)
			q->tail = NULL;
		e->next = NULL;
		q->st.queued--;
	} else if (q->spilled && q->st.held < q->st.limit) {
		e = read_back(q);
	}
	/* Clear the eventfd under the lock once nothing can be popped, so a
	 * push after this point writes it again and a poller cannot miss it. */
	if (!poppable(q) && !q->st.closed)
		clear_wake(q);
	pthread_mutex_unlock(&q->lock);
	return e;
}

void queue_release(struct queue *q, size_t n)
{
	pthread_mutex_lock(&q->lock);
	q->st.released += n;
	q->st.held = n > q->st.held ? 0 : q->st.held - n;
	pthread_mutex_unlock(&q->lock);
}

bool queue_finished(struct queue *q)
{
	bool done;

	pthread_mutex_lock(&q->lock);
	done = q->st.closed && !q->head && !q->spilled;
	pthread_mutex_unlock(&q->lock);
	return done;
}

int queue_wake_fd(const struct queue *q)
{
	return q->wake_fd;
}

void queue_discard(struct queue *q, uint64_t *events, uint64_t *items)
{
	struct qevent *chain;

	pthread_mutex_lock(&q->lock);
	chain = q->head;
	for (struct qevent *e = chain; e; e = e->next) {
		*events += 1;
		*items += e->nitems;
	}
	q->st.held = q->st.held >= q->st.queued ? q->st.held - q->st.queued : 0;
	q->st.queued = 0;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->lock);
	free_chain(chain);
}

void queue_stats(struct queue *q, struct queue_stats *st)
{
	pthread_mutex_lock(&q->lock);
	*st = q->st;
	st->backlog = q->spilled ? q->offered_next - q->disk_next : 0;
	pthread_mutex_unlock(&q->lock);
}
