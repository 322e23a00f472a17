/* check_outcomes.c - the server's per-item answers (NOTREQ, UNDETERMINED,
 * WARNINGMODE, UNAUTHORIZED, UNSUF_AUTH, VAL_ERR) as the journal records
 * them and as the plugin reports them. */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "shared_logs.h"

/* One simulator, one plugin, one input. */
struct env {
	char *dir;
	char *conf;
	struct zr_sim s;
	struct zr_plugin p;
	struct zr_log l;
	struct zr_journal j;
};

/* Write a file the simulator reads (users, profiles); returns its path. */
static char *side_file(struct env *e, const char *name, const char *text)
{
	char *path = zr_path(e->dir, name);

	ck_assert_int_eq(zr_write_file(path, text, strlen(text), 0600), 0);
	return path;
}

static void env_start_sim(struct env *e, const char *const *sim_args)
{
	if (!e->dir)
		e->dir = zr_tmpdir();
	ck_assert_msg(zr_sim_start(&e->s, e->dir, 0, sim_args) == 0, "simulator did not start");
}

/* Plugin reading the log from a pipe (kept open) or a file (EOF at its end). */
static void env_start_plugin(struct env *e, const char *conf_extra, bool pipe)
{
	e->conf = zr_config_write(e->dir, "zos-remote.conf", e->s.port, conf_extra);
	if (pipe) {
		ck_assert_int_eq(zr_plugin_start(&e->p, e->dir, NULL, e->conf, NULL, NULL), 0);
		ck_assert_int_eq(zr_plugin_feed(&e->p, e->l.text, e->l.len), 0);
	} else {
		char *in = zr_path(e->dir, "input.log");
		ck_assert_int_eq(zr_log_write(&e->l, in), 0);
		ck_assert_int_eq(zr_plugin_start(&e->p, e->dir, NULL, e->conf, in, NULL), 0);
		free(in);
	}
}

static void env_load_journal(struct env *e)
{
	zr_journal_free(&e->j);
	ck_assert_int_eq(zr_journal_load(e->s.journal, &e->j), 0);
}

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

	fprintf(stderr, "--- plugin log (last 2000 bytes):\n%s\n", n > 2000 ? log + n - 2000 : log);
	free(log);
}

/* Every item of the journal has this kind, major and name. */
static size_t count_items(const struct zr_journal *j, const char *kind, long long major,
                          const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < j->n; i++) {
		const json_t *o = j->line[i];
		if (zr_is_item(o) && strcmp(zr_jstr(o, "kind"), kind) == 0 &&
		    zr_jint(o, "major") == major &&
		    (!name || strcmp(zr_jstr(o, "name"), name) == 0))
			n++;
	}
	return n;
}

/* Distinct resources of the records that must arrive. */
static size_t distinct_types(const struct zr_log *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		bool seen = !l->r[i].has_id || l->r[i].eoe;
		for (size_t k = 0; k < i && !seen; k++)
			seen = l->r[k].has_id && !l->r[k].eoe &&
			       strcmp(l->r[k].type, l->r[i].type) == 0;
		n += !seen;
	}
	return n;
}

/* Run to EOF and check the exit, then load the journal. */
static void env_run_to_end(struct env *e)
{
	bool exited = zr_plugin_wait(&e->p, 30 * zr_scale());

	if (!exited || zr_plugin_exit_code(&e->p) != 0)
		show_log(e);
	ck_assert_msg(exited, "plugin still running 30 s after the end of its input");
	ck_assert_int_eq(zr_plugin_exit_code(&e->p), 0);
	zr_sim_stop(&e->s, SIGTERM);
	env_load_journal(e);
}

/* Profile `* none`: every item NOTREQ, not an error, logged a few times. */
START_TEST(test_notreq)
{
	struct env e = {0};
	char *gen = zr_gen_records(400, 5000, 1700000000);

	e.dir = zr_tmpdir();
	char *prof = side_file(&e, "profiles", "* none\n");
	const char *const args[] = {"--profiles", prof, NULL};
	ck_assert_int_eq(zr_log_sample("linux-audit__audit-userspace/test.log", gen, &e.l), 0);
	env_start_sim(&e, args);
	env_start_plugin(&e, NULL, false);
	env_run_to_end(&e);

	size_t expected = zr_log_expected(&e.l), items = zr_journal_count(&e.j, NULL);
	size_t notreq = count_items(&e.j, "item", 3, "NOTREQ");
	char *log = zr_plugin_log(&e.p);
	const char *const needle[] = {"NOTREQ", NULL};
	size_t lines = zr_count_lines(log, needle), types = distinct_types(&e.l);
	printf("notreq: %zu records, %zu items, %zu NOTREQ, %zu log lines name NOTREQ "
	       "(%zu resources)\n",
	       expected, items, notreq, lines, types);
	ck_assert_uint_eq(items, expected);
	ck_assert_uint_eq(notreq, expected);
	ck_assert_msg(lines >= 1, "the plugin never logged NOTREQ");
	ck_assert_msg(lines <= types + 3,
	              "NOTREQ logged on %zu lines for %zu items of %zu resources: not rate-limited",
	              lines, notreq, types);
	free(log);
	free(prof);
	free(gen);
	env_free(&e);
}
END_TEST

