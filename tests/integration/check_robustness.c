/* check_robustness.c - bad input between good records: non-ASCII bytes,
 * control characters, huge lines, lines that are not audit records, and
 * records cut short as auditd 4.2/4.2.1 cut them. The plugin keeps going,
 * says why, and every good record arrives. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"
#include "shared_logs.h"

struct env {
	char *dir;
	char *conf;
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_journal j;
	char *log;
};

static void show_log(const char *log)
{
	size_t n = strlen(log);

	fprintf(stderr, "--- plugin log (last 2500 bytes):\n%s\n", n > 2500 ? log + n - 2500 : log);
}

/* Feed bytes through a pipe, end the input, wait for exit 0, read all. */
static void env_run(struct env *e, const char *data, size_t len)
{
	e->dir = zr_tmpdir();
	ck_assert_int_eq(zr_sim_start(&e->s, e->dir, 0, NULL), 0);
	e->conf = zr_config_write(e->dir, "zos-remote.conf", e->s.port, NULL);
	ck_assert_int_eq(zr_plugin_start(&e->p, e->dir, NULL, e->conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&e->p, data, len), 0);
	zr_plugin_close_input(&e->p);
	bool exited = zr_plugin_wait(&e->p, 30 * zr_scale());
	e->log = zr_plugin_log(&e->p);
	if (!exited || zr_plugin_exit_code(&e->p) != 0)
		show_log(e->log);
	ck_assert_msg(exited, "still running 30 s after the end of its input");
	ck_assert_int_eq(zr_plugin_exit_code(&e->p), 0);
	zr_sim_stop(&e->s, SIGTERM);
	ck_assert_int_eq(zr_journal_load(e->s.journal, &e->j), 0);
}

static void env_free(struct env *e)
{
	zr_plugin_free(&e->p);
	zr_sim_free(&e->s);
	zr_journal_free(&e->j);
	free(e->log);
	free(e->conf);
	free(e->dir);
}

/* Items of j whose event is one of l's. */
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

/* Every record of good arrived exactly once and as mapping.md says. */
static void expect_good(const struct env *e, const char *good, const char *what)
{
	struct zr_log l;
	struct zr_journal mine;
	struct zr_verdict v;
	const struct zr_expect ex = {.major = 0, .check_content = true, .per_part = true};

	ck_assert_int_eq(zr_log_parse(good, strlen(good), &l), 0);
	journal_of(&e->j, &l, &mine);
	zr_verify(&l, &mine, &ex, what, &v);
	printf("%s: %zu good records, %zu delivered, %zu items, %zu problems\n", what, v.expected,
	       v.delivered, v.items, v.problems);
	if (v.delivered != v.expected || v.problems)
		show_log(e->log);
	ck_assert_msg(v.delivered == v.expected && v.items == v.expected && v.problems == 0,
	              "%s: %zu of %zu good records delivered, %zu items, %zu problems", what,
	              v.delivered, v.expected, v.items, v.problems);
	zr_journal_free(&mine);
	zr_log_free(&l);
}

/* Relocate values of all items of event id, in journal order. */
static size_t relocs_of(const struct zr_journal *j, const char *id, const char *prefix, char **out)
{
	size_t n = 0;
	FILE *f;
	size_t len = 0;

	*out = NULL;
	f = open_memstream(out, &len);
	for (size_t i = 0; i < j->n; i++) {
		char eid[64];
		if (!zr_item_event_id(j->line[i], eid, sizeof eid) || strcmp(eid, id) != 0)
			continue;
		for (size_t r = 0; r < zr_nrelocs(j->line[i]); r++) {
			const char *v = zr_reloc(j->line[i], r, NULL);
			if (strncmp(v, prefix, strlen(prefix)) == 0) {
				fprintf(f, "%s\n", v);
				n++;
			}
		}
	}
	fclose(f);
	return n;
}

#define GOOD_ACCT(sec, serial, acct)                                                               \
	"type=USER_ACCT msg=audit(" sec ":" serial "): pid=1 uid=0 auid=0 ses=1 "                  \
	"msg='op=PAM:accounting acct=\"" acct "\" exe=\"/usr/bin/su\" hostname=? addr=? "          \
	"terminal=pts/0 res=success'\n"

/* Non-ASCII and control bytes inside records, and lines that are no audit
 * record at all, between good records. */
