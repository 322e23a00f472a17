/* check_assemble.c - events libauparse hands over in parts become one event. */
#include <auparse.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assemble.h"

/* What the emit callback saw, one entry per emitted event. */
struct seen {
	size_t n;
	unsigned serial[64];
	size_t nitems[64];
	unsigned qual[64];
	char log[64][ITEM_LOGSTRING_MAX + 1];
	int mixed_qual; /* items of one event with different qualifiers */
};

static void on_emit(struct item_list *l, void *arg)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, 64);
	s->serial[s->n] = l->items[0].serial;
	s->nitems[s->n] = l->nitems;
	s->qual[s->n] = l->items[0].qualifier;
	snprintf(s->log[s->n], sizeof s->log[0], "%s", item_text(l, l->items[0].logstring));
	for (size_t i = 1; i < l->nitems; i++)
		if (l->items[i].qualifier != l->items[0].qualifier ||
		    strcmp(item_text(l, l->items[i].logstring), s->log[s->n]) != 0)
			s->mixed_qual++;
	s->n++;
}

struct run {
	struct assembler a;
	struct map_opts o;
	int failed;
};

static void on_event(auparse_state_t *au, auparse_cb_event_t t, void *arg)
{
	struct run *r = arg;

	if (t == AUPARSE_CB_EVENT_READY && assemble_event(&r->a, au, &r->o) < 0)
		r->failed++;
}

/* Feed text through a real auparse feed into an assembler. */
static void feed(const char *text, struct seen *s, int flush)
{
	struct run *r = calloc(1, sizeof *r);
	auparse_state_t *au = auparse_init(AUSOURCE_FEED, 0);

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(au);
	map_opts_default(&r->o);
	r->o.hostname = "testhost";
	assemble_init(&r->a, on_emit, s);
	auparse_add_callback(au, on_event, r, NULL);
	auparse_feed(au, text, strlen(text));
	auparse_flush_feed(au);
	if (flush)
		assemble_flush(&r->a);
	ck_assert_int_eq(r->failed, 0);
	auparse_destroy(au);
	assemble_free(&r->a);
	free(r);
}

/* The pattern of audit-rhel7.log: NETFILTER_CFG of event 17, then other
 * events, one of them years newer (so libauparse ages event 17 out and
 * hands its first part over alone), then event 17's SYSCALL (success=yes).
 * One event, one qualifier, the log string of its first record. */
START_TEST(test_interleaved_parts_join)
{
	struct seen s = {0};
	const char *text =
	        "type=NETFILTER_CFG msg=audit(1481076984.827:17): table=filter family=2 entries=0\n"
	        "type=SERVICE_STOP msg=audit(1481076984.534:16): pid=1 uid=0 auid=4294967295 "
	        "ses=4294967295 msg='unit=irqbalance comm=\"systemd\" "
	        "exe=\"/usr/lib/systemd/systemd\" "
	        "hostname=? addr=? terminal=? res=success'\n"
	        "type=SOCKADDR msg=audit(1490816924.990:517643): saddr=100000000000000000000000\n"
	        "type=SYSCALL msg=audit(1481076984.827:17): arch=c000003e syscall=313 success=yes "
	        "exit=0 a0=0 a1=41a15c a2=0 a3=0 items=0 ppid=390 pid=391 auid=4294967295 uid=0 "
	        "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
	        "comm=\"modprobe\" exe=\"/usr/bin/kmod\" key=(null)\n";

	size_t i17 = 64;

	feed(text, &s, 1);
	ck_assert_uint_eq(s.n, 3); /* 17 (two parts), 16, 517643 */
	ck_assert_int_eq(s.mixed_qual, 0);
	for (size_t i = 0; i < s.n; i++)
		if (s.serial[i] == 17) {
			ck_assert_uint_eq(i17, 64); /* once, not twice */
			i17 = i;
		}
	ck_assert_uint_lt(i17, 64);
	ck_assert_uint_eq(s.nitems[i17], 2);
	ck_assert_uint_eq(s.qual[i17], ITEM_QUAL_SUCCESS);
	ck_assert_str_eq(s.log[i17], "Linux (testhost): type: NETFILTER_CFG");
}
END_TEST

/* More distinct events that may still grow (a kernel record with no
 * terminator) than slots: the oldest leave before the flush, in order,
 * and nothing is lost or repeated. */