/* Only `AVC all`: AVC written, every other record UNDETERMINED (4), named. */
START_TEST(test_undetermined)
{
	struct env e = {0};

	e.dir = zr_tmpdir();
	char *prof = side_file(&e, "profiles", "AVC all\n");
	const char *const args[] = {"--profiles", prof, NULL};
	ck_assert_int_eq(zr_log_sample("linux-audit__audit-userspace/test.log", NULL, &e.l), 0);
	env_start_sim(&e, args);
	env_start_plugin(&e, NULL, false);
	env_run_to_end(&e);

	size_t avc = 0, expected = zr_log_expected(&e.l);
	for (size_t i = 0; i < e.l.n; i++)
		avc += e.l.r[i].has_id && strcmp(e.l.r[i].type, "AVC") == 0;
	size_t written = count_items(&e.j, "smf", 0, NULL);
	size_t undet = count_items(&e.j, "item", 4, "UNDETERMINED");
	char *log = zr_plugin_log(&e.p);
	const char *const n1[] = {"UNDETERMINED", "SYSCALL", NULL};
	printf("undetermined: %zu records, %zu AVC written, %zu UNDETERMINED\n", expected, written,
	       undet);
	ck_assert(avc > 0);
	ck_assert_uint_eq(written, avc);
	ck_assert_uint_eq(undet, expected - avc);
	ck_assert_msg(zr_count_lines(log, n1) >= 1,
	              "no log line names UNDETERMINED and the resource SYSCALL");
	free(log);
	free(prof);
	env_free(&e);
}
END_TEST

/* A profile in warning mode: written with major 2, delivered. */
START_TEST(test_warning)
{
	struct env e = {0};

	e.dir = zr_tmpdir();
	char *prof = side_file(&e, "profiles", "* all warning\n");
	const char *const args[] = {"--profiles", prof, NULL};
	ck_assert_int_eq(zr_log_sample("elastic__go-libaudit/test3.log", NULL, &e.l), 0);
	env_start_sim(&e, args);
	env_start_plugin(&e, NULL, false);
	env_run_to_end(&e);

	size_t expected = zr_log_expected(&e.l), warn = count_items(&e.j, "smf", 2, NULL);
	printf("warning: %zu records, %zu written with major 2\n", expected, warn);
	ck_assert_uint_eq(zr_journal_count(&e.j, NULL), expected);
	ck_assert_uint_eq(warn, expected);
	free(prof);
	env_free(&e);
}
END_TEST

/* A setup error that affects every item (8 or 24): the plugin names the
 * RACF profile to fix, keeps the records and retries; SIGTERM from its
 * parent stops it within drain_timeout (3 s here). */
static void setup_error(const char *const *sim_args, int major, const char *profile)
{
	struct env e = {0};

	e.dir = zr_tmpdir();
	if (!sim_args[0]) {
		char *users = side_file(&e, "users", "ZOSAUDIT zossecret\n");
		const char *const args[] = {"--users", users, NULL};
		env_start_sim(&e, args);
		free(users);
	} else {
		env_start_sim(&e, sim_args);
	}
	ck_assert_int_eq(zr_log_sample("linux-audit__audit-userspace/test.log", NULL, &e.l), 0);
	env_start_plugin(&e, "drain_timeout = 3\n", true);
	bool named = zr_plugin_wait_log(&e.p, profile, 20);
	if (!named)
		show_log(&e);
	ck_assert_msg(named, "no log line names %s within 20 s", profile);
	zr_sleep(1.5); /* let it retry at least once */
	env_load_journal(&e);
	size_t refused = count_items(&e.j, "item", major, NULL);
	size_t written = count_items(&e.j, "smf", 0, NULL);
	double t0 = zr_now();
	kill(e.p.pid, SIGTERM);
	bool exited = zr_plugin_wait(&e.p, (3 + 4) * zr_scale());
	double took = zr_now() - t0;
	printf("major %d: %zu items answered %d, %zu written; SIGTERM -> exit %d after %.2fs\n",
	       major, refused, major, written, zr_plugin_exit_code(&e.p), took);
	ck_assert_msg(refused >= 1, "no item answered %d", major);
	ck_assert_uint_eq(written, 0);
	ck_assert_msg(exited, "plugin still running %.1f s after SIGTERM (drain_timeout 3)", took);
	env_free(&e);
}

