/* check_stats.c - operator counters: outcomes by code and resource, bounded tables, top-N,
 * intervals, two writer threads. */
#include <check.h>
#include <libaudit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ictx.h"
#include "stats.h"

START_TEST(outcomes_by_code_and_resource)
{
	struct stats *st = stats_new();
	struct stats_snap s;

	stats_outcome(st, ICTX_SUCCESS, "SYSCALL");
	stats_outcome(st, ICTX_SUCCESS, "PATH");
	stats_outcome(st, ICTX_NOTREQ, "SYSCALL");
	stats_outcome(st, ICTX_NOTREQ, "SYSCALL");
	stats_outcome(st, ICTX_NOTREQ, "CWD");
	stats_outcome(st, ICTX_UNDETERMINED, "AVC");
	stats_outcome(st, 62, "AVC");
	stats_outcome(st, 200, "AVC"); /* beyond the table: counted as other */
	stats_outcome(st, -1, "AVC");
	stats_collect(st, NULL, NULL, NULL, &s);
	ck_assert_uint_eq(s.major[ICTX_SUCCESS], 2);
	ck_assert_uint_eq(s.major[ICTX_NOTREQ], 3);
	ck_assert_uint_eq(s.major[ICTX_UNDETERMINED], 1);
	ck_assert_uint_eq(s.major[62], 1);
	ck_assert_uint_eq(s.major[STATS_MAJOR_MAX], 2);
	ck_assert_uint_eq(s.notreq.len, 2);
	ck_assert_str_eq(s.notreq.v[0].name, "SYSCALL");
	ck_assert_uint_eq(s.notreq.v[0].n, 2);
	ck_assert_str_eq(s.notreq.v[1].name, "CWD");
	ck_assert_uint_eq(s.undetermined.len, 1);
	ck_assert_str_eq(s.undetermined.v[0].name, "AVC");
	ck_assert_uint_eq(s.undetermined.v[0].n, 1);

	stats_reset(st);
	stats_collect(st, NULL, NULL, NULL, &s);
	ck_assert_uint_eq(s.major[ICTX_NOTREQ], 0);
	ck_assert_uint_eq(s.notreq.len, 0);
	stats_free(st);
}
END_TEST

START_TEST(table_is_bounded)
{
	struct stats *st = stats_new();
	struct stats_snap s;
	char name[32];

	for (int i = 0; i < STATS_NAMES_MAX + 6; i++) {
		snprintf(name, sizeof(name), "UNKNOWN[%d]", 2000 + i);
		stats_outcome(st, ICTX_NOTREQ, name);
		stats_outcome(st, ICTX_NOTREQ, name);
	}
	stats_collect(st, NULL, NULL, NULL, &s);
	ck_assert_uint_eq(s.notreq.len, STATS_NAMES_MAX);
	ck_assert_uint_eq(s.notreq.other, 12);
	ck_assert_str_eq(s.notreq.v[STATS_NAMES_MAX - 1].name, "UNKNOWN[2063]");
	ck_assert_uint_eq(s.major[ICTX_NOTREQ], 2 * (STATS_NAMES_MAX + 6));
	stats_free(st);
}
END_TEST

START_TEST(top_n_largest_first_ties_in_order)
{
	struct stats_table t = {0};
	size_t idx[3];
	const char *names[] = {"A", "B", "C", "D", "E"};
	const unsigned counts[] = {1, 5, 3, 5, 0};

	for (int i = 0; i < 5; i++) {
		snprintf(t.v[i].name, sizeof(t.v[i].name), "%s", names[i]);
		t.v[i].n = counts[i];
	}
	t.len = 5;
	ck_assert_uint_eq(stats_top(&t, idx, 3), 3);
	ck_assert_uint_eq(idx[0], 1); /* B 5 */
	ck_assert_uint_eq(idx[1], 3); /* D 5, after B: appeared later */
	ck_assert_uint_eq(idx[2], 2); /* C 3 */
	ck_assert_uint_eq(stats_top(&t, idx, 1), 1);
	ck_assert_uint_eq(idx[0], 1);
	t.len = 1; /* only A */
	ck_assert_uint_eq(stats_top(&t, idx, 3), 1);
	ck_assert_uint_eq(idx[0], 0);
	t.v[0].n = 0; /* zero counts are not shown */
	ck_assert_uint_eq(stats_top(&t, idx, 3), 0);
}
END_TEST

START_TEST(skipped_by_type_name)
{
	struct stats *st = stats_new();
	struct stats_snap s;

	stats_skipped(st, "PATH");
	stats_skipped(st, "PATH");
	stats_skipped(st, "UNKNOWN[3999]");
	stats_collect(st, NULL, NULL, NULL, &s);
	ck_assert_uint_eq(s.skipped_total, 3);
	ck_assert_str_eq(s.skipped.v[0].name, "PATH");
	ck_assert_uint_eq(s.skipped.v[0].n, 2);
	ck_assert_str_eq(s.skipped.v[1].name, "UNKNOWN[3999]");
	stats_free(st);
}
END_TEST

