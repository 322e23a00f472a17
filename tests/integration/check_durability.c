/* check_durability.c - nothing read is lost: server outage, kill -9 and restart, full disk,
 * torn spool, permission errors, SIGHUP storm, EOF then SIGTERM; each test prints its figures. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* ---- input ---- */

/* n three-record events (SYSCALL, CWD, PATH, then EOE), serials from
 * first: several items per event, so order within an event is checked. */
static char *gen_events(size_t n, unsigned long first, long long sec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (size_t i = 0; i < n; i++) {
		char id[64];

		snprintf(id, sizeof(id), "%lld.%03zu:%lu", sec + (long long)(i / 1000), i % 1000,
		         (unsigned long)(first + i));
		fprintf(f,
		        "type=SYSCALL msg=audit(%s): arch=c000003e syscall=257 success=yes exit=3 "
		        "a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=%zu auid=1000 uid=0 gid=0 "
		        "euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=7 comm=\"cat\" "
		        "exe=\"/usr/bin/cat\" key=\"zr\"\n"
		        "type=CWD msg=audit(%s): cwd=\"/root\"\n"
		        "type=PATH msg=audit(%s): item=0 name=\"/etc/f%zu\" inode=1 dev=08:01 "
		        "mode=0100640 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 "
		        "cap_fe=0 cap_fver=0\n"
		        "type=EOE msg=audit(%s): \n",
		        id, 1000 + i, id, id, i, id);
	}
	fclose(f);
	return text;
}

/* ---- figures ---- */

struct figures {
	size_t in, delivered, set_aside, dropped, duplicated;
};

static void print_figures(const char *test, const struct figures *f)
{
	printf("FIGURES %-28s records in %zu, delivered %zu, set aside %zu, dropped %zu, "
	       "duplicated %zu\n",
	       test, f->in, f->delivered, f->set_aside, f->dropped, f->duplicated);
	fflush(stdout);
}

/* The number just before phrase on the last line of log with id. */
static unsigned long long figure(const char *log, const char *id, const char *phrase)
{
	const char *line = NULL, *p = log, *q;

	while ((p = strstr(p, id)) != NULL)
		line = p++;
	if (!line || !(q = strstr(line, phrase)))
		return 0;
	while (q > line && q[-1] == ' ')
		q--;
	while (q > line && q[-1] >= '0' && q[-1] <= '9')
		q--;
	return strtoull(q, NULL, 10);
}

/* Sum of a figure over the given plugin runs' logs. */
static size_t sum_figure(struct zr_plugin *const *runs, size_t n, const char *id,
                         const char *phrase)
{
	size_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		char *log = zr_plugin_log(runs[i]);

		sum += (size_t)figure(log, id, phrase);
		free(log);
	}
	return sum;
}

/* The figures of a test from its verdict and its plugin runs' exit
 * summaries (ZRA0018I), printed. */
static void figures_of(const char *test, const struct zr_verdict *v, struct zr_plugin *const *runs,
                       size_t nruns, struct figures *f)
{
	f->in = v->expected;
	f->delivered = v->delivered;
	f->duplicated = v->duplicates;
	f->set_aside = sum_figure(runs, nruns, "ZRA0018I", "items set aside");
	f->dropped = sum_figure(runs, nruns, "ZRA0018I", "items dropped (keep_oldest)");
	print_figures(test, f);
}

static void show_log(const struct zr_plugin *p)
{
	char *log = zr_plugin_log(p);
	size_t n = strlen(log);

	fprintf(stderr, "--- plugin log (last 3000 bytes):\n%s\n", n > 3000 ? log + n - 3000 : log);
	free(log);
}

/* Record keys (event id, type) sorted, for matching 100,000 items in
 * n log n (the harness's zr_verify compares every item with every record). */
struct rkey {
	const char *id, *type;
	size_t rec;
};

static int rkey_cmp(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (!c)
		c = strcmp(x->type, y->type);
	return c ? c : (x->rec > y->rec) - (x->rec < y->rec);
}

/* Only the records the server wrote (kind smf) count as delivered: items
 * it answered with an error do not. Counts first arrivals, duplicates,
 * unmatched items, and, as problems, an event whose records were first
 * written out of their order in the input. */
