/* check_faults.c - the simulator misbehaves (closes, hangs, is busy, sends
 * junk, refuses binds, dies and comes back): every record still arrives. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "shared_logs.h"

/* Small batches and a window of 2, so a fault hits the middle of a run. */
#define FAULT_CONF "batch_items = 4\nwindow = 2\ntimeout = 2\n"

struct frun {
	char *dir;
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_log l;
	struct zr_verdict v;
	double secs;
};

static void show_log(const struct zr_plugin *p)
{
	char *log = zr_plugin_log(p);
	size_t n = strlen(log);

	fprintf(stderr, "--- plugin log (last 2500 bytes):\n%s\n", n > 2500 ? log + n - 2500 : log);
	free(log);
}

/* A laurel trace (multi-record events) and 150 one-record events. */
static void frun_input(struct frun *f)
{
	char *gen = zr_gen_records(150, 9000, 1700001000);

	ck_assert_int_eq(zr_log_sample("threathunters-io__laurel/shell-proc-trace-confusion.txt",
	                               gen, &f->l),
	                 0);
	free(gen);
}

static void frun_start(struct frun *f, const char *fault)
{
	const char *const args[] = {"--fault", fault, NULL};

	f->dir = zr_tmpdir();
	frun_input(f);
	ck_assert_int_eq(zr_sim_start(&f->s, f->dir, 0, fault ? args : NULL), 0);
	char *conf = zr_config_write(f->dir, "zos-remote.conf", f->s.port, FAULT_CONF);
	ck_assert_int_eq(zr_plugin_start(&f->p, f->dir, NULL, conf, NULL, NULL), 0);
	free(conf);
}

/* Wait for every record, end the input, check a clean exit and the items. */
static void frun_finish(struct frun *f, const char *what, double t0, double timeout)
{
	bool all = zr_wait_delivered(&f->l, f->s.journal, timeout, &f->v);

	f->secs = zr_now() - t0;
	zr_plugin_close_input(&f->p);
	bool exited = zr_plugin_wait(&f->p, 15 * zr_scale());
	zr_sim_stop(&f->s, SIGTERM);

	struct zr_journal j;
	const struct zr_expect e = {.major = 0, .check_content = true};
	ck_assert_int_eq(zr_journal_load(f->s.journal, &j), 0);
	zr_verify(&f->l, &j, &e, what, &f->v);
	printf("%-18s records %zu delivered %zu items %zu duplicates %zu problems %zu in %.2fs, "
	       "exit %d\n",
	       what, f->v.expected, f->v.delivered, f->v.items, f->v.duplicates, f->v.problems,
	       f->secs, zr_plugin_exit_code(&f->p));
	fflush(stdout);
	zr_journal_free(&j);
	if (!all || !exited || zr_plugin_exit_code(&f->p) != 0)
		show_log(&f->p);
	ck_assert_msg(all, "%s: %zu of %zu records delivered within %.0f s", what, f->v.delivered,
	              f->v.expected, timeout);
	ck_assert_msg(exited, "%s: plugin did not exit 15 s after the end of its input", what);
	ck_assert_int_eq(zr_plugin_exit_code(&f->p), 0);
	ck_assert_uint_eq(f->v.unmatched, 0);
	/* Duplicates are allowed (at least once); anything else wrong is not. */
	ck_assert_msg(f->v.problems == 0, "%s: %zu content problems (see above)", what,
	              f->v.problems);
}

static void frun_free(struct frun *f)
{
	zr_plugin_free(&f->p);
	zr_sim_free(&f->s);
	zr_log_free(&f->l);
	free(f->dir);
}

/* Run the whole input against one fault; return the plugin log. */
static char *fault_run(const char *fault, double timeout)
{
	struct frun f = {0};
	double t0 = zr_now();

	frun_start(&f, fault);
	ck_assert_int_eq(zr_plugin_feed(&f.p, f.l.text, f.l.len), 0);
	frun_finish(&f, fault ? fault : "no fault", t0, timeout);
	char *log = zr_plugin_log(&f.p);
	frun_free(&f);
	return log;
}

START_TEST(test_baseline)
{
	free(fault_run(NULL, 30));
}
END_TEST

START_TEST(test_close_after)
{
	char *log = fault_run("close-after=5", 40);
	const char *const n1[] = {"ZRA0301I", NULL};

	ck_assert_msg(zr_count_lines(log, n1) >= 2, "the plugin did not connect again");
	free(log);
}
END_TEST

