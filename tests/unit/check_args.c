/* check_args.c - the command line: options, errors named, the config path
 * and its audispd fallback, the syslog ident. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"

/* argv from a NULL-terminated list; what err got is in *said. */
static int parse(const char *root, struct options *o, char **said, ...)
{
	char *argv[16];
	int argc = 0;
	size_t len = 0;
	FILE *err = open_memstream(said, &len);
	va_list ap;

	argv[argc++] = (char *)ARGS_PROG;
	va_start(ap, said);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	int rc = args_parse(argc, argv, root, o, err);
	fclose(err);
	return rc;
}

START_TEST(defaults_and_every_option)
{
	struct options o;
	char *said;

	ck_assert_int_eq(parse("/nonexistent", &o, &said, NULL), 0);
	ck_assert_str_eq(o.config_path, CONFIG_DEFAULT_PATH);
	ck_assert(!o.to_stderr && !o.check && !o.version && !o.help && !o.audisp_layout);
	ck_assert_int_eq(o.format, -1);
	ck_assert_str_eq(said, "");
	free(said);
	ck_assert_int_eq(parse("", &o, &said, "--stderr", "--format", "binary", "--check",
	                       "--plugins-dir", "/tmp/pd", "/etc/x/sysa.conf", NULL),
	                 0);
	ck_assert(o.to_stderr && o.check);
	ck_assert_int_eq(o.format, CONFIG_FORMAT_BINARY);
	ck_assert_str_eq(o.plugins_dir, "/tmp/pd");
	ck_assert_str_eq(o.config_path, "/etc/x/sysa.conf");
	free(said);
	ck_assert_int_eq(parse("", &o, &said, "--format=string", "--version", NULL), 0);
	ck_assert_int_eq(o.format, CONFIG_FORMAT_STRING);
	ck_assert(o.version);
	free(said);
	ck_assert_int_eq(parse("", &o, &said, "--help", NULL), 0);
	ck_assert(o.help);
	free(said);
}
END_TEST

START_TEST(errors_are_named)
{
	struct options o;
	char *said;

	ck_assert_int_eq(parse("", &o, &said, "--format", "json", NULL), 1);
	ck_assert_ptr_nonnull(strstr(said, "--format must be string or binary, not json"));
	free(said);
	ck_assert_int_eq(parse("", &o, &said, "--bogus", NULL), 1);
	ck_assert_ptr_nonnull(strstr(said, "unknown option or missing value: --bogus"));
	ck_assert_ptr_nonnull(strstr(said, "usage: "));
	free(said);
	ck_assert_int_eq(parse("", &o, &said, "a.conf", "b.conf", NULL), 1);
	ck_assert_ptr_nonnull(strstr(said, "one configuration file at most (extra: b.conf)"));
	free(said);
	/* A second parse starts afresh (getopt's state is reset). */
	ck_assert_int_eq(parse("", &o, &said, "--stderr", NULL), 0);
	ck_assert(o.to_stderr);
	free(said);
}
END_TEST

/* Without CONFIG: /etc/audit/zos-remote.conf, else the audispd one when
 * only that exists. */
START_TEST(audispd_layout_fallback)
{
	char root[] = "/tmp/check_args.XXXXXX", path[512], *said;
	struct options o;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/etc", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/etc/audisp", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s%s", root, CONFIG_AUDISP_PATH);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(parse(root, &o, &said, NULL), 0);
	ck_assert(o.audisp_layout);
	ck_assert_str_eq(o.config_path, path);
	free(said);
	/* Both there: /etc/audit wins. */
	char audit[512];
	snprintf(audit, sizeof(audit), "%s/etc/audit", root);
	ck_assert_int_eq(mkdir(audit, 0700), 0);
	snprintf(audit, sizeof(audit), "%s%s", root, CONFIG_DEFAULT_PATH);
	f = fopen(audit, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(parse(root, &o, &said, NULL), 0);
	ck_assert(!o.audisp_layout);
	ck_assert_str_eq(o.config_path, CONFIG_DEFAULT_PATH);
	free(said);
	unlink(audit);
	unlink(path);
	snprintf(path, sizeof(path), "%s/etc/audisp", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/etc/audit", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/etc", root);
	rmdir(path);
	rmdir(root);
}
END_TEST

START_TEST(ident_names_the_instance)
{
	char id[128];

	args_ident(CONFIG_DEFAULT_PATH, id, sizeof(id));
	ck_assert_str_eq(id, ARGS_PROG);
	args_ident(CONFIG_AUDISP_PATH, id, sizeof(id));
	ck_assert_str_eq(id, ARGS_PROG);
	args_ident("/etc/audit/sysa.conf", id, sizeof(id));
	ck_assert_str_eq(id, ARGS_PROG "/sysa");
	args_ident("plex2", id, sizeof(id));
	ck_assert_str_eq(id, ARGS_PROG "/plex2");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("args");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults_and_every_option);
	tcase_add_test(tc, errors_are_named);
	tcase_add_test(tc, audispd_layout_fallback);
	tcase_add_test(tc, ident_names_the_instance);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
