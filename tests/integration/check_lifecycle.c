/* check_lifecycle.c - start, end of input, quiet periods, SIGTERM from the
 * parent and from others, SIGHUP reloads good and bad, config errors, two
 * instances side by side, and binary input framing. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <libaudit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "shared_logs.h"

struct env {
	char *dir;
	char *conf;
	struct zr_sim s;
	struct zr_plugin p;
};

static void show_log(const struct zr_plugin *p)
{
	char *log = zr_plugin_log(p);
	size_t n = strlen(log);

	fprintf(stderr, "--- plugin log (last 2500 bytes):\n%s\n", n > 2500 ? log + n - 2500 : log);
	free(log);
}

/* Simulator plus a plugin on a pipe, with extra config lines. */
static void env_start(struct env *e, const char *conf_extra)
{
	e->dir = zr_tmpdir();
	ck_assert_int_eq(zr_sim_start(&e->s, e->dir, 0, NULL), 0);
	e->conf = zr_config_write(e->dir, "zos-remote.conf", e->s.port, conf_extra);
	ck_assert_int_eq(zr_plugin_start(&e->p, e->dir, NULL, e->conf, NULL, NULL), 0);
}

static void env_free(struct env *e)
{
	zr_plugin_free(&e->p);
	zr_sim_free(&e->s);
	free(e->conf);
	free(e->dir);
}

static bool running(struct zr_plugin *p)
{
	return !zr_plugin_wait(p, 0);
}

/* Journal items whose event belongs to l (to check one phase of a run). */
static void journal_of(const struct zr_journal *all, const struct zr_log *l, struct zr_journal *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < all->n; i++) {
		char id[64];
		bool mine = false;
		if (!zr_item_event_id(all->line[i], id, sizeof id))
			continue;
		for (size_t r = 0; r < l->n && !mine; r++)
			mine = l->r[r].has_id && strcmp(l->r[r].id, id) == 0;
		if (!mine)
			continue;
		out->line = zr_xrealloc(out->line, (out->n + 1) * sizeof(json_t *));
		out->line[out->n++] = json_incref(all->line[i]);
	}
}

/* Check the items of log l in the journal at path: all there, once, right. */
static void expect_delivered(const char *path, const struct zr_log *l, bool serial_only,
                             const char *what)
{
	struct zr_journal all, mine;
	struct zr_verdict v;
	const struct zr_expect e = {
	        .major = 0, .check_content = true, .serial_only = serial_only, .per_part = true};

	ck_assert_int_eq(zr_journal_load(path, &all), 0);
	journal_of(&all, l, &mine);
	zr_verify(l, &mine, &e, what, &v);
	printf("%s: %zu records, %zu delivered, %zu duplicates, %zu problems\n", what, v.expected,
	       v.delivered, v.duplicates, v.problems);
	ck_assert_msg(v.delivered == v.expected && v.items == v.expected && v.problems == 0,
	              "%s: %zu of %zu delivered, %zu items, %zu problems", what, v.delivered,
	              v.expected, v.items, v.problems);
	zr_journal_free(&mine);
	zr_journal_free(&all);
}

/* End of a file of many events: everything delivered, prompt exit 0 (the
 * original plugin delivered none of 18 events when its input ended). */
START_TEST(test_eof)
{
	static const char *const files[] = {
	        "threathunters-io__laurel/shell-proc-trace-confusion.txt",
	        "elastic__go-libaudit/audit-rhel7.log",
	};

	for (size_t f = 0; f < 2; f++) {
		struct env e = {0};
		struct zr_log l;
		e.dir = zr_tmpdir();
		ck_assert_int_eq(zr_log_sample(files[f], NULL, &l), 0);
		ck_assert_int_eq(zr_sim_start(&e.s, e.dir, 0, NULL), 0);
		e.conf = zr_config_write(e.dir, "zos-remote.conf", e.s.port, NULL);
		char *in = zr_path(e.dir, "input.log");
		ck_assert_int_eq(zr_log_write(&l, in), 0);
		double t0 = zr_now();
		bool exited = zr_plugin_run_file(&e.p, e.dir, e.conf, in, NULL, 5);
		double took = zr_now() - t0;
		char *log = zr_plugin_log(&e.p);
		const char *ev = strstr(log, " events");
		long events = 0;
		while (ev && ev > log && ev[-1] >= '0' && ev[-1] <= '9')
			ev--;
		if (ev)
			events = atol(ev);
		printf("EOF of %s: %ld events (plugin's count), exit %d after %.2f s\n", files[f],
		       events, zr_plugin_exit_code(&e.p), took);
		free(log);
		if (!exited)
			show_log(&e.p);
		ck_assert_msg(exited, "still running 5 s after the end of its input file");
		ck_assert_int_eq(zr_plugin_exit_code(&e.p), 0);
		ck_assert_msg(events == 0 || events >= 18, "only %ld events", events);
		zr_sim_stop(&e.s, SIGTERM);
		expect_delivered(e.s.journal, &l, false, files[f]);
		free(in);
		zr_log_free(&l);
		env_free(&e);
	}
}
END_TEST

