/* check_selfaudit.c - the plugin's own audit items reach SMF: ZRA_START and
 * ZRA_STOP in order, ZRA_GAP with the exact drop count (also when the spool
 * is so full that nothing else fits), ZRA_LATE after an outage, ZRA_RELOAD
 * naming the changed key, and none with self_audit = no. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* The value of the 114 relocate NAME=... of an item ("" when absent). */
static const char *field(const json_t *o, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);

	out[0] = '\0';
	for (size_t i = 0; i < zr_nrelocs(o); i++) {
		int type;
		const char *v = zr_reloc(o, i, &type);

		if (type == 114 && strncmp(v, name, nl) == 0 && v[nl] == '=') {
			snprintf(out, len, "%s", v + nl + 1);
			break;
		}
	}
	return out;
}

/* The journal's written records (kind smf) of resource res. */
static size_t count_res(const struct zr_journal *j, const char *res)
{
	size_t n = 0;

	for (size_t i = 0; i < j->n; i++)
		n += strcmp(zr_jstr(j->line[i], "kind"), "smf") == 0 &&
		     strcmp(zr_jstr(j->line[i], "resource"), res) == 0;
	return n;
}

/* Sum of the count= figures of the resource's items, for one reason ("" = any). */
static unsigned long long sum_counts(const struct zr_journal *j, const char *res,
                                     const char *reason)
{
	unsigned long long sum = 0;
	char v[256];

	for (size_t i = 0; i < j->n; i++) {
		const json_t *o = j->line[i];

		if (strcmp(zr_jstr(o, "kind"), "smf") != 0 ||
		    strcmp(zr_jstr(o, "resource"), res) != 0)
			continue;
		if (*reason && strcmp(field(o, "reason", v, sizeof v), reason) != 0)
			continue;
		sum += strtoull(field(o, "count", v, sizeof v), NULL, 10);
	}
	return sum;
}

/* A figure of the plugin's exit summary line with id: the number before
 * label, e.g. figure(log, "ZRA0018I", "items dropped (keep_oldest)"). */
static long long figure(const char *log, const char *id, const char *label)
{
	const char *line = strstr(log, id);
	const char *at = line ? strstr(line, label) : NULL;

	if (!at)
		return -1;
	while (at > line && at[-1] == ' ')
		at--;
	while (at > line && at[-1] >= '0' && at[-1] <= '9')
		at--;
	return atoll(at);
}

/* Wait until the journal stops growing for quiet seconds (at most limit). */
static void wait_settled(const char *journal, double quiet, double limit)
{
	double end = zr_now() + limit * zr_scale(), since = zr_now();
	size_t last = 0;

	quiet *= zr_scale(); /* sanitizers and qemu deliver in slower steps */
	while (zr_now() < end && zr_now() - since < quiet) {
		size_t n = zr_journal_wait_items(journal, last + 1, 0.2);
		if (n != last) {
			last = n;
			since = zr_now();
		}
	}
}

static void show_log(const struct zr_plugin *p)
{
	char *log = zr_plugin_log(p);
	size_t n = strlen(log);

	fprintf(stderr, "--- plugin log (last 4000 bytes):\n%s\n", n > 4000 ? log + n - 4000 : log);
	free(log);
}

/* A port the simulator can listen on later: it is started, its port
 * noted, and stopped again (the server is "down" until restarted there). */
static int port_of_a_down_server(const char *dir)
{
	struct zr_sim s;
	int port;

	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	port = s.port;
	zr_sim_stop(&s, SIGTERM);
	zr_sim_free(&s);
	return port;
}

/* The end of every test: the plugin, the simulator and the strings. */
static void end_test(struct zr_sim *s, struct zr_plugin *p, char *dir, char *conf, char *text)
{
	zr_plugin_free(p);
	zr_sim_stop(s, 0);
	zr_sim_free(s);
	free(conf);
	free(text);
	free(dir);
}

