/* check_idcache.c - the uid/gid interpretation cache: keys, expiry, bounds, and its field list
 * against libauparse itself. */
#include <auparse.h>
#include <check.h>
#include <grp.h>
#include <libaudit.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib_interpret.h"

#include "idcache.h"

START_TEST(test_fields)
{
	static const char *const yes[] = {
	        "auid",  "uid",  "euid",      "suid",  "fsuid",     "ouid",   "oauid", "old-auid",
	        "iuid",  "id",   "inode_uid", "sauid", "obj_uid",   "gid",    "egid",  "sgid",
	        "fsgid", "ogid", "obj_gid",   "igid",  "inode_gid", "new_gid"};
	static const char *const no[] = {
	        "pid",     "ppid",    "ses", "exe", "uid_len", "old_auid", "new-auid", "new_uid",
	        "old_gid", "new-gid", "UID", "d",   "",        "acct",     "grantors", "void"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		ck_assert_msg(idcache_field(AUDIT_SYSCALL, yes[i]), "%s", yes[i]);
		ck_assert_msg(idcache_field(AUDIT_ADD_GROUP, yes[i]), "%s", yes[i]);
		/* An EXECVE field starting with 'a' is an argument: never. */
		ck_assert_msg(!idcache_field(AUDIT_EXECVE, yes[i]), "%s", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!idcache_field(AUDIT_SYSCALL, no[i]), "%s", no[i]);
	ck_assert(!idcache_field(AUDIT_SYSCALL, NULL));
}
END_TEST

/* libauparse's interpretation of name=value in a record of type tname. */
static char *interpret_one(const char *tname, const char *name, const char *value)
{
	char text[256];

	snprintf(text, sizeof(text), "type=%s msg=audit(1.000:1): pid=1 %s=%s\n", tname, name,
	         value);
	return lib_interpret(text, name);
}

/* The field list is libauparse 3.0.9's: a name is in it exactly when
 * auparse resolves its value as a uid or gid (an id unknown here comes
 * back as "unknown(N)"). Names next to them in the type table are out. */
START_TEST(test_fields_are_libauparse_ids)
{
	static const char *const names[] = {
	        "auid",     "uid",      "euid",     "suid",      "fsuid",   "ouid",    "oauid",
	        "old-auid", "iuid",     "id",       "inode_uid", "sauid",   "obj_uid", "gid",
	        "egid",     "sgid",     "fsgid",    "ogid",      "obj_gid", "igid",    "inode_gid",
	        "new_gid",  "old_auid", "new-auid", "new_uid",   "old_gid", "new-gid", "pid",
	        "ppid",     "ses",      "sid",      "tid",       "old-ses", "grp",     "acct"};
	static const struct {
		int type;
		const char *name;
	} types[] = {{AUDIT_SYSCALL, "SYSCALL"},
	             {AUDIT_USER_ACCT, "USER_ACCT"},
	             {AUDIT_ADD_GROUP, "ADD_GROUP"},
	             {AUDIT_ADD_USER, "ADD_USER"},
	             {AUDIT_PATH, "PATH"}};
	const unsigned id = 54321;

	if (getpwuid(id) || getgrgid(id))
		return; /* known here: "unknown(N)" cannot tell them apart */
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char *v = interpret_one(types[t].name, names[i], "54321");
			bool nss = strcmp(v, "unknown(54321)") == 0;
			ck_assert_msg(nss == idcache_field(types[t].type, names[i]),
			              "%s in %s: libauparse says %s", names[i], types[t].name, v);
			free(v);
		}
	}
}
END_TEST

START_TEST(test_put_get)
{
	struct idcache *c = idcache_new(64, 5.0);
	struct idcache_stats st;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "uid", "1000"));
	idcache_put(c, AUDIT_SYSCALL, "uid", "1000", "alice");
	ck_assert_str_eq(idcache_get(c, AUDIT_SYSCALL, "uid", "1000"), "alice");
	/* Every part of the key counts. */
	ck_assert_ptr_null(idcache_get(c, AUDIT_PATH, "uid", "1000"));
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "euid", "1000"));
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "uid", "100"));
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "uid", "10000"));
	/* "id" is a gid in group records, a uid elsewhere. */
	idcache_put(c, AUDIT_ADD_GROUP, "id", "5", "tty");
	idcache_put(c, AUDIT_ADD_USER, "id", "5", "games");
	ck_assert_str_eq(idcache_get(c, AUDIT_ADD_GROUP, "id", "5"), "tty");
	ck_assert_str_eq(idcache_get(c, AUDIT_ADD_USER, "id", "5"), "games");
	/* A newer text for the same key replaces the old one. */
	idcache_put(c, AUDIT_SYSCALL, "uid", "1000", "alice2");
	ck_assert_str_eq(idcache_get(c, AUDIT_SYSCALL, "uid", "1000"), "alice2");
	/* Other fields are neither kept nor found. */
	idcache_put(c, AUDIT_SYSCALL, "pid", "1000", "x");
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "pid", "1000"));
	idcache_put(c, AUDIT_EXECVE, "auid", "1000", "x");
	ck_assert_ptr_null(idcache_get(c, AUDIT_EXECVE, "auid", "1000"));
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, NULL, "1000"));
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "uid", NULL));
	idcache_put(c, AUDIT_SYSCALL, "uid", "7", NULL);
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "uid", "7"));
	idcache_get_stats(c, &st);
	ck_assert_uint_eq(st.stored, 4);
	ck_assert_uint_eq(st.hits, 4);
	idcache_free(c);
	idcache_free(NULL);
}
END_TEST