/* Seconds until the records of l are all in the journal (-1: not in 10 s). */
static double time_to_deliver(struct env *e, const struct zr_log *l)
{
	struct zr_verdict v;
	double t0 = zr_now();

	ck_assert_int_eq(zr_plugin_feed(&e->p, l->text, l->len), 0);
	if (!zr_wait_delivered(l, e->s.journal, 10, &v))
		return -1;
	return zr_now() - t0;
}

/* The last event before a quiet period: a complete one (EOE) and one
 * whose end never comes (no EOE, no PROCTITLE) must both arrive within
 * about a second or two while the input stays open. */
START_TEST(test_quiet_period)
{
	struct env e = {0};
	struct zr_log a, b, c;

	env_start(&e, NULL);
	const char *complete = "type=SYSCALL msg=audit(1700002000.100:71): arch=c000003e "
	                       "syscall=2 success=yes exit=3 items=1 pid=10 comm=\"cat\"\n"
	                       "type=CWD msg=audit(1700002000.100:71): cwd=\"/root\"\n"
	                       "type=PATH msg=audit(1700002000.100:71): item=0 "
	                       "name=\"/etc/hosts\" inode=5 nametype=NORMAL\n"
	                       "type=EOE msg=audit(1700002000.100:71): \n";
	const char *open_ended = "type=SYSCALL msg=audit(1700002001.200:72): arch=c000003e "
	                         "syscall=2 success=no exit=-13 items=1 pid=11 comm=\"cat\"\n"
	                         "type=PATH msg=audit(1700002001.200:72): item=0 "
	                         "name=\"/etc/shadow\" inode=6 nametype=NORMAL\n";
	ck_assert_int_eq(zr_log_sample("elastic__go-libaudit/test3.log", NULL, &c), 0);
	ck_assert_int_eq(zr_log_parse(complete, strlen(complete), &a), 0);
	ck_assert_int_eq(zr_log_parse(open_ended, strlen(open_ended), &b), 0);
	double tc0 = time_to_deliver(&e, &c);
	zr_sleep(1.5);
	double ta = time_to_deliver(&e, &a);
	zr_sleep(1.5);
	double tb = time_to_deliver(&e, &b);
	printf("quiet period: sample log in %.2f s, complete event in %.2f s, event without an "
	       "end in %.2f s\n",
	       tc0, ta, tb);
	if (ta < 0 || tb < 0 || ta > 2.5 || tb > 2.5)
		show_log(&e.p);
	ck_assert_msg(tc0 >= 0, "the sample log was not delivered in 10 s");
	ck_assert_msg(ta >= 0 && ta <= 2.5, "complete last event took %.2f s", ta);
	ck_assert_msg(tb >= 0 && tb <= 2.5, "last event without an end took %.2f s", tb);
	zr_plugin_close_input(&e.p);
	ck_assert(zr_plugin_wait(&e.p, 10 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&e.p), 0);
	zr_log_free(&a);
	zr_log_free(&b);
	zr_log_free(&c);
	env_free(&e);
}
END_TEST

/* SIGTERM from the parent (auditd; here the test) drains and exits 0,
 * including an event still waiting for its end. */
