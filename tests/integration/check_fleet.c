/* check_fleet.c - records of several nodes (as a central auditd passes them on) end to end:
 * per-node counts in the state file, a node falling silent and coming back. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

/* n one-record events of node, serials from first, at second sec. */
static char *node_records(const char *node, size_t n, unsigned long first, long long sec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (size_t i = 0; i < n; i++)
		fprintf(f,
		        "node=%s type=USER_ACCT msg=audit(%lld.%03zu:%lu): pid=%zu uid=0 auid=1000 "
		        "ses=7 msg='op=PAM:accounting grantors=pam_unix acct=\"zr%zu\" "
		        "exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=/dev/pts/0 "
		        "res=success'\n",
		        node, sec, i % 1000, first + i, 1000 + i, i);
	fclose(f);
	return text;
}

static void feed(struct zr_plugin *p, const char *node, size_t n, unsigned long first)
{
	char *t = node_records(node, n, first, 1700000000);

	ck_assert_int_eq(zr_plugin_feed(p, t, strlen(t)), 0);
	free(t);
}

/* The line of the state file that starts with prefix, or NULL (freed by caller). */
static char *state_line(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	if (!p)
		return NULL;
	p++; /* past the newline */
	return strndup(p, strcspn(p, "\n"));
}

START_TEST(test_nodes_silence_and_state)
{
	struct zr_sim s = {0};
	struct zr_plugin p = {0};
	struct zr_journal j = {0};
	char *dir = zr_tmpdir(), *conf, *state, *prom, *text, *line, extra[1200];
	struct stat st;

	ck_assert_msg(zr_sim_start(&s, dir, 0, NULL) == 0, "simulator did not start");
	state = zr_path(dir, "fleet.state");
	prom = zr_path(dir, "zos-remote.prom");
	snprintf(extra, sizeof(extra),
	         "state_file = %s\nnode_silence = 1\nmetrics_file = %s\nmetrics_interval = 1\n",
	         state, prom);
	conf = zr_config_write(dir, "fleet.conf", s.port, extra);
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	/* Two hosts with the same serials and times. */
	feed(&p, "host1", 20, 500);
	feed(&p, "host2", 30, 500);
	ck_assert_uint_eq(zr_journal_wait_items(s.journal, 50, 20), 50);
	/* Both fall silent after a second; host1 comes back. */
	ck_assert(zr_plugin_wait_log(&p, "ZRA0605W node host1 has sent nothing", 10));
	ck_assert(zr_plugin_wait_log(&p, "ZRA0605W node host2 has sent nothing", 10));
	feed(&p, "host1", 5, 600);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0606I node host1 is sending again", 10));
	ck_assert_uint_eq(zr_journal_wait_items(s.journal, 55, 20), 55);
	ck_assert_int_eq(kill(p.pid, SIGUSR1), 0);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0602I", 10));
	text = zr_read_file(state, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "\nnodes: 2 known, "), "%s", text);
	line = state_line(text, "\nnode.host1: ");
	ck_assert_ptr_nonnull(line);
	/* (sending, or silent again if the signal took longer than a second) */
	ck_assert_msg(strstr(line, " records=25 events=25 ") && strstr(line, " tag=3924 "), "%s",
	              line);
	free(line);
	line = state_line(text, "\nnode.host2: ");
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(strstr(line, " records=30 events=30 ") && strstr(line, " state=silent"), "%s",
	              line);
	free(line);
	free(text);
	/* The metrics file: replaced every second, readable by the collector. */
	text = NULL;
	for (int i = 0; i < 50; i++) {
		free(text);
		text = zr_read_file(prom, NULL);
		if (text && strstr(text, "\nzos_remote_node_records_total{node=\"host1\"} 25\n") &&
		    strstr(text, "\nzos_remote_items_sent_total 55\n"))
			break;
		zr_sleep(0.1);
	}
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "\nzos_remote_node_records_total{node=\"host1\"} 25\n"), "%s",
	              text);
	ck_assert_msg(strstr(text, "\nzos_remote_node_records_total{node=\"host2\"} 30\n"), "%s",
	              text);
	ck_assert_msg(strstr(text, "\nzos_remote_node_silent{node=\"host2\"} 1\n"), "%s", text);
	ck_assert_msg(strstr(text, "\nzos_remote_items_sent_total 55\n"), "%s", text);
	ck_assert_msg(
	        strstr(text, "\nzos_remote_outcomes_total{major=\"0\",name=\"SUCCESS\"} 55\n"),
	        "%s", text);
	ck_assert_int_eq(stat(prom, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	free(text);
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 20 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	/* Equal serials and times, yet every event has its own link value. */
	ck_assert_int_eq(zr_journal_load(s.journal, &j), 0);
	size_t items = 0;
	for (size_t a = 0; a < j.n; a++) {
		if (!zr_is_item(j.line[a]))
			continue;
		items++;
		for (size_t b = a + 1; b < j.n; b++)
			if (zr_is_item(j.line[b]))
				ck_assert_str_ne(zr_jstr(j.line[a], "link"),
				                 zr_jstr(j.line[b], "link"));
	}
	ck_assert_uint_eq(items, 55);
	zr_journal_free(&j);
	zr_plugin_free(&p);
	zr_sim_free(&s);
	free(conf);
	free(state);
	free(prom);
	free(dir);
}
END_TEST

/* The activity line counts per node; a metrics file that cannot be
 * written is said once, not at every interval, and delivery goes on. */
START_TEST(test_report_and_unwritable_metrics)
{
	struct zr_sim s = {0};
	struct zr_plugin p = {0};
	char *dir = zr_tmpdir(), *conf, *log, extra[600];

	ck_assert_msg(zr_sim_start(&s, dir, 0, NULL) == 0, "simulator did not start");
	snprintf(extra, sizeof(extra),
	         "metrics_file = %s/no-such-dir/zos-remote.prom\n"
	         "metrics_interval = 1\nreport_interval = 1\n",
	         dir);
	setenv("ZR_REPORT_UNIT_SECONDS", "1", 1); /* report_interval in seconds */
	conf = zr_config_write(dir, "m.conf", s.port, extra);
	ck_assert_int_eq(zr_plugin_start(&p, dir, NULL, conf, NULL, NULL), 0);
	feed(&p, "host1", 10, 1);
	ck_assert_uint_eq(zr_journal_wait_items(s.journal, 10, 20), 10);
	ck_assert(zr_plugin_wait_log(&p, "ZRA0608E", 10));
	zr_sleep(2.5); /* two more intervals */
	zr_plugin_close_input(&p);
	ck_assert(zr_plugin_wait(&p, 20 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	log = zr_plugin_log(&p);
	ck_assert_msg(zr_count(log, "ZRA0608E") == 1, "%s", log);
	ck_assert_ptr_nonnull(strstr(log, "no-such-dir/zos-remote.prom"));
	/* Every record of host1 is in some interval's nodes_top. */
	long long sum = 0;
	for (const char *q = strstr(log, " nodes_top=host1:"); q;
	     q = strstr(q + 1, " nodes_top=host1:"))
		sum += atoll(q + strlen(" nodes_top=host1:"));
	ck_assert_msg(sum == 10, "%s", log);
	ck_assert_ptr_nonnull(strstr(log, " nodes=1/1 silent=0 nodes_top=host1:"));
	unsetenv("ZR_REPORT_UNIT_SECONDS");
	free(log);
	zr_plugin_free(&p);
	zr_sim_free(&s);
	free(conf);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fleet");

	tcase_add_test(zr_tcase(s, "nodes", 60), test_nodes_silence_and_state);
	tcase_add_test(zr_tcase(s, "metrics-unwritable", 60), test_report_and_unwritable_metrics);
	return zr_run(s);
}
