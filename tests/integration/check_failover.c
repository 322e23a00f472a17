/* check_failover.c - a primary and an alternate simulator: the primary is
 * killed mid-stream, the alternate takes over with nothing lost, the primary
 * comes back on its port, and failback = interval / reconnect / never is
 * honoured; a primary that answers busy or unavailable three times in a row
 * is left for the alternate. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define FB_INTERVAL 4   /* failback_interval in the test's config, seconds */
#define N_FIRST     400 /* records before and while the primary dies */
#define N_SECOND    200 /* records while on the alternate */
#define N_THIRD     100 /* records after the primary is back */
#define SEC0        1700002000LL

struct fo {
	char *dir, *dir_a, *dir_b, *dir_c, *conf, *state;
	struct zr_sim a, b, c; /* a: the primary; c: a second alternate, when started */
	struct zr_plugin p;
	struct zr_log l; /* every record fed so far */
	char *text;      /* their text */
	size_t len;
};

static void show_log(const struct zr_plugin *p)
{
	char *log = zr_plugin_log(p);
	size_t n = strlen(log);

	fprintf(stderr, "--- plugin log (last 3000 bytes):\n%s\n", n > 3000 ? log + n - 3000 : log);
	free(log);
}

/* Feed n generated records (serials from first) and remember them. */
static void fo_feed(struct fo *f, size_t n, unsigned long first)
{
	char *gen = zr_gen_records(n, first, SEC0 + (long long)first);
	size_t gl = strlen(gen);

	ck_assert_int_eq(zr_plugin_feed(&f->p, gen, gl), 0);
	f->text = zr_xrealloc(f->text, f->len + gl + 1);
	memcpy(f->text + f->len, gen, gl + 1);
	f->len += gl;
	free(gen);
	zr_log_free(&f->l);
	ck_assert_int_eq(zr_log_parse(f->text, f->len, &f->l), 0);
}

/* The journals as one: the union of what the servers saw. */
static void load_union(const struct fo *f, struct zr_journal *u)
{
	const struct zr_sim *sim[] = {&f->a, &f->b, &f->c};

	u->n = 0;
	u->line = zr_xrealloc(NULL, sizeof(u->line[0]));
	for (size_t i = 0; i < sizeof(sim) / sizeof(sim[0]); i++) {
		struct zr_journal j;

		if (!sim[i]->journal)
			continue; /* c when only two servers run */
		ck_assert_int_eq(zr_journal_load(sim[i]->journal, &j), 0);
		u->line = zr_xrealloc(u->line, (u->n + j.n + 1) * sizeof(u->line[0]));
		memcpy(u->line + u->n, j.line, j.n * sizeof(j.line[0]));
		u->n += j.n;
		free(j.line); /* the lines now belong to u */
	}
}

/* Wait until every record fed is in the union of the journals. */
static bool fo_wait_all(struct fo *f, double timeout, struct zr_verdict *v)
{
	const struct zr_expect e = {.major = 0, .quiet = true};
	double end = zr_now() + timeout * zr_scale();

	for (;;) {
		struct zr_journal u;

		load_union(f, &u);
		zr_verify(&f->l, &u, &e, "union", v);
		zr_journal_free(&u);
		if (v->delivered == v->expected || zr_now() > end)
			return v->delivered == v->expected;
		zr_sleep(0.2);
	}
}

static size_t items_in(const char *journal)
{
	struct zr_journal j;
	size_t n;

	ck_assert_int_eq(zr_journal_load(journal, &j), 0);
	n = zr_journal_count(&j, NULL);
	zr_journal_free(&j);
	return n;
}

/* Simulators for the primary (started with primary_args) and one
 * alternate, or two with third; the plugin with all of them in its server
 * list, in that order. */
static void fo_start_with(struct fo *f, const char *failback, const char *const *primary_args,
                          bool third)
{
	char extra[512], servers[128];

	f->dir = zr_tmpdir();
	f->dir_a = zr_tmpdir();
	f->dir_b = zr_tmpdir();
	f->state = zr_path(f->dir, "state");
	ck_assert_int_eq(zr_sim_start(&f->a, f->dir_a, 0, primary_args), 0);
	ck_assert_int_eq(zr_sim_start(&f->b, f->dir_b, 0, NULL), 0);
	snprintf(servers, sizeof(servers), "127.0.0.1:%d, 127.0.0.1:%d", f->a.port, f->b.port);
	if (third) {
		size_t n = strlen(servers);

		f->dir_c = zr_tmpdir();
		ck_assert_int_eq(zr_sim_start(&f->c, f->dir_c, 0, NULL), 0);
		snprintf(servers + n, sizeof(servers) - n, ", 127.0.0.1:%d", f->c.port);
	}
	snprintf(extra, sizeof(extra),
	         "server = %s\nfailback = %s\nfailback_interval = %d\n"
	         "batch_items = 4\nwindow = 2\ntimeout = 2\nstate_file = %s\n",
	         servers, failback, FB_INTERVAL, f->state);
	f->conf = zr_config_write(f->dir, "zos-remote.conf", f->a.port, extra);
	ck_assert_int_eq(zr_plugin_start(&f->p, f->dir, NULL, f->conf, NULL, NULL), 0);
}