START_TEST(test_bad_bytes)
{
	struct env e = {0};
	char *gen1 = zr_gen_records(20, 100, 1700008000),
	     *gen2 = zr_gen_records(20, 200, 1700008100);
	const char *odd = GOOD_ACCT("1700008200.001", "8001", "caf\xc3\xa9")
	        GOOD_ACCT("1700008200.002", "8002",
	                  "a\x01"
	                  "b\tc\x7f"
	                  "d");
	const char *junk = "this is not an audit record\n"
	                   "type=SYSCALL but no message id here\n"
	                   "\x1b[31m\xff\xfe binary junk \x01\x02\n";
	char *good = NULL, *all = NULL;

	ck_assert(asprintf(&good, "%s%s%s", gen1, odd, gen2) > 0);
	ck_assert(asprintf(&all, "%s%s%s%s", gen1, odd, junk, gen2) > 0);
	env_run(&e, all, strlen(all));
	expect_good(&e, good, "non-ASCII and control bytes");

	char *acct = NULL;
	size_t n = relocs_of(&e.j, "1700008200.001:8001", "acct=", &acct);
	printf("UTF-8 acct arrived as: %s", acct ? acct : "(none)\n");
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_nonnull(acct);
	ck_assert_msg(strcasecmp(acct, "acct=caf\\xC3\\xA9\n") == 0,
	              "acct=café must arrive as acct=caf\\xC3\\xA9, got %s", acct);
	free(acct);
	relocs_of(&e.j, "1700008200.002:8002", "acct=", &acct);
	printf("control bytes acct arrived as: %s", acct);
	free(acct);

	/* KNOWN FAILURE (plugin bug, input.c): libauparse 3.0.9 drops a line
	 * that is not an audit record without an error, and the plugin does
	 * not check lines itself, so nothing is logged or counted (its exit
	 * summary says "45 records read, 42 events"). The man page (INPUT)
	 * promises malformed records are "counted, logged with the reason". */
	const char *const why[] = {"this is not an audit record", NULL};
	size_t said = zr_count_lines(e.log, why);
	printf("non-record lines: %zu log lines quote the first one\n", said);
	if (said == 0)
		show_log(e.log);
	ck_assert_msg(said >= 1, "no log line says why 'this is not an audit record' was skipped");
	free(good);
	free(all);
	free(gen1);
	free(gen2);
	env_free(&e);
}
END_TEST

/* A 200 KB record (auditd never sends one, but a stream can hold one) and
 * a line over the plugin's 1 MiB limit, between good records. The 200 KB
 * record must either arrive whole (split per mapping.md) or be dropped
 * with a reason; the 1 MiB+ line is dropped with a reason. */
START_TEST(test_long_lines)
{
	struct env e = {0};
	size_t big = (size_t)200 * 1024, huge = (size_t)1100 * 1024;
	char *gen1 = zr_gen_records(20, 100, 1700009000),
	     *gen2 = zr_gen_records(20, 200, 1700009100);
	char *value = malloc(big + 1), *junk = malloc(huge + 2);
	char *big_line = NULL, *good = NULL, *all = NULL;

	ck_assert_ptr_nonnull(value);
	ck_assert_ptr_nonnull(junk);
	for (size_t i = 0; i < big; i++)
		value[i] = (char)('A' + i % 26);
	value[big] = '\0';
	ck_assert(asprintf(&big_line,
	                   "type=USER_CMD msg=audit(1700009050.000:5050): pid=1 uid=0 auid=0 ses=1 "
	                   "zrdata=%s res=success\n",
	                   value) > 0);
	memset(junk, 'x', huge);
	junk[huge] = '\n';
	junk[huge + 1] = '\0';
	ck_assert(asprintf(&good, "%s%s", gen1, gen2) > 0);
	ck_assert(asprintf(&all, "%s%s%s%s", gen1, big_line, junk, gen2) > 0);
	env_run(&e, all, strlen(all));
	expect_good(&e, good, "long lines");

	/* The 200 KB record: whole, or named in the log. */
	char *parts = NULL;
	size_t nparts = relocs_of(&e.j, "1700009050.000:5050", "zrdata", &parts);
	size_t items = 0;
	for (size_t i = 0; i < e.j.n; i++) {
		char id[64];
		items += zr_item_event_id(e.j.line[i], id, sizeof id) &&
		         strcmp(id, "1700009050.000:5050") == 0;
	}
	/* Put the parts back together: "zrdata[k/n]=..." lines in order. */
	char *whole = calloc(1, strlen(parts) + 1);
	ck_assert_ptr_nonnull(whole);
	for (char *l = parts; l && *l;) {
		char *eq = strchr(l, '='), *nl = strchr(l, '\n');
		if (eq && nl && eq < nl)
			strncat(whole, eq + 1, (size_t)(nl - eq - 1));
		l = nl ? nl + 1 : NULL;
	}
	const char *const dropped[] = {"ZRA020", "USER_CMD", NULL};
	bool intact = strcmp(whole, value) == 0;
	size_t named = zr_count_lines(e.log, dropped);
	printf("200 KB record: %zu items, %zu relocates, value %s; %zu log lines name it\n", items,
	       nparts, intact ? "intact" : "NOT intact", named);
	ck_assert_msg(intact || (items == 0 && named >= 1),
	              "the 200 KB record neither arrived whole (%zu of %zu bytes) nor was "
	              "reported as dropped",
	              strlen(whole), big);
	if (intact)
		ck_assert_msg(items >= big / 30000,
		              "%zu items carry %zu bytes (max_item_bytes 30000)", items, big);

	const char *const over[] = {"ZRA0201W", "xxxxxxxx", NULL};
	size_t said = zr_count_lines(e.log, over);
	printf("1100 KB line: %zu log lines (ZRA0201W) quote it\n", said);
	ck_assert_msg(said >= 1, "the 1100 KB line was not reported as dropped (ZRA0201W)");
	free(whole);
	free(parts);
	free(big_line);
	free(value);
	free(junk);
	free(good);
	free(all);
	free(gen1);
	free(gen2);
	env_free(&e);
}
END_TEST

