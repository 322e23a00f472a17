/* check_judge.c - the outcome policy (judge.h), exhaustively: every MajorCode from -1 to
 * 300 (the defined ones and every other), no answer at all, each with every attempt
 * count up to past retry_limit, for several retry_limits. The expected verdict is stated
 * here again from mapping.md (Outcomes), independently of judge.c's switch. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ictx.h"
#include "judge.h"

#define NO_ANSWER (-1000) /* a stand-in for answered = false */

/* What mapping.md says, before retry_limit applies. */
struct expect {
	int major;
	enum verdict verdict; /* V_RETRY: retried until retry_limit, then dropped */
	int settled;          /* -1: none */
	int dropped;          /* -1: none */
	const char *id;       /* message id when it settles or drops ("" none) */
};

static const struct expect table[] = {
        {ICTX_SUCCESS, V_SETTLED, SETTLED_SUCCESS, -1, ""},
        {ICTX_WARNINGMODE, V_SETTLED, SETTLED_WARNINGMODE, -1, ""},
        {ICTX_NOTREQ, V_SETTLED, SETTLED_NOTREQ, -1, "ZRA0401I"},
        {ICTX_UNDETERMINED, V_SETTLED, SETTLED_UNDETERMINED, -1, "ZRA0402W"},
        {ICTX_UNAUTHORIZED, V_PAUSE, -1, -1, "ZRA0406E"},
        {ICTX_UNSUF_AUTH, V_PAUSE, -1, -1, "ZRA0407E"},
        {ICTX_VAL_ERR, V_DROPPED, -1, DROPPED_VAL_ERR, "ZRA0404E"},
        {ICTX_ENC_ERR, V_DROPPED, -1, DROPPED_ENC_ERR, "ZRA0404E"},
        {ICTX_RACROUTE, V_RETRY, -1, DROPPED_RACROUTE, "ZRA0405E"},
        {ICTX_INTERNAL_ERR, V_RETRY, -1, DROPPED_INTERNAL, "ZRA0405E"},
        {NO_ANSWER, V_RETRY, -1, DROPPED_NO_ANSWER, "ZRA0408E"},
};

static struct expect expected(int major)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].major == major)
			return table[i];
	/* Every other code, 28 (EMPTY) and 61..70 (version) included. */
	return (struct expect){major, V_DROPPED, -1, DROPPED_UNKNOWN, "ZRA0403E"};
}

static void check_one(int major, unsigned attempts, unsigned limit)
{
	struct expect e = expected(major);
	struct judgement j =
	        judge(major != NO_ANSWER, major == NO_ANSWER ? 0 : major, attempts, limit);
	enum verdict want = e.verdict;

	if (want == V_RETRY && attempts + 1 >= limit)
		want = V_DROPPED;
	ck_assert_msg(j.verdict == want, "major %d attempts %u limit %u: verdict %d, want %d",
	              major, attempts, limit, (int)j.verdict, (int)want);
	if (want == V_SETTLED)
		ck_assert_msg((int)j.settled == e.settled, "major %d: settled %d, want %d", major,
		              (int)j.settled, e.settled);
	if (want == V_DROPPED)
		ck_assert_msg((int)j.dropped == e.dropped, "major %d: dropped %d, want %d", major,
		              (int)j.dropped, e.dropped);
	/* A retry says nothing yet; a verdict says its message. */
	ck_assert_str_eq(judge_msg_id(j.msg), want == V_RETRY ? "" : e.id);
	/* Every answer is counted by MajorCode; no answer has none. */
	ck_assert_int_eq(j.counted, major != NO_ANSWER);
}

START_TEST(every_code_every_attempt)
{
	unsigned limit = (unsigned)_i;

	for (int major = -1; major <= 300; major++)
		for (unsigned a = 0; a <= limit + 2; a++)
			check_one(major, a, limit);
	for (unsigned a = 0; a <= limit + 2; a++)
		check_one(NO_ANSWER, a, limit);
}
END_TEST

START_TEST(retry_limit_one_never_retries)
{
	ck_assert_int_eq(judge(true, ICTX_RACROUTE, 0, 1).verdict, V_DROPPED);
	ck_assert_int_eq(judge(false, 0, 0, 1).verdict, V_DROPPED);
	ck_assert_int_eq(judge(true, ICTX_INTERNAL_ERR, 1, 3).verdict, V_RETRY);
	ck_assert_int_eq(judge(true, ICTX_INTERNAL_ERR, 2, 3).verdict, V_DROPPED);
}
END_TEST

START_TEST(message_ids_are_distinct)
{
	for (int a = JM_NONE + 1; a < JM_N; a++) {
		ck_assert_uint_eq(strlen(judge_msg_id((enum judge_msg)a)), 8);
		for (int b = a + 1; b < JM_N; b++)
			ck_assert_str_ne(judge_msg_id((enum judge_msg)a),
			                 judge_msg_id((enum judge_msg)b));
	}
	ck_assert_str_eq(judge_msg_id(JM_NONE), "");
	ck_assert_str_eq(judge_msg_id(JM_N), "");
}
END_TEST

static Suite *judge_suite(void)
{
	Suite *s = suite_create("judge");
	TCase *t = tcase_create("policy");

	tcase_add_loop_test(t, every_code_every_attempt, 1, 7);
	tcase_add_test(t, retry_limit_one_never_retries);
	tcase_add_test(t, message_ids_are_distinct);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(judge_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
