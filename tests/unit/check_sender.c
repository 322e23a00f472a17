/* check_sender.c - the delivery thread against the simulator: batching, outcomes, faults, drain. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "item.h"
#include "log.h"
#include "queue.h"
#include "sender.h"
#include "sim_child.h"
#include "test_items.h"

struct run {
	struct sim_child sim;
	struct config cfg;
	struct queue *q;
	struct sender *snd;
	struct item_list l;
	struct buf scratch;
	uint32_t tag;
	unsigned items;      /* items pushed */
	uint64_t left_items; /* still in the queue after the drain */
	struct sender_stats st;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start a simulator with extra arguments and a sender configured for it. */
static void run_start(struct run *r, const char *const *sim_args)
{
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(sim_start(&r->sim, sim_args), 0);
	config_defaults(&r->cfg);
	snprintf(r->cfg.server, sizeof(r->cfg.server), "127.0.0.1");
	r->cfg.port = r->sim.port;
	snprintf(r->cfg.user, sizeof(r->cfg.user), "ZOSAUDIT");
	snprintf(r->cfg.password, sizeof(r->cfg.password), "zossecret");
	r->cfg.tls = CONFIG_TLS_NONE; /* the simulator's plain listener */
	r->cfg.timeout = 2;
	item_list_init(&r->l);
	buf_init(&r->scratch);
	log_reset();
}

static void run_go(struct run *r)
{
	r->q = queue_new(r->cfg.q_depth);
	r->snd = sender_new(&r->cfg, r->q);
	ck_assert_ptr_nonnull(r->snd);
	ck_assert_int_eq(sender_start(r->snd), 0);
}

/* Push one event of n items named prefix<k>. */
static void push_event(struct run *r, const char *prefix, unsigned n)
{
	char res[300];
	struct qevent *e;

	item_list_clear(&r->l);
	for (unsigned i = 0; i < n; i++) {
		snprintf(res, sizeof(res), "%s%u", prefix, r->items + i);
		test_add_item(&r->l, res, r->items + i);
	}
	e = qevent_new(&r->l, &r->tag, &r->scratch);
	ck_assert_ptr_nonnull(e);
	ck_assert(queue_push(r->q, e));
	r->items += n;
}

/* Close the queue, drain for at most seconds, collect statistics. */
static void run_finish(struct run *r, unsigned seconds)
{
	struct queue_stats qs;
	uint64_t left_events = 0;

	queue_close(r->q);
	sender_stop(r->snd, seconds);
	sender_stats(r->snd, &r->st);
	queue_discard(r->q, &left_events, &r->left_items);
	queue_stats(r->q, &qs);
	ck_assert_uint_eq(qs.held, 0); /* every event released */
	sender_free(r->snd);
	queue_free(r->q);
	item_list_free(&r->l);
	buf_free(&r->scratch);
}

static void run_cleanup(struct run *r)
{
	sim_stop(&r->sim);
}

static uint64_t settled_total(const struct sender_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < SETTLED_N; i++)
		n += st->settled[i];
	return n;
}

START_TEST(delivers_everything)
{
	struct run r;

	run_start(&r, NULL);
	run_go(&r);
	for (unsigned i = 0; i < 60; i++)
		push_event(&r, "RES", 1 + i % 4);
	run_finish(&r, 10);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], r.items);
	ck_assert_uint_eq(r.st.undelivered, 0);
	ck_assert_uint_eq(r.st.connects, 1);
	ck_assert_int_eq(sim_journal_count(&r.sim, "\"kind\":\"smf\"", NULL), (int)r.items);
	run_cleanup(&r);
}
END_TEST

/* Events queued before the sender starts: batches are cut exactly. */
START_TEST(events_stay_together_in_a_batch)
{
	struct run r;

	run_start(&r, NULL);
	r.cfg.batch_items = 5;
	r.q = queue_new(r.cfg.q_depth);
	for (unsigned i = 0; i < 12; i++)
		push_event(&r, "PAIR", 2);
	r.snd = sender_new(&r.cfg, r.q);
	ck_assert_int_eq(sender_start(r.snd), 0);
	run_finish(&r, 10);
	ck_assert_uint_eq(r.st.requests, 6); /* 2 events of 2 items each; 3 would be 6 > 5 */
	ck_assert_uint_eq(r.st.items_sent, 24);
	ck_assert_int_eq(sim_journal_count(&r.sim, "\"kind\":\"request\"", "\"items\":4"), 6);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], 24);
	run_cleanup(&r);
}
END_TEST

