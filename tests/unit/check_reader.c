/* check_reader.c - the reader's data path (reader.h) without stdin or a server: events
 * reach the queue in order, a full spool with spool_full_action = suspend holds events
 * and says so (reader_waiting) until the sender settles some, a crash (a forked child
 * that _exits) leaves records the next start replays, and injected write faults in the
 * spool and the intake log are counted without losing the event. */
#include <zr-autoconf.h>

#include <check.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "queue.h"
#include "reader.h"

static char dir[256];
static struct config cfg;
static struct map_opts mo;

/* The fault: the next fail_writes writes to files whose name ends in
 * fail_suffix (".seg": the spool, ".in": the intake log) fail with
 * fail_errno. */
static int fail_writes, fail_errno;
static const char *fail_suffix;

static bool is_target(int fd)
{
	char link[64], path[512];
	ssize_t n;
	size_t k = strlen(fail_suffix);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return false;
	path[n] = '\0';
	return (size_t)n >= k && strcmp(path + n - k, fail_suffix) == 0;
}

static ssize_t faulty_write(int fd, const void *p, size_t n)
{
	if (fail_writes > 0 && is_target(fd)) {
		fail_writes--;
		errno = fail_errno;
		return -1;
	}
	return write(fd, p, n);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_reader.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	config_defaults(&cfg);
	config_map_opts(&cfg, &mo);
	mo.hostname = "testhost";
	fail_writes = 0;
	fail_errno = EIO;
	fail_suffix = "";
	log_reset();
}

