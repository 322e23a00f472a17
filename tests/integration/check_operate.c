/* check_operate.c - operator features end to end: the state file on SIGUSR1 and the activity
 * report against a known input, the record filter in the journal, the mapping policy options
 * changing exactly their own fields, --check on broken configurations. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "shared_logs.h"

#define SAMPLE "elastic__go-libaudit/audit-rhel7.log"

struct env {
	char *dir;
	char *conf;
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_log l;
	struct zr_journal j;
};

static void env_free(struct env *e)
{
	zr_plugin_free(&e->p);
	zr_sim_free(&e->s);
	zr_journal_free(&e->j);
	zr_log_free(&e->l);
	free(e->conf);
	free(e->dir);
}

static void show_log(const struct env *e)
{
	char *log = zr_plugin_log(&e->p);
	size_t n = strlen(log);

	fprintf(stderr, "--- plugin log (last 3000 bytes):\n%s\n", n > 3000 ? log + n - 3000 : log);
	free(log);
}

/* The sample plus 40 generated one-record events; simulator with
 * SYSCALL records NOTREQ and everything else written. */
static void env_start(struct env *e, const char *sim_profiles)
{
	char *gen = zr_gen_records(40, 7000, 1700000000);
	char *prof;
	const char *args[3] = {"--profiles", NULL, NULL};

	e->dir = zr_tmpdir();
	ck_assert_int_eq(zr_log_sample(SAMPLE, gen, &e->l), 0);
	free(gen);
	prof = zr_path(e->dir, "profiles");
	ck_assert_int_eq(zr_write_file(prof, sim_profiles, strlen(sim_profiles), 0600), 0);
	args[1] = prof;
	ck_assert_msg(zr_sim_start(&e->s, e->dir, 0, args) == 0, "simulator did not start");
	free(prof);
}

/* Plugin reading the log from a pipe that stays open. */
static void env_plugin_pipe(struct env *e, const char *extra)
{
	e->conf = zr_config_write(e->dir, "op.conf", e->s.port, extra);
	ck_assert_int_eq(zr_plugin_start(&e->p, e->dir, NULL, e->conf, NULL, NULL), 0);
	ck_assert_int_eq(zr_plugin_feed(&e->p, e->l.text, e->l.len), 0);
}

/* Records of the input that must become items, and those of one type. */
static size_t records_of(const struct zr_log *l, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->r[i].has_id && !l->r[i].eoe && (!type || strcmp(l->r[i].type, type) == 0);
	return n;
}

/* Items of the journal with this resource (NULL: all). */
static size_t items_of(const struct zr_journal *j, const char *resource)
{
	size_t n = 0;

	for (size_t i = 0; i < j->n; i++)
		n += zr_is_item(j->line[i]) &&
		     (!resource || strcmp(zr_jstr(j->line[i], "resource"), resource) == 0);
	return n;
}

/* The value of `key: ` in a state file, or -1. */
static long long state_value(const char *text, const char *key)
{
	char needle[160];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s: ", key);
	p = strstr(text, needle);
	return p ? atoll(p + strlen(needle)) : -1;
}