START_TEST(big_event_is_split)
{
	struct run r;

	run_start(&r, NULL);
	r.cfg.batch_items = 3;
	r.q = queue_new(r.cfg.q_depth);
	push_event(&r, "BIG", 7);
	r.snd = sender_new(&r.cfg, r.q);
	ck_assert_int_eq(sender_start(r.snd), 0);
	run_finish(&r, 10);
	ck_assert_uint_eq(r.st.requests, 3);
	ck_assert_int_eq(sim_journal_count(&r.sim, "\"kind\":\"request\"", "\"items\":3"), 2);
	ck_assert_int_eq(sim_journal_count(&r.sim, "\"kind\":\"request\"", "\"items\":1,"), 1);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], 7);
	run_cleanup(&r);
}
END_TEST

START_TEST(outcomes_are_counted_by_code)
{
	struct run r;
	char profiles[128], arg[160];
	const char *extra[] = {"--profiles", arg, NULL};

	/* The file must exist before the simulator reads it: write it into
	 * a directory of our own. */
	snprintf(profiles, sizeof(profiles), "/tmp/zr-profiles-%d", (int)getpid());
	sim_write_file(profiles, "OK* all\nQUIET* none\nWARN* all warning\n");
	snprintf(arg, sizeof(arg), "%s", profiles);
	run_start(&r, extra);
	run_go(&r);
	push_event(&r, "OK", 3);
	push_event(&r, "QUIET", 2);
	push_event(&r, "WARN", 1);
	push_event(&r, "NOPE", 2); /* no profile covers it */
	run_finish(&r, 10);
	unlink(profiles);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], 3);
	ck_assert_uint_eq(r.st.settled[SETTLED_NOTREQ], 2);
	ck_assert_uint_eq(r.st.settled[SETTLED_WARNINGMODE], 1);
	ck_assert_uint_eq(r.st.settled[SETTLED_UNDETERMINED], 2);
	ck_assert_uint_eq(r.st.undelivered, 0);
	run_cleanup(&r);
}
END_TEST

START_TEST(value_error_drops_only_that_item)
{
	struct run r;
	char longname[250];

	memset(longname, 'X', 241);
	longname[241] = '\0';
	run_start(&r, NULL);
	r.q = queue_new(r.cfg.q_depth);
	push_event(&r, "GOOD", 2);
	/* A resource of 241+ characters: the server answers VAL_ERR 16/8/32. */
	item_list_clear(&r.l);
	test_add_item(&r.l, longname, 99);
	test_add_item(&r.l, "GOODTOO", 100);
	ck_assert(queue_push(r.q, qevent_new(&r.l, &r.tag, &r.scratch)));
	r.snd = sender_new(&r.cfg, r.q);
	ck_assert_int_eq(sender_start(r.snd), 0);
	run_finish(&r, 10);
	ck_assert_uint_eq(r.st.dropped[DROPPED_VAL_ERR], 1);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], 3);
	ck_assert_uint_eq(r.st.resent, 0);
	run_cleanup(&r);
}
END_TEST

START_TEST(reconnects_after_the_server_closes)
{
	struct run r;
	const char *extra[] = {"--fault", "close-after=3", NULL};

	run_start(&r, extra);
	r.cfg.batch_items = 2;
	r.cfg.window = 4;
	run_go(&r);
	for (unsigned i = 0; i < 20; i++)
		push_event(&r, "RC", 1);
	run_finish(&r, 15);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], 20);
	ck_assert_uint_eq(r.st.undelivered, 0);
	ck_assert_uint_ge(r.st.connects, 2);
	ck_assert_uint_ge(r.st.connection_losses, 1);
	ck_assert_uint_ge(r.st.resent, 1);
	/* At least once: every item was written, some maybe twice. */
	ck_assert_int_ge(sim_journal_count(&r.sim, "\"kind\":\"smf\"", NULL), 20);
	run_cleanup(&r);
}
END_TEST

START_TEST(unanswered_request_times_out_and_is_resent)
{
	struct run r;
	const char *extra[] = {"--fault", "hang-after=1", NULL};
	double t0;

	run_start(&r, extra);
	r.cfg.timeout = 1;
	run_go(&r);
	push_event(&r, "HANG", 2);
	t0 = now_s();
	run_finish(&r, 15);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], 2);
	ck_assert_uint_ge(r.st.connection_losses, 1);
	ck_assert(now_s() - t0 < 10.0);
	run_cleanup(&r);
}
END_TEST

START_TEST(busy_server_is_waited_out)
{
	struct run r;
	const char *extra[] = {"--fault", "busy=2", NULL};

	run_start(&r, extra);
	run_go(&r);
	push_event(&r, "BUSY", 3);
	run_finish(&r, 15);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], 3);
	ck_assert_uint_eq(r.st.requests, 3);
	ck_assert_uint_eq(r.st.resent, 6);
	run_cleanup(&r);
}
END_TEST

