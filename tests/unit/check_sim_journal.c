/* check_sim_journal.c: the simulator's journal reaches its file only in whole lines, at
 * journal_flush, so a simulator killed with SIGKILL leaves no half line behind. */
#include <zr-autoconf.h>

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/sim_journal.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/zr-journal.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/journal.jsonl", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static off_t file_size(void)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Every line of the file parses and has kind "item" with seq 0..n-1 in order;
 * returns the number of lines. */
static size_t check_lines(size_t big_at)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	ck_assert_ptr_nonnull(f);
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t e;
		ck_assert_int_eq(line[len - 1], '\n');
		json_t *o = json_loads(line, 0, &e);
		ck_assert_msg(o != NULL, "line %zu: %s", n + 1, e.text);
		ck_assert_str_eq(json_string_value(json_object_get(o, "kind")), "item");
		ck_assert_int_eq(json_integer_value(json_object_get(o, "seq")), (json_int_t)n);
		if (n == big_at)
			ck_assert_uint_eq(strlen(json_string_value(json_object_get(o, "big"))),
			                  100000);
		json_decref(o);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

static void add(struct journal *j, size_t seq, const char *big)
{
	json_t *o = journal_new(j, "item");
	ck_assert_ptr_nonnull(o);
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	journal_set_str(o, "pad", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
	if (big)
		journal_set_str(o, "big", big);
	journal_write(j, o);
}

/* 3,000 lines (about 300 KB) and one of 100 KB: nothing reaches the file before the flush
 * (stdio would have written whenever its buffer filled, cutting a line), all after it. */
START_TEST(test_whole_lines_at_flush)
{
	struct journal j;
	char err[256], *big = malloc(100001);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	ck_assert_int_eq(journal_open(&j, path, err, sizeof err), 0);
	ck_assert(journal_enabled(&j));
	for (size_t i = 0; i < 3000; i++)
		add(&j, i, i == 1500 ? big : NULL);
	ck_assert_int_eq(file_size(), 0);
	journal_flush(&j);
	ck_assert_int_gt(file_size(), 400000);
	ck_assert_uint_eq(check_lines(1500), 3000);
	add(&j, 3000, NULL);
	journal_close(&j); /* flushes */
	ck_assert_uint_eq(check_lines(1500), 3001);
	free(big);
}
END_TEST

/* Zero-initialised is disabled: every call is a no-op and nothing is created. */
START_TEST(test_disabled)
{
	struct journal j = {0};

	ck_assert(!journal_enabled(&j));
	ck_assert_ptr_null(journal_new(&j, "item"));
	journal_write(&j, json_object());
	journal_flush(&j);
	journal_close(&j);
	ck_assert_int_eq(file_size(), -1);
}
END_TEST

START_TEST(test_open_error_names_path)
{
	struct journal j;
	char err[256], bad[160];

	snprintf(bad, sizeof bad, "%s/no/such/dir/journal.jsonl", dir);
	ck_assert_int_eq(journal_open(&j, bad, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, bad));
	ck_assert(!journal_enabled(&j));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_journal");
	TCase *tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_whole_lines_at_flush);
	tcase_add_test(tc, test_disabled);
	tcase_add_test(tc, test_open_error_names_path);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
