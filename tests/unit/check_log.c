/* check_log.c - message ids to severities, the rate limiter, the stderr copy, two threads. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static double fake_now;

static double fake_clock(void)
{
	return fake_now;
}

/* stderr goes into a pipe while a test runs; read it back with grab(). */
static int saved_stderr = -1;
static int pipe_rd = -1;

static void capture_start(void)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_ge(dup2(p[1], STDERR_FILENO), 0);
	close(p[1]);
	pipe_rd = p[0];
}

static void capture_stop(void)
{
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	if (pipe_rd >= 0)
		close(pipe_rd);
	pipe_rd = -1;
}

/* What was written to stderr since the last call. */
static const char *grab(void)
{
	static char buf[65536];
	ssize_t n = read(pipe_rd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void setup(void)
{
	fake_now = 1000.0;
	log_set_clock(fake_clock);
	log_set_interval(60);
	log_reset();
	capture_start();
	log_open("check_log", true);
}

static void teardown(void)
{
	log_close();
	capture_stop();
	log_set_clock(NULL);
}

START_TEST(ids_map_to_severities)
{
	ck_assert_int_eq(log_level("ZRA0001I"), LOG_INFO);
	ck_assert_int_eq(log_level("ZRA0301W"), LOG_WARNING);
	ck_assert_int_eq(log_level("ZRA0302E"), LOG_ERR);
	ck_assert_int_eq(log_level("ZRA0401S"), LOG_CRIT);
	ck_assert_int_eq(log_level("ZRA0501D"), LOG_DEBUG);
	/* a malformed id is not hidden as debug or info */
	ck_assert_int_eq(log_level("ZRA0501"), LOG_ERR);
	ck_assert_int_eq(log_level(""), LOG_ERR);
	ck_assert_int_eq(log_level(NULL), LOG_ERR);
}
END_TEST

START_TEST(stderr_copy_has_time_ident_id)
{
	const char *out;

	log_msg("ZRA0001I", "hello %d %s", 42, "world");
	out = grab();
	ck_assert_msg(strstr(out, "check_log[") != NULL, "got '%s'", out);
	ck_assert_ptr_nonnull(strstr(out, "]: ZRA0001I hello 42 world\n"));
	/* starts with a date and time: YYYY-MM-DDTHH:MM:SS.mmm */
	ck_assert_int_eq(out[4], '-');
	ck_assert_int_eq(out[10], 'T');
	ck_assert_int_eq(out[19], '.');
	/* exactly one line */
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

START_TEST(stderr_copy_off)
{
	log_open("check_log", false);
	log_msg("ZRA0002W", "not copied");
	ck_assert_str_eq(grab(), "");
	log_open("check_log", true);
	log_msg("ZRA0002W", "copied");
	ck_assert_ptr_nonnull(strstr(grab(), "ZRA0002W copied"));
}
END_TEST

START_TEST(long_message_cut)
{
	char big[3000];
	const char *out;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg("ZRA0003W", "%s", big);
	out = grab();
	ck_assert_ptr_nonnull(strstr(out, "xxx...\n"));
	ck_assert_uint_lt(strlen(out), 1200);
}
END_TEST

START_TEST(rate_limited_reports_suppressed)
{
	const char *out;

	ck_assert(log_limited("NOTREQ:SYSCALL", "ZRA0401W", "not required %d", 1));
	ck_assert_ptr_nonnull(strstr(grab(), "ZRA0401W not required 1\n"));
	fake_now += 10;
	ck_assert(!log_limited("NOTREQ:SYSCALL", "ZRA0401W", "not required %d", 2));
	ck_assert(!log_limited("NOTREQ:SYSCALL", "ZRA0401W", "not required %d", 3));
	fake_now += 49.5;
	ck_assert(!log_limited("NOTREQ:SYSCALL", "ZRA0401W", "not required %d", 4));
	ck_assert_str_eq(grab(), "");
	/* another key is independent */
	ck_assert(log_limited("NOTREQ:AVC", "ZRA0401W", "avc"));
	ck_assert_ptr_nonnull(strstr(grab(), "ZRA0401W avc\n"));
	fake_now += 1;
	ck_assert(log_limited("NOTREQ:SYSCALL", "ZRA0401W", "not required %d", 5));
	out = grab();
	ck_assert_msg(strstr(out, "not required 5 (3 similar messages suppressed)\n") != NULL,
	              "got '%s'", out);
	/* the count starts again; one suppression says "message" */
	ck_assert(!log_limited("NOTREQ:SYSCALL", "ZRA0401W", "x"));
	fake_now += 61;
	ck_assert(log_limited("NOTREQ:SYSCALL", "ZRA0401W", "y"));
	ck_assert_ptr_nonnull(strstr(grab(), "y (1 similar message suppressed)\n"));
	fake_now += 61;
	ck_assert(log_limited("NOTREQ:SYSCALL", "ZRA0401W", "z"));
	ck_assert_ptr_nonnull(strstr(grab(), "ZRA0401W z\n"));
}
END_TEST

START_TEST(interval_and_reset)
{
	log_set_interval(5);
	ck_assert(log_limited("k", "ZRA0501W", "a"));
	fake_now += 4;
	ck_assert(!log_limited("k", "ZRA0501W", "b"));
	fake_now += 1;
	ck_assert(log_limited("k", "ZRA0501W", "c"));
	ck_assert(!log_limited("k", "ZRA0501W", "d"));
	log_reset();
	ck_assert(log_limited("k", "ZRA0501W", "e"));
	/* after a reset the suppressed count is gone too */
	ck_assert_ptr_nonnull(strstr(grab(), "ZRA0501W e\n"));
}
END_TEST

START_TEST(oldest_key_evicted)
{
	char key[32];

	ck_assert(log_limited("first", "ZRA0001D", "first"));
	ck_assert(log_limited("second", "ZRA0001D", "second"));
	log_close(); /* keep 1000 lines out of the pipe */
	for (int i = 0; i < 1022; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert(log_limited(key, "ZRA0001D", "fill"));
	}
	/* 1024 keys remembered: all still limited */
	ck_assert(!log_limited("first", "ZRA0001D", "first"));
	ck_assert(!log_limited("k1021", "ZRA0001D", "fill"));
	ck_assert(log_limited("one more", "ZRA0001D", "evicts first"));
	/* "first" was the oldest: forgotten, so it logs again at once */
	ck_assert(log_limited("first", "ZRA0001D", "first"));
	/* which evicted "second"; the newest keys are still limited */
	ck_assert(log_limited("second", "ZRA0001D", "second"));
	ck_assert(!log_limited("one more", "ZRA0001D", "x"));
	ck_assert(!log_limited("k1021", "ZRA0001D", "x"));
	ck_assert(!log_limited("k3", "ZRA0001D", "x"));
}
END_TEST

#define THREAD_CALLS 20000

static void *hammer(void *arg)
{
	long *logged = arg;
	char key[16];

	for (int i = 0; i < THREAD_CALLS; i++) {
		snprintf(key, sizeof(key), "t%d", i % 50);
		if (log_limited(key, "ZRA0001D", "thread %d", i))
			(*logged)++;
		if (i % 1000 == 0)
			log_msg("ZRA0002D", "plain %d", i);
	}
	return NULL;
}

/* Two threads on the same keys: each key logs exactly once per interval. */
START_TEST(two_threads)
{
	pthread_t a, b;
	long la = 0, lb = 0;

	log_open("check_log", false);
	ck_assert_int_eq(pthread_create(&a, NULL, hammer, &la), 0);
	ck_assert_int_eq(pthread_create(&b, NULL, hammer, &lb), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ck_assert_int_eq(la + lb, 50);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *t = tcase_create("log");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, ids_map_to_severities);
	tcase_add_test(t, stderr_copy_has_time_ident_id);
	tcase_add_test(t, stderr_copy_off);
	tcase_add_test(t, long_message_cut);
	tcase_add_test(t, rate_limited_reports_suppressed);
	tcase_add_test(t, interval_and_reset);
	tcase_add_test(t, oldest_key_evicted);
	tcase_add_test(t, two_threads);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(log_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