START_TEST(malformed_response_is_retried)
{
	struct run r;
	const char *extra[] = {"--fault", "malformed=1", NULL};

	run_start(&r, extra);
	run_go(&r);
	push_event(&r, "MAL", 2);
	run_finish(&r, 15);
	ck_assert_uint_eq(r.st.settled[SETTLED_SUCCESS], 2);
	ck_assert_uint_eq(r.st.resent, 2);
	ck_assert_uint_eq(r.st.dropped[DROPPED_NO_ANSWER], 0);
	run_cleanup(&r);
}
END_TEST

/* 24 on every item: delivery pauses, nothing is dropped, what is left at
 * the end of the drain is reported undelivered. */
START_TEST(missing_authority_pauses_without_dropping)
{
	struct run r;
	char users[128];
	const char *extra[] = {"--users", users, NULL};
	struct sender_stats mid;
	double t0;

	snprintf(users, sizeof(users), "/tmp/zr-users-%d", (int)getpid());
	sim_write_file(users, "ZOSAUDIT zossecret\n");
	run_start(&r, extra);
	run_go(&r);
	push_event(&r, "AUTH", 3);
	t0 = now_s();
	do {
		usleep(50000);
		sender_stats(r.snd, &mid);
	} while (!mid.paused && now_s() - t0 < 5);
	ck_assert(mid.paused);
	run_finish(&r, 2);
	unlink(users);
	ck_assert_uint_eq(settled_total(&r.st), 0);
	for (int i = 0; i < DROPPED_N; i++)
		ck_assert_uint_eq(r.st.dropped[i], 0);
	ck_assert_uint_eq(r.st.undelivered + r.left_items, 3);
	ck_assert_int_ge(sim_journal_count(&r.sim, "\"name\":\"UNSUF_AUTH\"", NULL), 3);
	run_cleanup(&r);
}
END_TEST

START_TEST(rejected_bind_keeps_everything)
{
	struct run r;
	double t0;

	run_start(&r, NULL);
	snprintf(r.cfg.password, sizeof(r.cfg.password), "wrong");
	run_go(&r);
	push_event(&r, "REJ", 2);
	t0 = now_s();
	run_finish(&r, 1);
	ck_assert(now_s() - t0 < 4.0); /* the drain limit holds */
	ck_assert_uint_eq(r.st.connects, 0);
	ck_assert_uint_eq(r.st.undelivered + r.left_items, 2);
	ck_assert_int_ge(sim_journal_count(&r.sim, "\"kind\":\"bind\"", "\"result\":49"), 1);
	run_cleanup(&r);
}
END_TEST

/* Started against a wrong port, a reload with the right one delivers at
 * once instead of waiting out the back-off. */
START_TEST(reload_reconnects_with_new_settings)
{
	struct run r;
	struct config good;
	struct sender_stats mid;
	double t0;

	run_start(&r, NULL);
	good = r.cfg;
	r.cfg.port = 1; /* nothing listens there */
	run_go(&r);
	push_event(&r, "RELOAD", 2);
	usleep(300000);
	sender_stats(r.snd, &mid);
	ck_assert_uint_eq(mid.connects, 0);
	sender_reload(r.snd, &good);
	t0 = now_s();
	do {
		usleep(20000);
		sender_stats(r.snd, &mid);
	} while (mid.settled[SETTLED_SUCCESS] < 2 && now_s() - t0 < 5);
	ck_assert_uint_eq(mid.settled[SETTLED_SUCCESS], 2);
	ck_assert(now_s() - t0 < 2.0);
	run_finish(&r, 5);
	config_wipe(&good);
	run_cleanup(&r);
}
END_TEST

static Suite *sender_suite(void)
{
	Suite *s = suite_create("sender");
	TCase *tc = tcase_create("sender");

	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, delivers_everything);
	tcase_add_test(tc, events_stay_together_in_a_batch);
	tcase_add_test(tc, big_event_is_split);
	tcase_add_test(tc, outcomes_are_counted_by_code);
	tcase_add_test(tc, value_error_drops_only_that_item);
	tcase_add_test(tc, reconnects_after_the_server_closes);
	tcase_add_test(tc, unanswered_request_times_out_and_is_resent);
	tcase_add_test(tc, busy_server_is_waited_out);
	tcase_add_test(tc, malformed_response_is_retried);
	tcase_add_test(tc, missing_authority_pauses_without_dropping);
	tcase_add_test(tc, rejected_bind_keeps_everything);
	tcase_add_test(tc, reload_reconnects_with_new_settings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	sim_require();
	/* Messages go to stderr too, so a failing test shows what the sender said. */
	log_open("check_sender", getenv("ZR_TEST_VERBOSE") != NULL);
	sr = srunner_create(sender_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
