/* check_rectext.c - a record's text split as libauparse splits it: the
 * fields, the type, and the place after the n-th field of a name. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rectext.h"

/* The fields of text as "name=value\n" lines. */
static char *fields_of(const char *text)
{
	static char out[4096];
	struct rectext_iter it;
	struct rectext_field f;
	size_t o = 0;

	rectext_begin(&it, text);
	while (rectext_next(&it, &f))
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%.*s=%.*s\n", (int)f.nlen, f.name,
		                      (int)f.vlen, f.val);
	out[o] = '\0';
	return out;
}

START_TEST(test_syscall)
{
	ck_assert_str_eq(fields_of("type=SYSCALL msg=audit(1.000:5): arch=c000003e  syscall=2 "
	                           "comm=\"a b\" key=(null)"),
	                 "type=SYSCALL\narch=c000003e\nsyscall=2\ncomm=\"a\nkey=(null)\n");
}
END_TEST

START_TEST(test_user_msg_and_trims)
{
	ck_assert_str_eq(
	        fields_of("node=h1 type=USER_LOGIN msg=audit(1.000:6): pid=1 "
	                  "msg='op=login acct=(none) exe=\"/bin/x\" res=success' x=(y), z="),
	        "node=h1\ntype=USER_LOGIN\npid=1\nop=login\nacct=(none)\n"
	        "exe=\"/bin/x\"\nres=success\nx=(y\n");
}
END_TEST

START_TEST(test_enriched_part_is_not_fields)
{
	ck_assert_str_eq(fields_of("type=SYSCALL msg=audit(1.000:7): uid=0\x1d"
	                           "UID=\"root\""),
	                 "type=SYSCALL\nuid=0\n");
	ck_assert_str_eq(fields_of(""), "");
	ck_assert_str_eq(fields_of("   "), "");
	ck_assert_str_eq(fields_of("no fields here"), "");
}
END_TEST

START_TEST(test_type)
{
	size_t n = 0;
	const char *t = rectext_type("type=URINGOP msg=audit(1.000:8): uring_op=1", &n);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq((int)n, 7);
	ck_assert(strncmp(t, "URINGOP", n) == 0);
	t = rectext_type("node=web1 type=NEW_THING msg=audit(1.000:8): a=1", &n);
	ck_assert_ptr_nonnull(t);
	ck_assert(strncmp(t, "NEW_THING", n) == 0 && n == 9);
	ck_assert_ptr_null(rectext_type("type=\x1d"
	                                "ATH msg=audit(1.000:3): item=1",
	                                &n));
	ck_assert_ptr_null(rectext_type("node=a x=1 type=SYSCALL", &n));
	ck_assert_ptr_null(rectext_type("msg=audit(1.000:3): a=1", &n));
}
END_TEST

START_TEST(test_skip_past)
{
	const char *text = "type=EXECVE msg=audit(1.000:9): argc=3 a0=\"x\" a1=\"y\" a2=\"z\" "
	                   "key=\"k\" key=\"l\" tail=1";
	struct rectext_iter it;
	struct rectext_field f;

	rectext_begin(&it, text);
	ck_assert(rectext_skip_past(&it, "a1", 1));
	ck_assert(rectext_next(&it, &f));
	ck_assert(f.nlen == 2 && strncmp(f.name, "a2", 2) == 0);

	/* The second of two keys; a third that the text lacks: after the last. */
	rectext_begin(&it, text);
	ck_assert(rectext_skip_past(&it, "key", 2));
	ck_assert(rectext_next(&it, &f));
	ck_assert(strncmp(f.name, "tail", f.nlen) == 0);
	rectext_begin(&it, text);
	ck_assert(rectext_skip_past(&it, "key", 3));
	ck_assert(rectext_next(&it, &f));
	ck_assert(strncmp(f.name, "tail", f.nlen) == 0);

	/* Absent: false and the iterator where it was. */
	rectext_begin(&it, text);
	ck_assert(!rectext_skip_past(&it, "a9", 1));
	ck_assert(rectext_next(&it, &f));
	ck_assert(strncmp(f.name, "type", f.nlen) == 0);

	/* The last field: nothing after it. */
	rectext_begin(&it, text);
	ck_assert(rectext_skip_past(&it, "tail", 1));
	ck_assert(!rectext_next(&it, &f));
}
END_TEST

static Suite *rectext_suite(void)
{
	Suite *s = suite_create("rectext");
	TCase *tc = tcase_create("split");
	tcase_add_test(tc, test_syscall);
	tcase_add_test(tc, test_user_msg_and_trims);
	tcase_add_test(tc, test_enriched_part_is_not_fields);
	tcase_add_test(tc, test_type);
	tcase_add_test(tc, test_skip_past);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rectext_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