static void verify_written(const struct zr_log *l, const char *journal, struct zr_verdict *v)
{
	struct zr_journal j;
	struct rkey *keys = calloc(l->n + 1, sizeof(*keys));
	size_t *pos = calloc(l->n + 1, sizeof(*pos)), nk = 0;

	memset(v, 0, sizeof(*v));
	v->expected = zr_log_expected(l);
	for (size_t r = 0; r < l->n; r++)
		if (l->r[r].has_id && !l->r[r].eoe)
			keys[nk++] = (struct rkey){l->r[r].id, l->r[r].type, r};
	qsort(keys, nk, sizeof(*keys), rkey_cmp);
	ck_assert_int_eq(zr_journal_load(journal, &j), 0);
	for (size_t i = 0; i < j.n; i++) {
		char id[64];
		struct rkey k = {id, zr_jstr(j.line[i], "resource"), 0};

		if (strcmp(zr_jstr(j.line[i], "kind"), "smf") != 0)
			continue;
		v->items++;
		if (!zr_item_event_id(j.line[i], id, sizeof(id))) {
			v->unmatched++;
			continue;
		}
		/* the first key of (id, type), then the first one not yet hit */
		size_t lo = 0, hi = nk;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (rkey_cmp(&keys[mid], &k) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t m = lo;

		while (m < nk && !strcmp(keys[m].id, id) && !strcmp(keys[m].type, k.type) &&
		       pos[keys[m].rec])
			m++;
		if (lo >= nk || strcmp(keys[lo].id, id) || strcmp(keys[lo].type, k.type)) {
			v->unmatched++;
		} else if (m < nk && !strcmp(keys[m].id, id) && !strcmp(keys[m].type, k.type)) {
			pos[keys[m].rec] = i + 1;
			v->delivered++;
		} else {
			v->duplicates++;
		}
	}
	/* Order within each event: its records first arrived in input order. */
	for (size_t r = 1; r < l->n; r++)
		if (pos[r] && pos[r - 1] && l->r[r].has_id && !l->r[r].eoe &&
		    !strcmp(l->r[r].id, l->r[r - 1].id) && pos[r] < pos[r - 1])
			v->problems++;
	zr_journal_free(&j);
	free(keys);
	free(pos);
}

/* Records the server wrote so far, counted on the raw text: parsing a
 * journal of 100,000 lines every poll would cost more than the plugin. */
static size_t count_written(const char *journal)
{
	char *text = zr_read_file(journal, NULL);
	size_t n = text ? zr_count(text, "\"kind\":\"smf\"") : 0;

	free(text);
	return n;
}

/* Wait until the server wrote every record of l (counted cheaply first,
 * then verified). */
static bool wait_written(const struct zr_log *l, const char *journal, double timeout,
                         struct zr_verdict *v)
{
	double end = zr_now() + timeout * zr_scale();
	size_t want = zr_log_expected(l);

	for (;;) {
		if (count_written(journal) >= want) {
			verify_written(l, journal, v);
			if (v->delivered >= v->expected)
				return true;
		}
		if (zr_now() >= end) {
			verify_written(l, journal, v);
			return v->delivered >= v->expected;
		}
		zr_sleep(0.5);
	}
}

/* Feed text in k pieces (cut at line ends), one every gap seconds. */
static void feed_spread(struct zr_plugin *p, const char *text, size_t k, double gap)
{
	size_t len = strlen(text), pos = 0;

	for (size_t i = 1; i <= k && pos < len; i++) {
		size_t end = i == k ? len : len * i / k;

		while (end < len && text[end - 1] != '\n')
			end++;
		ck_assert_int_eq(zr_plugin_feed(p, text + pos, end - pos), 0);
		pos = end;
		if (gap > 0 && i < k)
			zr_sleep(gap);
	}
}

/* ---- outage ---- */

static double outage_seconds(void)
{
	const char *e = getenv("ZR_OUTAGE_SECONDS");

	return e && atof(e) > 0 ? atof(e) : 60.0;
}

static size_t outage_events(void)
{
	const char *e = getenv("ZR_OUTAGE_EVENTS");

	return e && atoi(e) > 0 ? (size_t)atoi(e) : 16667;
}

START_TEST(outage_of_the_server_loses_nothing)
{
	char *dir = zr_tmpdir(), *first, *second, *all, *conf;
	struct zr_sim s;
	struct zr_plugin p, *runs[] = {&p};
	struct zr_log l;
	struct zr_verdict v = {0};
	struct figures f = {0};
	double outage = outage_seconds(), t0, back;
	int port;

	/* 33,334 events of 3 records: 100,002 records (ZR_OUTAGE_EVENTS, the
	 * events per half, makes it smaller where the checking itself is slow:
	 * the sanitizer run). */
	size_t half = outage_events();
	first = gen_events(half, 1, 1700100000);
	second = gen_events(half, half + 1, 1700200000);
	ck_assert_int_ge(asprintf(&all, "%s%s", first, second), 0);
	ck_assert_int_eq(zr_log_parse(all, strlen(all), &l), 0);
	ck_assert_uint_ge(zr_log_expected(&l), half * 6);
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	port = s.port;
	conf = zr_config_write(dir, "outage.conf", port, "timeout = 2\ndrain_timeout = 10\n");
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	feed_spread(&p, first, 10, 0.1);
	for (double until = zr_now() + 10 * zr_scale(); zr_now() < until;)
		if (count_written(s.journal) >= 1000)
			break;
		else
			zr_sleep(0.1);
	/* The server goes away in the middle of the stream... */
	zr_sim_stop(&s, SIGTERM); /* flushes its journal: it is appended to after the restart */
	zr_sim_free(&s);
	t0 = zr_now();
	/* ...while auditd keeps sending. */
	feed_spread(&p, second, 20, (outage - 10) / 20);
	while (zr_now() < t0 + outage)
		zr_sleep(0.2);
	ck_assert_int_eq(zr_sim_start(&s, dir, port, NULL), 0);
	back = zr_now();
	bool ok = wait_written(&l, s.journal, 120, &v);

	printf("outage: %.0f s, everything written %.1f s after the server came back\n", outage,
	       zr_now() - back);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 30));
	figures_of("outage", &v, runs, 1, &f);
	if (!ok || v.problems || v.unmatched)
		show_log(&p);
	ck_assert_msg(ok, "%zu of %zu records written after the outage", v.delivered, v.expected);
	ck_assert_uint_eq(v.problems, 0); /* includes the order within each event */
	ck_assert_uint_eq(v.unmatched, 0);
	ck_assert_uint_eq(f.dropped + f.set_aside, 0);
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	zr_plugin_free(&p);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	zr_log_free(&l);
	free(first);
	free(second);
	free(all);
	free(conf);
	free(dir);
}
END_TEST