START_TEST(test_busy)
{
	char *log = fault_run("busy=3", 40);
	const char *const n1[] = {"LDAP 51", NULL};

	ck_assert_msg(zr_count_lines(log, n1) >= 1, "no log line names LDAP 51 (busy)");
	free(log);
}
END_TEST

START_TEST(test_unavailable)
{
	char *log = fault_run("unavailable=3", 40);
	const char *const n1[] = {"LDAP 52", NULL};

	ck_assert_msg(zr_count_lines(log, n1) >= 1, "no log line names LDAP 52 (unavailable)");
	free(log);
}
END_TEST

/* The 3rd request on the first connection never gets an answer: with
 * timeout = 2 the plugin gives the connection up and sends again. */
START_TEST(test_hang)
{
	char *log = fault_run("hang-after=3", 45);
	const char *const n1[] = {"ZRA0301I", NULL};

	ck_assert_msg(zr_count_lines(log, n1) >= 2, "the plugin did not reconnect after a hang");
	free(log);
}
END_TEST

START_TEST(test_malformed)
{
	char *log = fault_run("malformed=3", 40);
	const char *const n1[] = {"ZRA0411E", NULL};

	ck_assert_msg(zr_count_lines(log, n1) >= 1, "no decode error logged for the junk response");
	free(log);
}
END_TEST

/* The first bind is refused: the plugin says what to check, waits the
 * interval it announces, binds again and delivers. */
START_TEST(test_reject_bind)
{
	struct frun f = {0};
	double t0 = zr_now(), wait = 0;

	frun_start(&f, "reject-binds=1");
	ck_assert_int_eq(zr_plugin_feed(&f.p, f.l.text, f.l.len), 0);
	ck_assert_msg(zr_plugin_wait_log(&f.p, "retrying in", 15), "no retry announced");
	char *log = zr_plugin_log(&f.p);
	const char *const n1[] = {"LDAP 49", "user and password", NULL};
	const char *r = strstr(log, "retrying in ");
	if (r)
		wait = atof(r + strlen("retrying in "));
	printf("reject-binds=1: the plugin retries after %.0f s\n", wait);
	ck_assert_msg(zr_count_lines(log, n1) >= 1,
	              "no log line names the user ZOSAUDIT and the user and password check");
	ck_assert_msg(wait >= 0 && wait <= 90, "retry interval %.0f s", wait);
	free(log);
	/* A refused bind waits long (a RACF user is revoked after a few bad
	 * passwords): wait what the plugin announced, plus slack. */
	frun_finish(&f, "reject-binds=1", t0, wait + 15);
	frun_free(&f);
}
END_TEST

/* The simulator is killed mid-stream and started again on the same port. */
START_TEST(test_restart)
{
	struct frun f = {0};
	double t0 = zr_now();

	frun_start(&f, NULL);
	size_t half = f.l.len / 2;
	while (half < f.l.len && f.l.text[half - 1] != '\n')
		half++;
	ck_assert_int_eq(zr_plugin_feed(&f.p, f.l.text, half), 0);
	size_t before = zr_journal_wait_items(f.s.journal, 10, 15);
	ck_assert_msg(before >= 10, "only %zu items before the restart", before);
	int port = f.s.port;
	zr_sim_free(&f.s); /* SIGKILL: no goodbye to the plugin */
	ck_assert_int_eq(zr_plugin_feed(&f.p, f.l.text + half, f.l.len - half), 0);
	zr_sleep(0.5);
	ck_assert_int_eq(zr_sim_start(&f.s, f.dir, port, NULL), 0);
	ck_assert_int_eq(f.s.port, port);
	printf("restart: %zu items before the simulator was killed\n", before);
	frun_finish(&f, "sim restart", t0, 60);
	frun_free(&f);
}
END_TEST

static Suite *faults_suite(void)
{
	Suite *s = suite_create("integration-faults");

	tcase_add_test(zr_tcase(s, "baseline", 60), test_baseline);
	tcase_add_test(zr_tcase(s, "close-after", 80), test_close_after);
	tcase_add_test(zr_tcase(s, "busy", 80), test_busy);
	tcase_add_test(zr_tcase(s, "unavailable", 80), test_unavailable);
	tcase_add_test(zr_tcase(s, "hang-after", 90), test_hang);
	tcase_add_test(zr_tcase(s, "malformed", 80), test_malformed);
	tcase_add_test(zr_tcase(s, "reject-binds", 150), test_reject_bind);
	tcase_add_test(zr_tcase(s, "restart", 100), test_restart);
	return s;
}

int main(void)
{
	ZR_NEED_SHARED_LOGS();
	return zr_run(faults_suite());
}
