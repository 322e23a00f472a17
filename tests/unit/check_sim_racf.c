/* check_sim_racf.c: simulated RACF: users/profiles files, generic matching, logging decision. */
#include "zr-autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim_racf.h"

static int parse_users(struct racf *r, const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	ck_assert_ptr_nonnull(f);
	int rc = racf_parse_users(r, f, "users.txt", err, errlen);
	fclose(f);
	return rc;
}

static int parse_profiles(struct racf *r, const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	ck_assert_ptr_nonnull(f);
	int rc = racf_parse_profiles(r, f, "profiles.txt", err, errlen);
	fclose(f);
	return rc;
}

START_TEST(test_users_ok)
{
	struct racf r = {0};
	char err[256] = "";
	ck_assert_int_eq(parse_users(&r,
	                             "# bind users\n\n  auditor  s3cret  remote-audit\n"
	                             "NOAUTH pw\n#x y z\n",
	                             err, sizeof err),
	                 0);
	ck_assert_uint_eq(r.nusers, 2);
	const struct racf_user *u = racf_find_user(&r, "Auditor");
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u->id, "AUDITOR");
	ck_assert_str_eq(u->password, "s3cret");
	ck_assert(u->remote_audit);
	u = racf_find_user(&r, "NOAUTH");
	ck_assert_ptr_nonnull(u);
	ck_assert(!u->remote_audit);
	ck_assert_ptr_null(racf_find_user(&r, "OTHER"));
	racf_free(&r);
}
END_TEST

struct bad_case {
	const char *text;
	const char *expect; /* substring of the message, which must start with the file:line */
};

static const struct bad_case bad_users[] = {
        {"OK pw\nLONGUSERID pw\n", "users.txt:2: user id \"LONGUSERID\""},
        {"OK pw\n\n1ABC pw\n", "users.txt:3: user id"},
        {"ONLYONE\n", "users.txt:1: expected \"RACFUSER PASSWORD [remote-audit]\", got 1"},
        {"A pw remote-audot\n", "users.txt:1: third field \"remote-audot\""},
        {"A pw\na pw2\n", "users.txt:2: user A defined twice"},
        {"A pw remote-audit extra\n", "users.txt:1: expected"},
        {"# nothing\n", "users.txt: no users defined"},
};

START_TEST(test_users_errors)
{
	struct racf r = {0};
	char err[256];
	ck_assert_int_eq(parse_users(&r, "KEEP pw remote-audit\n", err, sizeof err), 0);
	const struct bad_case *c = &bad_users[_i];
	err[0] = '\0';
	ck_assert_int_eq(parse_users(&r, c->text, err, sizeof err), -1);
	ck_assert_msg(strstr(err, c->expect) == err, "got \"%s\", want \"%s...\"", err, c->expect);
	/* a failed parse keeps what was there */
	ck_assert_ptr_nonnull(racf_find_user(&r, "KEEP"));
	racf_free(&r);
}
END_TEST