/* ---- kill -9 ---- */

START_TEST(kill_9_then_restart_delivers_everything_read)
{
	char *dir = zr_tmpdir(), *text, *conf;
	const char *const slow[] = {"--latency-ms", "50", NULL};
	struct zr_sim s;
	struct zr_plugin p1, p2, *runs[] = {&p1, &p2};
	struct zr_log l;
	struct zr_verdict v = {0};
	struct figures f = {0};
	size_t at_kill;

	text = gen_events(1000, 1, 1700300000);
	ck_assert_int_eq(zr_log_parse(text, strlen(text), &l), 0);
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, slow), 0);
	conf = zr_config_write(dir, "kill.conf", s.port,
	                       "spool_sync = record\nwindow = 1\nbatch_items = 20\nq_depth = 64\n"
	                       "drain_timeout = 10\n");
	ck_assert_int_eq(zr_plugin_start(&p1, dir, "run1.log", conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&p1, text, strlen(text)), 0);
	zr_plugin_wait_read(&p1);
	/* Mid-stream: the server has part of it, the rest is in flight or spooled. */
	at_kill = zr_journal_wait_items(s.journal, 200, 20);
	kill(p1.pid, SIGKILL);
	ck_assert(zr_plugin_wait(&p1, 5));
	ck_assert_int_eq(zr_plugin_exit_code(&p1), -1 - SIGKILL);
	ck_assert_uint_lt(at_kill, zr_log_expected(&l));
	/* auditd restarts it with the same configuration. */
	ck_assert_int_eq(zr_plugin_start(&p2, dir, "run2.log", conf, NULL, NULL), 0);
	bool ok = wait_written(&l, s.journal, 60, &v);

	zr_plugin_close_input(&p2);
	ck_assert(zr_plugin_wait(&p2, 30));
	figures_of("kill -9 + restart", &v, runs, 2, &f);
	printf("kill -9: %zu items in the journal at the kill; recovered at restart: %llu events; "
	       "resent items are the duplicates above (at least once)\n",
	       at_kill, (unsigned long long)sum_figure(runs + 1, 1, "ZRA0014I", "events ("));
	if (!ok)
		show_log(&p2);
	ck_assert_msg(ok, "%zu of %zu records written after kill -9 and restart", v.delivered,
	              v.expected);
	ck_assert_uint_eq(v.unmatched, 0);
	ck_assert_uint_eq(f.dropped + f.set_aside, 0);
	zr_plugin_free(&p1);
	zr_plugin_free(&p2);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	zr_log_free(&l);
	free(text);
	free(conf);
	free(dir);
}
END_TEST

/* ---- kill -9 while events are still incomplete ---- */

/* gen_events without the EOE records: libauparse keeps every such event
 * until its end-of-event timeout, so none of them is spooled yet. */
static char *gen_unfinished(size_t n, unsigned long first, long long sec)
{
	char *text = gen_events(n, first, sec), *o = text;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (strncmp(p, "type=EOE ", 9) != 0) {
			memmove(o, p, len);
			o += len;
		}
		p += len;
	}
	*o = '\0';
	return text;
}

/* A user-space message (the assembler holds those up to a second). */
static char *gen_user_events(size_t n, unsigned long first, long long sec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (size_t i = 0; i < n; i++)
		fprintf(f,
		        "type=USER_LOGIN msg=audit(%lld.%03zu:%lu): pid=%zu uid=0 auid=1000 ses=3 "
		        "msg='op=login acct=\"u%zu\" exe=\"/usr/sbin/sshd\" hostname=? addr=? "
		        "terminal=ssh res=success'\n",
		        sec, i % 1000, first + i, 100 + i, i);
	fclose(f);
	return text;
}