/* Records with their last 16 bytes cut (auditd 4.2/4.2.1, RAW, no node)
 * between good ones: the good ones all arrive; the cut ones are counted. */
START_TEST(test_truncated)
{
	struct env e = {0};
	struct zr_log sample, cut;
	char *gen = zr_gen_records(60, 100, 1700010000);
	char *all = NULL, *cut_text = NULL;
	size_t all_len = 0, cut_len = 0;
	FILE *f = open_memstream(&all, &all_len), *fc = open_memstream(&cut_text, &cut_len);

	ck_assert_int_eq(zr_log_sample("linux-audit__audit-userspace/test.log", NULL, &sample), 0);
	/* Good, cut, good, cut, ...: each cut record between two good ones. */
	const char *g = gen;
	for (size_t i = 0; i < sample.n; i++) {
		const char *nl = strchr(g, '\n');
		if (nl) {
			fwrite(g, 1, (size_t)(nl - g + 1), f);
			g = nl + 1;
		}
		size_t len = strlen(sample.r[i].line);
		size_t keep = len > 16 ? len - 16 : 0;
		fwrite(sample.r[i].line, 1, keep, f);
		fputc('\n', f);
		fwrite(sample.r[i].line, 1, keep, fc);
		fputc('\n', fc);
	}
	fputs(g, f);
	fclose(f);
	fclose(fc);
	env_run(&e, all, all_len);
	expect_good(&e, gen, "around truncated records");

	struct zr_journal mine;
	ck_assert_int_eq(zr_log_parse(cut_text, cut_len, &cut), 0);
	journal_of(&e.j, &cut, &mine);
	printf("truncated records: %zu fed (%zu with an event id, not EOE), %zu items arrived\n",
	       cut.n, zr_log_expected(&cut), zr_journal_count(&mine, NULL));
	for (size_t i = 0; i < mine.n; i++) {
		for (size_t r = 0; r < zr_nrelocs(mine.line[i]); r++) {
			const char *v = zr_reloc(mine.line[i], r, NULL);
			for (const char *c = v; *c; c++)
				ck_assert_msg(*c >= 0x20 && *c <= 0x7e, "unprintable byte in %s",
				              v);
		}
	}
	zr_journal_free(&mine);
	zr_log_free(&cut);
	zr_log_free(&sample);
	free(cut_text);
	free(all);
	free(gen);
	env_free(&e);
}
END_TEST

static Suite *robustness_suite(void)
{
	Suite *s = suite_create("integration-robustness");

	tcase_add_test(zr_tcase(s, "bad-bytes", 60), test_bad_bytes);
	tcase_add_test(zr_tcase(s, "long-lines", 90), test_long_lines);
	tcase_add_test(zr_tcase(s, "truncated", 60), test_truncated);
	return s;
}

int main(void)
{
	ZR_NEED_SHARED_LOGS();
	return zr_run(robustness_suite());
}
