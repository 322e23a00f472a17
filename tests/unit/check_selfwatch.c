/* check_selfwatch.c - when a gap or a late delivery is reported, and its figures. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "selfwatch.h"

#define QUIET 1.0
#define MAXO  60.0

static struct selfwatch_sample base(void)
{
	struct selfwatch_sample s;

	memset(&s, 0, sizeof(s));
	s.mono = 100.0;
	s.wall = 1700000000;
	s.delivering = true;
	s.head = s.next_seq = 1;
	return s;
}

/* Advance both clocks by dt seconds and step; returns the facts. */
static size_t tick(struct selfwatch *w, struct selfwatch_sample *s, double dt, bool final,
                   struct selfwatch_fact *out)
{
	s->mono += dt;
	s->wall += (int64_t)dt;
	return selfwatch_step(w, s, final, out, 8);
}

START_TEST(test_gap_after_quiet_with_exact_count)
{
	struct selfwatch w;
	struct selfwatch_sample s = base();
	struct selfwatch_fact f[8];

	s.lost[SELFWATCH_SPOOL_FULL] = 5; /* a previous run's losses: not ours */
	selfwatch_init(&w, &s, QUIET, MAXO);
	ck_assert_uint_eq(tick(&w, &s, 0.1, false, f), 0);
	s.lost[SELFWATCH_SPOOL_FULL] = 15;
	ck_assert_uint_eq(tick(&w, &s, 0.1, false, f), 0); /* episode opens */
	int64_t first = s.wall;
	s.lost[SELFWATCH_SPOOL_FULL] = 40;
	ck_assert_uint_eq(tick(&w, &s, 0.5, false, f), 0);
	int64_t last = s.wall;
	ck_assert_uint_eq(tick(&w, &s, 0.5, false, f), 0); /* quiet for 0.5 s only */
	ck_assert_uint_eq(tick(&w, &s, 0.6, false, f), 1);
	ck_assert_int_eq(f[0].kind, SELFWATCH_GAP);
	ck_assert_int_eq(f[0].reason, SELFWATCH_SPOOL_FULL);
	ck_assert_uint_eq(f[0].count, 35);
	ck_assert_int_eq(f[0].first, first);
	ck_assert_int_eq(f[0].last, last);
	ck_assert_uint_eq(tick(&w, &s, 5, false, f), 0); /* reported once */
}
END_TEST

START_TEST(test_gap_long_episode_split_counts_add_up)
{
	struct selfwatch w;
	struct selfwatch_sample s = base();
	struct selfwatch_fact f[8];
	uint64_t reported = 0;
	size_t facts = 0;

	selfwatch_init(&w, &s, QUIET, MAXO);
	for (int i = 0; i < 1500; i++) { /* a loss every 0.1 s for 150 s */
		s.lost[SELFWATCH_SPOOL_DISCARD] += 3;
		size_t n = tick(&w, &s, 0.1, false, f);
		for (size_t j = 0; j < n; j++)
			reported += f[j].count;
		facts += n;
	}
	ck_assert_uint_eq(facts, 2); /* at 60 s and 120 s while it went on */
	size_t n = tick(&w, &s, 0.1, true, f);
	ck_assert_uint_eq(n, 1);
	reported += f[0].count;
	ck_assert_uint_eq(reported, 4500);
}
END_TEST

START_TEST(test_gap_reasons_apart_and_final)
{
	struct selfwatch w;
	struct selfwatch_sample s = base();
	struct selfwatch_fact f[8];

	selfwatch_init(&w, &s, QUIET, MAXO);
	s.lost[SELFWATCH_SET_ASIDE] = 2;
	s.lost[SELFWATCH_NOT_SPOOLED] = 7;
	size_t n = tick(&w, &s, 0.1, true, f); /* stopping: due at once */
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(f[0].reason, SELFWATCH_SET_ASIDE);
	ck_assert_uint_eq(f[0].count, 2);
	ck_assert_int_eq(f[1].reason, SELFWATCH_NOT_SPOOLED);
	ck_assert_uint_eq(f[1].count, 7);
	ck_assert_str_eq(selfwatch_reason_name(f[1].reason), "not_spooled");
}
END_TEST

START_TEST(test_gap_out_full_keeps_rest_due)
{
	struct selfwatch w;
	struct selfwatch_sample s = base();
	struct selfwatch_fact f[8];

	selfwatch_init(&w, &s, QUIET, MAXO);
	for (int r = 0; r < SELFWATCH_REASONS; r++)
		s.lost[r] = (uint64_t)r + 1;
	s.mono += 0.1;
	ck_assert_uint_eq(selfwatch_step(&w, &s, true, f, 2), 2);
	ck_assert_uint_eq(selfwatch_step(&w, &s, true, f, 8), SELFWATCH_REASONS - 2);
	ck_assert_uint_eq(f[0].count, 3);
}
END_TEST