START_TEST(kill_9_with_incomplete_events_loses_nothing_read)
{
	char *dir = zr_tmpdir(), *whole, *unfinished, *future, *user, *all, *conf, *spool, *ls;
	struct zr_sim s;
	struct zr_plugin p1, p2, *runs[] = {&p1, &p2};
	struct zr_log l;
	struct zr_verdict v = {0};
	struct figures f = {0};
	size_t at_kill;
	int left = 1;
	double end;

	/* Whole events, then events whose last record has not come yet (dated
	 * now: they would age out in a second), user messages (the assembler
	 * holds them up to a second), and events dated an hour ahead, which
	 * never age: libauparse keeps at least the last of them until it is
	 * flushed. Which of the others are still in memory at the kill depends
	 * on where the plugin's one-second tick falls. */
	whole = gen_events(300, 1, 1700600000);
	unfinished = gen_unfinished(40, 1001, (long long)time(NULL));
	future = gen_unfinished(20, 2001, (long long)time(NULL) + 3600);
	user = gen_user_events(10, 3001, (long long)time(NULL));
	ck_assert_int_ge(asprintf(&all, "%s%s%s%s", whole, unfinished, user, future), 0);
	ck_assert_int_eq(zr_log_parse(all, strlen(all), &l), 0);
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	conf = zr_config_write(dir, "kill-mid.conf", s.port, "spool_sync = record\n");
	spool = zr_path(dir, "spool-kill-mid.conf");
	ck_assert_int_eq(zr_plugin_start(&p1, dir, "run1.log", conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&p1, all, strlen(all)), 0);
	/* Read, not yet settled: the pipe is empty, well within one tick. */
	end = zr_now() + 10 * zr_scale();
	while (zr_now() < end && ioctl(p1.in, FIONREAD, &left) == 0 && left > 0)
		zr_sleep(0.01);
	ck_assert_int_eq(left, 0);
	zr_sleep(0.2);
	kill(p1.pid, SIGKILL);
	ck_assert(zr_plugin_wait(&p1, 5));
	at_kill = count_written(s.journal);
	/* auditd restarts it with the same configuration. */
	ck_assert_int_eq(zr_plugin_start(&p2, dir, "run2.log", conf, NULL, NULL), 0);
	bool ok = wait_written(&l, s.journal, 30, &v);

	zr_plugin_close_input(&p2);
	ck_assert(zr_plugin_wait(&p2, 30));
	ck_assert_int_eq(zr_plugin_exit_code(&p2), 0);
	verify_written(&l, s.journal, &v);
	figures_of("kill -9 mid-event + restart", &v, runs, 2, &f);
	printf("kill -9 mid-event: %zu records written at the kill; the restart replayed %llu "
	       "records from the intake log\n",
	       at_kill, (unsigned long long)sum_figure(runs + 1, 1, "ZRA0515I", "records ("));
	if (!ok)
		show_log(&p2);
	/* The scenario held: records were still in memory only at the kill
	 * (at least the last future event's three). */
	ck_assert_uint_ge(sum_figure(runs + 1, 1, "ZRA0515I", "records ("), 3);
	ck_assert_uint_lt(at_kill, zr_log_expected(&l));
	ck_assert_msg(ok, "%zu of %zu records written after kill -9 mid-event and restart",
	              v.delivered, v.expected);
	ck_assert_uint_eq(v.unmatched, 0);
	ck_assert_uint_eq(v.problems, 0);
	ck_assert_uint_eq(f.dropped + f.set_aside, 0);
	/* A clean exit leaves no intake file behind. */
	ck_assert_int_ge(asprintf(&ls, "ls %s | grep -c '\\.in$' | grep -qx 0", spool), 0);
	ck_assert_int_eq(system(ls), 0);
	zr_plugin_free(&p1);
	zr_plugin_free(&p2);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	zr_log_free(&l);
	free(whole);
	free(unfinished);
	free(future);
	free(user);
	free(all);
	free(conf);
	free(spool);
	free(ls);
	free(dir);
}
END_TEST

/* ---- stopped while reading is suspended (spool full) ---- */

/* A child that writes text into fd one event (4 lines) per write(), so
 * it blocks, not the test, when the plugin stops reading. */
static pid_t feed_in_child(int fd, const char *text)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	for (const char *p = text; *p;) {
		const char *e = p;

		for (int lines = 0; *e && lines < 4; lines++)
			e = strchr(e, '\n') ? strchr(e, '\n') + 1 : e + strlen(e);
		if (write(fd, p, (size_t)(e - p)) != e - p)
			_exit(1);
		p = e;
	}
	_exit(0);
}

/* The first n lines of text, as a new string. */
static char *first_lines(const char *text, size_t n)
{
	const char *e = text;

	for (size_t i = 0; i < n && *e; i++)
		e = strchr(e, '\n') ? strchr(e, '\n') + 1 : e + strlen(e);
	return strndup(text, (size_t)(e - text));
}

