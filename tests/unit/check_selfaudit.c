/* check_selfaudit.c - the plugin's own audit items: resources, link value, codes,
 * log string and relocates, escaping and cuts. */
#include <check.h>
#include <errno.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "mapper.h"
#include "selfaudit.h"

static struct map_opts opts(void)
{
	struct map_opts o;

	map_opts_default(&o);
	o.hostname = "lnx1.example.com";
	return o;
}

static const char *field(const struct item_list *l, const struct item *it, uint32_t i)
{
	return item_text(l, item_field_at(l, it, i)->value);
}

START_TEST(test_resources_distinct_and_not_linux_types)
{
	for (int k = 0; k < SELFAUDIT_KINDS; k++) {
		const char *r = selfaudit_resource((enum selfaudit_kind)k);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(strncmp(r, "ZRA_", 4), 0);
		/* libaudit knows no record type of that name. */
		ck_assert_int_lt(audit_name_to_msg_type(r), 0);
		for (int j = 0; j < k; j++)
			ck_assert_str_ne(r, selfaudit_resource((enum selfaudit_kind)j));
	}
	ck_assert_ptr_null(selfaudit_resource(SELFAUDIT_KINDS));
}
END_TEST

START_TEST(test_gap_item_layout)
{
	struct map_opts o = opts();
	struct item_list l;
	const struct selfaudit_field f[] = {{"count", "120"}, {"reason", "spool_full"}};
	struct selfaudit_event ev = {.kind = SELFAUDIT_GAP,
	                             .msgid = "ZRA0501W",
	                             .summary = "120 records lost (spool full)",
	                             .sec = 0x6553f100,
	                             .milli = 7,
	                             .seq = 0x10203,
	                             .fields = f,
	                             .nfields = 2};
	char when[64];

	item_list_init(&l);
	ck_assert_int_eq(selfaudit_map(&ev, &o, &l), 1);
	ck_assert_uint_eq(l.nitems, 1);
	const struct item *it = &l.items[0];
	const unsigned char link[8] = {0x5A, 0x52, 0x02, 0x03, 0x65, 0x53, 0xf1, 0x00};
	ck_assert_mem_eq(it->link, link, 8);
	ck_assert_str_eq(item_text(&l, it->class_name), "@LINUX");
	ck_assert_str_eq(item_text(&l, it->resource), "ZRA_GAP");
	ck_assert_str_eq(item_text(&l, it->logstring),
	                 "Linux (lnx1.example.com): zos-remote ZRA_GAP ZRA0501W: 120 records lost "
	                 "(spool full)");
	ck_assert_int_eq(it->event, ITEM_EVENT_AUTHORIZATION);
	ck_assert_int_eq(it->qualifier, ITEM_QUAL_FAIL);
	ck_assert(!it->violation);
	ck_assert_uint_eq(it->nfields, 5);
	ck_assert_uint_eq(item_field_at(&l, it, 0)->type, ITEM_RELOC_TIMESTAMP);
	map_ctime(0x6553f100, when, sizeof(when));
	ck_assert_str_eq(field(&l, it, 0), when);
	ck_assert_str_eq(field(&l, it, 1), "msg=zos-remote(1700000000.007:66051)");
	ck_assert_str_eq(field(&l, it, 2), "msgid=ZRA0501W");
	ck_assert_str_eq(field(&l, it, 3), "count=120");
	ck_assert_str_eq(field(&l, it, 4), "reason=spool_full");
	for (uint32_t i = 1; i < it->nfields; i++)
		ck_assert_uint_eq(item_field_at(&l, it, i)->type, ITEM_RELOC_OTHER);
	item_list_free(&l);
}
END_TEST