START_TEST(start_and_stop_in_order)
{
	char *dir = zr_tmpdir(), *conf, *text = zr_gen_records(50, 100, 1700000000);
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_journal j;
	char v[256], pid[32];

	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	conf = zr_config_write(dir, "sa.conf", s.port, "self_audit = yes\n");
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&p, text, strlen(text)), 0);
	zr_journal_wait_items(s.journal, 51, 20);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 20));
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	snprintf(pid, sizeof pid, "%d", (int)p.pid);
	/* A prompt exit may leave ZRA_STOP in the spool: the next start sends it. */
	zr_journal_wait_items(s.journal, 52, 5);
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	if (count_res(&j, "ZRA_STOP") == 0) {
		struct zr_plugin p2;

		zr_journal_free(&j);
		ck_assert_int_eq(zr_plugin_start(&p2, dir, "plugin2.log", conf, NULL, NULL), 0);
		zr_journal_wait_items(s.journal, 53, 20);
		zr_plugin_close_input(&p2);
		ck_assert(zr_plugin_wait(&p2, 20));
		zr_plugin_free(&p2);
		ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	}
	/* In order: this run's ZRA_START first, its 50 records, its ZRA_STOP. */
	size_t first = j.n, stop = j.n, linux_items = 0;
	for (size_t i = 0; i < j.n; i++) {
		const json_t *o = j.line[i];
		const char *res = zr_jstr(o, "resource");

		if (strcmp(zr_jstr(o, "kind"), "smf") != 0)
			continue;
		if (strcmp(res, "ZRA_START") == 0 && first == j.n &&
		    strcmp(field(o, "pid", v, sizeof v), pid) == 0)
			first = i;
		else if (strcmp(res, "ZRA_STOP") == 0 && stop == j.n &&
		         strcmp(field(o, "pid", v, sizeof v), pid) == 0)
			stop = i;
		else if (strcmp(res, "USER_ACCT") == 0) {
			ck_assert_uint_gt(i, first); /* after the start item */
			linux_items++;
		}
	}
	if (first == j.n || stop == j.n)
		show_log(&p);
	ck_assert_uint_lt(first, j.n);
	ck_assert_uint_lt(stop, j.n);
	ck_assert_uint_gt(stop, first);
	ck_assert_uint_eq(linux_items, 50);
	const json_t *st = j.line[first], *sp = j.line[stop];
	ck_assert_str_eq(zr_jstr(st, "class"), "@LINUX");
	ck_assert_str_eq(field(st, "msgid", v, sizeof v), "ZRA0001I");
	ck_assert_str_eq(field(st, "config", v, sizeof v), conf);
	ck_assert_ptr_nonnull(strstr(zr_jstr(st, "logstring"), "zos-remote ZRA_START ZRA0001I"));
	ck_assert_str_eq(field(sp, "msgid", v, sizeof v), "ZRA0011I");
	ck_assert_str_eq(field(sp, "records", v, sizeof v), "50");
	ck_assert_str_eq(field(sp, "reason", v, sizeof v), "end of input");
	/* The same fact in syslog, with the same id. */
	char *log = zr_plugin_log(&p);
	ck_assert_ptr_nonnull(strstr(log, "ZRA0001I"));
	ck_assert_ptr_nonnull(strstr(log, "ZRA0011I"));
	free(log);
	zr_journal_free(&j);
	end_test(&s, &p, dir, conf, text);
}
END_TEST

/* Server down, a 1 MiB spool with keep_oldest overflows: the ZRA_GAP gets
 * in although nothing else fits, and once the server is back its count is
 * the plugin's own drop counter. */
START_TEST(gap_counts_what_a_full_spool_dropped)
{
	char *dir = zr_tmpdir(), *conf, *text = zr_gen_records(6000, 1, 1700000000);
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_journal j;
	char extra[256];
	int port;

	port = port_of_a_down_server(dir);
	snprintf(extra, sizeof extra,
	         "self_audit = yes\nspool_max_size = 1\nspool_full_action = keep_oldest\n"
	         "timeout = 2\ndrain_timeout = 30\n");
	conf = zr_config_write(dir, "gap.conf", port, extra);
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&p, text, strlen(text)), 0);
	zr_plugin_wait_read(&p);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0502W", 5));
	ck_assert(zr_plugin_wait_log(&p, "ZRA0851W", 10)); /* the gap, logged */
	/* The server comes back; everything spooled goes out, the gap too. */
	ck_assert_int_eq(zr_sim_start(&s, dir, port, NULL), 0);
	zr_journal_wait_items(s.journal, 100, 30);
	wait_settled(s.journal, 2.5, 60);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 30));
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	char *log = zr_plugin_log(&p);
	long long dropped = figure(log, "ZRA0018I", "items dropped (keep_oldest)");
	free(log);
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	unsigned long long gap = sum_counts(&j, "ZRA_GAP", "spool_full");
	printf("selfaudit: keep_oldest dropped %lld items, ZRA_GAP items %zu with count %llu, "
	       "USER_ACCT written %zu\n",
	       dropped, count_res(&j, "ZRA_GAP"), gap, count_res(&j, "USER_ACCT"));
	if (dropped <= 0 || gap != (unsigned long long)dropped)
		show_log(&p);
	ck_assert_int_gt(dropped, 0);
	ck_assert_uint_ge(count_res(&j, "ZRA_GAP"), 1);
	ck_assert_uint_eq(gap, (unsigned long long)dropped);
	ck_assert_uint_eq(count_res(&j, "USER_ACCT") + (size_t)dropped, 6000);
	zr_journal_free(&j);
	end_test(&s, &p, dir, conf, text);
}
END_TEST