START_TEST(sigterm_while_suspended_keeps_the_records_read)
{
	char *dir = zr_tmpdir(), *text, *read_text, *conf, *log;
	struct zr_sim s;
	struct zr_plugin p1, p2, *runs[] = {&p1, &p2};
	struct zr_log l;
	struct zr_verdict v = {0};
	struct figures f = {0};
	size_t nread;
	pid_t writer;
	int port;

	/* ~2.4 MB of events against a 1 MiB spool, the server away. */
	text = gen_events(3000, 1, 1700700000);
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	port = s.port;
	zr_sim_stop(&s, SIGTERM);
	zr_sim_free(&s);
	conf = zr_config_write(dir, "suspend.conf", port,
	                       "spool_max_size = 1\nspool_full_action = suspend\nq_depth = 64\n"
	                       "timeout = 2\n");
	ck_assert_int_eq(zr_plugin_start(&p1, dir, "run1.log", conf, NULL, NULL), 0);
	writer = feed_in_child(p1.in, text);
	bool suspended = zr_plugin_wait_log(&p1, "ZRA0504W", 30);

	if (!suspended)
		show_log(&p1);
	ck_assert_msg(suspended, "the spool never filled");
	zr_sleep(0.5);
	/* auditd stops it (SIGTERM from the parent) while events wait for room. */
	kill(p1.pid, SIGTERM);
	ck_assert(zr_plugin_wait(&p1, 30));
	ck_assert_int_eq(zr_plugin_exit_code(&p1), 0);
	kill(writer, SIGKILL);
	waitpid(writer, NULL, 0);
	log = zr_plugin_log(&p1);
	nread = (size_t)figure(log, "ZRA0002I", "records read");
	if (!strstr(log, "stay in the intake log"))
		show_log(&p1);
	ck_assert_msg(strstr(log, "stay in the intake log"), "no ZRA0017W keeping the records");
	free(log);
	ck_assert_uint_gt(nread, 0);
	ck_assert_uint_lt(nread, 4 * 3000); /* it stopped reading part way */
	read_text = first_lines(text, nread);
	ck_assert_int_eq(zr_log_parse(read_text, strlen(read_text), &l), 0);
	/* The server is back; auditd starts the plugin again. */
	ck_assert_int_eq(zr_sim_start(&s, dir, port, NULL), 0);
	ck_assert_int_eq(zr_plugin_start(&p2, dir, "run2.log", conf, NULL, NULL), 0);
	bool ok = wait_written(&l, s.journal, 60, &v);

	zr_plugin_close_input(&p2);
	ck_assert(zr_plugin_wait(&p2, 30));
	verify_written(&l, s.journal, &v);
	figures_of("SIGTERM while suspended", &v, runs, 2, &f);
	printf("SIGTERM while suspended: %zu lines read before the stop; the restart replayed "
	       "%llu records from the intake log\n",
	       nread, (unsigned long long)sum_figure(runs + 1, 1, "ZRA0515I", "records ("));
	if (!ok)
		show_log(&p2);
	ck_assert_uint_gt(sum_figure(runs + 1, 1, "ZRA0515I", "records ("), 0);
	ck_assert_msg(ok, "%zu of %zu records read before the stop were written", v.delivered,
	              v.expected);
	ck_assert_uint_eq(v.unmatched, 0);
	ck_assert_uint_eq(f.dropped + f.set_aside, 0);
	/* Nothing was sent before the stop, and only the events still waiting
	 * for room are replayed: none of the spooled ones a second time. */
	ck_assert_uint_eq(v.duplicates, 0);
	zr_plugin_free(&p1);
	zr_plugin_free(&p2);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	zr_log_free(&l);
	free(text);
	free(read_text);
	free(conf);
	free(dir);
}
END_TEST

/* ---- disk full ---- */

static char fs_dir[256]; /* a tmpfs of 1 MiB, mounted by the parent (fixture) */