START_TEST(test_sigterm_parent)
{
	struct env e = {0};
	struct zr_log l;
	char *gen = zr_gen_records(200, 300, 1700003000);
	const char *open_ended = "type=SYSCALL msg=audit(1700003999.001:999): arch=c000003e "
	                         "syscall=2 success=yes exit=3 items=0 pid=12 comm=\"ls\"\n";
	char *all = NULL;

	ck_assert(asprintf(&all, "%s%s", gen, open_ended) > 0);
	ck_assert_int_eq(zr_log_parse(all, strlen(all), &l), 0);
	env_start(&e, "drain_timeout = 4\n");
	ck_assert_int_eq(zr_plugin_feed(&e.p, l.text, l.len), 0);
	zr_sleep(0.3);
	double t0 = zr_now();
	ck_assert_int_eq(kill(e.p.pid, SIGTERM), 0);
	bool exited = zr_plugin_wait(&e.p, 8 * zr_scale());
	printf("SIGTERM from the parent: exit %d after %.2f s\n", zr_plugin_exit_code(&e.p),
	       zr_now() - t0);
	if (!exited)
		show_log(&e.p);
	ck_assert_msg(exited, "still running 8 s after SIGTERM (drain_timeout 4)");
	ck_assert_int_eq(zr_plugin_exit_code(&e.p), 0);
	zr_sim_stop(&e.s, SIGTERM);
	expect_delivered(e.s.journal, &l, false, "SIGTERM from the parent");
	zr_log_free(&l);
	free(gen);
	free(all);
	env_free(&e);
}
END_TEST

/* SIGTERM from a process that is not the parent is logged and ignored. */
START_TEST(test_sigterm_foreign)
{
	struct env e = {0};
	struct zr_log l;
	char *gen = zr_gen_records(50, 400, 1700004000);

	ck_assert_int_eq(zr_log_parse(gen, strlen(gen), &l), 0);
	env_start(&e, NULL);
	zr_sleep(0.3);
	pid_t kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		kill(e.p.pid, SIGTERM);
		_exit(0); /* not exit(): the harness's exit hook would kill the plugin */
	}
	waitpid(kid, NULL, 0);
	bool logged = zr_plugin_wait_log(&e.p, "ignored", 5);
	zr_sleep(1.0);
	bool alive = running(&e.p);
	printf("SIGTERM from process %d: plugin %s, %s\n", (int)kid, alive ? "running" : "gone",
	       logged ? "logged" : "not logged");
	if (!alive || !logged)
		show_log(&e.p);
	ck_assert_msg(alive, "a SIGTERM from a non-parent stopped the plugin");
	ck_assert_msg(logged, "the ignored SIGTERM was not logged");
	ck_assert_int_eq(zr_plugin_feed(&e.p, l.text, l.len), 0);
	zr_plugin_close_input(&e.p);
	ck_assert(zr_plugin_wait(&e.p, 10 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&e.p), 0);
	zr_sim_stop(&e.s, SIGTERM);
	expect_delivered(e.s.journal, &l, false, "after a foreign SIGTERM");
	zr_log_free(&l);
	free(gen);
	env_free(&e);
}
END_TEST

/* Rewrite the config with extra (which sets link_value = serial), SIGHUP, feed b, end the
 * input; a (fed before) arrived with serial_time links, b with serial ones, all of both. */
static void reload_serial_then_finish(struct env *e, const char *extra, const struct zr_log *a,
                                      const struct zr_log *b)
{
	free(zr_config_write(e->dir, "zos-remote.conf", e->s.port, extra));
	ck_assert_int_eq(kill(e->p.pid, SIGHUP), 0);
	bool reloaded = zr_plugin_wait_log(&e->p, "ZRA0003I", 10);
	if (!reloaded)
		show_log(&e->p);
	ck_assert_msg(reloaded, "no reload message (ZRA0003I) within 10 s of SIGHUP");
	ck_assert_int_eq(zr_plugin_feed(&e->p, b->text, b->len), 0);
	zr_plugin_close_input(&e->p);
	ck_assert(zr_plugin_wait(&e->p, 10 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&e->p), 0);
	zr_sim_stop(&e->s, SIGTERM);
	expect_delivered(e->s.journal, a, false, "before SIGHUP (serial_time)");
	expect_delivered(e->s.journal, b, true, "after SIGHUP (link_value = serial)");
}

/* SIGHUP with link_value = serial: later events use it; nothing is lost. */
START_TEST(test_sighup_reload)
{
	struct env e = {0};
	struct zr_log a, b;
	struct zr_verdict v;
	char *gen_a = zr_gen_records(60, 500, 1700005000);
	char *gen_b = zr_gen_records(60, 600, 1700005100);

	ck_assert_int_eq(zr_log_parse(gen_a, strlen(gen_a), &a), 0);
	ck_assert_int_eq(zr_log_parse(gen_b, strlen(gen_b), &b), 0);
	env_start(&e, NULL);
	ck_assert_int_eq(zr_plugin_feed(&e.p, a.text, a.len), 0);
	ck_assert(zr_wait_delivered(&a, e.s.journal, 10, &v));
	reload_serial_then_finish(&e, "link_value = serial\n", &a, &b);
	zr_log_free(&a);
	zr_log_free(&b);
	free(gen_a);
	free(gen_b);
	env_free(&e);
}
END_TEST

