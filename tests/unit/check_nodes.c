/* check_nodes.c - per-node accounting: counts, silence and its end, the bound, the texts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapper.h"
#include "nodes.h"

static enum nodes_seen seen(struct nodes *t, const char *name, unsigned records, bool event,
                            double now)
{
	return nodes_seen(t, name, strlen(name), records, event, now, NULL);
}

static const struct node_entry *entry(const struct nodes *t, const char *name)
{
	for (size_t i = 0; i < nodes_count(t); i++)
		if (strcmp(nodes_at(t, i)->name, name) == 0)
			return nodes_at(t, i);
	return NULL;
}

START_TEST(test_counts)
{
	struct nodes *t = nodes_new();

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(seen(t, "host1", 3, true, 10), NODES_NEW);
	ck_assert_int_eq(seen(t, "host2", 2, true, 11), NODES_NEW);
	ck_assert_int_eq(seen(t, "host1", 4, true, 12), NODES_SEEN);
	ck_assert_int_eq(seen(t, "host1", 1, false, 13), NODES_SEEN); /* a later part */
	ck_assert_int_eq(nodes_seen(t, NULL, 0, 5, true, 14, NULL), NODES_NEW);
	ck_assert_uint_eq(nodes_count(t), 3);
	ck_assert_uint_eq(nodes_named(t), 2);

	const struct node_entry *h1 = entry(t, "host1");
	ck_assert_ptr_nonnull(h1);
	ck_assert_uint_eq(h1->records, 8);
	ck_assert_uint_eq(h1->events, 2);
	ck_assert(h1->first_seen == 10);
	ck_assert(h1->last_seen == 13);
	ck_assert_uint_eq(h1->tag, map_node_tag("host1", 5));
	ck_assert_uint_eq(h1->tag, 0x3924);
	ck_assert_uint_eq(entry(t, "host2")->records, 2);
	ck_assert_uint_eq(entry(t, "")->records, 5);
	ck_assert_ptr_eq(nodes_last(t), entry(t, ""));
	/* In order of first appearance. */
	ck_assert_str_eq(nodes_at(t, 0)->name, "host1");
	ck_assert_str_eq(nodes_at(t, 2)->name, "");
	ck_assert_ptr_null(nodes_at(t, 3));
	/* A name is its bytes: a prefix or an extension is another node. */
	ck_assert_int_eq(seen(t, "host", 1, true, 15), NODES_NEW);
	ck_assert_int_eq(seen(t, "host10", 1, true, 15), NODES_NEW);
	ck_assert_uint_eq(entry(t, "host1")->records, 8);
	nodes_free(t);
}
END_TEST

struct silent_calls {
	int n;
	char last[NODES_NAME_MAX + 1];
	double for_;
};

static void on_silent(void *arg, const struct node_entry *e, double silent_for)
{
	struct silent_calls *c = arg;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%s", e->name);
	c->for_ = silent_for;
}

START_TEST(test_silence)
{
	struct nodes *t = nodes_new();
	struct silent_calls c = {0};
	double back_after = -1;

	seen(t, "host1", 1, true, 100);
	seen(t, "host2", 1, true, 100);
	nodes_seen(t, NULL, 0, 1, true, 100, NULL); /* the local host: never silent */
	seen(t, "host2", 1, true, 350);
	/* Not beyond 300 s: nothing. */
	ck_assert_uint_eq(nodes_check(t, 400, 300, on_silent, &c), 0);
	ck_assert_int_eq(c.n, 0);
	/* host1 at 401: silent for 301 s, reported once. */
	ck_assert_uint_eq(nodes_check(t, 401, 300, on_silent, &c), 1);
	ck_assert_int_eq(c.n, 1);
	ck_assert_str_eq(c.last, "host1");
	ck_assert(c.for_ == 301);
	ck_assert_uint_eq(nodes_silent(t), 1);
	ck_assert(entry(t, "host1")->silent);
	ck_assert_uint_eq(nodes_check(t, 500, 300, on_silent, &c), 0);
	ck_assert_int_eq(c.n, 1);
	/* silence 0: never. */
	ck_assert_uint_eq(nodes_check(t, 10000, 0, on_silent, &c), 0);
	ck_assert_int_eq(c.n, 1);
	/* Back: once, with how long it was quiet. */
	ck_assert_int_eq(nodes_seen(t, "host1", 5, 2, true, 700, &back_after), NODES_BACK);
	ck_assert(back_after == 600);
	ck_assert_ptr_eq(nodes_last(t), entry(t, "host1"));
	ck_assert(!entry(t, "host1")->silent);
	ck_assert_int_eq(seen(t, "host1", 2, true, 701), NODES_SEEN);
	ck_assert_uint_eq(nodes_silent(t), 0);
	/* host2 (last seen 350) now; the local entry never, though older. */
	ck_assert_uint_eq(nodes_check(t, 700, 300, on_silent, &c), 1);
	ck_assert_str_eq(c.last, "host2");
	ck_assert(!entry(t, "")->silent);
	nodes_free(t);
}
END_TEST