static void mount_small_fs(void)
{
	snprintf(fs_dir, sizeof(fs_dir), "/tmp/zr-durability-fs.XXXXXX");
	if (!mkdtemp(fs_dir) ||
	    mount("zr-spool", fs_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") != 0) {
		perror("mount tmpfs");
		fs_dir[0] = '\0';
	}
}

static void umount_small_fs(void)
{
	if (!fs_dir[0])
		return;
	if (umount2(fs_dir, MNT_DETACH) != 0)
		perror("umount tmpfs");
	rmdir(fs_dir);
	fs_dir[0] = '\0';
}

START_TEST(disk_full_keeps_oldest_counts_exactly_and_resumes)
{
	char *dir = zr_tmpdir(), *text, *later, *all, *conf, extra[512];
	struct zr_sim s;
	struct zr_plugin p, *runs[] = {&p};
	struct zr_log l;
	struct zr_verdict v = {0};
	struct figures f = {0};
	const size_t n1 = 2500, n2 = 300; /* events of 3 records */
	int port;

	ck_assert_msg(fs_dir[0], "the tmpfs was not mounted");
	text = gen_events(n1, 1, 1700400000);
	later = gen_events(n2, n1 + 1, 1700500000);
	ck_assert_int_ge(asprintf(&all, "%s%s", text, later), 0);
	ck_assert_int_eq(zr_log_parse(all, strlen(all), &l), 0);
	/* The server is away: everything must wait in the spool. */
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	port = s.port;
	zr_sim_stop(&s, SIGTERM); /* flushes its journal: it is appended to after the restart */
	zr_sim_free(&s);
	snprintf(extra, sizeof(extra),
	         "spool_dir = %s/spool\nspool_max_size = 1024\nspool_full_action = keep_oldest\n"
	         "timeout = 2\n",
	         fs_dir);
	conf = zr_config_write(dir, "full.conf", port, extra);
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	feed_spread(&p, text, 10, 0.05);
	zr_plugin_wait_read(&p);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0502W", 5));
	/* Space returns as the server comes back and settles the spool. */
	ck_assert_int_eq(zr_sim_start(&s, dir, port, NULL), 0);
	zr_journal_wait_items(s.journal, 1, 30);
	zr_sleep(2);
	ck_assert_int_eq(zr_plugin_feed(&p, later, strlen(later)), 0);
	zr_sleep(2);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 30));
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	verify_written(&l, s.journal, &v);
	figures_of("disk full, keep_oldest", &v, runs, 1, &f);
	if (f.delivered + f.dropped != f.in)
		show_log(&p);
	ck_assert_uint_gt(f.dropped, 0);
	/* Exact: every record was either written or counted as dropped. */
	ck_assert_uint_eq(f.delivered + f.dropped, f.in);
	/* keep_oldest kept a prefix of the first part; the later part, sent
	 * after space came back, arrived whole. */
	{
		struct zr_log tail;
		struct zr_verdict tv = {0};

		ck_assert_int_eq(zr_log_parse(later, strlen(later), &tail), 0);
		verify_written(&tail, s.journal, &tv);
		ck_assert_uint_eq(tv.delivered, tv.expected);
		zr_log_free(&tail);
	}
	zr_plugin_free(&p);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	zr_log_free(&l);
	free(text);
	free(later);
	free(all);
	free(conf);
	free(dir);
}
END_TEST

/* ---- torn spool ---- */

/* The newest segment file of spool directory d; caller frees. */
static char *newest_segment(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *de;
	char *best = NULL;

	ck_assert_ptr_nonnull(dh);
	while ((de = readdir(dh)) != NULL)
		if (strstr(de->d_name, ".seg") && (!best || strcmp(de->d_name, best) > 0)) {
			free(best);
			best = strdup(de->d_name);
		}
	closedir(dh);
	ck_assert_ptr_nonnull(best);
	char *path = zr_path(d, best);

	free(best);
	return path;
}

START_TEST(torn_spool_tail_delivers_what_precedes_it)
{
	char *dir = zr_tmpdir(), *text, *conf, *input, *seg, *spool, *log;
	struct zr_sim s;
	struct zr_plugin p1, p2, *runs[] = {&p1, &p2};
	struct zr_log l, head;
	struct zr_verdict v = {0};
	struct figures f = {0};
	struct stat st;
	int port;

	text = zr_gen_records(1000, 1, 1700600000);
	ck_assert_int_eq(zr_log_parse(text, strlen(text), &l), 0);
	input = zr_path(dir, "input.txt");
	ck_assert_int_eq(zr_write_file(input, text, strlen(text), 0600), 0);
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	port = s.port;
	zr_sim_stop(&s, SIGTERM); /* flushes its journal: it is appended to after the restart */
	zr_sim_free(&s);
	conf = zr_config_write(dir, "torn.conf", port, "drain_timeout = 1\ntimeout = 1\n");
	/* Run 1: no server; everything stays in the spool. */
	ck_assert(zr_plugin_run_file(&p1, dir, conf, input, NULL, 20));
	spool = zr_path(dir, "spool-torn.conf");
	seg = newest_segment(spool);
	ck_assert_int_eq(stat(seg, &st), 0);
	/* A crash in the middle of writing the last record. */
	ck_assert_int_eq(truncate(seg, st.st_size - 10), 0);
	ck_assert_int_eq(zr_sim_start(&s, dir, port, NULL), 0);
	free(conf);
	conf = zr_config_write(dir, "torn.conf", port, "drain_timeout = 10\n");
	ck_assert_int_eq(zr_plugin_start(&p2, dir, "run2.log", conf, NULL, NULL), 0);
	/* Records 1..999 precede the damage. */
	char *first999 = zr_gen_records(999, 1, 1700600000);

	ck_assert_int_eq(zr_log_parse(first999, strlen(first999), &head), 0);
	bool ok = wait_written(&head, s.journal, 30, &v);

	zr_plugin_close_input(&p2);
	ck_assert(zr_plugin_wait(&p2, 30));
	log = zr_plugin_log(&p2);
	f.in = zr_log_expected(&l);
	f.delivered = v.delivered;
	f.duplicated = v.duplicates;
	f.set_aside = sum_figure(runs, 2, "ZRA0018I", "items set aside");
	f.dropped = f.in - v.delivered; /* the torn record */
	print_figures("torn spool tail", &f);
	printf("torn tail: %llu damaged bytes reported (of the last record), %zu of 999 records "
	       "before the damage written\n",
	       figure(log, "ZRA0016W", "bytes in all"), v.delivered);
	if (!ok)
		show_log(&p2);
	ck_assert(ok);
	ck_assert_ptr_nonnull(strstr(log, "ZRA0016W"));
	ck_assert_ptr_nonnull(strstr(log, seg + strlen(spool) + 1)); /* names the segment */
	ck_assert_uint_gt(figure(log, "ZRA0016W", "bytes in all"), 0);
	/* The torn record itself is not written. */
	verify_written(&l, s.journal, &v);
	ck_assert_uint_eq(v.delivered, 999);
	zr_plugin_free(&p1);
	zr_plugin_free(&p2);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	zr_log_free(&l);
	zr_log_free(&head);
	free(log);
	free(first999);
	free(seg);
	free(spool);
	free(input);
	free(text);
	free(conf);
	free(dir);
}
END_TEST