START_TEST(test_codes_follow_options)
{
	struct map_opts o = opts();
	struct item_list l;
	struct selfaudit_event ev = {.kind = SELFAUDIT_START, .sec = 1};

	item_list_init(&l);
	/* Default: every item authorization (2), as Linux records. */
	for (int k = 0; k < SELFAUDIT_KINDS; k++) {
		ev.kind = (enum selfaudit_kind)k;
		ck_assert_int_eq(selfaudit_map(&ev, &o, &l), 1);
		ck_assert_int_eq(l.items[0].event, ITEM_EVENT_AUTHORIZATION);
		ck_assert(!l.items[0].violation);
	}
	o.event_code = MAP_EVENT_BY_TYPE;
	o.violation = MAP_VIOLATION_FAILURES;
	for (int k = 0; k < SELFAUDIT_KINDS; k++) {
		ev.kind = (enum selfaudit_kind)k;
		ck_assert_int_eq(selfaudit_map(&ev, &o, &l), 1);
		bool admin = k == SELFAUDIT_START || k == SELFAUDIT_STOP || k == SELFAUDIT_RELOAD;
		bool loss = k == SELFAUDIT_GAP || k == SELFAUDIT_SILENT;
		ck_assert_int_eq(l.items[0].event,
		                 admin ? ITEM_EVENT_ADMIN_CONFIG : ITEM_EVENT_AUTHORIZATION);
		ck_assert_int_eq(l.items[0].qualifier, loss ? ITEM_QUAL_FAIL : ITEM_QUAL_INFO);
		ck_assert_int_eq(l.items[0].violation, loss);
	}
	item_list_free(&l);
}
END_TEST

START_TEST(test_node_class_and_escaping)
{
	struct map_opts o = opts();
	struct item_list l;
	const struct selfaudit_field f[] = {{"config", "/etc/audit/z\xc3\xa9\\.conf"},
	                                    {"empty", NULL}};
	struct selfaudit_event ev = {.kind = SELFAUDIT_SILENT,
	                             .msgid = "ZRA0801W",
	                             .summary = "no record for 300 s",
	                             .node = "host\x01"
	                                     "7",
	                             .fields = f,
	                             .nfields = 2};

	o.class_name = "@LNXPROD";
	item_list_init(&l);
	ck_assert_int_eq(selfaudit_map(&ev, &o, &l), 1);
	const struct item *it = &l.items[0];
	ck_assert_str_eq(item_text(&l, it->class_name), "@LNXPROD");
	ck_assert_str_eq(item_text(&l, it->logstring),
	                 "Linux (host\\x017): zos-remote ZRA_SILENT ZRA0801W: no record for 300 s");
	ck_assert_str_eq(field(&l, it, 3), "config=/etc/audit/z\\xC3\\xA9\\\\.conf");
	ck_assert_str_eq(field(&l, it, 4), "empty=");
	item_list_free(&l);
}
END_TEST

START_TEST(test_cuts_on_escape_boundaries)
{
	struct map_opts o = opts();
	struct item_list l;
	char big[3000], sum[400];

	memset(big, '\xff', sizeof(big) - 1); /* every byte becomes \xFF (4 bytes) */
	big[sizeof(big) - 1] = '\0';
	memset(sum, 'a', sizeof(sum) - 1);
	sum[sizeof(sum) - 1] = '\0';
	const struct selfaudit_field f[] = {{"v", big}};
	struct selfaudit_event ev = {
	        .kind = SELFAUDIT_RELOAD, .summary = sum, .fields = f, .nfields = 1};

	o.max_field_length = 64;
	item_list_init(&l);
	ck_assert_int_eq(selfaudit_map(&ev, &o, &l), 1);
	const struct item *it = &l.items[0];
	ck_assert_uint_eq(it->logstring.len, ITEM_LOGSTRING_MAX);
	const struct item_field *v = item_field_at(&l, it, 2); /* no msgid: fields 0, 1, then v */
	ck_assert_uint_le(v->value.len, 64);
	ck_assert_uint_eq((v->value.len - 2) % 4, 0); /* "v=" then whole \xFF escapes */
	ck_assert_str_eq(item_text(&l, it->logstring) + ITEM_LOGSTRING_MAX - 3, "aaa");
	item_list_free(&l);
}
END_TEST

START_TEST(test_bad_kind)
{
	struct map_opts o = opts();
	struct item_list l;
	struct selfaudit_event ev = {.kind = SELFAUDIT_KINDS};

	item_list_init(&l);
	errno = 0;
	ck_assert_int_eq(selfaudit_map(&ev, &o, &l), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(l.nitems, 0);
	item_list_free(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("selfaudit");
	TCase *tc = tcase_create("map");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_resources_distinct_and_not_linux_types);
	tcase_add_test(tc, test_gap_item_layout);
	tcase_add_test(tc, test_codes_follow_options);
	tcase_add_test(tc, test_node_class_and_escaping);
	tcase_add_test(tc, test_cuts_on_escape_boundaries);
	tcase_add_test(tc, test_bad_kind);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