START_TEST(collect_copies_module_stats)
{
	struct stats *st = stats_new();
	struct input_stats in = {.records = 11, .events = 4};
	struct queue_stats q = {.dropped_items = 2, .held = 3, .limit = 16};
	struct sender_stats snd = {.items_sent = 9, .connected = true};
	struct stats_snap s;

	snd.dropped[DROPPED_VAL_ERR] = 5;
	stats_server(st, "zos.example.com:389");
	snd.set_aside = 7;
	stats_collect(st, &in, &q, &snd, &s);
	ck_assert_uint_eq(s.in.records, 11);
	ck_assert_uint_eq(s.q.held, 3);
	ck_assert_uint_eq(s.snd.items_sent, 9);
	ck_assert(s.snd.connected);
	ck_assert_str_eq(s.server, "zos.example.com:389");
	ck_assert_uint_eq(s.snd.set_aside, 7);
	ck_assert_uint_eq(stats_dropped_items(&s), 7);
	ck_assert(s.mono > 0);
	ck_assert(s.cpu >= 0);
	stats_free(st);
}
END_TEST

START_TEST(delta_counts_interval_keeps_gauges)
{
	struct stats *st = stats_new();
	struct input_stats in = {.records = 10};
	struct queue_stats q = {.held = 5, .limit = 100, .dropped_items = 1};
	struct sender_stats snd = {.items_sent = 8, .connects = 1};
	struct stats_snap *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *d = malloc(sizeof(*d));

	stats_outcome(st, ICTX_NOTREQ, "SYSCALL");
	stats_outcome(st, ICTX_NOTREQ, "CWD");
	stats_collect(st, &in, &q, &snd, a);
	in.records = 25;
	q.held = 2;
	q.dropped_items = 4;
	snd.items_sent = 20;
	snd.connected = true;
	stats_outcome(st, ICTX_NOTREQ, "SYSCALL");
	stats_outcome(st, ICTX_NOTREQ, "PATH");
	stats_server(st, "h:1");
	stats_collect(st, &in, &q, &snd, b);
	stats_delta(b, a, d);
	ck_assert_uint_eq(d->in.records, 15);
	ck_assert_uint_eq(d->snd.items_sent, 12);
	ck_assert_uint_eq(d->snd.connects, 0);
	ck_assert_uint_eq(d->q.dropped_items, 3);
	ck_assert_uint_eq(d->q.held, 2); /* a gauge: now's */
	ck_assert_uint_eq(d->q.limit, 100);
	ck_assert(d->snd.connected);
	ck_assert_str_eq(d->server, "h:1");
	ck_assert_uint_eq(d->major[ICTX_NOTREQ], 2);
	/* CWD had nothing new: not in the interval's table. */
	ck_assert_uint_eq(d->notreq.len, 2);
	ck_assert_str_eq(d->notreq.v[0].name, "SYSCALL");
	ck_assert_uint_eq(d->notreq.v[0].n, 1);
	ck_assert_str_eq(d->notreq.v[1].name, "PATH");
	ck_assert(d->mono >= 0 && d->mono < 5);
	/* prev NULL: everything since start. */
	stats_delta(b, NULL, d);
	ck_assert_uint_eq(d->in.records, 25);
	ck_assert_uint_eq(d->notreq.len, 3);
	free(a);
	free(b);
	free(d);
	stats_free(st);
}
END_TEST

START_TEST(null_stats_is_a_no_op)
{
	struct stats_snap s;

	stats_outcome(NULL, 0, "X");
	stats_server(NULL, "x");
	stats_skipped(NULL, "SYSCALL");
	stats_reset(NULL);
	stats_free(NULL);
	stats_collect(NULL, NULL, NULL, NULL, &s);
	ck_assert_uint_eq(s.major[0], 0);
	ck_assert_str_eq(s.server, "");
}
END_TEST

#define PER_THREAD 50000

static void *sender_like(void *arg)
{
	for (int i = 0; i < PER_THREAD; i++)
		stats_outcome(arg, i % 2 ? ICTX_NOTREQ : ICTX_SUCCESS, i % 4 == 1 ? "A" : "B");
	return NULL;
}

static void *reader_like(void *arg)
{
	for (int i = 0; i < PER_THREAD; i++)
		stats_skipped(arg, "PATH");
	return NULL;
}

START_TEST(two_threads_exact)
{
	struct stats *st = stats_new();
	struct stats_snap s;
	pthread_t a, b;

	pthread_create(&a, NULL, sender_like, st);
	pthread_create(&b, NULL, reader_like, st);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	stats_collect(st, NULL, NULL, NULL, &s);
	ck_assert_uint_eq(s.major[ICTX_SUCCESS], PER_THREAD / 2);
	ck_assert_uint_eq(s.major[ICTX_NOTREQ], PER_THREAD / 2);
	ck_assert_uint_eq(s.notreq.v[0].n + s.notreq.v[1].n, PER_THREAD / 2);
	ck_assert_uint_eq(s.skipped_total, PER_THREAD);
	ck_assert_uint_eq(s.skipped.v[0].n, PER_THREAD);
	stats_free(st);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *t = tcase_create("stats");

	tcase_add_test(t, outcomes_by_code_and_resource);
	tcase_add_test(t, table_is_bounded);
	tcase_add_test(t, top_n_largest_first_ties_in_order);
	tcase_add_test(t, skipped_by_type_name);
	tcase_add_test(t, collect_copies_module_stats);
	tcase_add_test(t, delta_counts_interval_keeps_gauges);
	tcase_add_test(t, null_stats_is_a_no_op);
	tcase_add_test(t, two_threads_exact);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(stats_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