/* ---- permission errors ---- */

START_TEST(permission_errors_then_fixed_lose_nothing)
{
	char *dir = zr_tmpdir(), *a, *b, *all, *conf, *users, usersarg[300];
	const char *const no_user_perm[] = {"--users", usersarg, NULL};
	const char *const no_server_perm[] = {"--no-rauditx", NULL};
	struct zr_sim s;
	struct zr_plugin p, *runs[] = {&p};
	struct zr_log l;
	struct zr_verdict v = {0};
	struct figures f = {0};
	struct zr_journal j;
	size_t refused24 = 0, refused8 = 0;
	int port;

	a = gen_events(300, 1, 1700700000);
	b = gen_events(300, 301, 1700800000);
	ck_assert_int_ge(asprintf(&all, "%s%s", a, b), 0);
	ck_assert_int_eq(zr_log_parse(all, strlen(all), &l), 0);
	users = zr_path(dir, "users");
	ck_assert_int_eq(zr_write_file(users, "ZOSAUDIT zossecret\n", 19, 0600), 0);
	snprintf(usersarg, sizeof(usersarg), "%s", users);
	/* Phase 1: the bind user lacks IRR.LDAP.REMOTE.AUDIT: 24 for every item. */
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, no_user_perm), 0);
	port = s.port;
	conf = zr_config_write(dir, "perm.conf", port, "timeout = 2\n");
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&p, a, strlen(a)), 0);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0407E", 10));
	zr_sleep(4);
	/* The administrator PERMITs; the server comes back with it. */
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	ck_assert_int_eq(zr_sim_start(&s, dir, port, NULL), 0);
	zr_sleep(3);
	/* Phase 2: the server's own user lacks IRR.RAUDITX: 8 for every item. */
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	ck_assert_int_eq(zr_sim_start(&s, dir, port, no_server_perm), 0);
	ck_assert_int_eq(zr_plugin_feed(&p, b, strlen(b)), 0);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0406E", 10));
	zr_sleep(4);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	ck_assert_int_eq(zr_sim_start(&s, dir, port, NULL), 0);
	bool ok = wait_written(&l, s.journal, 60, &v);

	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 30));
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	for (size_t i = 0; i < j.n; i++) {
		refused24 += zr_jint(j.line[i], "major") == 24;
		refused8 += zr_jint(j.line[i], "major") == 8;
	}
	zr_journal_free(&j);
	figures_of("permission errors 24 then 8", &v, runs, 1, &f);
	printf("permissions: %zu item answers with 24 and %zu with 8 while unfixed, none lost\n",
	       refused24, refused8);
	if (!ok)
		show_log(&p);
	ck_assert(ok);
	ck_assert_uint_gt(refused24, 0);
	ck_assert_uint_gt(refused8, 0);
	ck_assert_uint_eq(f.set_aside + f.dropped, 0);
	zr_plugin_free(&p);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	zr_log_free(&l);
	free(a);
	free(b);
	free(all);
	free(users);
	free(conf);
	free(dir);
}
END_TEST

/* ---- lifecycle under load ---- */

