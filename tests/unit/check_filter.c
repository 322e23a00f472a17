/* check_filter.c - send_types/skip_types: parsing against libaudit's names, per-record decisions,
 * counting, and the mapper skipping records. */
#include <check.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "filter.h"
#include "mapper.h"
#include "plugin/config.h" /* not the autoconf config.h in the build root */
#include "stats.h"

static int parse(struct filter *f, enum filter_mode m, const char *v, char *err, size_t len)
{
	err[0] = '\0';
	return filter_parse(f, m, v, strlen(v), err, len);
}

START_TEST(names_case_and_blanks)
{
	struct filter f;
	char err[256];

	ck_assert_int_eq(parse(&f, FILTER_SEND, " syscall ,PATH,\tUser_Login ", err, sizeof(err)),
	                 0);
	ck_assert(filter_pass(&f, AUDIT_SYSCALL));
	ck_assert(filter_pass(&f, AUDIT_PATH));
	ck_assert(filter_pass(&f, AUDIT_USER_LOGIN));
	ck_assert(!filter_pass(&f, AUDIT_CWD));
	ck_assert(!filter_pass(&f, AUDIT_PROCTITLE));

	ck_assert_int_eq(parse(&f, FILTER_SKIP, "SYSCALL,PATH", err, sizeof(err)), 0);
	ck_assert(!filter_pass(&f, AUDIT_SYSCALL));
	ck_assert(!filter_pass(&f, AUDIT_PATH));
	ck_assert(filter_pass(&f, AUDIT_CWD));
}
END_TEST