/* Server away while 300 records are read: ZRA_LATE says 300, from the
 * start of the outage to its end. */
START_TEST(late_after_an_outage)
{
	char *dir = zr_tmpdir(), *conf, *text = zr_gen_records(300, 1, 1700000000);
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_journal j;
	char v[256];
	int port;

	port = port_of_a_down_server(dir);
	conf = zr_config_write(dir, "late.conf", port, "self_audit = yes\ntimeout = 2\n");
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	zr_sleep(1.5); /* away for longer than a blip before anything is read */
	ck_assert_int_eq(zr_plugin_feed(&p, text, strlen(text)), 0);
	zr_plugin_wait_read(&p);
	ck_assert_int_eq(zr_sim_start(&s, dir, port, NULL), 0);
	zr_journal_wait_items(s.journal, 302, 30); /* START, 300, LATE */
	ck_assert(zr_plugin_wait_log(&p, "ZRA0852I", 10));
	zr_journal_wait_items(s.journal, 302, 10);
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	if (count_res(&j, "ZRA_LATE") != 1)
		show_log(&p);
	ck_assert_uint_eq(count_res(&j, "ZRA_LATE"), 1);
	ck_assert_uint_eq(sum_counts(&j, "ZRA_LATE", ""), 300);
	for (size_t i = 0; i < j.n; i++)
		if (strcmp(zr_jstr(j.line[i], "resource"), "ZRA_LATE") == 0) {
			ck_assert_str_eq(field(j.line[i], "msgid", v, sizeof v), "ZRA0852I");
			char first[64];
			field(j.line[i], "first", first, sizeof first);
			field(j.line[i], "last", v, sizeof v);
			ck_assert_uint_eq(strlen(first), 20);  /* 2026-12-02T15:00:00Z */
			ck_assert_int_lt(strcmp(first, v), 0); /* an outage of seconds */
		}
	zr_journal_free(&j);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 20));
	end_test(&s, &p, dir, conf, text);
}
END_TEST

START_TEST(reload_names_the_changed_key)
{
	char *dir = zr_tmpdir(), *conf;
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_journal j;
	char v[256];

	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	conf = zr_config_write(dir, "rl.conf", s.port, "self_audit = yes\n");
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	zr_journal_wait_items(s.journal, 1, 20);
	free(zr_config_write(dir, "rl.conf", s.port, "self_audit = yes\nreport_interval = 5\n"));
	kill(p.pid, SIGHUP);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0003I", 10));
	zr_journal_wait_items(s.journal, 2, 20);
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	ck_assert_uint_eq(count_res(&j, "ZRA_RELOAD"), 1);
	for (size_t i = 0; i < j.n; i++)
		if (strcmp(zr_jstr(j.line[i], "resource"), "ZRA_RELOAD") == 0) {
			ck_assert_str_eq(field(j.line[i], "keys", v, sizeof v), "report_interval");
			ck_assert_str_eq(field(j.line[i], "msgid", v, sizeof v), "ZRA0003I");
		}
	zr_journal_free(&j);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 20));
	end_test(&s, &p, dir, conf, NULL);
}
END_TEST

/* A kill -9 leaves the running marker: the next start tells the gap it
 * cannot count. */
START_TEST(unclean_exit_is_told)
{
	char *dir = zr_tmpdir(), *conf, *text = zr_gen_records(10, 1, 1700000000);
	struct zr_sim s;
	struct zr_plugin p, p2;
	struct zr_journal j;
	char v[256];

	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	conf = zr_config_write(dir, "k9.conf", s.port, "self_audit = yes\n");
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&p, text, strlen(text)), 0);
	zr_journal_wait_items(s.journal, 11, 20);
	zr_plugin_kill(&p);
	ck_assert_int_eq(zr_plugin_start(&p2, dir, "plugin2.log", conf, NULL, NULL), 0);
	ck_assert(zr_plugin_wait_log(&p2, "ZRA0854W", 10));
	zr_journal_wait_items(s.journal, 13, 20); /* START, 10, START, GAP */
	zr_plugin_close_input(&p2);
	ck_assert(zr_plugin_wait(&p2, 20));
	/* A clean stop removed the marker: a third run tells no gap. */
	struct zr_plugin p3;
	ck_assert_int_eq(zr_plugin_start(&p3, dir, "plugin3.log", conf, NULL, NULL), 0);
	zr_plugin_close_input(&p3);
	ck_assert(zr_plugin_wait(&p3, 20));
	char *log3 = zr_plugin_log(&p3);
	ck_assert_ptr_null(strstr(log3, "ZRA0854W"));
	free(log3);
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	ck_assert_uint_eq(count_res(&j, "ZRA_GAP"), 1);
	for (size_t i = 0; i < j.n; i++)
		if (strcmp(zr_jstr(j.line[i], "resource"), "ZRA_GAP") == 0) {
			ck_assert_str_eq(field(j.line[i], "reason", v, sizeof v), "unclean_exit");
			ck_assert_str_eq(field(j.line[i], "count", v, sizeof v), "unknown");
			ck_assert_str_eq(field(j.line[i], "msgid", v, sizeof v), "ZRA0854W");
		}
	zr_journal_free(&j);
	zr_plugin_free(&p2);
	zr_plugin_free(&p3);
	end_test(&s, &p, dir, conf, text);
}
END_TEST

