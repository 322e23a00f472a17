/* check_queue.c - the reader-to-sender queue: event layout, order, bound, close, threads;
 * and the reader's and sender's pacing helpers (commit.h, pace.h). */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "buf.h"
#include "commit.h"
#include "item.h"
#include "pace.h"
#include "queue.h"
#include "test_items.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(event_layout)
{
	uint32_t tag = 41;
	struct qevent *e = test_make_event(3, 7, &tag);
	size_t sum = 0;

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->nitems, 3);
	ck_assert_uint_eq(e->unsettled, 3);
	ck_assert_uint_eq(tag, 44); /* left at the last tag used */
	for (unsigned i = 0; i < 3; i++) {
		const struct qitem *it = &e->items[i];
		char want[16];

		snprintf(want, sizeof(want), "R%u", 7 + i);
		ck_assert_uint_eq(it->tag, 42 + i);
		ck_assert_str_eq(qitem_resource(e, it), want);
		ck_assert_uint_eq(it->serial, 7 + i);
		ck_assert_uint_eq(qitem_der(e, it)[0], 0x30); /* a DER SEQUENCE */
		ck_assert_uint_gt(it->der_len, 20);
		sum += it->der_len;
	}
	ck_assert_uint_eq(e->bytes, sum);
	qevent_free(e);
}
END_TEST

START_TEST(event_with_many_items)
{
	uint32_t tag = 0;
	struct qevent *e = test_make_event(40, 0, &tag); /* past the on-stack layout */

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->nitems, 40);
	ck_assert_uint_eq(e->items[39].tag, 40);
	ck_assert_str_eq(qitem_resource(e, &e->items[39]), "R39");
	ck_assert_uint_eq(e->items[39].der_off, e->items[38].der_off + e->items[38].der_len);
	qevent_free(e);
}
END_TEST

START_TEST(event_tag_wraps)
{
	uint32_t tag = 0x7ffffffeU;
	struct qevent *e = test_make_event(3, 0, &tag);

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->items[0].tag, 0x7fffffffU);
	ck_assert_uint_eq(e->items[1].tag, 1); /* never 0, never negative */
	ck_assert_uint_eq(e->items[2].tag, 2);
	qevent_free(e);
}
END_TEST

START_TEST(empty_list_makes_no_event)
{
	struct item_list l;
	struct buf scratch;
	uint32_t tag = 5;

	item_list_init(&l);
	buf_init(&scratch);
	ck_assert_ptr_null(qevent_new(&l, &tag, &scratch));
	ck_assert_uint_eq(tag, 5);
	buf_free(&scratch);
}
END_TEST

START_TEST(fifo_order)
{
	struct queue *q = queue_new(10);
	uint32_t tag = 0;
	struct queue_stats st;

	for (unsigned i = 0; i < 5; i++)
		ck_assert(queue_push(q, test_make_event(1, i, &tag)));
	for (unsigned i = 0; i < 5; i++) {
		struct qevent *e = queue_pop(q, 0);

		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->items[0].serial, i);
		qevent_free(e);
	}
	ck_assert_ptr_null(queue_pop(q, 0));
	queue_release(q, 5);
	queue_stats(q, &st);
	ck_assert_uint_eq(st.pushed, 5);
	ck_assert_uint_eq(st.items, 5);
	ck_assert_uint_eq(st.released, 5);
	ck_assert_uint_eq(st.held, 0);
	ck_assert_uint_eq(st.queued, 0);
	queue_free(q);
}
END_TEST