/* Two simulators, the primary with latency so the kill lands mid-stream. */
static void fo_start(struct fo *f, const char *failback)
{
	const char *const slow[] = {"--latency-ms", "40", NULL};

	fo_start_with(f, failback, slow, false);
}

/* Kill the primary mid-stream: the alternate must take over, every record
 * in the union. Returns the items the primary had seen. */
static size_t fo_kill_primary(struct fo *f)
{
	struct zr_verdict v;

	fo_feed(f, N_FIRST, 10000);
	size_t before = zr_journal_wait_items(f->a.journal, 40, 15);
	ck_assert_msg(before >= 40, "only %zu items reached the primary", before);
	zr_sim_stop(&f->a, SIGKILL); /* no goodbye: a dead LPAR */
	size_t seen_a = items_in(f->a.journal);
	ck_assert_msg(seen_a < N_FIRST, "the primary had everything (%zu) before it was killed",
	              seen_a);
	fo_feed(f, N_SECOND, 20000);
	bool all = fo_wait_all(f, 30, &v);
	if (!all)
		show_log(&f->p);
	ck_assert_msg(all, "after the primary died %zu of %zu records arrived", v.delivered,
	              v.expected);
	ck_assert_msg(zr_plugin_wait_log(&f->p, "ZRA0701W", 5), "no ZRA0701W for the switch");
	printf("failover: primary saw %zu items before the kill; alternate %zu; records %zu "
	       "delivered %zu duplicates %zu\n",
	       seen_a, items_in(f->b.journal), v.expected, v.delivered, v.duplicates);
	return seen_a;
}

/* End the input, check the exit, the union, and the state file. */
static void fo_finish(struct fo *f, const char *what, char **state)
{
	struct zr_verdict v;

	ck_assert_int_eq(kill(f->p.pid, SIGUSR1), 0);
	ck_assert_msg(zr_plugin_wait_log(&f->p, "ZRA0602I", 10), "no state file written");
	*state = zr_read_file(f->state, NULL);
	ck_assert_ptr_nonnull(*state);
	zr_plugin_close_input(&f->p);
	bool exited = zr_plugin_wait(&f->p, 15 * zr_scale());
	zr_sim_stop(&f->a, SIGTERM);
	zr_sim_stop(&f->b, SIGTERM);
	zr_sim_stop(&f->c, SIGTERM);
	bool all = fo_wait_all(f, 1, &v);
	printf("%-18s records %zu delivered %zu items %zu duplicates %zu unmatched %zu\n", what,
	       v.expected, v.delivered, v.items, v.duplicates, v.unmatched);
	fflush(stdout);
	if (!all || !exited)
		show_log(&f->p);
	ck_assert_msg(all, "%s: %zu of %zu records delivered", what, v.delivered, v.expected);
	ck_assert_msg(exited, "%s: the plugin did not exit after its input ended", what);
	ck_assert_int_eq(zr_plugin_exit_code(&f->p), 0);
	ck_assert_uint_eq(v.unmatched, 0);
	/* Three switches at most can resend: a window of 2 batches of 4 each. */
	ck_assert_msg(v.duplicates <= 3 * 2 * 4, "%s: %zu duplicates", what, v.duplicates);
}

/* The killed primary comes back on its port (a new journal in its dir). */
static void fo_restart_primary(struct fo *f)
{
	int port = f->a.port;

	zr_sim_free(&f->a); /* killed before; its names are freed here */
	ck_assert_int_eq(zr_sim_start(&f->a, f->dir_a, port, NULL), 0);
}

static void fo_free(struct fo *f)
{
	zr_plugin_free(&f->p);
	zr_sim_free(&f->a);
	zr_sim_free(&f->b);
	zr_sim_free(&f->c);
	zr_log_free(&f->l);
	free(f->text);
	free(f->conf);
	free(f->state);
	free(f->dir);
	free(f->dir_a);
	free(f->dir_b);
	free(f->dir_c);
}

