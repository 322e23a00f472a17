/* check_stop.c - the prompt exit (plugin/stop.h): at end of input, at end
 * of input followed 50 ms later by SIGTERM (what auditd 4.2 does at every
 * stop and reload before it blocks in waitpid), and at SIGTERM alone, the
 * plugin is gone well within a second whatever the server does (up, slow,
 * down, hung, TLS handshake stalled), and nothing it read is lost: a
 * second run against a healthy server delivers every record.
 *
 * The bound asserted is a generous 1.5 s (the goal is 0.5 s; before the
 * prompt exit it took drain_timeout, 5 s, with the server down): these are
 * no benchmarks, the figures are printed. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emulator.h"
#include "harness.h"

#define EXIT_BOUND 1.5 /* seconds; the goal is 0.5 */

enum server_state { UP, SLOW, DOWN, HUNG, TLS_STALL, N_STATES };
enum trigger { EOF_ONLY, EOF_THEN_TERM, TERM_ONLY, N_TRIGGERS };

static const char *const state_name[] = {"up", "slow", "down", "hung", "TLS handshake stalled"};
static const char *const trigger_name[] = {"end of input (drain_timeout 0)",
                                           "end of input + SIGTERM 50 ms later (drain_timeout 5)",
                                           "SIGTERM (drain_timeout 5)"};

static void show_log(const struct zr_plugin *p)
{
	char *log = zr_plugin_log(p);
	size_t n = strlen(log);

	fprintf(stderr, "--- plugin log (last 3000 bytes):\n%s\n", n > 3000 ? log + n - 3000 : log);
	free(log);
}

/* The throwaway CA and server certificate of mkcerts.sh, made once. */
static const char *certs(void)
{
	static char *dir;
	char cmd[4096];

	if (dir)
		return dir;
	char *base = zr_tmpdir();

	dir = zr_path(base, "certs");
	free(base);
	snprintf(cmd, sizeof cmd, "sh '%s/tests/integration/mkcerts.sh' '%s' >/dev/null", SRCDIR,
	         dir);
	ck_assert_msg(system(cmd) == 0, "mkcerts.sh failed: %s", cmd);
	return dir;
}

/* A simulator in dir in the given state (DOWN: started and stopped, so its
 * port refuses connections). Its journal is dir/journal.jsonl, appended to
 * by every simulator started in dir. */
static void sim_in_state(struct zr_sim *s, const char *dir, enum server_state st)
{
	char *pem = st == TLS_STALL ? zr_path(certs(), "server.pem") : NULL;
	char *key = st == TLS_STALL ? zr_path(certs(), "server.key") : NULL;
	const char *slow[] = {"--latency-ms", "3000", NULL};
	const char *hang[] = {"--fault", "hang-after=1", NULL};
	const char *tls[] = {"--tls-cert",     pem, "--tls-key", key, "--fault",
	                     "tls-stall=1000", NULL};
	const char *const *args = st == SLOW        ? slow
	                          : st == HUNG      ? hang
	                          : st == TLS_STALL ? tls
	                                            : NULL;

	ck_assert_int_eq(zr_sim_start(s, dir, 0, args), 0);
	if (st == DOWN)
		zr_sim_stop(s, SIGTERM);
	free(pem);
	free(key);
}

/* One run: records in, stop, time the exit; then a healthy server and a
 * second run with no input: every record arrives. */