START_TEST(test_unauthorized)
{
	const char *const args[] = {"--no-rauditx", NULL};

	setup_error(args, 8, "IRR.RAUDITX");
}
END_TEST

START_TEST(test_unsuf_auth)
{
	const char *const args[] = {NULL};

	setup_error(args, 24, "IRR.LDAP.REMOTE.AUDIT");
}
END_TEST

/* A class the server does not know: UNDETERMINED; the same class given to
 * the server with --class: written. */
START_TEST(test_class)
{
	for (int known = 0; known < 2; known++) {
		struct env e = {0};
		const char *const args[] = {"--class", "@ZRTEST", NULL};
		ck_assert_int_eq(zr_log_sample("elastic__go-libaudit/test2.log", NULL, &e.l), 0);
		env_start_sim(&e, known ? args : NULL);
		env_start_plugin(&e, "class = @ZRTEST\n", false);
		env_run_to_end(&e);
		size_t expected = zr_log_expected(&e.l);
		size_t n = known ? count_items(&e.j, "smf", 0, NULL)
		                 : count_items(&e.j, "item", 4, "UNDETERMINED");
		size_t cls = 0;
		for (size_t i = 0; i < e.j.n; i++)
			cls += zr_is_item(e.j.line[i]) &&
			       strcmp(zr_jstr(e.j.line[i], "class"), "@ZRTEST") == 0;
		printf("class @ZRTEST %s: %zu records, %zu %s, %zu with the class\n",
		       known ? "known" : "unknown", expected, n, known ? "written" : "answered 4",
		       cls);
		ck_assert_uint_eq(n, expected);
		ck_assert_uint_eq(cls, expected);
		env_free(&e);
	}
}
END_TEST

/* The server takes values of at most 100 characters: longer relocates get
 * 16 with MinorCode1 13 (VALUE) and 2 32 (length); the plugin says so. */
START_TEST(test_max_value)
{
	struct env e = {0};
	const char *const args[] = {"--max-value", "100", NULL};
	size_t val_err = 0, ok = 0, other = 0;

	ck_assert_int_eq(
	        zr_log_sample("threathunters-io__laurel/record-execve-long.txt", NULL, &e.l), 0);
	env_start_sim(&e, args);
	env_start_plugin(&e, NULL, false);
	env_run_to_end(&e);
	for (size_t i = 0; i < e.j.n; i++) {
		const json_t *o = e.j.line[i];
		if (!zr_is_item(o))
			continue;
		if (zr_jint(o, "major") == 16 && zr_jint(o, "minor1") == 13 &&
		    zr_jint(o, "minor2") == 32) {
			val_err++;
			continue;
		}
		bool short_values =
		        strcmp(zr_jstr(o, "kind"), "smf") == 0 && zr_jint(o, "major") == 0;
		for (size_t r = 0; r < zr_nrelocs(o) && short_values; r++)
			short_values = strlen(zr_reloc(o, r, NULL)) <= 100;
		if (short_values)
			ok++;
		else
			other++;
	}
	char *log = zr_plugin_log(&e.p);
	const char *const n1[] = {"VALUE", "incorrect length", NULL};
	printf("max-value 100: %zu records, %zu written, %zu VAL_ERR 16/13/32, %zu other\n",
	       zr_log_expected(&e.l), ok, val_err, other);
	ck_assert_msg(val_err >= 1, "no item answered 16/13/32");
	ck_assert_uint_eq(other, 0);
	ck_assert_uint_eq(ok + val_err, zr_log_expected(&e.l));
	ck_assert_msg(zr_count_lines(log, n1) >= 1, "no log line says VALUE and incorrect length");
	free(log);
	env_free(&e);
}
END_TEST

static Suite *outcomes_suite(void)
{
	Suite *s = suite_create("integration-outcomes");

	tcase_add_test(zr_tcase(s, "notreq", 60), test_notreq);
	tcase_add_test(zr_tcase(s, "undetermined", 60), test_undetermined);
	tcase_add_test(zr_tcase(s, "warning", 60), test_warning);
	tcase_add_test(zr_tcase(s, "unauthorized", 60), test_unauthorized);
	tcase_add_test(zr_tcase(s, "unsuf-auth", 60), test_unsuf_auth);
	tcase_add_test(zr_tcase(s, "class", 60), test_class);
	tcase_add_test(zr_tcase(s, "max-value", 60), test_max_value);
	return s;
}

int main(void)
{
	ZR_NEED_SHARED_LOGS();
	return zr_run(outcomes_suite());
}