/* Records of n events from node, as a central auditd passes them on. */
static char *node_records(const char *node, size_t n, unsigned long first)
{
	char *plain = zr_gen_records(n, first, 1700000000), *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	for (char *line = strtok(plain, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(f, "node=%s %s\n", node, line);
	fclose(f);
	free(plain);
	return out;
}

/* A fleet's node that falls silent and comes back: ZRA_SILENT and
 * ZRA_BACK, each naming it, in the log string too. */
START_TEST(silent_and_back_nodes)
{
	char *dir = zr_tmpdir(), *conf, *a = node_records("hostA", 10, 1),
	     *b = node_records("hostA", 5, 100);
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_journal j;
	char v[256];

	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	conf = zr_config_write(dir, "fl.conf", s.port, "self_audit = yes\nnode_silence = 1\n");
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&p, a, strlen(a)), 0);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0605W node hostA", 10));
	ck_assert_int_eq(zr_plugin_feed(&p, b, strlen(b)), 0);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0606I node hostA", 10));
	zr_journal_wait_items(s.journal, 18, 20); /* START, 10, SILENT, BACK, 5 */
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	/* (silent again a second after it came back: two are fine) */
	ck_assert_uint_ge(count_res(&j, "ZRA_SILENT"), 1);
	ck_assert_uint_eq(count_res(&j, "ZRA_BACK"), 1);
	for (size_t i = 0; i < j.n; i++) {
		const char *res = zr_jstr(j.line[i], "resource");
		if (strcmp(res, "ZRA_SILENT") != 0 && strcmp(res, "ZRA_BACK") != 0)
			continue;
		ck_assert_str_eq(field(j.line[i], "node", v, sizeof v), "hostA");
		ck_assert_ptr_nonnull(strstr(zr_jstr(j.line[i], "logstring"), "Linux (hostA)"));
		ck_assert_str_eq(field(j.line[i], "msgid", v, sizeof v),
		                 strcmp(res, "ZRA_SILENT") == 0 ? "ZRA0605W" : "ZRA0606I");
		ck_assert_int_eq(zr_jint(j.line[i], "qualifier"),
		                 strcmp(res, "ZRA_SILENT") == 0 ? 3 : 1);
	}
	zr_journal_free(&j);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 20));
	free(b);
	end_test(&s, &p, dir, conf, a);
}
END_TEST

START_TEST(off_sends_none)
{
	char *dir = zr_tmpdir(), *conf, *text = zr_gen_records(20, 1, 1700000000);
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_journal j;

	ck_assert_int_eq(zr_sim_start(&s, dir, 0, NULL), 0);
	conf = zr_config_write(dir, "off.conf", s.port, "self_audit = no\n");
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&p, text, strlen(text)), 0);
	zr_journal_wait_items(s.journal, 20, 20);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 20));
	zr_sleep(0.5);
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	ck_assert_uint_eq(count_res(&j, "USER_ACCT"), 20);
	ck_assert_uint_eq(zr_journal_count(&j, NULL), 20);
	zr_journal_free(&j);
	end_test(&s, &p, dir, conf, text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("selfaudit");

	tcase_add_test(zr_tcase(s, "start-stop", 60), start_and_stop_in_order);
	tcase_add_test(zr_tcase(s, "gap", 120), gap_counts_what_a_full_spool_dropped);
	tcase_add_test(zr_tcase(s, "late", 90), late_after_an_outage);
	tcase_add_test(zr_tcase(s, "reload", 60), reload_names_the_changed_key);
	tcase_add_test(zr_tcase(s, "unclean", 90), unclean_exit_is_told);
	tcase_add_test(zr_tcase(s, "fleet", 60), silent_and_back_nodes);
	tcase_add_test(zr_tcase(s, "off", 60), off_sends_none);
	return zr_run(s);
}