static void stop_run(enum server_state st, enum trigger tr, unsigned long first)
{
	char *dir = zr_tmpdir();
	struct zr_sim s, s2;
	struct zr_plugin p, p2;
	struct zr_log l;
	struct zr_verdict v;
	char *gen = zr_gen_records(300, first, 1700100000 + (long long)first);
	char extra[1024], *ca = st == TLS_STALL ? zr_path(certs(), "ca.pem") : NULL;

	ck_assert_int_eq(zr_log_parse(gen, strlen(gen), &l), 0);
	sim_in_state(&s, dir, st);
	snprintf(extra, sizeof extra, "drain_timeout = %d\ntimeout = 10\n%s%s%s",
	         tr == EOF_ONLY ? 0 : 5, st == TLS_STALL ? "tls = starttls\ntls_ca_file = " : "",
	         st == TLS_STALL ? ca : "", st == TLS_STALL ? "\n" : "");
	char *conf = zr_config_write(dir, "stop.conf", s.port, extra);
	ck_assert_int_eq(zr_plugin_start(&p, dir, "plugin-1.log", conf, NULL, NULL), 0);
	/* Started (under valgrind that takes a while): its signal handlers are set. */
	ck_assert(zr_plugin_wait_log(&p, "ZRA0001I", 10));
	ck_assert_int_eq(zr_plugin_feed(&p, l.text, l.len), 0);
	zr_sleep(0.7); /* read, spooled, and the server is busy (or not) with them */

	double t0 = zr_now();
	if (tr != TERM_ONLY)
		zr_plugin_close_input(&p);
	if (tr == EOF_THEN_TERM) {
		zr_sleep(0.05);
		ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
	} else if (tr == TERM_ONLY) {
		ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
	}
	bool exited = zr_plugin_wait(&p, 10 * zr_scale());
	double took = zr_now() - t0;

	printf("server %s, %s: exit %d after %.3f s\n", state_name[st], trigger_name[tr],
	       exited ? zr_plugin_exit_code(&p) : -99, took);
	if (!exited || took > EXIT_BOUND * zr_scale() || zr_plugin_exit_code(&p) != 0)
		show_log(&p);
	ck_assert_msg(exited, "server %s, %s: still running after 10 s", state_name[st],
	              trigger_name[tr]);
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	ck_assert_msg(took <= EXIT_BOUND * zr_scale(),
	              "server %s, %s: exit took %.2f s (bound %.1f)", state_name[st],
	              trigger_name[tr], took, EXIT_BOUND);
	if (st != DOWN)
		zr_sim_stop(&s, SIGTERM);

	/* The next start, against a healthy server, delivers everything. */
	ck_assert_int_eq(zr_sim_start(&s2, dir, 0, NULL), 0);
	free(conf);
	conf = zr_config_write(dir, "stop.conf", s2.port, "drain_timeout = 20\n");
	ck_assert(zr_plugin_run_file(&p2, dir, conf, "/dev/null", NULL, 30));
	bool all = zr_wait_delivered(&l, s2.journal, 5, &v);
	printf("server %s, %s: after the restart %zu of %zu records delivered (%zu duplicates)\n",
	       state_name[st], trigger_name[tr], v.delivered, v.expected, v.duplicates);
	if (!all)
		show_log(&p2);
	ck_assert_msg(all, "server %s, %s: %zu of %zu records delivered after the restart",
	              state_name[st], trigger_name[tr], v.delivered, v.expected);
	zr_sim_stop(&s2, SIGTERM);
	zr_plugin_free(&p);
	zr_plugin_free(&p2);
	zr_sim_free(&s);
	zr_sim_free(&s2);
	zr_log_free(&l);
	free(conf);
	free(ca);
	free(gen);
	free(dir);
}

START_TEST(test_stop)
{
	enum server_state st = (enum server_state)_i;

	for (int tr = 0; tr < N_TRIGGERS; tr++)
		stop_run(st, (enum trigger)tr, 1000 * (unsigned long)(1 + st * N_TRIGGERS + tr));
}
END_TEST

/* ---- one spool, one process ---- */

static bool log_has(const struct zr_plugin *p, const char *needle)
{
	char *log = zr_plugin_log(p);
	bool has = strstr(log, needle) != NULL;

	free(log);
	return has;
}

/* Everything of every log in ls arrived at the simulator of dir: one more
 * run on conf against a healthy server. */
static void expect_all(const char *dir, const char *name, struct zr_log *ls, size_t n,
                       const char *what)
{
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_verdict v;

	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	char *conf = zr_config_write(dir, name, s.port, "drain_timeout = 20\n");
	ck_assert(zr_plugin_run_file(&p, dir, conf, "/dev/null", NULL, 30));
	for (size_t i = 0; i < n; i++) {
		bool all = zr_wait_delivered(&ls[i], s.journal, 5, &v);
		printf("%s, input %zu: %zu of %zu records delivered\n", what, i + 1, v.delivered,
		       v.expected);
		if (!all)
			show_log(&p);
		ck_assert_msg(all, "%s, input %zu: %zu of %zu records delivered", what, i + 1,
		              v.delivered, v.expected);
	}
	zr_sim_stop(&s, SIGTERM);
	zr_sim_free(&s);
	zr_plugin_free(&p);
	free(conf);
}

/* Two inputs for two processes on one config, the server down. */
struct pair {
	char *dir, *conf, *in; /* in: the second input as a file */
	char *text[2];
	struct zr_log l[2];
	struct zr_sim s;
};