/* A counter of the state file, e.g. "server.1.connects"; -1 when absent. */
static long long state_num(const char *state, const char *key)
{
	char needle[96];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s: ", key);
	p = strstr(state, needle);
	return p ? atoll(p + strlen(needle)) : -1;
}

/* failback = interval: back on the primary within the interval plus the
 * connect and the drain of the alternate, and later records go there. */
START_TEST(test_failback_interval)
{
	struct fo f = {0};
	char *state = NULL;

	fo_start(&f, "interval");
	fo_kill_primary(&f);
	size_t a_before = items_in(f.a.journal);
	fo_restart_primary(&f);
	double t0 = zr_now();
	/* slack: the probe's connect and bind (timeout 2 s) and the jittered tick */
	double limit = FB_INTERVAL + 2 + 3;
	bool back = zr_plugin_wait_log(&f.p, "ZRA0702I", limit);
	double took = zr_now() - t0;
	printf("failback = interval: back on the primary %.1f s after it restarted (limit %.0f "
	       "s)\n",
	       took, limit * zr_scale());
	if (!back)
		show_log(&f.p);
	ck_assert_msg(back, "not back on the primary within %.0f s", limit * zr_scale());
	size_t b_after_switch = items_in(f.b.journal);
	fo_feed(&f, N_THIRD, 30000);
	size_t now_a = zr_journal_wait_items(f.a.journal, a_before + N_THIRD, 20);
	ck_assert_msg(now_a >= a_before + N_THIRD, "only %zu of %d later records on the primary",
	              now_a - a_before, N_THIRD);
	ck_assert_uint_eq(items_in(f.b.journal), b_after_switch); /* none to the alternate */
	fo_finish(&f, "failback=interval", &state);
	ck_assert_msg(state_num(state, "server.1.connects") >= 2, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server.1.failures") >= 1, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server.2.connects") >= 1, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server.2.items_sent") >= N_SECOND, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server_switches") >= 2, "state:\n%s", state);
	ck_assert_ptr_nonnull(strstr(state, "server.1.role: primary"));
	free(state);
	fo_free(&f);
}
END_TEST