START_TEST(test_bound)
{
	struct nodes *t = nodes_new();
	char name[NODES_NAME_MAX + 2];
	uint64_t records, events;

	for (int i = 0; i < NODES_MAX; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		ck_assert_int_eq(seen(t, name, 1, true, 1), NODES_NEW);
	}
	ck_assert_uint_eq(nodes_count(t), NODES_MAX);
	/* Every one is still found (the index holds them all). */
	for (int i = 0; i < NODES_MAX; i += 97) {
		snprintf(name, sizeof(name), "h%d", i);
		ck_assert_int_eq(seen(t, name, 1, false, 2), NODES_SEEN);
		ck_assert_uint_eq(entry(t, name)->records, 2);
	}
	/* Past the bound: other, said once. */
	ck_assert_int_eq(seen(t, "late1", 3, true, 3), NODES_FULL);
	ck_assert_ptr_null(nodes_last(t));
	ck_assert_int_eq(seen(t, "late2", 4, true, 3), NODES_SEEN);
	ck_assert_int_eq(seen(t, "late1", 1, false, 3), NODES_SEEN);
	ck_assert_uint_eq(nodes_count(t), NODES_MAX);
	nodes_other(t, &records, &events);
	ck_assert_uint_eq(records, 8);
	ck_assert_uint_eq(events, 2);
	nodes_free(t);

	/* A name longer than NODES_NAME_MAX: other, even with room. */
	t = nodes_new();
	memset(name, 'x', NODES_NAME_MAX + 1);
	name[NODES_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(seen(t, name, 1, true, 1), NODES_FULL);
	ck_assert_uint_eq(nodes_count(t), 0);
	name[NODES_NAME_MAX] = '\0';
	ck_assert_int_eq(seen(t, name, 1, true, 1), NODES_NEW);
	ck_assert_uint_eq(nodes_at(t, 0)->len, NODES_NAME_MAX);
	nodes_free(t);
}
END_TEST

START_TEST(test_state_text)
{
	struct nodes *t = nodes_new();
	struct buf b;

	buf_init(&b);
	seen(t, "host1", 3, true, 100);
	nodes_seen(t, "a b\x01", 4, 1, true, 90, NULL);
	nodes_seen(t, NULL, 0, 2, true, 50, NULL);
	nodes_check(t, 400, 300, NULL, NULL); /* "a b\x01" silent: 310 s */
	/* 2026-12-02T12:00:00Z = 1796212800 */
	ck_assert_int_eq(nodes_state(t, 400, 1796212800, &b), 0);
	ck_assert_str_eq((const char *)b.data,
	                 "nodes: 3 known, 1 silent\n"
	                 "node.host1: records=3 events=1 last_seen=2026-12-02T11:55:00Z "
	                 "seen_seconds_ago=300 tag=3924 state=sending\n"
	                 "node.a b\\x01: records=1 events=1 last_seen=2026-12-02T11:54:50Z "
	                 "seen_seconds_ago=310 tag=5cab state=silent\n"
	                 "node.-: records=2 events=1 last_seen=2026-12-02T11:54:10Z "
	                 "seen_seconds_ago=350 tag=1cd9 state=sending\n");
	ck_assert_uint_eq(map_node_tag("a b\x01", 4), 0x5cab);
	ck_assert_uint_eq(map_node_tag("", 0), 0x1cd9);
	nodes_free(t);

	/* The other line, when there is one. */
	t = nodes_new();
	char name[NODES_NAME_MAX + 2];
	memset(name, 'y', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	seen(t, name, 7, true, 1);
	buf_reset(&b);
	ck_assert_int_eq(nodes_state(t, 1, 1796212800, &b), 0);
	ck_assert_str_eq((const char *)b.data,
	                 "nodes: 0 known, 0 silent\nnode.(other): records=7 events=1\n");
	nodes_free(t);
	buf_free(&b);
}
END_TEST

START_TEST(test_report_text)
{
	struct nodes *t = nodes_new();
	struct buf b;
	char longname[61];

	buf_init(&b);
	memset(longname, 'L', 60);
	longname[60] = '\0';
	ck_assert_int_eq(nodes_report(t, &b), 0);
	ck_assert_str_eq((const char *)b.data, " nodes=0/0 silent=0 nodes_top=-");

	seen(t, "a", 5, true, 1);
	seen(t, "b", 9, true, 1);
	seen(t, "c", 5, true, 1);
	seen(t, "d", 7, true, 1);
	seen(t, longname, 1, true, 1);
	buf_reset(&b);
	ck_assert_int_eq(nodes_report(t, &b), 0);
	/* largest first, ties (a, c) in order of appearance */
	ck_assert_str_eq((const char *)b.data, " nodes=5/5 silent=0 nodes_top=b:9,d:7,a:5");

	/* The next interval counts from here; long names are cut at 40. */
	seen(t, longname, 30, true, 2);
	seen(t, "c", 1, true, 2);
	buf_reset(&b);
	ck_assert_int_eq(nodes_report(t, &b), 0);
	ck_assert_str_eq(
	        (const char *)b.data,
	        " nodes=2/5 silent=0 nodes_top=LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL:30,c:1");
	buf_reset(&b);
	ck_assert_int_eq(nodes_report(t, &b), 0);
	ck_assert_str_eq((const char *)b.data, " nodes=0/5 silent=0 nodes_top=-");
	buf_free(&b);
	nodes_free(t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nodes");
	TCase *tc = tcase_create("nodes");

	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_silence);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_state_text);
	tcase_add_test(tc, test_report_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