static void teardown(void)
{
	char cmd[300];

	config_wipe(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A reader over a spool of max bytes (0: 64 MiB) with action full. */
static struct reader *open_reader(struct queue *q, uint64_t max, enum queue_full_action full)
{
	const struct reader_opts o = {.dir = dir,
	                              .format = CONFIG_FORMAT_STRING,
	                              .max_bytes = max ? max : (uint64_t)64 << 20,
	                              .segment_bytes = max ? 1024 : 0,
	                              .sync = SPOOL_SYNC_NONE,
	                              .full = full,
	                              .mo = &mo,
	                              .filter = &cfg.filter,
	                              .q = q,
	                              .write_fn = faulty_write};
	struct reader *r = reader_open(&o);

	ck_assert_ptr_nonnull(r);
	reader_set_now(r, reader_clock());
	return r;
}

/* The SYSCALL record of event 1700000000.100:serial (without its EOE,
 * libauparse holds the event). */
static void feed_syscall(struct reader *r, unsigned serial)
{
	char l[512];

	snprintf(l, sizeof(l),
	         "type=SYSCALL msg=audit(1700000000.100:%u): arch=c000003e syscall=59 "
	         "success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=%u auid=1000 uid=0 "
	         "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 "
	         "comm=\"true\" exe=\"/usr/bin/true\" key=(null)\n",
	         serial, 100 + serial);
	reader_feed(r, l, strlen(l));
}

static void feed_eoe(struct reader *r, unsigned serial)
{
	char l[128];

	snprintf(l, sizeof(l), "type=EOE msg=audit(1700000000.100:%u): \n", serial);
	reader_feed(r, l, strlen(l));
}

static void feed_event(struct reader *r, unsigned serial)
{
	feed_syscall(r, serial);
	feed_eoe(r, serial);
}

/* Pop, settle and count everything the queue has (the sender's part). */
static unsigned drain(struct queue *q)
{
	struct qevent *e;
	unsigned n = 0;

	while ((e = queue_pop(q, 0)) != NULL) {
		queue_release(q, 1);
		queue_settle(q, e);
		n++;
	}
	return n;
}

START_TEST(events_reach_the_queue_in_order)
{
	struct queue *q = queue_new(100);
	struct reader *r = open_reader(q, 0, QUEUE_KEEP_OLDEST);
	struct reader_stats st;
	struct qevent *e;
	uint64_t last = 0;

	for (unsigned i = 1; i <= 5; i++)
		feed_event(r, i);
	reader_turn(r);
	reader_flush(r);
	for (unsigned i = 1; i <= 5; i++) {
		e = queue_pop(q, 0);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_gt(e->seq, last);
		ck_assert_uint_eq(e->items[0].serial, i);
		last = e->seq;
		queue_release(q, 1);
		queue_settle(q, e);
	}
	ck_assert_ptr_null(queue_pop(q, 0));
	reader_stats(r, &st);
	ck_assert_uint_eq(st.events, 5);
	ck_assert_uint_eq(st.failed_events, 0);
	ck_assert_uint_ge(st.items_queued, 5);
	ck_assert_uint_eq(st.intake.pending, 0);
	ck_assert(!reader_waiting(r));
	queue_free(q);
	reader_close(r);
}
END_TEST

/* Feed events until the spool is full and the reader holds them. */
static unsigned fill_until_waiting(struct reader *r, unsigned first)
{
	unsigned n = 0;

	while (!reader_waiting(r)) {
		ck_assert_uint_lt(n, 1000);
		feed_event(r, first + n++);
		reader_turn(r);
		reader_flush(r);
	}
	return n;
}

START_TEST(suspend_holds_events_until_there_is_room)
{
	struct queue *q = queue_new(1000);
	struct reader *r = open_reader(q, 8192, QUEUE_SUSPEND);
	struct reader_stats st;
	struct queue_stats qs;
	unsigned fed = fill_until_waiting(r, 1), got;

	/* Two more while waiting: they queue up behind, in order. */
	feed_event(r, fed + 1);
	feed_event(r, fed + 2);
	fed += 2;
	reader_flush(r);
	reader_stats(r, &st);
	ck_assert_uint_ge(st.stalled, 3);
	ck_assert_uint_gt(st.intake.pending, 0); /* their records stay in the intake log */
	queue_stats(q, &qs);
	ck_assert_uint_gt(qs.suspended, 0);
	ck_assert_uint_eq(qs.full_dropped, 0);
	/* The sender settles what is spooled: room again, the wait ends. */
	got = drain(q);
	reader_turn(r);
	for (int i = 0; i < 100 && reader_waiting(r); i++) {
		got += drain(q);
		reader_turn(r);
	}
	ck_assert(!reader_waiting(r));
	got += drain(q);
	ck_assert_uint_eq(got, fed);
	reader_flush(r);
	reader_stats(r, &st);
	ck_assert_uint_eq(st.stalled, 0);
	ck_assert_uint_eq(st.intake.pending, 0);
	ck_assert_uint_eq(st.events, fed);
	queue_free(q);
	reader_close(r);
}
END_TEST

/* Exit while waiting: the records stay in the intake log and the next
 * start processes them. */
START_TEST(stop_while_suspended_keeps_records_for_the_next_start)
{
	struct queue *q = queue_new(1000);
	struct reader *r = open_reader(q, 8192, QUEUE_SUSPEND);
	struct reader_stats st;
	unsigned fed = fill_until_waiting(r, 1);

	ck_assert_uint_gt(fed, 1);
	reader_stop(r);
	reader_stats(r, &st);
	ck_assert_uint_eq(st.stalled, 0);
	ck_assert_uint_eq(st.stalled_lost, 0);
	queue_free(q);
	reader_close(r);
	/* The next start, with room: the spool's events and the replayed one. */
	q = queue_new(1000);
	r = open_reader(q, 0, QUEUE_SUSPEND);
	reader_stats(r, &st);
	ck_assert_uint_eq(st.rec.events, fed - 1);
	ck_assert_uint_eq(st.irec.replay, 1);
	reader_replay(r);
	ck_assert_uint_eq(drain(q), fed);
	reader_stats(r, &st);
	ck_assert_uint_eq(st.events, 1);
	ck_assert_uint_eq(st.intake.pending, 0);
	queue_free(q);
	reader_close(r);
}
END_TEST

/* The same exit when the intake log cannot be written: lost, and counted. */
START_TEST(stop_while_suspended_without_intake_log_counts_the_loss)
{
	struct queue *q = queue_new(1000);
	struct reader *r = open_reader(q, 8192, QUEUE_SUSPEND);
	struct reader_stats st;

	unsigned fed = fill_until_waiting(r, 1);

	/* One more event read, its records not yet committed; then the
	 * intake log cannot be written at exit. */
	feed_syscall(r, fed + 1);
	fail_suffix = ".in";
	fail_writes = 1000;
	reader_stop(r);
	fail_writes = 0;
	reader_stats(r, &st);
	ck_assert_uint_eq(st.stalled_lost, 2);
	ck_assert_uint_gt(st.intake.write_errors, 0);
	queue_free(q);
	reader_close(r);
}
END_TEST

START_TEST(crash_leaves_records_the_next_start_replays)
{
	struct queue *q;
	struct reader *r;
	struct reader_stats st;
	struct qevent *e;
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* One event spooled, one still in libauparse; then kill -9. */
		q = queue_new(100);
		r = open_reader(q, 0, QUEUE_KEEP_OLDEST);
		feed_event(r, 1);
		reader_flush(r);
		feed_syscall(r, 2);
		reader_turn(r);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	q = queue_new(100);
	r = open_reader(q, 0, QUEUE_KEEP_OLDEST);
	reader_stats(r, &st);
	ck_assert_uint_eq(st.rec.events, 1);
	ck_assert_uint_eq(st.irec.replay, 1);
	reader_replay(r);
	e = queue_pop(q, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->items[0].serial, 1); /* the spool's backlog first */
	queue_release(q, 1);
	queue_settle(q, e);
	e = queue_pop(q, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->items[0].serial, 2);
	queue_release(q, 1);
	queue_settle(q, e);
	reader_stats(r, &st);
	ck_assert_uint_eq(st.intake.pending, 0);
	queue_free(q);
	reader_close(r);
}
END_TEST

START_TEST(intake_write_failure_keeps_records_in_memory)
{
	struct queue *q = queue_new(100);
	struct reader *r = open_reader(q, 0, QUEUE_KEEP_OLDEST);
	struct reader_stats st;

	feed_syscall(r, 7);
	fail_errno = ENOSPC;
	fail_suffix = ".in";
	fail_writes = 1;
	reader_turn(r); /* the intake commit fails */
	reader_stats(r, &st);
	ck_assert_uint_eq(st.intake.write_errors, 1);
	ck_assert_uint_eq(st.intake.pending, 1);
	feed_eoe(r, 7);
	reader_flush(r);
	ck_assert_uint_eq(drain(q), 1);
	reader_stats(r, &st);
	ck_assert_uint_eq(st.intake.pending, 0);
	ck_assert_uint_eq(st.intake.write_errors, 1);
	queue_free(q);
	reader_close(r);
}
END_TEST

START_TEST(spool_write_failure_is_counted_and_the_event_kept)
{
	struct queue *q = queue_new(100);
	struct reader *r = open_reader(q, 0, QUEUE_KEEP_OLDEST);
	struct queue_stats qs;

	feed_event(r, 9);
	fail_errno = EIO;
	fail_suffix = ".seg";
	fail_writes = 1;
	reader_flush(r); /* the spool append fails */
	reader_tick(r);  /* and is reported (ZRA0506E) */
	queue_stats(q, &qs);
	ck_assert_uint_eq(qs.spool_errors, 1);
	ck_assert_uint_eq(qs.unspooled, 1);
	ck_assert_uint_eq(drain(q), 1);
	queue_free(q);
	reader_close(r);
}
END_TEST

START_TEST(format_switch_keeps_the_path)
{
	struct queue *q = queue_new(100);
	struct reader *r = open_reader(q, 0, QUEUE_KEEP_OLDEST);

	feed_event(r, 3);
	reader_flush(r);
	ck_assert_int_eq(reader_set_format(r, CONFIG_FORMAT_STRING), 0);
	feed_event(r, 4);
	reader_flush(r);
	ck_assert_uint_eq(drain(q), 2);
	ck_assert_uint_eq(input_stats(reader_input(r))->records, 2);
	queue_free(q);
	reader_close(r);
}
END_TEST

static Suite *reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *t = tcase_create("path");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, events_reach_the_queue_in_order);
	tcase_add_test(t, suspend_holds_events_until_there_is_room);
	tcase_add_test(t, stop_while_suspended_keeps_records_for_the_next_start);
	tcase_add_test(t, stop_while_suspended_without_intake_log_counts_the_loss);
	tcase_add_test(t, crash_leaves_records_the_next_start_replays);
	tcase_add_test(t, intake_write_failure_keeps_records_in_memory);
	tcase_add_test(t, spool_write_failure_is_counted_and_the_event_kept);
	tcase_add_test(t, format_switch_keeps_the_path);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reader_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