/* failback = never: the primary back on its port changes nothing. */
START_TEST(test_failback_never)
{
	struct fo f = {0};
	char *state = NULL;

	fo_start(&f, "never");
	fo_kill_primary(&f);
	fo_restart_primary(&f);
	size_t a_before = items_in(f.a.journal), b_before = items_in(f.b.journal);
	/* Longer than failback = interval would have needed. */
	zr_sleep((FB_INTERVAL + 5) * zr_scale());
	fo_feed(&f, N_THIRD, 30000);
	size_t now_b = zr_journal_wait_items(f.b.journal, b_before + N_THIRD, 20);
	ck_assert_msg(now_b >= b_before + N_THIRD, "only %zu of %d later records on the alternate",
	              now_b - b_before, N_THIRD);
	ck_assert_uint_eq(items_in(f.a.journal), a_before);
	char *log = zr_plugin_log(&f.p);
	ck_assert_msg(!strstr(log, "ZRA0702I"), "went back to the primary with failback = never");
	free(log);
	printf("failback = never: %d later records on the alternate, none on the primary\n",
	       N_THIRD);
	fo_finish(&f, "failback=never", &state);
	ck_assert_msg(state_num(state, "server.1.connects") == 1, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server_switches") == 1, "state:\n%s", state);
	free(state);
	fo_free(&f);
}
END_TEST

/* failback = reconnect: no probe while the alternate works, however long
 * the primary has been back; the next connection for another reason (here
 * the alternate dies) goes to the primary first, not on down the list. A
 * second alternate tells the two apart: with failback = never the loss of
 * the first alternate would move the plugin to the second. */
START_TEST(test_failback_reconnect)
{
	const char *const slow[] = {"--latency-ms", "40", NULL};
	struct fo f = {0};
	char *state = NULL, *log;

	fo_start_with(&f, "reconnect", slow, true);
	fo_kill_primary(&f);
	fo_restart_primary(&f);
	size_t a_before = items_in(f.a.journal), b_before = items_in(f.b.journal);
	/* Longer than failback = interval would have needed. */
	zr_sleep((FB_INTERVAL + 5) * zr_scale());
	fo_feed(&f, N_THIRD, 30000);
	size_t now_b = zr_journal_wait_items(f.b.journal, b_before + N_THIRD, 20);
	ck_assert_msg(now_b >= b_before + N_THIRD,
	              "only %zu of %d records sent after the primary returned on the alternate",
	              now_b - b_before, N_THIRD);
	ck_assert_uint_eq(items_in(f.a.journal), a_before);
	log = zr_plugin_log(&f.p);
	ck_assert_msg(!strstr(log, "ZRA0702I"),
	              "back on the primary with failback = reconnect and no reconnect");
	free(log);

	/* The reconnect: the alternate in use dies. */
	zr_sim_stop(&f.b, SIGKILL);
	double t0 = zr_now();
	fo_feed(&f, N_THIRD, 40000);
	bool back = zr_plugin_wait_log(&f.p, "ZRA0702I", 10);
	double took = zr_now() - t0;
	if (!back)
		show_log(&f.p);
	ck_assert_msg(back, "not back on the primary after the alternate's connection was lost");
	size_t now_a = zr_journal_wait_items(f.a.journal, a_before + N_THIRD, 20);
	printf("failback = reconnect: %d records on the alternate %.0f s after the primary "
	       "returned; alternate lost, back on the primary in %.1f s, %zu items there, %zu on "
	       "the second alternate\n",
	       N_THIRD, (FB_INTERVAL + 5) * zr_scale(), took, now_a - a_before,
	       items_in(f.c.journal));
	ck_assert_msg(now_a >= a_before + N_THIRD, "only %zu of %d later records on the primary",
	              now_a - a_before, N_THIRD);
	ck_assert_uint_eq(items_in(f.c.journal), 0); /* the primary first, not the next */
	fo_finish(&f, "failback=reconnect", &state);
	ck_assert_msg(state_num(state, "server.1.connects") == 2, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server.2.failures") >= 1, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server.3.connects") == 0, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server_switches") == 2, "state:\n%s", state);
	free(state);
	fo_free(&f);
}
END_TEST

/* SIGHUP reconnects even when nothing changed, once the requests in flight
 * are answered, and starts at the primary: the way back with failback =
 * never, without a resend. */
START_TEST(test_sighup_reconnects_to_the_primary)
{
	const char *const slow[] = {"--latency-ms", "40", NULL};
	struct fo f = {0};
	char *state = NULL, *log;

	fo_start_with(&f, "never", slow, false);
	fo_kill_primary(&f);
	fo_restart_primary(&f);
	size_t a_before = items_in(f.a.journal), b_before = items_in(f.b.journal);
	fo_feed(&f, N_THIRD, 30000);
	ck_assert_uint_ge(zr_journal_wait_items(f.b.journal, b_before + N_THIRD, 20),
	                  b_before + N_THIRD);
	ck_assert_uint_eq(items_in(f.a.journal), a_before); /* never: it stays */
	b_before = items_in(f.b.journal);
	log = zr_plugin_log(&f.p);
	size_t log_at_hup = strlen(log);

	free(log);
	ck_assert_int_eq(kill(f.p.pid, SIGHUP), 0);
	bool re = zr_plugin_wait_log(&f.p, "ZRA0307I", 10) &&
	          zr_plugin_wait_log(&f.p, "ZRA0702I", 10);
	if (!re)
		show_log(&f.p);
	ck_assert_msg(re, "no reconnect to the primary after SIGHUP");
	fo_feed(&f, N_THIRD, 40000);
	size_t now_a = zr_journal_wait_items(f.a.journal, a_before + N_THIRD, 20);
	printf("SIGHUP: back on the primary, %zu items there after it, %zu more on the "
	       "alternate\n",
	       now_a - a_before, items_in(f.b.journal) - b_before);
	ck_assert_uint_ge(now_a, a_before + N_THIRD);
	ck_assert_uint_eq(items_in(f.b.journal), b_before); /* nothing resent there either */
	log = zr_plugin_log(&f.p);
	ck_assert_msg(!strstr(log + log_at_hup, "ZRA0306I"), "settings did not change: %s", log);
	ck_assert_msg(!strstr(log + log_at_hup, "will be sent again"), "a reload resent requests");
	free(log);
	fo_finish(&f, "sighup-reconnect", &state);
	ck_assert_msg(state_num(state, "server.1.connects") == 2, "state:\n%s", state);
	ck_assert_msg(state_num(state, "server_switches") == 2, "state:\n%s", state);
	free(state);
	fo_free(&f);
}
END_TEST

/* LDAP-level refusals from the primary: two busy answers in a row are
 * waited out there; three busy (51) or unavailable (52) answers in a row
 * are a server error and move the plugin to the alternate (ZRA0701W with
 * the reason), as zos-remote.conf(5), FAILOVER, says. */
static const struct busy_case {
	const char *fault; /* the primary's --fault */
	int code;          /* the LDAP result it answers */
	bool moves;        /* expected: the plugin goes to the alternate */
} busy_cases[] = {
        {"busy=2", 51, false},
        {"busy=100000", 51, true},
        {"unavailable=100000", 52, true},
};

/* Extended requests the server answered with LDAP result code. */
static size_t requests_refused(const char *journal, int code)
{
	struct zr_journal j;
	size_t n = 0;

	ck_assert_int_eq(zr_journal_load(journal, &j), 0);
	for (size_t i = 0; i < j.n; i++)
		if (strcmp(zr_jstr(j.line[i], "kind"), "request") == 0 &&
		    zr_jint(j.line[i], "ldap_result") == code)
			n++;
	zr_journal_free(&j);
	return n;
}

START_TEST(test_busy_switch)
{
	const struct busy_case *bc = &busy_cases[_i];
	/* Latency: the window's two requests are both in flight at each answer. */
	const char *const args[] = {"--fault", bc->fault, "--latency-ms", "200", NULL};
	struct zr_verdict v;
	struct fo f = {0};
	char *state = NULL, *log, reason[64];

	/* never: no probe sends the plugin back to the refusing primary. */
	fo_start_with(&f, "never", args, false);
	double t0 = zr_now();
	fo_feed(&f, N_SECOND, 10000);
	bool all = fo_wait_all(&f, 30, &v);
	double took = zr_now() - t0;
	if (!all)
		show_log(&f.p);
	ck_assert_msg(all, "%s: %zu of %zu records arrived", bc->fault, v.delivered, v.expected);
	ck_assert_msg(zr_plugin_wait_log(&f.p, "ZRA0412W", 1), "%s: no ZRA0412W", bc->fault);
	size_t on_a = items_in(f.a.journal), on_b = items_in(f.b.journal);
	size_t refused = requests_refused(f.a.journal, bc->code);
	log = zr_plugin_log(&f.p);
	snprintf(reason, sizeof(reason), "(LDAP %d) 3 times in a row", bc->code);
	const char *const switched[] = {"ZRA0701W", reason, NULL};
	size_t nswitch = zr_count_lines(log, switched);
	/* The third refusal answers one of two requests in flight: the other
	 * is still out (and could be processed twice). */
	const char *const lost[] = {"ZRA0304W", reason, "; 1 request(s) in flight", NULL};
	size_t nlost = zr_count_lines(log, lost);
	printf("%-18s %zu requests refused with %d by the primary; items on the primary %zu, "
	       "on the alternate %zu; ZRA0701W %zu; all %zu records in %.1f s\n",
	       bc->fault, refused, bc->code, on_a, on_b, nswitch, v.expected, took);
	if (bc->moves) {
		ck_assert_msg(nswitch == 1, "%s: %zu ZRA0701W lines naming %s", bc->fault, nswitch,
		              reason);
		ck_assert_msg(refused >= 3, "%s: switched after %zu refusals", bc->fault, refused);
		if (nlost != 1)
			show_log(&f.p);
		ck_assert_msg(nlost == 1, "%s: ZRA0304W does not count the request in flight",
		              bc->fault);
		ck_assert_uint_eq(on_a, 0);
		ck_assert_uint_ge(on_b, N_SECOND);
	} else {
		ck_assert_msg(!strstr(log, "ZRA0701W"), "%s: switched", bc->fault);
		ck_assert_uint_eq(refused, 2);
		ck_assert_uint_ge(on_a, N_SECOND);
		ck_assert_uint_eq(on_b, 0);
	}
	free(log);
	fo_finish(&f, bc->fault, &state);
	ck_assert_msg(state_num(state, "server.1.failures") == (bc->moves ? 1 : 0), "state:\n%s",
	              state);
	ck_assert_msg(state_num(state, "server_switches") == (bc->moves ? 1 : 0), "state:\n%s",
	              state);
	ck_assert_msg(state_num(state, "server.2.connects") == (bc->moves ? 1 : 0), "state:\n%s",
	              state);
	free(state);
	fo_free(&f);
}
END_TEST

static Suite *failover_suite(void)
{
	Suite *s = suite_create("integration-failover");

	tcase_add_test(zr_tcase(s, "failback-interval", 120), test_failback_interval);
	tcase_add_test(zr_tcase(s, "failback-never", 120), test_failback_never);
	tcase_add_test(zr_tcase(s, "failback-reconnect", 120), test_failback_reconnect);
	tcase_add_test(zr_tcase(s, "sighup-reconnect", 120), test_sighup_reconnects_to_the_primary);
	tcase_add_loop_test(zr_tcase(s, "busy", 120), test_busy_switch, 0,
	                    (int)(sizeof(busy_cases) / sizeof(busy_cases[0])));
	return s;
}

int main(void)
{
	return zr_run(failover_suite());
}