START_TEST(unknown_numbers_and_range)
{
	struct filter f;
	char err[256];

	ck_assert_int_eq(parse(&f, FILTER_SEND, "UNKNOWN[1329]", err, sizeof(err)), 0);
	ck_assert(filter_pass(&f, 1329));
	ck_assert(!filter_pass(&f, 1330));
	/* Outside the bitmap: in no list. */
	ck_assert(!filter_pass(&f, 5000));
	ck_assert(!filter_pass(&f, -1));
	ck_assert_int_eq(parse(&f, FILTER_SKIP, "SYSCALL", err, sizeof(err)), 0);
	ck_assert(filter_pass(&f, 5000));

	ck_assert_int_eq(parse(&f, FILTER_SEND, "UNKNOWN[4096]", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "'UNKNOWN[4096]' is out of range; use UNKNOWN[n] with n below 4096");
	ck_assert_int_eq(f.mode, FILTER_ALL); /* a failed parse leaves no half list */
}
END_TEST

START_TEST(wildcard_prefix)
{
	struct filter f;
	char err[256];

	ck_assert_int_eq(parse(&f, FILTER_SKIP, "USER_*", err, sizeof(err)), 0);
	ck_assert(!filter_pass(&f, AUDIT_USER_LOGIN));
	ck_assert(!filter_pass(&f, AUDIT_USER_AUTH));
	ck_assert(!filter_pass(&f, AUDIT_USER_CMD));
	ck_assert(filter_pass(&f, AUDIT_USER)); /* "USER" has no "USER_" prefix */
	ck_assert(filter_pass(&f, AUDIT_SYSCALL));

	ck_assert_int_eq(parse(&f, FILTER_SKIP, "NOPE_*", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "'NOPE_*' matches no record type; a wildcard is a prefix of type "
	                      "names followed by one '*', e.g. USER_*");
	ck_assert_int_eq(parse(&f, FILTER_SKIP, "US*ER_*", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "matches no record type"));
}
END_TEST

START_TEST(bad_entries_named)
{
	struct filter f;
	char err[256];

	ck_assert_int_eq(parse(&f, FILTER_SEND, "SYSCALL,SYSCAL", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "'SYSCAL' is not a record type libaudit knows; use names as ausearch "
	                      "-m takes them (SYSCALL, USER_LOGIN), UNKNOWN[n], or a prefix "
	                      "wildcard such as USER_*");
	ck_assert_int_eq(parse(&f, FILTER_SEND, "SYSCALL,,PATH", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "an entry is empty (two commas, or a comma at either end); write "
	                      "TYPE,TYPE,...");
	ck_assert_int_eq(parse(&f, FILTER_SEND, "SYSCALL,", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "an entry is empty"));
	ck_assert_int_eq(parse(&f, FILTER_SEND, "SYS CALL", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "'SYS CALL' is not a record type name; write TYPE,TYPE,... with "
	                      "names such as SYSCALL, UNKNOWN[1329] or USER_*");
}
END_TEST

START_TEST(null_and_all_pass_everything)
{
	struct filter f;
	char err[64];

	ck_assert(filter_pass(NULL, AUDIT_SYSCALL));
	ck_assert_int_eq(parse(&f, FILTER_ALL, "", err, sizeof(err)), 0);
	ck_assert(filter_pass(&f, AUDIT_SYSCALL));
	ck_assert(filter_pass(&f, 9999));
}
END_TEST

START_TEST(format_lists_by_number)
{
	struct filter f;
	struct buf b;
	char err[64];

	buf_init(&b);
	ck_assert_int_eq(parse(&f, FILTER_SEND, "path,UNKNOWN[4000],syscall", err, sizeof(err)), 0);
	ck_assert_int_eq(filter_format(&f, &b), 0);
	ck_assert_str_eq((char *)b.data, "SYSCALL,PATH,UNKNOWN[4000]");
	buf_free(&b);
}
END_TEST

/* One event of five records (EOE included) through a real auparse. */
static const char event_text[] =
        "type=SYSCALL msg=audit(1700000000.123:77): arch=c000003e syscall=257 success=no "
        "exit=-13 a0=ffffff9c a1=55d0 a2=0 a3=0 items=1 ppid=1 pid=2 auid=1000 uid=1000 "
        "gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 "
        "ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)\n"
        "type=CWD msg=audit(1700000000.123:77): cwd=\"/root\"\n"
        "type=PATH msg=audit(1700000000.123:77): item=0 name=\"/etc/shadow\" inode=1 "
        "dev=08:01 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 "
        "cap_fe=0 cap_fver=0 cap_frootid=0\n"
        "type=PROCTITLE msg=audit(1700000000.123:77): proctitle=636174002F6574632F736861646F77\n"
        "type=EOE msg=audit(1700000000.123:77): \n";

struct seen {
	const struct filter *f;
	struct stats *st;
	struct map_opts o;
	struct item_list l;
	size_t counted;
	int items;
	int events;
};

/* As the reader counts them: by type name in the statistics. */
static void count_skipped(void *arg, int type)
{
	char tmp[32];

	stats_skipped(arg, filter_type_name(type, tmp, sizeof(tmp)));
}

static void on_event(auparse_state_t *au, auparse_cb_event_t t, void *arg)
{
	struct seen *s = arg;

	if (t != AUPARSE_CB_EVENT_READY)
		return;
	s->counted += filter_count(s->f, au, count_skipped, s->st);
	if (s->events++ == 0)
		s->items = map_event(au, &s->o, &s->l);
	else
		s->items += map_event_continue(au, &s->o, &s->l);
}

static void run_event(struct seen *s)
{
	auparse_state_t *au = auparse_init(AUSOURCE_FEED, 0);

	ck_assert_ptr_nonnull(au);
	auparse_add_callback(au, on_event, s, NULL);
	ck_assert_int_eq(auparse_feed(au, event_text, sizeof(event_text) - 1), 0);
	auparse_flush_feed(au);
	auparse_destroy(au);
}

static bool has_resource(const struct item_list *l, const char *type)
{
	for (size_t i = 0; i < l->nitems; i++)
		if (strcmp(item_text(l, l->items[i].resource), type) == 0)
			return true;
	return false;
}

START_TEST(count_and_map_skip_records)
{
	struct filter f;
	struct seen s = {.f = &f};
	struct stats_snap snap;
	char err[64];

	ck_assert_int_eq(parse(&f, FILTER_SKIP, "PATH,CWD,SYSCALL", err, sizeof(err)), 0);
	s.st = stats_new();
	map_opts_default(&s.o);
	s.o.hostname = "testhost";
	s.o.filter = &f;
	item_list_init(&s.l);
	run_event(&s);
	ck_assert_uint_eq(s.counted, 3);
	ck_assert_int_eq(s.items, 1);
	ck_assert_uint_eq(s.l.nitems, 1);
	ck_assert(has_resource(&s.l, "PROCTITLE"));
	ck_assert(!has_resource(&s.l, "PATH"));
	/* The event-wide decisions still see the skipped SYSCALL's success=no. */
	ck_assert_int_eq(s.l.items[0].qualifier, ITEM_QUAL_FAIL);
	stats_collect(s.st, NULL, NULL, NULL, &snap);
	ck_assert_uint_eq(snap.skipped_total, 3);
	ck_assert_uint_eq(snap.skipped.len, 3);
	ck_assert_str_eq(snap.skipped.v[0].name, "SYSCALL");
	ck_assert_str_eq(snap.skipped.v[1].name, "CWD");
	ck_assert_str_eq(snap.skipped.v[2].name, "PATH");
	item_list_free(&s.l);
	stats_free(s.st);
}
END_TEST

START_TEST(no_filter_maps_everything)
{
	struct seen s = {.f = NULL};

	map_opts_default(&s.o);
	s.o.hostname = "testhost";
	item_list_init(&s.l);
	run_event(&s);
	ck_assert_uint_eq(s.counted, 0);
	ck_assert_uint_eq(s.l.nitems, 4);
	ck_assert(has_resource(&s.l, "PATH"));
	item_list_free(&s.l);
}
END_TEST

/* ---- the keys in zos-remote.conf ---- */

#define BASE "server = zos.example.com\nuser = AUDIT\npassword = secret\ntls = none\n"

struct msgs {
	char m[8][512];
	int n;
};

static void collect(void *arg, const char *msg)
{
	struct msgs *ms = arg;

	if (ms->n < 8)
		snprintf(ms->m[ms->n], sizeof(ms->m[0]), "%s", msg);
	ms->n++;
}

static int conf(const char *text, struct config *c, struct msgs *ms)
{
	memset(ms, 0, sizeof(*ms));
	return config_parse("t.conf", text, strlen(text), c, collect, ms);
}

START_TEST(config_keys)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(conf(BASE "send_types = USER_LOGIN,USER_AUTH\n", &c, &ms), 0);
	ck_assert_int_eq(c.filter.mode, FILTER_SEND);
	ck_assert(filter_pass(&c.filter, AUDIT_USER_LOGIN));
	ck_assert(!filter_pass(&c.filter, AUDIT_SYSCALL));

	ck_assert_int_eq(conf(BASE "skip_types = PROCTITLE\n", &c, &ms), 0);
	ck_assert_int_eq(c.filter.mode, FILTER_SKIP);
	ck_assert(!filter_pass(&c.filter, AUDIT_PROCTITLE));

	ck_assert_int_eq(conf(BASE "skip_types = BOGUS\n", &c, &ms), 1);
	ck_assert_str_eq(ms.m[0], "t.conf:5: key 'skip_types': 'BOGUS' is not a record type "
	                          "libaudit knows; use names as ausearch -m takes them (SYSCALL, "
	                          "USER_LOGIN), UNKNOWN[n], or a prefix wildcard such as USER_*");

	ck_assert_int_eq(conf(BASE "send_types = SYSCALL\n# x\nskip_types = PATH\n", &c, &ms), 1);
	ck_assert_str_eq(ms.m[0], "t.conf:7: key 'skip_types': 'send_types' is also set (line 5); "
	                          "use one of them (send_types lists what is sent, skip_types what "
	                          "is not)");
}
END_TEST

START_TEST(config_defaults_and_ranges)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(conf(BASE, &c, &ms), 0);
	ck_assert_int_eq(c.filter.mode, FILTER_ALL);
	ck_assert_uint_eq(c.report_interval, 0);
	ck_assert_str_eq(c.state_file, "");
	ck_assert_uint_eq(c.keepalive_idle, 120);
	ck_assert_uint_eq(c.keepalive_interval, 30);
	ck_assert_uint_eq(c.keepalive_probes, 4);
	ck_assert_int_eq(conf(BASE "report_interval = 1441\n", &c, &ms), 1);
	ck_assert_str_eq(ms.m[0], "t.conf:5: key 'report_interval': value '1441' is out of range; "
	                          "use 0-1440 (minutes, 0 = no activity report)");
	ck_assert_int_eq(conf(BASE "state_file = run/x.state\n", &c, &ms), 1);
	ck_assert_ptr_nonnull(strstr(ms.m[0], "t.conf:5: key 'state_file'"));
	ck_assert_int_eq(conf(BASE "keepalive_probes = 101\n", &c, &ms), 1);
	ck_assert_ptr_nonnull(strstr(ms.m[0], "t.conf:5: key 'keepalive_probes'"));
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *t = tcase_create("filter");

	tcase_add_test(t, names_case_and_blanks);
	tcase_add_test(t, unknown_numbers_and_range);
	tcase_add_test(t, wildcard_prefix);
	tcase_add_test(t, bad_entries_named);
	tcase_add_test(t, null_and_all_pass_everything);
	tcase_add_test(t, format_lists_by_number);
	tcase_add_test(t, count_and_map_skip_records);
	tcase_add_test(t, no_filter_maps_everything);
	tcase_add_test(t, config_keys);
	tcase_add_test(t, config_defaults_and_ranges);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(filter_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