START_TEST(test_expiry)
{
	struct idcache *c = idcache_new(64, 5.0);

	idcache_set_now(c, 100.0);
	idcache_put(c, AUDIT_SYSCALL, "auid", "4242", "unknown(4242)");
	idcache_set_now(c, 104.999);
	ck_assert_str_eq(idcache_get(c, AUDIT_SYSCALL, "auid", "4242"), "unknown(4242)");
	/* Used, not renewed: a user created meanwhile shows up on time. */
	idcache_set_now(c, 105.0);
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "auid", "4242"));
	idcache_put(c, AUDIT_SYSCALL, "auid", "4242", "newuser");
	ck_assert_str_eq(idcache_get(c, AUDIT_SYSCALL, "auid", "4242"), "newuser");
	idcache_free(c);
}
END_TEST

START_TEST(test_limits)
{
	struct idcache *c = idcache_new(64, 5.0);
	char raw[IDCACHE_RAW_MAX + 2], text[IDCACHE_TEXT_MAX + 2];

	memset(raw, '7', sizeof(raw) - 1);
	raw[sizeof(raw) - 1] = '\0';
	memset(text, 'n', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	idcache_put(c, AUDIT_SYSCALL, "uid", raw, "x"); /* raw one byte too long */
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "uid", raw));
	idcache_put(c, AUDIT_SYSCALL, "uid", "1", text); /* text one byte too long */
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "uid", "1"));
	raw[IDCACHE_RAW_MAX] = '\0';
	text[IDCACHE_TEXT_MAX] = '\0';
	idcache_put(c, AUDIT_SYSCALL, "uid", raw, text); /* both at the limit */
	ck_assert_str_eq(idcache_get(c, AUDIT_SYSCALL, "uid", raw), text);
	idcache_free(c);
}
END_TEST

/* Memory is fixed: a cache of one set (4 entries) keeps the 4 newest. */
START_TEST(test_bounded)
{
	struct idcache *c = idcache_new(1, 5.0);
	struct idcache_stats st;
	char raw[16], name[16];

	for (int i = 0; i < 5; i++) {
		idcache_set_now(c, i);
		snprintf(raw, sizeof(raw), "%d", 1000 + i);
		snprintf(name, sizeof(name), "u%d", i);
		idcache_put(c, AUDIT_SYSCALL, "uid", raw, name);
	}
	ck_assert_ptr_null(idcache_get(c, AUDIT_SYSCALL, "uid", "1000"));
	for (int i = 1; i < 5; i++) {
		snprintf(raw, sizeof(raw), "%d", 1000 + i);
		snprintf(name, sizeof(name), "u%d", i);
		ck_assert_str_eq(idcache_get(c, AUDIT_SYSCALL, "uid", raw), name);
	}
	idcache_get_stats(c, &st);
	ck_assert_uint_eq(st.replaced, 1);
	ck_assert_uint_eq(st.stored, 5);
	idcache_free(c);

	/* Many keys through a bigger cache: whatever is found is right. */
	c = idcache_new(IDCACHE_CAPACITY, 5.0);
	for (int i = 0; i < 20 * IDCACHE_CAPACITY; i++) {
		snprintf(raw, sizeof(raw), "%d", i);
		snprintf(name, sizeof(name), "n%d", i);
		idcache_put(c, AUDIT_SYSCALL, "gid", raw, name);
	}
	int found = 0;
	for (int i = 0; i < 20 * IDCACHE_CAPACITY; i++) {
		snprintf(raw, sizeof(raw), "%d", i);
		snprintf(name, sizeof(name), "n%d", i);
		const char *v = idcache_get(c, AUDIT_SYSCALL, "gid", raw);
		if (v) {
			ck_assert_str_eq(v, name);
			found++;
		}
	}
	ck_assert_int_le(found, IDCACHE_CAPACITY);
	ck_assert_int_gt(found, IDCACHE_CAPACITY / 2);
	idcache_free(c);
}
END_TEST

/* A size that cannot be allocated is refused before calloc. */
START_TEST(test_too_large)
{
	ck_assert_ptr_null(idcache_new(SIZE_MAX / 2, 5.0));
	ck_assert_ptr_null(idcache_new(SIZE_MAX, 5.0));
}
END_TEST

static Suite *idcache_suite(void)
{
	Suite *s = suite_create("idcache");
	TCase *tc = tcase_create("cache");
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_fields_are_libauparse_ids);
	tcase_add_test(tc, test_put_get);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_too_large);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(idcache_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