START_TEST(test_late_after_outage_once_drained)
{
	struct selfwatch w;
	struct selfwatch_sample s = base();
	struct selfwatch_fact f[8];

	s.spooled_items = 100;
	selfwatch_init(&w, &s, QUIET, MAXO);
	s.delivering = false;
	ck_assert_uint_eq(tick(&w, &s, 1, false, f), 0);
	int64_t start = s.wall;
	for (int i = 0; i < 20; i++) { /* 20 s away, 10 items a second read */
		s.spooled_items += 10;
		s.next_seq += 2;
		ck_assert_uint_eq(tick(&w, &s, 1, false, f), 0);
	}
	s.delivering = true;
	ck_assert_uint_eq(tick(&w, &s, 1, false, f), 0); /* back, backlog not yet out */
	int64_t end = s.wall;
	s.head = 20;
	ck_assert_uint_eq(tick(&w, &s, 1, false, f), 0);
	s.head = s.next_seq;
	ck_assert_uint_eq(tick(&w, &s, 1, false, f), 1);
	ck_assert_int_eq(f[0].kind, SELFWATCH_LATE);
	ck_assert_uint_eq(f[0].count, 200);
	ck_assert_int_eq(f[0].first, start);
	ck_assert_int_eq(f[0].last, end);
	ck_assert_uint_eq(tick(&w, &s, 5, false, f), 0);
}
END_TEST

START_TEST(test_late_blip_and_idle_outage_report_nothing)
{
	struct selfwatch w;
	struct selfwatch_sample s = base();
	struct selfwatch_fact f[8];

	selfwatch_init(&w, &s, QUIET, MAXO);
	s.delivering = false; /* a reconnect of 0.5 s with items read meanwhile */
	s.spooled_items = 10;
	ck_assert_uint_eq(tick(&w, &s, 0.2, false, f), 0);
	ck_assert_uint_eq(tick(&w, &s, 0.3, false, f), 0);
	s.delivering = true;
	ck_assert_uint_eq(tick(&w, &s, 0.1, false, f), 0);
	ck_assert_uint_eq(tick(&w, &s, 5, false, f), 0);
	s.delivering = false; /* 30 s away with nothing read */
	ck_assert_uint_eq(tick(&w, &s, 30, false, f), 0);
	ck_assert_uint_eq(tick(&w, &s, 30, false, f), 0);
	s.delivering = true;
	ck_assert_uint_eq(tick(&w, &s, 1, false, f), 0);
	ck_assert_uint_eq(tick(&w, &s, 1, false, f), 0);
}
END_TEST

START_TEST(test_late_merged_and_final)
{
	struct selfwatch w;
	struct selfwatch_sample s = base();
	struct selfwatch_fact f[8];

	selfwatch_init(&w, &s, QUIET, MAXO);
	s.delivering = false;
	tick(&w, &s, 0.5, false, f);
	int64_t start = s.wall;
	s.spooled_items = 50;
	s.next_seq = 10;
	tick(&w, &s, 2, false, f);
	s.delivering = true; /* back, then away again before the backlog left */
	ck_assert_uint_eq(tick(&w, &s, 1, false, f), 0);
	s.delivering = false;
	s.spooled_items = 80;
	s.next_seq = 20;
	ck_assert_uint_eq(tick(&w, &s, 3, false, f), 0);
	/* Stopping while still away: reported as late so far. */
	ck_assert_uint_eq(tick(&w, &s, 1, true, f), 1);
	ck_assert_uint_eq(f[0].count, 80);
	ck_assert_int_eq(f[0].first, start);
	ck_assert_int_eq(f[0].last, s.wall);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("selfwatch");
	TCase *tc = tcase_create("facts");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_gap_after_quiet_with_exact_count);
	tcase_add_test(tc, test_gap_long_episode_split_counts_add_up);
	tcase_add_test(tc, test_gap_reasons_apart_and_final);
	tcase_add_test(tc, test_gap_out_full_keeps_rest_due);
	tcase_add_test(tc, test_late_after_outage_once_drained);
	tcase_add_test(tc, test_late_blip_and_idle_outage_report_nothing);
	tcase_add_test(tc, test_late_merged_and_final);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
