/* queue.c - bounded hand-over of encoded events from the reader to the sender. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ictx.h"
#include "queue.h"

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	int wake_fd;                /* eventfd; written on empty->non-empty and close */
	struct qevent *head, *tail; /* under lock */
	struct queue_stats st;      /* under lock */
};

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
	e->nitems = (uint32_t)n;
	e->unsettled = (uint32_t)n;
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

static void wake(struct queue *q)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the sender will wake. */
	if (write(q->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		abort(); /* an eventfd write cannot fail otherwise */
}

static void clear_wake(struct queue *q)
{
	uint64_t v;

	if (read(q->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		abort();
}

bool queue_push(struct queue *q, struct qevent *e)
{
	bool was_empty;

	pthread_mutex_lock(&q->lock);
	if (q->st.closed || q->st.held >= q->st.limit) {
		q->st.dropped++;
		q->st.dropped_items += e->nitems;
		pthread_mutex_unlock(&q->lock);
		qevent_free(e);
		return false;
	}
	e->next = NULL;
	was_empty = q->head == NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->st.pushed++;
	q->st.items += e->nitems;
	q->st.queued++;
	q->st.held++;
	if (q->st.held > q->st.high_water)
		q->st.high_water = q->st.held;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	if (was_empty)
		wake(q);
	return true;
}

void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->st.closed = true;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	wake(q);
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
		while (!q->head && !q->st.closed)
			pthread_cond_wait(&q->nonempty, &q->lock);
		return;
	}
	struct timespec dl = deadline_after(timeout_ms);

	while (!q->head && !q->st.closed)
		if (pthread_cond_timedwait(&q->nonempty, &q->lock, &dl) == ETIMEDOUT)
			break;
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
	}
	/* Clear the eventfd under the lock once the queue is empty, so a push
	 * after this point writes it again and a poller cannot miss it. */
	if (!q->head && !q->st.closed)
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
	done = q->st.closed && !q->head;
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
	pthread_mutex_unlock(&q->lock);
}