static void pair_init(struct pair *p, const char *name, size_t n0, size_t n1, const char *extra)
{
	p->dir = zr_tmpdir();
	p->text[0] = zr_gen_records(n0, 1, 1700200000);
	p->text[1] = zr_gen_records(n1, n0 + 1000, 1700210000);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(zr_log_parse(p->text[i], strlen(p->text[i]), &p->l[i]), 0);
	sim_in_state(&p->s, p->dir, DOWN);
	p->conf = zr_config_write(p->dir, name, p->s.port, extra);
	p->in = zr_path(p->dir, "second.input");
	ck_assert_int_eq(zr_log_write(&p->l[1], p->in), 0);
}

static void pair_free(struct pair *p)
{
	zr_sim_free(&p->s);
	for (int i = 0; i < 2; i++) {
		zr_log_free(&p->l[i]);
		free(p->text[i]);
	}
	free(p->in);
	free(p->conf);
	free(p->dir);
}

/* Two processes started on one config at once, the server down: the
 * second waits for the first, says why it cannot start, and reads
 * nothing; run again once the first is gone, it delivers everything. */
START_TEST(test_two_at_once)
{
	struct pair w;
	struct zr_plugin a, b, b2;
	char pidtext[2048];

	pair_init(&w, "one.conf", 3000, 100, "drain_timeout = 0\n");
	ck_assert_int_eq(zr_plugin_start(&a, w.dir, "a.log", w.conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_start(&b, w.dir, "b.log", w.conf, NULL, NULL), 0);
	/* One of them has the spool: call it a. */
	for (double t0 = zr_now(); !log_has(&a, "ZRA0001I") && !log_has(&b, "ZRA0001I");) {
		ck_assert_msg(zr_now() - t0 < 5 * zr_scale(), "neither process started in 5 s");
		zr_sleep(0.02);
	}
	if (log_has(&b, "ZRA0001I")) {
		struct zr_plugin t = a;
		a = b;
		b = t;
	}
	ck_assert_int_eq(zr_plugin_feed(&a, w.l[0].text, w.l[0].len), 0);
	ck_assert_int_eq(zr_plugin_feed(&b, w.l[1].text, w.l[1].len), 0); /* fits the pipe */
	snprintf(pidtext, sizeof pidtext, "in use by process %d with config %s", (int)a.pid,
	         w.conf);
	ck_assert(zr_plugin_wait_log(&b, "ZRA0022W", 5));
	bool exited = zr_plugin_wait(&b, 10 * zr_scale());
	char *blog = zr_plugin_log(&b);
	printf("second process: %s\n", strstr(blog, "ZRA0015E") ? strstr(blog, "ZRA0015E") : blog);
	ck_assert_msg(exited, "the second process still waits after 10 s");
	ck_assert_int_eq(zr_plugin_exit_code(&b), 1);
	ck_assert_msg(strstr(blog, pidtext), "no '%s' in: %s", pidtext, blog);
	ck_assert_msg(strstr(blog, "did not exit within 5 s. Nothing was read from auditd"), "%s",
	              blog);
	ck_assert_msg(!strstr(blog, "ZRA0001I"), "the second process started: %s", blog);
	free(blog);
	/* The first goes on, alone: its input ends. */
	zr_plugin_close_input(&a);
	ck_assert(zr_plugin_wait(&a, 10 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&a), 0);
	/* auditd would start the second again: now it reads its input. */
	ck_assert(zr_plugin_run_file(&b2, w.dir, w.conf, w.in, NULL, 15));
	ck_assert_int_eq(zr_plugin_exit_code(&b2), 0);
	ck_assert(!log_has(&b2, "ZRA0022W"));
	expect_all(w.dir, "one.conf", w.l, 2, "two processes at once");
	zr_plugin_free(&a);
	zr_plugin_free(&b);
	zr_plugin_free(&b2);
	pair_free(&w);
}
END_TEST

/* A successor started while its predecessor drains after end of input
 * (drain_timeout 2, server down) waits for it, then starts: nothing lost. */
START_TEST(test_successor_waits)
{
	struct pair w;
	struct zr_plugin a, b;

	pair_init(&w, "drain.conf", 2000, 2000, "drain_timeout = 2\n");
	ck_assert_int_eq(zr_plugin_start(&a, w.dir, "a.log", w.conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&a, w.l[0].text, w.l[0].len), 0);
	zr_plugin_close_input(&a);
	ck_assert(zr_plugin_wait_log(&a, "ZRA0011I", 5)); /* draining */
	ck_assert_int_eq(zr_plugin_start(&b, w.dir, "b.log", w.conf, w.in, NULL), 0);
	ck_assert(zr_plugin_wait(&b, 15 * zr_scale()));
	ck_assert(zr_plugin_wait(&a, 5 * zr_scale()));
	char *blog = zr_plugin_log(&b);
	printf("successor: waited: %s; started: %s\n", strstr(blog, "ZRA0022W") ? "yes" : "no",
	       strstr(blog, "ZRA0023I") ? "yes" : "no");
	ck_assert_msg(strstr(blog, "ZRA0022W") && strstr(blog, "ZRA0023I"), "%s", blog);
	free(blog);
	ck_assert_int_eq(zr_plugin_exit_code(&a), 0);
	ck_assert_int_eq(zr_plugin_exit_code(&b), 0);
	expect_all(w.dir, "drain.conf", w.l, 2, "successor while the predecessor drains");
	zr_plugin_free(&a);
	zr_plugin_free(&b);
	pair_free(&w);
}
END_TEST

/* Two configurations with one spool_dir, both run by plugins.d entries:
 * --check and the start refuse, naming both files. */
START_TEST(test_two_configs_one_spool)
{
	char *dir = zr_tmpdir(), *pd = zr_path(dir, "plugins.d"), *spool = zr_path(dir, "shared");
	char extra[2048], entry[2048], cmd[8192];
	struct zr_plugin p;

	snprintf(extra, sizeof extra, "spool_dir = %s\n", spool);
	char *a = zr_config_write(dir, "a.conf", 1, extra);
	char *b = zr_config_write(dir, "b.conf", 1, extra);
	char *c = zr_config_write(dir, "c.conf", 1, extra); /* its entry is not active */
	ck_assert_int_eq(mkdir(pd, 0755), 0);
	const char *confs[] = {a, b, c};
	for (int i = 0; i < 3; i++) {
		snprintf(entry, sizeof entry,
		         "active = %s\ndirection = out\npath = /sbin/audispd-zos-remote\n"
		         "type = always\nargs = %s\nformat = string\n",
		         i < 2 ? "yes" : "no", confs[i]);
		snprintf(cmd, sizeof cmd, "%s/zr-%c.conf", pd, 'a' + i);
		ck_assert_int_eq(zr_write_file(cmd, entry, strlen(entry), 0640), 0);
	}
	char *out = zr_path(dir, "check.out");
	snprintf(cmd, sizeof cmd,
	         "%s%s/plugin/audispd-zos-remote --check --plugins-dir %s %s >%s 2>&1",
	         zr_emulator_prefix(), /* qemu-s390x under tests/run-s390x */
	         getenv("ZR_BUILDDIR") && *getenv("ZR_BUILDDIR") ? getenv("ZR_BUILDDIR") : BUILDDIR,
	         pd, a, out);
	int rc = system(cmd);
	char *text = zr_read_file(out, NULL);
	printf("--check: %s", text);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "--check exit %d: %s", rc, text);
	ck_assert_msg(strstr(text, a) && strstr(text, b) && strstr(text, "the same spool"), "%s",
	              text);
	ck_assert_msg(!strstr(text, c), "an inactive entry counted: %s", text);
	free(text);
	const char *args[] = {"--plugins-dir", pd, NULL};
	ck_assert(zr_plugin_run_file(&p, dir, b, "/dev/null", args, 10));
	ck_assert_int_eq(zr_plugin_exit_code(&p), 1);
	text = zr_plugin_log(&p);
	ck_assert_msg(strstr(text, "ZRA0025E") && strstr(text, a) && strstr(text, b), "%s", text);
	free(text);
	zr_plugin_free(&p);
	free(out);
	free(a);
	free(b);
	free(c);
	free(spool);
	free(pd);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stop");
	TCase *tc = tcase_create("prompt exit");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_stop, 0, N_STATES);
	suite_add_tcase(s, tc);
	tc = tcase_create("one spool, one process");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_two_at_once);
	tcase_add_test(tc, test_successor_waits);
	tcase_add_test(tc, test_two_configs_one_spool);
	suite_add_tcase(s, tc);
	return zr_run(s);
}