START_TEST(test_load_names_the_file)
{
	char path[] = "/tmp/check_sim_racf.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char text[] = "GOOD pw\nBAD! pw\n";
	ck_assert_int_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	struct racf r = {0};
	char err[512], want[600];
	ck_assert_int_eq(racf_load_users(&r, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: user id", path);
	ck_assert_msg(strstr(err, want) == err, "got %s", err);
	unlink(path);
	ck_assert_int_eq(racf_load_profiles(&r, path, err, sizeof err), -1);
	ck_assert_msg(strstr(err, path) == err && strstr(err, "cannot open"), "got %s", err);
	racf_free(&r);
}
END_TEST

static const struct bad_case bad_profiles[] = {
        {"* all\nSYSCALL sometimes\n", "profiles.txt:2: audit option \"sometimes\""},
        {"A.***.B all\n", "profiles.txt:1: *** is not"},
        {"A** all\n", "profiles.txt:1: ** must be a whole qualifier"},
        {"AVC all\nAVC none\n", "profiles.txt:2: profile AVC defined twice"},
        {"AVC all loud\n", "profiles.txt:1: third field \"loud\""},
        {"AVC\n", "profiles.txt:1: expected"},
};

START_TEST(test_profiles_errors)
{
	struct racf r = {0};
	char err[256] = "";
	const struct bad_case *c = &bad_profiles[_i];
	ck_assert_int_eq(parse_profiles(&r, c->text, err, sizeof err), -1);
	ck_assert_msg(strstr(err, c->expect) == err, "got \"%s\", want \"%s...\"", err, c->expect);
	ck_assert_uint_eq(r.nprofiles, 0);
}
END_TEST

static bool m(const char *profile, const char *res)
{
	return racf_profile_matches(profile, res, strlen(res));
}

START_TEST(test_generic_characters)
{
	ck_assert(m("SYS%ALL", "SYSCALL"));
	ck_assert(!m("SYS%ALL", "SYSCCALL"));
	ck_assert(!m("A%B", "A.B")); /* % does not match the qualifier separator */
	ck_assert(m("SYS*", "SYSCALL"));
	ck_assert(m("SYS*", "SYS"));
	ck_assert(m("A.*", "A.B.C")); /* a trailing * takes the rest of the name */
	ck_assert(m("A*.C", "AXY.C"));
	ck_assert(!m("A*.C", "AX.Y.C")); /* a * within the name stays in its qualifier */
	ck_assert(m("A.**.C", "A.C"));
	ck_assert(m("A.**.C", "A.X.Y.C"));
	ck_assert(!m("A.**.C", "A.X.Y.D"));
	ck_assert(m("A.**", "A"));
	ck_assert(m("A.**", "A.B.C"));
	ck_assert(!m("A.**", "AB"));
	ck_assert(m("**", "ANY.THING"));
	ck_assert(m("*", "SYSCALL"));
	ck_assert(!m("USER_*", "user_login")); /* @LINUX is CASE(ASIS) */
	ck_assert(!m("AVC", "AVCX"));
}
END_TEST

static const char *best(const struct racf *r, const char *res)
{
	const struct racf_profile *p = racf_best_profile(r, res, strlen(res));
	return p ? p->name : "(none)";
}

START_TEST(test_best_profile)
{
	struct racf r = {0};
	char err[256];
	ck_assert_int_eq(parse_profiles(&r,
	                                "** none\n* none\nUSER_* success\nUSER_%%%%% failures\n"
	                                "USER_AUTH all\nA.** none\nA.B.* all\nA.*.C success\n",
	                                err, sizeof err),
	                 0);
	ck_assert_str_eq(best(&r, "USER_AUTH"), "USER_AUTH");   /* discrete first */
	ck_assert_str_eq(best(&r, "USER_LOGIN"), "USER_%%%%%"); /* % beats * */
	ck_assert_str_eq(best(&r, "USER_START"), "USER_%%%%%");
	ck_assert_str_eq(best(&r, "USER_END"), "USER_*");
	ck_assert_str_eq(best(&r, "SYSCALL"), "*"); /* * beats ** */
	ck_assert_str_eq(best(&r, "A.B.C"), "A.B.*");
	ck_assert_str_eq(best(&r, "A.X.C"), "A.*.C");
	ck_assert_str_eq(best(&r, "A.X.Y"), "A.**");
	ck_assert_str_eq(best(&r, "X.Y"), "*"); /* a lone * is a last qualifier: any more */
	ck_assert_str_eq(best(&r, "A"), "A.**");
	racf_free(&r);
	ck_assert_int_eq(parse_profiles(&r, "AVC all\nUSER_* none\n", err, sizeof err), 0);
	ck_assert_str_eq(best(&r, "SYSCALL"), "(none)");
	racf_free(&r);
}
END_TEST

START_TEST(test_decide)
{
	struct racf r = {0};
	char err[256];
	struct racf_decision d;
	ck_assert_int_eq(
	        parse_profiles(&r,
	                       "* none\nAVC all\nOK success\nBAD failures\nWARN all warning\n"
	                       "WARNF failures warning\n",
	                       err, sizeof err),
	        0);
	racf_decide(&r, "SYSCALL", 7, false, &d);
	ck_assert_int_eq(d.major, 3);
	ck_assert_str_eq(d.reason, "profile * has AUDIT(NONE)");
	racf_decide(&r, "AVC", 3, true, &d);
	ck_assert_int_eq(d.major, 0);
	ck_assert_str_eq(d.profile->name, "AVC");
	racf_decide(&r, "OK", 2, false, &d);
	ck_assert_int_eq(d.major, 0);
	racf_decide(&r, "OK", 2, true, &d);
	ck_assert_int_eq(d.major, 3);
	racf_decide(&r, "BAD", 3, true, &d);
	ck_assert_int_eq(d.major, 0);
	racf_decide(&r, "BAD", 3, false, &d);
	ck_assert_int_eq(d.major, 3);
	racf_decide(&r, "WARN", 4, false, &d);
	ck_assert_int_eq(d.major, 2);
	racf_decide(&r, "WARNF", 5, false, &d);
	ck_assert_int_eq(d.major, 3); /* WARNING does not make an unwanted event written */
	racf_free(&r);
	ck_assert_int_eq(parse_profiles(&r, "AVC all\n", err, sizeof err), 0);
	racf_decide(&r, "PATH", 4, false, &d);
	ck_assert_int_eq(d.major, 4);
	ck_assert_ptr_null(d.profile);
	ck_assert_str_eq(d.reason, "no profile covers resource PATH");
	racf_free(&r);
}
END_TEST

START_TEST(test_defaults)
{
	struct racf r = {0};
	ck_assert_int_eq(racf_defaults_users(&r), 0);
	ck_assert_int_eq(racf_defaults_profiles(&r), 0);
	const struct racf_user *u = racf_find_user(&r, "zosaudit");
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u->password, "zossecret");
	ck_assert(u->remote_audit);
	ck_assert_uint_eq(r.nprofiles, 1);
	ck_assert_str_eq(r.profiles[0].name, "*");
	ck_assert_int_eq(r.profiles[0].audit, RACF_AUDIT_ALL);
	racf_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_racf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_users_ok);
	tcase_add_loop_test(tc, test_users_errors, 0, sizeof bad_users / sizeof bad_users[0]);
	tcase_add_test(tc, test_load_names_the_file);
	tcase_add_loop_test(tc, test_profiles_errors, 0,
	                    sizeof bad_profiles / sizeof bad_profiles[0]);
	tcase_add_test(tc, test_generic_characters);
	tcase_add_test(tc, test_best_profile);
	tcase_add_test(tc, test_decide);
	tcase_add_test(tc, test_defaults);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