START_TEST(test_state_file_on_sigusr1)
{
	struct env e = {0};
	char extra[512], *state_path, *text;
	size_t syscall, cwd, expected;

	env_start(&e, "SYSCALL none\n* all\n");
	syscall = records_of(&e.l, "SYSCALL");
	cwd = records_of(&e.l, "CWD");
	expected = records_of(&e.l, NULL) - cwd;
	ck_assert_uint_gt(syscall, 0);
	ck_assert_uint_gt(cwd, 0);
	state_path = zr_path(e.dir, "op.state");
	snprintf(extra, sizeof(extra), "skip_types = CWD\nstate_file = %s\n", state_path);
	env_plugin_pipe(&e, extra);
	ck_assert_uint_eq(zr_journal_wait_items(e.s.journal, expected, 20), expected);
	zr_sleep(0.3); /* the last response reaches the plugin's counters */
	ck_assert_int_eq(kill(e.p.pid, SIGUSR1), 0);
	if (!zr_plugin_wait_log(&e.p, "ZRA0602I", 10))
		show_log(&e);
	ck_assert(zr_plugin_wait_log(&e.p, "ZRA0602I", 1));
	text = zr_read_file(state_path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(state_value(text, "records_skipped"), (long long)cwd);
	ck_assert_int_eq(state_value(text, "skipped.CWD"), (long long)cwd);
	ck_assert_int_eq(state_value(text, "outcome.NOTREQ"), (long long)syscall);
	ck_assert_int_eq(state_value(text, "notreq.SYSCALL"), (long long)syscall);
	ck_assert_int_eq(state_value(text, "outcome.SUCCESS"), (long long)(expected - syscall));
	ck_assert_int_eq(state_value(text, "items_sent"), (long long)expected);
	ck_assert_int_eq(state_value(text, "settled.NOTREQ"), (long long)syscall);
	ck_assert_int_ge(state_value(text, "records_read"), (long long)records_of(&e.l, NULL));
	ck_assert_int_eq(state_value(text, "config.port"), e.s.port);
	ck_assert_ptr_nonnull(strstr(text, "\nconfig.password: (set)\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nconfig.skip_types: CWD\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nconnected: yes\n"));
	ck_assert_ptr_null(strstr(text, "zossecret"));
	struct stat st;
	ck_assert_int_eq(stat(state_path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* The filter: no CWD reached the server, every other record did. */
	zr_plugin_close_input(&e.p);
	ck_assert(zr_plugin_wait(&e.p, 20 * zr_scale()));
	ck_assert_int_eq(zr_journal_load(e.s.journal, &e.j), 0);
	ck_assert_uint_eq(items_of(&e.j, "CWD"), 0);
	ck_assert_uint_eq(items_of(&e.j, NULL), expected);
	ck_assert_uint_eq(items_of(&e.j, "SYSCALL"), syscall);
	free(text);
	free(state_path);
	env_free(&e);
}
END_TEST

/* Sum of `key=N` over every activity line of the log. */
static long long report_sum(const char *log, const char *key)
{
	char needle[64];
	long long sum = 0;

	snprintf(needle, sizeof(needle), " %s=", key);
	for (const char *l = strstr(log, "ZRA0601I"); l; l = strstr(l + 1, "ZRA0601I")) {
		const char *eol = strchr(l, '\n'), *p = strstr(l, needle);

		if (p && (!eol || p < eol))
			sum += atoll(p + strlen(needle));
	}
	return sum;
}

START_TEST(test_activity_report)
{
	struct env e = {0};
	size_t expected, syscall;
	char *log;

	/* The documented test hook: report_interval counts seconds. */
	setenv("ZR_REPORT_UNIT_SECONDS", "1", 1);
	env_start(&e, "SYSCALL none\n* all\n");
	expected = records_of(&e.l, NULL);
	syscall = records_of(&e.l, "SYSCALL");
	env_plugin_pipe(&e, "report_interval = 1\n");
	ck_assert_uint_eq(zr_journal_wait_items(e.s.journal, expected, 20), expected);
	zr_sleep(2.5); /* two more reports: every figure is in some interval */
	zr_plugin_close_input(&e.p);
	ck_assert(zr_plugin_wait(&e.p, 20 * zr_scale()));
	log = zr_plugin_log(&e.p);
	ck_assert_msg(zr_count(log, "ZRA0601I activity in the last ") >= 2, "%s", log);
	ck_assert_int_eq(report_sum(log, "items_sent"), (long long)expected);
	ck_assert_int_eq(report_sum(log, "skipped"), 0);
	ck_assert_int_eq(report_sum(log, "dropped"), 0);
	ck_assert_int_eq(report_sum(log, "connects"), 1);
	ck_assert_int_ge(report_sum(log, "records"), (long long)expected);
	ck_assert_ptr_nonnull(strstr(log, "notreq_top=SYSCALL:"));
	ck_assert_ptr_nonnull(strstr(log, " connected=yes queue="));
	/* The NOTREQ counts of all intervals add up to the SYSCALL records. */
	long long notreq = 0;
	for (const char *p = strstr(log, "NOTREQ:"); p; p = strstr(p + 1, "NOTREQ:"))
		notreq += atoll(p + 7);
	ck_assert_int_eq(notreq, (long long)syscall);
	free(log);
	unsetenv("ZR_REPORT_UNIT_SECONDS");
	env_free(&e);
}
END_TEST

START_TEST(test_send_types_only)
{
	struct env e = {0};
	size_t want;

	env_start(&e, "* all\n");
	want = records_of(&e.l, "SYSCALL") + records_of(&e.l, "USER_ACCT");
	ck_assert_uint_gt(records_of(&e.l, "USER_ACCT"), 0);
	env_plugin_pipe(&e, "send_types = SYSCALL,user_acct\n");
	zr_plugin_close_input(&e.p);
	ck_assert(zr_plugin_wait(&e.p, 20 * zr_scale()));
	ck_assert_int_eq(zr_plugin_exit_code(&e.p), 0);
	ck_assert_int_eq(zr_journal_load(e.s.journal, &e.j), 0);
	ck_assert_uint_eq(items_of(&e.j, NULL), want);
	ck_assert_uint_eq(items_of(&e.j, "SYSCALL") + items_of(&e.j, "USER_ACCT"), want);
	env_free(&e);
}
END_TEST

/* ---- policy options: a run with one option against a default run ---- */

/* The journal of one run of the input to EOF with extra config keys. */
static void run_once(struct env *e, const char *extra, const char *name, struct zr_journal *j)
{
	struct zr_sim s = {0};
	struct zr_plugin p = {0};
	char *conf, *in = zr_path(e->dir, "input.log");
	const char *const args[] = {"--profiles", "/dev/null", NULL};
	char sub[64];

	snprintf(sub, sizeof(sub), "%s", name);
	char *dir = zr_path(e->dir, sub);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_msg(zr_sim_start(&s, dir, 0, args) == 0, "simulator did not start");
	ck_assert_int_eq(zr_log_write(&e->l, in), 0);
	conf = zr_config_write(dir, "p.conf", s.port, extra);
	ck_assert(zr_plugin_run_file(&p, dir, conf, in, NULL, 30));
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	zr_sim_stop(&s, SIGTERM);
	ck_assert_int_eq(zr_journal_load(s.journal, j), 0);
	ck_assert_uint_eq(items_of(j, NULL), records_of(&e->l, NULL));
	zr_plugin_free(&p);
	zr_sim_free(&s);
	free(conf);
	free(in);
	free(dir);
}

/* The item of b that is the same record as item a: same event id,
 * resource and position among that event's items of that resource. */
static const json_t *same_item(const struct zr_journal *ja, size_t ia, const struct zr_journal *jb)
{
	char ida[64], idb[64];
	const char *res = zr_jstr(ja->line[ia], "resource");
	size_t nth = 0, k = 0;

	ck_assert(zr_item_event_id(ja->line[ia], ida, sizeof(ida)));
	for (size_t i = 0; i < ia; i++)
		nth += zr_is_item(ja->line[i]) && zr_item_event_id(ja->line[i], idb, sizeof(idb)) &&
		       strcmp(ida, idb) == 0 && strcmp(res, zr_jstr(ja->line[i], "resource")) == 0;
	for (size_t i = 0; i < jb->n; i++)
		if (zr_is_item(jb->line[i]) && zr_item_event_id(jb->line[i], idb, sizeof(idb)) &&
		    strcmp(ida, idb) == 0 && strcmp(res, zr_jstr(jb->line[i], "resource")) == 0 &&
		    k++ == nth)
			return jb->line[i];
	return NULL;
}

/* Fields of an item as the journal shows them that the options may touch. */
static const char *const fields[] = {"event", "qualifier", "violation", "link",
                                     "class", "logstring", "relocates"};

/* Compare every item of base with its twin in other: only field may
 * differ; returns how many items it differs in. */
static size_t diff_only(const struct zr_journal *base, const struct zr_journal *other,
                        const char *field)
{
	size_t changed = 0;

	for (size_t i = 0; i < base->n; i++) {
		const json_t *a = base->line[i], *b;

		if (!zr_is_item(a))
			continue;
		b = same_item(base, i, other);
		ck_assert_msg(b != NULL, "item %zu has no twin with %s", i, field);
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			bool same = json_equal(json_object_get(a, fields[f]),
			                       json_object_get(b, fields[f]));

			if (strcmp(fields[f], field) == 0)
				changed += !same;
			else
				ck_assert_msg(same, "%s changed %s of item %zu", field, fields[f],
				              i);
		}
	}
	return changed;
}

START_TEST(test_policy_options)
{
	struct env e = {0};
	struct zr_journal base = {0}, j = {0};
	char *gen = zr_gen_records(10, 9000, 1700000000);

	e.dir = zr_tmpdir();
	ck_assert_int_eq(zr_log_sample(SAMPLE, gen, &e.l), 0);
	free(gen);
	run_once(&e, NULL, "base", &base);

	run_once(&e, "event_code = by_type\n", "by_type", &j);
	ck_assert_uint_gt(diff_only(&base, &j, "event"), 0);
	for (size_t i = 0; i < j.n; i++)
		if (zr_is_item(j.line[i]) &&
		    strcmp(zr_jstr(j.line[i], "logstring") +
		                   strlen(zr_jstr(j.line[i], "logstring")) -
		                   strlen("CONFIG_CHANGE"),
		           "CONFIG_CHANGE") == 0)
			ck_assert_int_eq(zr_jint(j.line[i], "event"), 5); /* policy management */
	zr_journal_free(&j);

	run_once(&e, "violation = failures\n", "violation", &j);
	ck_assert_uint_gt(diff_only(&base, &j, "violation"), 0);
	for (size_t i = 0; i < j.n; i++)
		if (zr_is_item(j.line[i]))
			ck_assert_int_eq(zr_jbool(j.line[i], "violation"),
			                 zr_jint(j.line[i], "qualifier") == 3);
	zr_journal_free(&j);

	run_once(&e, "class = @AUDIT\n", "class", &j);
	ck_assert_uint_eq(diff_only(&base, &j, "class"), items_of(&base, NULL));
	for (size_t i = 0; i < j.n; i++)
		if (zr_is_item(j.line[i]))
			ck_assert_str_eq(zr_jstr(j.line[i], "class"), "@AUDIT");
	zr_journal_free(&j);

	run_once(&e, "link_value = serial\n", "link", &j);
	ck_assert_uint_eq(diff_only(&base, &j, "link"), items_of(&base, NULL));
	for (size_t i = 0; i < j.n; i++)
		if (zr_is_item(j.line[i]))
			ck_assert_str_eq(zr_jstr(j.line[i], "link") + 8, "00000000");
	zr_journal_free(&j);

	zr_journal_free(&base);
	env_free(&e);
}
END_TEST

/* ---- --check ---- */

/* Run --check on text (mode 0600 unless mode given); its output in *out. */
static int run_check(const char *dir, const char *text, unsigned mode, char **out)
{
	struct zr_plugin p = {0};
	char *conf = zr_path(dir, "c.conf");
	const char *const args[] = {"--check", NULL};
	int rc;

	ck_assert_int_eq(zr_write_file(conf, text, strlen(text), mode), 0);
	ck_assert_int_eq(zr_plugin_start(&p, dir, "check.out", conf, "/dev/null", args), 0);
	ck_assert(zr_plugin_wait(&p, 10));
	rc = zr_plugin_exit_code(&p);
	*out = zr_plugin_log(&p);
	zr_plugin_free(&p);
	free(conf);
	return rc;
}

#define OKCONF "server = 127.0.0.1\nuser = ZOSAUDIT\npassword = zossecret\ntls = none\n"

START_TEST(test_check_broken_configs)
{
	char *dir = zr_tmpdir(), *out, *pem = zr_path(dir, "ca.pem"), *key = zr_path(dir, "k.pem");
	char text[2048];
	static const char pem_text[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END "
	                               "CERTIFICATE-----\n";
	struct {
		const char *extra;
		const char *msg;
	} cases[] = {
	        {"skip_types = SYSCALL,NOPE\n",
	         "c.conf:5: key 'skip_types': 'NOPE' is not a record type libaudit knows"},
	        {"send_types = USER_*\nskip_types = PATH\n",
	         "c.conf:6: key 'skip_types': 'send_types' is also set (line 5)"},
	        {"report_interval = 2000\n", "c.conf:5: key 'report_interval': value '2000' is out "
	                                     "of range; use 0-1440"},
	        {"keepalive_idle = -1\n", "c.conf:5: key 'keepalive_idle': value '-1' is not a "
	                                  "number"},
	        {"state_file = /nonexistent-zr/x.state\n",
	         "c.conf:5: key 'state_file': directory /nonexistent-zr: No such file or "
	         "directory"},
	        {"tls_ca_file = /etc/passwd\n",
	         "c.conf:5: key 'tls_ca_file': /etc/passwd holds no PEM block"},
	        {"tls_ca_file = /nonexistent-zr.pem\n",
	         "c.conf:5: key 'tls_ca_file': cannot open /nonexistent-zr.pem: No such file"},
	};

	ck_assert_int_eq(zr_write_file(pem, pem_text, strlen(pem_text), 0644), 0);
	ck_assert_int_eq(zr_write_file(key, pem_text, strlen(pem_text), 0644), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), OKCONF "%s", cases[i].extra);
		ck_assert_int_eq(run_check(dir, text, 0600, &out), 1);
		ck_assert_msg(strstr(out, cases[i].msg), "case %zu: want '%s' in:\n%s", i,
		              cases[i].msg, out);
		free(out);
	}
	/* The server name must resolve (.invalid never does, RFC 2606). */
	ck_assert_int_eq(run_check(dir,
	                           "user = ZOSAUDIT\npassword = zossecret\ntls = none\n"
	                           "server = zr-test.invalid\n",
	                           0600, &out),
	                 1);
	ck_assert_ptr_nonnull(
	        strstr(out, "c.conf:4: key 'server': cannot resolve zr-test.invalid"));
	free(out);
	/* A private key readable by others; several problems, all printed. */
	snprintf(text, sizeof(text),
	         OKCONF "tls_cert_file = %s\ntls_key_file = %s\nspool_dir = /etc/hostname/x\n", pem,
	         key);
	ck_assert_int_eq(run_check(dir, text, 0600, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "c.conf:6: key 'tls_key_file': "));
	ck_assert_ptr_nonnull(strstr(out, "has mode 0644; a private key must be 0600 or 0400"));
	ck_assert_ptr_nonnull(strstr(out, "c.conf:7: key 'spool_dir': "));
	ck_assert_ptr_null(strstr(out, "key 'tls_cert_file'"));
	ck_assert_ptr_nonnull(strstr(out, "2 problem(s)"));
	free(out);
	/* Permissions, then a good file. */
	ck_assert_int_eq(run_check(dir, OKCONF, 0644, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "mode 0644 is unsafe"));
	free(out);
	snprintf(text, sizeof(text), OKCONF "tls_ca_file = %s\nskip_types = PATH,USER_*\n", pem);
	ck_assert_int_eq(run_check(dir, text, 0600, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "c.conf is valid"));
	free(out);
	free(pem);
	free(key);
	free(dir);
}
END_TEST

START_TEST(test_version)
{
	struct zr_plugin p = {0};
	char *dir = zr_tmpdir(), *out;
	const char *const args[] = {"--version", NULL};

	ck_assert_int_eq(zr_plugin_start(&p, dir, "v.out", "/nonexistent", "/dev/null", args), 0);
	ck_assert(zr_plugin_wait(&p, 10));
	ck_assert_int_eq(zr_plugin_exit_code(&p), 0);
	out = zr_plugin_log(&p);
	ck_assert_str_eq(out, "audispd-zos-remote " PACKAGE_VERSION "\n");
	free(out);
	zr_plugin_free(&p);
	free(dir);
}
END_TEST

int main(void)
{
	ZR_NEED_SHARED_LOGS();
	Suite *s = suite_create("operate");

	tcase_add_test(zr_tcase(s, "state-file", 60), test_state_file_on_sigusr1);
	tcase_add_test(zr_tcase(s, "activity-report", 60), test_activity_report);
	tcase_add_test(zr_tcase(s, "send-types", 60), test_send_types_only);
	tcase_add_test(zr_tcase(s, "policy-options", 120), test_policy_options);
	tcase_add_test(zr_tcase(s, "check", 60), test_check_broken_configs);
	tcase_add_test(zr_tcase(s, "version", 30), test_version);
	return zr_run(s);
}