START_TEST(bound_counts_held_events)
{
	struct queue *q = queue_new(3);
	uint32_t tag = 0;
	struct queue_stats st;
	struct qevent *e;

	for (unsigned i = 0; i < 5; i++)
		ck_assert_int_eq(queue_push(q, test_make_event(2, i, &tag)), i < 3);
	queue_stats(q, &st);
	ck_assert_uint_eq(st.dropped, 2);
	ck_assert_uint_eq(st.dropped_items, 4);
	ck_assert_uint_eq(st.queued, 3);
	/* Popped but not released: still counts against the bound. */
	e = queue_pop(q, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert(!queue_push(q, test_make_event(1, 9, &tag)));
	qevent_free(e);
	queue_release(q, 1);
	ck_assert(queue_push(q, test_make_event(1, 10, &tag)));
	queue_stats(q, &st);
	ck_assert_uint_eq(st.dropped, 3);
	ck_assert_uint_eq(st.held, 3);
	ck_assert_uint_eq(st.high_water, 3);
	/* A larger limit (SIGHUP) takes effect at once. */
	queue_set_limit(q, 4);
	ck_assert(queue_push(q, test_make_event(1, 11, &tag)));
	ck_assert(!queue_push(q, test_make_event(1, 12, &tag)));
	queue_free(q); /* frees what is still queued (valgrind checks) */
}
END_TEST

START_TEST(close_semantics)
{
	struct queue *q = queue_new(10);
	uint32_t tag = 0;
	uint64_t ev = 0, items = 0;
	struct queue_stats st;
	struct qevent *e;
	double t0;

	ck_assert(queue_push(q, test_make_event(1, 0, &tag)));
	ck_assert(queue_push(q, test_make_event(3, 1, &tag)));
	ck_assert(queue_push(q, test_make_event(2, 4, &tag)));
	queue_close(q);
	ck_assert(!queue_push(q, test_make_event(1, 9, &tag))); /* refused, counted */
	ck_assert(!queue_finished(q));
	e = queue_pop(q, -1); /* returns at once: there is an event */
	ck_assert_uint_eq(e->items[0].serial, 0);
	qevent_free(e);
	queue_discard(q, &ev, &items);
	ck_assert_uint_eq(ev, 2);
	ck_assert_uint_eq(items, 5);
	ck_assert(queue_finished(q));
	t0 = now_s();
	ck_assert_ptr_null(queue_pop(q, -1)); /* closed and empty: no wait */
	ck_assert_ptr_null(queue_pop(q, 5000));
	ck_assert(now_s() - t0 < 1.0);
	queue_stats(q, &st);
	ck_assert(st.closed);
	ck_assert_uint_eq(st.dropped, 1);
	queue_free(q);
}
END_TEST

START_TEST(pop_waits_for_timeout)
{
	struct queue *q = queue_new(10);
	double t0 = now_s(), dt;

	ck_assert_ptr_null(queue_pop(q, 150));
	dt = now_s() - t0;
	ck_assert(dt >= 0.14);
	ck_assert(dt < 2.0);
	queue_free(q);
}
END_TEST

static int readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0);
}

START_TEST(wake_fd)
{
	struct queue *q = queue_new(10);
	uint32_t tag = 0;
	int fd = queue_wake_fd(q);

	ck_assert_int_eq(readable(fd), 0);
	ck_assert(queue_push(q, test_make_event(1, 0, &tag)));
	ck_assert_int_eq(readable(fd), 1);
	ck_assert(queue_push(q, test_make_event(1, 1, &tag)));
	qevent_free(queue_pop(q, 0));
	ck_assert_int_eq(readable(fd), 1); /* not empty yet */
	qevent_free(queue_pop(q, 0));
	ck_assert_int_eq(readable(fd), 0); /* emptied: cleared */
	queue_close(q);
	ck_assert_int_eq(readable(fd), 1); /* close wakes the sender */
	queue_free(q);
}
END_TEST

/* A lingering sender is woken once the batch is there, not per event. */
START_TEST(wake_at_threshold)
{
	struct queue *q = queue_new(100);
	uint32_t tag = 0;
	int fd = queue_wake_fd(q);

	queue_wake_at(q, 3);
	ck_assert(queue_push(q, test_make_event(1, 0, &tag)));
	ck_assert(queue_push(q, test_make_event(1, 1, &tag)));
	ck_assert_int_eq(readable(fd), 0); /* 2 of 3: not yet */
	ck_assert(queue_push(q, test_make_event(1, 2, &tag)));
	ck_assert_int_eq(readable(fd), 1);
	for (int i = 0; i < 3; i++)
		qevent_free(queue_pop(q, 0));
	ck_assert_int_eq(readable(fd), 0);
	ck_assert(queue_push(q, test_make_event(1, 3, &tag)));
	ck_assert_int_eq(readable(fd), 0);
	queue_wake_at(q, 1); /* back to every event: what waits wakes at once */
	ck_assert_int_eq(readable(fd), 1);
	qevent_free(queue_pop(q, 0));
	queue_wake_at(q, 5);
	queue_close(q);
	ck_assert_int_eq(readable(fd), 1); /* close wakes whatever the threshold */
	queue_free(q);
}
END_TEST