START_TEST(test_window_full_emits_oldest_in_order)
{
	struct seen s = {0};
	char text[64 * 160];
	size_t off = 0;
	const int events = ASSEMBLE_SLOTS + 5;

	for (int i = 1; i <= events; i++)
		off += (size_t)snprintf(
		        text + off, sizeof text - off,
		        "type=NETFILTER_CFG msg=audit(1700000000.%03d:%d): table=filter "
		        "family=%d entries=0 res=0\n",
		        i, i, i);
	feed(text, &s, 0);
	/* Without a flush, all but a window's worth are out already. */
	ck_assert_uint_eq(s.n, (size_t)events - ASSEMBLE_SLOTS);
	for (size_t i = 0; i < s.n; i++)
		ck_assert_uint_eq(s.serial[i], i + 1);
	ck_assert_uint_eq(s.qual[0], ITEM_QUAL_FAIL);
}
END_TEST

START_TEST(test_flush_emits_all_in_order)
{
	struct seen s = {0};
	const char *text =
	        "type=NETFILTER_CFG msg=audit(1700000000.001:1): table=filter family=2 res=1\n"
	        "type=NETFILTER_CFG msg=audit(1700000000.002:2): table=filter family=2 res=0\n"
	        "type=NETFILTER_CFG msg=audit(1700000000.003:3): table=filter family=2 res=1\n";

	feed(text, &s, 1);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.serial[0], 1);
	ck_assert_uint_eq(s.serial[1], 2);
	ck_assert_uint_eq(s.serial[2], 3);
	ck_assert_uint_eq(s.qual[1], ITEM_QUAL_FAIL);
}
END_TEST

/* LOGIN (< 1300) then SYSCALL of the same event: libauparse 3.0.9 hands
 * them over in two callbacks; the assembler joins them and the SYSCALL's
 * success=no decides the qualifier of both. */
START_TEST(test_login_then_syscall_one_event)
{
	struct seen s = {0};
	const char *text =
	        "type=LOGIN msg=audit(1700000001.100:50): pid=7 uid=0 old-auid=4294967295 "
	        "auid=1000 tty=(none) old-ses=4294967295 ses=3 res=1\n"
	        "type=SYSCALL msg=audit(1700000001.100:50): arch=c000003e syscall=1 success=no "
	        "exit=-1 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=7 auid=1000 uid=0 gid=0 euid=0 "
	        "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm=\"login\" "
	        "exe=\"/bin/login\" key=(null)\n"
	        "type=EOE msg=audit(1700000001.100:50): \n";

	feed(text, &s, 1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.nitems[0], 2);
	ck_assert_uint_eq(s.qual[0], ITEM_QUAL_FAIL);
	ck_assert_int_eq(s.mixed_qual, 0);
	ck_assert_str_eq(s.log[0], "Linux (testhost): type: LOGIN");
}
END_TEST

/* Events that cannot grow any more are handed on at once, without a flush
 * or the tick: a kernel event ending in PROCTITLE. A user-space message
 * (it may be followed by kernel records of its event) and a PROCTITLE that
 * comes first are held. */
START_TEST(test_complete_events_not_held)
{
	struct seen s = {0};
	const char *text =
	        "type=SYSCALL msg=audit(1700000002.100:60): arch=c000003e syscall=2 success=yes "
	        "exit=3 a0=0 a1=0 a2=0 a3=0 items=1 ppid=1 pid=9 auid=0 uid=0 gid=0 euid=0 suid=0 "
	        "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"cat\" exe=\"/bin/cat\" "
	        "key=(null)\n"
	        "type=PATH msg=audit(1700000002.100:60): item=0 name=\"/etc/hosts\" inode=5 "
	        "dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n"
	        "type=PROCTITLE msg=audit(1700000002.100:60): proctitle=636174\n"
	        "type=USER_LOGIN msg=audit(1700000002.200:61): pid=1 uid=0 msg='res=success'\n"
	        "type=PROCTITLE msg=audit(1700000002.300:62): proctitle=6c73\n";

	feed(text, &s, 0); /* no flush: only what left by itself */
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.serial[0], 60);
	ck_assert_uint_eq(s.nitems[0], 3);
}
END_TEST

static Suite *assemble_suite(void)
{
	Suite *s = suite_create("assemble");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_interleaved_parts_join);
	tcase_add_test(tc, test_window_full_emits_oldest_in_order);
	tcase_add_test(tc, test_flush_emits_all_in_order);
	tcase_add_test(tc, test_login_then_syscall_one_event);
	tcase_add_test(tc, test_complete_events_not_held);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(assemble_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