/* Confinement: the running plugin, asked by the test hook to open /etc/shadow after start-up,
 * is refused (Landlock; EACCES), has NoNewPrivs, and still delivers and re-reads its
 * configuration on SIGHUP. With confine = no the same probe opens the file (the hook is no
 * fake). Where the kernel has no Landlock the plugin says so (ZRA0032W) and only NoNewPrivs
 * is checked. */
START_TEST(test_confined)
{
	struct env e = {0};
	struct zr_log a, b;
	struct zr_verdict v;
	bool confine = _i == 0;
	char *gen_a = zr_gen_records(30, 700, 1700006000);
	char *gen_b = zr_gen_records(30, 800, 1700006100);

	ck_assert_int_eq(zr_log_parse(gen_a, strlen(gen_a), &a), 0);
	ck_assert_int_eq(zr_log_parse(gen_b, strlen(gen_b), &b), 0);
	ck_assert_int_eq(setenv("ZOS_REMOTE_TEST_CONFINE_PROBE", "/etc/shadow", 1), 0);
	env_start(&e, confine ? NULL : "confine = no\n");
	unsetenv("ZOS_REMOTE_TEST_CONFINE_PROBE");
	ck_assert_int_eq(zr_plugin_feed(&e.p, a.text, a.len), 0);
	ck_assert(zr_wait_delivered(&a, e.s.journal, 10, &v));
	ck_assert(zr_plugin_wait_log(&e.p, "ZRA0033I", 10));
	char *log = zr_plugin_log(&e.p);
	bool landlock = strstr(log, "ZRA0031I confined: NoNewPrivs, Landlock") != NULL;
	if (confine && landlock)
		ck_assert_msg(strstr(log, "open(/etc/shadow) Permission denied"), "%s", log);
	else
		ck_assert_msg(strstr(log, "open(/etc/shadow) succeeded"), "%s", log);
	if (confine && !landlock) {
		ck_assert_msg(strstr(log, "ZRA0032W NoNewPrivs set; Landlock"), "%s", log);
		printf("confined: no Landlock on this kernel, NoNewPrivs only\n");
	}
	if (!confine)
		ck_assert_msg(strstr(log, "ZRA0032W not confined (confine = no)"), "%s", log);
	free(log);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)e.p.pid);
	char *st = zr_read_file(path, NULL);
	ck_assert_ptr_nonnull(st);
	ck_assert_msg(strstr(st, confine ? "NoNewPrivs:\t1" : "NoNewPrivs:\t0"), "%s", st);
	free(st);
	/* SIGHUP still re-reads the file (replaced, as an editor would). */
	reload_serial_then_finish(
	        &e, confine ? "link_value = serial\n" : "confine = no\nlink_value = serial\n", &a,
	        &b);
	zr_log_free(&a);
	zr_log_free(&b);
	free(gen_a);
	free(gen_b);
	env_free(&e);
}
END_TEST

/* The line number of the first line of text containing needle (1-based). */
static int line_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	int line = 1;

	ck_assert_ptr_nonnull(p);
	for (const char *c = text; c < p; c++)
		line += *c == '\n';
	return line;
}

/* SIGHUP with a broken file: errors logged with file:line, the old
 * configuration stays, delivery goes on. */