START_TEST(sighup_storm_then_eof_and_sigterm_lose_nothing)
{
	char *dir = zr_tmpdir(), *text, *conf;
	const char *const slow[] = {"--latency-ms", "30", NULL};
	struct zr_sim s;
	struct zr_plugin p1, p2, *runs[] = {&p1, &p2};
	struct zr_log l;
	struct zr_verdict v = {0};
	struct figures f = {0};
	size_t len, pos = 0, hups = 0;
	double t_term, exit_secs;

	text = gen_events(5000, 1, 1700900000);
	len = strlen(text);
	ck_assert_int_eq(zr_log_parse(text, len, &l), 0);
	ck_assert_int_eq(zr_sim_start(&s, dir, 0, slow), 0);
	conf = zr_config_write(dir, "life.conf", s.port,
	                       "drain_timeout = 2\nwindow = 2\nbatch_items = 50\n");
	ck_assert_int_eq(zr_plugin_start(&p1, dir, "run1.log", conf, NULL, NULL), 0);
	ck_assert(zr_plugin_wait_log(&p1, "ZRA0001I", 10));
	/* Feed in small pieces with a SIGHUP after each one. */
	while (pos < len) {
		size_t end = pos + 4096 < len ? pos + 4096 : len;

		while (end < len && text[end - 1] != '\n')
			end++;
		ck_assert_int_eq(zr_plugin_feed(&p1, text + pos, end - pos), 0);
		pos = end;
		kill(p1.pid, SIGHUP);
		hups++;
		zr_sleep(0.002);
	}
	/* auditd 4.2 stops a plugin: EOF, 50 ms, SIGTERM from the parent. */
	zr_plugin_close_input(&p1);
	zr_sleep(0.05);
	t_term = zr_now();
	kill(p1.pid, SIGTERM);
	ck_assert(zr_plugin_wait(&p1, 15));
	exit_secs = zr_now() - t_term;
	ck_assert_int_eq(zr_plugin_exit_code(&p1), 0);
	/* What was not delivered waits in the spool for the next start. */
	ck_assert_int_eq(zr_plugin_start(&p2, dir, "run2.log", conf, NULL, NULL), 0);
	bool ok = wait_written(&l, s.journal, 60, &v);

	zr_plugin_close_input(&p2);
	ck_assert(zr_plugin_wait(&p2, 30));
	figures_of("SIGHUP storm, EOF+SIGTERM", &v, runs, 2, &f);
	printf("lifecycle: %zu SIGHUPs during the load; exit %.2f s after SIGTERM (drain_timeout "
	       "2); %llu events left in the spool and delivered by the next start\n",
	       hups, exit_secs,
	       (unsigned long long)sum_figure(runs + 1, 1, "ZRA0014I", "events ("));
	if (!ok)
		show_log(&p2);
	ck_assert(ok);
	ck_assert(exit_secs < 2 + 2.0 * zr_scale());
	ck_assert_uint_eq(f.set_aside + f.dropped, 0);
	zr_plugin_free(&p1);
	zr_plugin_free(&p2);
	zr_sim_stop(&s, 0);
	zr_sim_free(&s);
	zr_log_free(&l);
	free(text);
	free(conf);
	free(dir);
}
END_TEST

static Suite *durability_suite(void)
{
	Suite *s = suite_create("durability");
	TCase *tc;

	tcase_add_test(zr_tcase(s, "kill-9", 90), kill_9_then_restart_delivers_everything_read);
	tcase_add_test(zr_tcase(s, "kill-9-mid-event", 90),
	               kill_9_with_incomplete_events_loses_nothing_read);
	tcase_add_test(zr_tcase(s, "suspended-sigterm", 120),
	               sigterm_while_suspended_keeps_the_records_read);
	tcase_add_test(zr_tcase(s, "torn-tail", 60), torn_spool_tail_delivers_what_precedes_it);
	tcase_add_test(zr_tcase(s, "permissions", 90), permission_errors_then_fixed_lose_nothing);
	tcase_add_test(zr_tcase(s, "lifecycle", 90),
	               sighup_storm_then_eof_and_sigterm_lose_nothing);
	/* The disk-full test needs a small file system: a tmpfs this program
	 * mounts (as root). Without that it is skipped, and says so. */
	mount_small_fs();
	if (fs_dir[0]) {
		umount_small_fs();
		tc = zr_tcase(s, "disk-full", 90);
		/* Unchecked fixtures run in this (parent) process, so the tmpfs
		 * is unmounted whatever happens to the test's own process. */
		tcase_add_unchecked_fixture(tc, mount_small_fs, umount_small_fs);
		tcase_add_test(tc, disk_full_keeps_oldest_counts_exactly_and_resumes);
	} else {
		printf("SKIP disk-full: cannot mount a tmpfs (not root, or no permission); the "
		       "disk-full test did not run\n");
	}
	tcase_add_test(zr_tcase(s, "outage", 300 + 2 * outage_seconds()),
	               outage_of_the_server_loses_nothing);
	return s;
}

int main(void)
{
	return zr_run(durability_suite());
}