/* Group commit: a sync falls due by time or by amount, never without input. */
START_TEST(commit_bounds)
{
	struct commit c = {0};

	commit_init(&c, 100, 1000);
	commit_note(&c, 10.0, 0);
	ck_assert(!commit_due(&c, 20.0)); /* nothing read */
	ck_assert(commit_wait(&c, 20.0) < 0);
	commit_note(&c, 10.0, 200);
	ck_assert(!commit_due(&c, 10.05));
	ck_assert(commit_wait(&c, 10.05) > 0.04 && commit_wait(&c, 10.05) < 0.06);
	ck_assert(commit_due(&c, 10.11)); /* interval from the first unsynced read */
	commit_done(&c);
	ck_assert(!commit_due(&c, 11.0));
	commit_note(&c, 11.0, 1200);
	ck_assert(commit_due(&c, 11.0)); /* 1000 bytes since the sync: at once */
	commit_done(&c);
	commit_init(&c, 0, 1000); /* interval 0: every commit point */
	commit_note(&c, 12.0, 1201);
	ck_assert(commit_due(&c, 12.0));
}
END_TEST

/* The linger follows the rate within its bounds. */
START_TEST(pace_follows_rate)
{
	struct pace p = {0};

	ck_assert(pace_seconds(&p, 128, 5, 250) == 0.25); /* rate unknown: the most */
	ck_assert(pace_seconds(&p, 128, 5, 0) == 0.005);  /* no maximum: fixed linger */
	for (int i = 0; i <= 100; i++)
		pace_note(&p, 1.0 + i * 0.01, 10); /* 1,000 per second */
	double w = pace_seconds(&p, 128, 5, 250);

	ck_assert_msg(w > 0.11 && w < 0.15, "linger %.3f s at 1,000 items/s", w);
	for (int i = 1; i <= 100; i++)
		pace_note(&p, 2.0 + i * 0.01, 1000); /* 100,000 per second */
	ck_assert(pace_seconds(&p, 128, 5, 250) == 0.005);
}
END_TEST

#define NPROD 20000

struct consumer {
	struct queue *q;
	unsigned long popped, items, out_of_order;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;
	unsigned last = 0;
	struct qevent *e;
	bool first = true;

	while ((e = queue_pop(c->q, -1)) != NULL) {
		if (!first && e->items[0].serial <= last)
			c->out_of_order++;
		first = false;
		last = e->items[0].serial;
		c->popped++;
		c->items += e->nitems;
		qevent_free(e);
		queue_release(c->q, 1);
	}
	return NULL;
}

START_TEST(two_threads_exact_counts)
{
	struct consumer c = {.q = queue_new(64)};
	pthread_t t;
	uint32_t tag = 0;
	unsigned long accepted = 0, accepted_items = 0;
	struct queue_stats st;

	ck_assert_int_eq(pthread_create(&t, NULL, consume, &c), 0);
	for (unsigned i = 0; i < NPROD; i++) {
		unsigned n = 1 + i % 3;

		if (queue_push(c.q, test_make_event(n, i, &tag))) {
			accepted++;
			accepted_items += n;
		}
	}
	queue_close(c.q);
	pthread_join(t, NULL);
	queue_stats(c.q, &st);
	ck_assert_uint_eq(c.popped, accepted);
	ck_assert_uint_eq(c.items, accepted_items);
	ck_assert_uint_eq(st.pushed, accepted);
	ck_assert_uint_eq(st.pushed + st.dropped, NPROD);
	ck_assert_uint_eq(st.released, accepted);
	ck_assert_uint_eq(st.held, 0);
	ck_assert_uint_le(st.high_water, 64);
	ck_assert_uint_eq(c.out_of_order, 0);
	queue_free(c.q);
}
END_TEST

static Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("queue");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, event_layout);
	tcase_add_test(tc, event_with_many_items);
	tcase_add_test(tc, event_tag_wraps);
	tcase_add_test(tc, empty_list_makes_no_event);
	tcase_add_test(tc, fifo_order);
	tcase_add_test(tc, bound_counts_held_events);
	tcase_add_test(tc, close_semantics);
	tcase_add_test(tc, pop_waits_for_timeout);
	tcase_add_test(tc, wake_fd);
	tcase_add_test(tc, wake_at_threshold);
	tcase_add_test(tc, commit_bounds);
	tcase_add_test(tc, pace_follows_rate);
	tcase_add_test(tc, two_threads_exact_counts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(queue_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