START_TEST(test_sighup_broken)
{
	struct env e = {0};
	struct zr_log a, b;
	struct zr_verdict v;
	char *gen_a = zr_gen_records(30, 700, 1700006000);
	char *gen_b = zr_gen_records(30, 800, 1700006100);
	char where[4200];

	ck_assert_int_eq(zr_log_parse(gen_a, strlen(gen_a), &a), 0);
	ck_assert_int_eq(zr_log_parse(gen_b, strlen(gen_b), &b), 0);
	env_start(&e, NULL);
	ck_assert_int_eq(zr_plugin_feed(&e.p, a.text, a.len), 0);
	ck_assert(zr_wait_delivered(&a, e.s.journal, 10, &v));
	free(zr_config_write(e.dir, "zos-remote.conf", e.s.port,
	                     "link_value = serial\ntimeout = 0\n"));
	char *text = zr_read_file(e.conf, NULL);
	snprintf(where, sizeof where, "%s:%d", e.conf, line_of(text, "timeout = 0"));
	free(text);
	ck_assert_int_eq(kill(e.p.pid, SIGHUP), 0);
	bool named = zr_plugin_wait_log(&e.p, where, 10);
	zr_sleep(0.5);
	printf("broken reload: %s %s, plugin %s\n", where, named ? "named" : "not named",
	       running(&e.p) ? "running" : "gone");
	if (!named)
		show_log(&e.p);
	ck_assert_msg(named, "no log line names %s", where);
	ck_assert_msg(running(&e.p), "the plugin stopped on a broken reload");
	ck_assert_int_eq(zr_plugin_feed(&e.p, b.text, b.len), 0);
	zr_plugin_close_input(&e.p);
	ck_assert(zr_plugin_wait(&e.p, 10 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&e.p), 0);
	zr_sim_stop(&e.s, SIGTERM);
	/* The old configuration (serial_time links) still applies. */
	expect_delivered(e.s.journal, &b, false, "after a broken reload");
	zr_log_free(&a);
	zr_log_free(&b);
	free(gen_a);
	free(gen_b);
	env_free(&e);
}
END_TEST

/* A bad file at start: non-zero exit naming file:line; --check agrees. */
START_TEST(test_bad_config)
{
	char *dir = zr_tmpdir(), where[4200];
	char *conf = zr_config_write(dir, "bad.conf", 1, "no_such_key = 1\n");
	char *empty = zr_path(dir, "empty");
	struct zr_plugin p, chk;
	const char *const check[] = {"--check", NULL};

	ck_assert_int_eq(zr_write_file(empty, "", 0, 0600), 0);
	char *text = zr_read_file(conf, NULL);
	snprintf(where, sizeof where, "%s:%d", conf, line_of(text, "no_such_key"));
	free(text);
	ck_assert(zr_plugin_run_file(&p, dir, conf, empty, NULL, 10));
	char *log = zr_plugin_log(&p);
	printf("bad config at start: exit %d, %s named: %s\n", zr_plugin_exit_code(&p), where,
	       strstr(log, where) ? "yes" : "no");
	ck_assert_int_ne(zr_plugin_exit_code(&p), 0);
	ck_assert_msg(strstr(log, where), "the error does not name %s:\n%s", where, log);
	free(log);
	zr_plugin_free(&p);
	ck_assert_int_eq(zr_plugin_start(&chk, dir, "check.log", conf, empty, check), 0);
	ck_assert(zr_plugin_wait(&chk, 10 * zr_scale()));
	log = zr_plugin_log(&chk);
	ck_assert_int_eq(zr_plugin_exit_code(&chk), 1);
	ck_assert_msg(strstr(log, where), "--check does not name %s:\n%s", where, log);
	free(log);
	zr_plugin_free(&chk);
	free(empty);
	free(conf);
	free(dir);
}
END_TEST

/* Two instances with their own config files log under their own idents. */
START_TEST(test_two_instances)
{
	char *dir = zr_tmpdir();
	struct zr_sim s;
	struct zr_plugin pa, pb;
	struct zr_log la, lb;
	char *ga = zr_gen_records(40, 1000, 1700007000);
	char *gb = zr_gen_records(40, 2000, 1700007000);

	ck_assert_int_eq(zr_log_parse(ga, strlen(ga), &la), 0);
	ck_assert_int_eq(zr_log_parse(gb, strlen(gb), &lb), 0);
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	char *ca = zr_config_write(dir, "sysa.conf", s.port, NULL);
	char *cb = zr_config_write(dir, "sysb.conf", s.port, "class = @ZRB\n");
	ck_assert_int_eq(zr_plugin_start(&pa, dir, "a.log", ca, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_start(&pb, dir, "b.log", cb, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&pa, la.text, la.len), 0);
	ck_assert_int_eq(zr_plugin_feed(&pb, lb.text, lb.len), 0);
	zr_plugin_close_input(&pa);
	zr_plugin_close_input(&pb);
	ck_assert(zr_plugin_wait(&pa, 10 * zr_scale()));
	ck_assert(zr_plugin_wait(&pb, 10 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&pa), 0);
	ck_assert_int_eq(zr_plugin_exit_code(&pb), 0);
	char *loga = zr_plugin_log(&pa), *logb = zr_plugin_log(&pb);
	const char *const ida[] = {"audispd-zos-remote/sysa[", NULL};
	const char *const idb[] = {"audispd-zos-remote/sysb[", NULL};
	size_t aa = zr_count_lines(loga, ida), ab = zr_count_lines(loga, idb);
	size_t ba = zr_count_lines(logb, ida), bb = zr_count_lines(logb, idb);
	printf("two instances: sysa log %zu/%zu lines as sysa/sysb, sysb log %zu/%zu\n", aa, ab, ba,
	       bb);
	ck_assert_msg(aa > 0 && ab == 0, "instance sysa does not log as audispd-zos-remote/sysa");
	ck_assert_msg(bb > 0 && ba == 0, "instance sysb does not log as audispd-zos-remote/sysb");
	zr_sim_stop(&s, SIGTERM);
	struct zr_journal j;
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	size_t cls_b = 0, items = zr_journal_count(&j, NULL);
	for (size_t i = 0; i < j.n; i++)
		cls_b += zr_is_item(j.line[i]) && strcmp(zr_jstr(j.line[i], "class"), "@ZRB") == 0;
	ck_assert_uint_eq(items, 80);
	ck_assert_uint_eq(cls_b, 40);
	zr_journal_free(&j);
	free(loga);
	free(logb);
	zr_plugin_free(&pa);
	zr_plugin_free(&pb);
	zr_sim_free(&s);
	zr_log_free(&la);
	zr_log_free(&lb);
	free(ga);
	free(gb);
	free(ca);
	free(cb);
	free(dir);
}
END_TEST

/* ---- binary input ---- */

/* The record's numeric type: libaudit's table or UNKNOWN[n]. */
static uint32_t type_number(const char *name)
{
	unsigned n;
	int t = audit_name_to_msg_type(name);

	if (t > 0)
		return (uint32_t)t;
	if (sscanf(name, "UNKNOWN[%u]", &n) == 1)
		return n;
	return 0;
}

/* Frames for every record of l: ver 0 (kernel text after "type=T msg="),
 * or ver 1 (the whole line); fixed 8970-byte payloads or exact sizes. */
static char *binary_frames(const struct zr_log *l, unsigned ver, bool fixed, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	static char pad[MAX_AUDIT_MESSAGE_LENGTH];

	for (size_t i = 0; i < l->n; i++) {
		const char *line = l->r[i].line, *payload = line;
		if (ver == AUDISP_PROTOCOL_VER) {
			payload = strstr(line, "msg=audit(");
			ck_assert_ptr_nonnull(payload);
			payload += 4;
		}
		struct audit_dispatcher_header h = {
		        .ver = ver,
		        .hlen = sizeof h,
		        .type = type_number(l->r[i].type),
		        .size = (uint32_t)strlen(payload),
		};
		ck_assert_msg(h.type != 0, "no type number for %s", l->r[i].type);
		ck_assert_uint_le(h.size, MAX_AUDIT_MESSAGE_LENGTH);
		fwrite(&h, sizeof h, 1, f);
		fwrite(payload, 1, h.size, f);
		if (fixed)
			fwrite(pad, 1, MAX_AUDIT_MESSAGE_LENGTH - h.size, f);
	}
	fclose(f);
	return out;
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A canonical text of every item (all fields the plugin decides), sorted. */
static char **item_texts(const char *journal, size_t *n)
{
	struct zr_journal j;
	char **v = NULL;

	*n = 0;
	ck_assert_int_eq(zr_journal_load(journal, &j), 0);
	for (size_t i = 0; i < j.n; i++) {
		json_t *o = j.line[i];
		if (!zr_is_item(o))
			continue;
		json_t *c = json_pack(
		        "{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?}", "kind",
		        json_object_get(o, "kind"), "link", json_object_get(o, "link"), "class",
		        json_object_get(o, "class"), "resource", json_object_get(o, "resource"),
		        "logstring", json_object_get(o, "logstring"), "event",
		        json_object_get(o, "event"), "qualifier", json_object_get(o, "qualifier"),
		        "violation", json_object_get(o, "violation"), "relocates",
		        json_object_get(o, "relocates"));
		v = zr_xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT);
		json_decref(c);
	}
	zr_journal_free(&j);
	if (*n > 1)
		qsort(v, *n, sizeof *v, strcmp_p);
	return v;
}

/* Run input (a file) through a fresh simulator; canonical items out. */
static char **run_input(const char *data, size_t len, const char *conf_extra,
                        const char *const *args, size_t *n)
{
	struct env e = {0};

	e.dir = zr_tmpdir();
	ck_assert_int_eq(zr_sim_start(&e.s, e.dir, 0, NULL), 0);
	e.conf = zr_config_write(e.dir, "zos-remote.conf", e.s.port, conf_extra);
	char *in = zr_path(e.dir, "input.bin");
	ck_assert_int_eq(zr_write_file(in, data, len, 0600), 0);
	bool exited = zr_plugin_run_file(&e.p, e.dir, e.conf, in, args, 15);
	if (!exited || zr_plugin_exit_code(&e.p) != 0)
		show_log(&e.p);
	ck_assert(exited);
	ck_assert_int_eq(zr_plugin_exit_code(&e.p), 0);
	zr_sim_stop(&e.s, SIGTERM);
	char **v = item_texts(e.s.journal, n);
	free(in);
	env_free(&e);
	return v;
}

START_TEST(test_binary)
{
	static const char *const names[] = {"ver 0 fixed", "ver 0 exact", "ver 1 fixed",
	                                    "ver 1 exact"};
	struct zr_log l;
	size_t ns, nb;
	const char *const fmt_arg[] = {"--format", "binary", NULL};

	/* Kernel text only (no enrichment, no node) so ver 0 can carry it. */
	ck_assert_int_eq(zr_log_sample("elastic__go-libaudit/test3.log", NULL, &l), 0);
	char **want = run_input(l.text, l.len, NULL, NULL, &ns);
	ck_assert_uint_eq(ns, zr_log_expected(&l));
	for (int variant = 0; variant < 4; variant++) {
		size_t len;
		unsigned ver = variant < 2 ? AUDISP_PROTOCOL_VER : AUDISP_PROTOCOL_VER2;
		char *bin = binary_frames(&l, ver, variant % 2 == 0, &len);
		/* Both ways of asking for binary input: the option and the key. */
		char **got = variant % 2 ? run_input(bin, len, NULL, fmt_arg, &nb)
		                         : run_input(bin, len, "format = binary\n", NULL, &nb);
		size_t same = 0;
		for (size_t i = 0; i < nb && i < ns; i++)
			same += strcmp(want[i], got[i]) == 0;
		printf("binary %s: %zu bytes, %zu items, %zu identical to string input (%zu)\n",
		       names[variant], len, nb, same, ns);
		for (size_t i = 0; i < nb && i < ns; i++) {
			if (strcmp(want[i], got[i]) != 0) {
				fprintf(stderr, "string: %.300s\nbinary: %.300s\n", want[i],
				        got[i]);
				break;
			}
		}
		ck_assert_msg(nb == ns && same == ns, "binary %s: %zu of %zu items as from string",
		              names[variant], same, ns);
		for (size_t i = 0; i < nb; i++)
			free(got[i]);
		free(got);
		free(bin);
	}
	for (size_t i = 0; i < ns; i++)
		free(want[i]);
	free(want);
	zr_log_free(&l);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("integration-lifecycle");

	tcase_add_test(zr_tcase(s, "eof", 60), test_eof);
	tcase_add_test(zr_tcase(s, "quiet-period", 60), test_quiet_period);
	tcase_add_test(zr_tcase(s, "sigterm-parent", 60), test_sigterm_parent);
	tcase_add_test(zr_tcase(s, "sigterm-foreign", 60), test_sigterm_foreign);
	tcase_add_test(zr_tcase(s, "sighup-reload", 60), test_sighup_reload);
	tcase_add_test(zr_tcase(s, "sighup-broken", 60), test_sighup_broken);
	tcase_add_loop_test(zr_tcase(s, "confined", 60), test_confined, 0, 2);
	tcase_add_test(zr_tcase(s, "bad-config", 60), test_bad_config);
	tcase_add_test(zr_tcase(s, "two-instances", 60), test_two_instances);
	tcase_add_test(zr_tcase(s, "binary", 90), test_binary);
	return s;
}

int main(void)
{
	ZR_NEED_SHARED_LOGS();
	return zr_run(lifecycle_suite());
}
