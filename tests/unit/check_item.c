/* check_item.c - item lists and byte buffers: growth, reuse, strings, field ranges. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "item.h"

START_TEST(test_buf_grow_reuse)
{
	struct buf b;
	unsigned char chunk[100];

	buf_init(&b);
	ck_assert_ptr_null(b.data);
	for (size_t i = 0; i < 1000; i++) {
		memset(chunk, (int)(i & 0xff), sizeof(chunk));
		ck_assert_int_eq(buf_append(&b, chunk, sizeof(chunk)), 0);
	}
	ck_assert_uint_eq(b.len, 100000);
	ck_assert_uint_ge(b.cap, b.len);
	for (size_t i = 0; i < 1000; i++)
		ck_assert_int_eq(b.data[i * 100 + 99], (int)(i & 0xff));
	unsigned char *mem = b.data;
	size_t cap = b.cap;
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(buf_append(&b, chunk, sizeof(chunk)), 0);
	ck_assert_ptr_eq(b.data, mem);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_int_eq(buf_reserve(&b, cap - b.len), 0);
	ck_assert_ptr_eq(b.data, mem); /* fits: no move */
	ck_assert_int_eq(buf_append(&b, chunk, 0), 0);
	ck_assert_uint_eq(b.len, 100);
	/* An impossible size fails with ENOMEM and leaves the buffer alone. */
	errno = 0;
	ck_assert_int_eq(buf_reserve(&b, SIZE_MAX - 10), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_ptr_eq(b.data, mem);
	ck_assert_uint_eq(b.len, 100);
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(test_array_grow)
{
	struct {
		uint64_t a;
		uint32_t b;
	} *v = NULL;
	size_t n = 0, cap = 0;

	for (uint32_t i = 0; i < 1000; i++) {
		ck_assert_int_eq(array_grow(&v, n, &cap, sizeof(*v), 8), 0);
		ck_assert_uint_gt(cap, n);
		v[n].a = (uint64_t)i << 32;
		v[n++].b = i;
	}
	ck_assert_uint_eq(cap, 1024); /* 8 doubled */
	for (uint32_t i = 0; i < 1000; i++)
		ck_assert(v[i].a == (uint64_t)i << 32 && v[i].b == i);
	ck_assert_int_eq(array_grow(&v, 999, &cap, sizeof(*v), 8), 0); /* room: unchanged */
	ck_assert_uint_eq(cap, 1024);
	/* A size whose doubling overflows fails and leaves the array as it was. */
	ck_assert_int_eq(array_grow(&v, 1024, &cap, SIZE_MAX / 1024, 8), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(cap, 1024);
	ck_assert_uint_eq(v[999].b, 999);
	free(v);
}
END_TEST

START_TEST(test_strings_nul_terminated)
{
	struct item_list l;
	struct item_str a, b, empty;

	item_list_init(&l);
	ck_assert_int_eq(item_list_add_str(&l, "SYSCALLxyz", 7, &a), 0);
	ck_assert_int_eq(item_list_add_str(&l, "", 0, &empty), 0);
	ck_assert_int_eq(item_list_add_str(&l, "with\0nul", 8, &b), 0);
	ck_assert_str_eq(item_text(&l, a), "SYSCALL");
	ck_assert_uint_eq(a.len, 7);
	ck_assert_str_eq(item_text(&l, empty), "");
	ck_assert_uint_eq(empty.len, 0);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_mem_eq(item_text(&l, b), "with\0nul\0", 9);
	item_list_free(&l);
}
END_TEST

START_TEST(test_list_growth)
{
	struct item_list l;
	char tmp[64];

	item_list_init(&l);
	/* No item yet: a field has nowhere to go. */
	ck_assert_int_eq(item_list_add_field(&l, 114, "x", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	for (long i = 0; i < 500; i++) {
		ck_assert_int_eq(item_list_new_item(&l), i);
		l.items[i].serial = (uint32_t)i;
		int n = snprintf(tmp, sizeof(tmp), "item %ld", i);
		ck_assert_int_eq(item_list_add_str(&l, tmp, (size_t)n, &l.items[i].resource), 0);
		for (long j = 0; j <= i % 5; j++) {
			n = snprintf(tmp, sizeof(tmp), "f%ld.%ld", i, j);
			ck_assert_int_eq(
			        item_list_add_field(&l, (uint32_t)(102 + j), tmp, (size_t)n), 0);
		}
	}
	ck_assert_uint_eq(l.nitems, 500);
	ck_assert_uint_ge(l.items_cap, 500);
	size_t total = 0;
	for (long i = 0; i < 500; i++) {
		const struct item *it = &l.items[i];
		ck_assert_uint_eq(it->serial, (uint32_t)i);
		snprintf(tmp, sizeof(tmp), "item %ld", i);
		ck_assert_str_eq(item_text(&l, it->resource), tmp);
		ck_assert_uint_eq(it->first_field, total);
		ck_assert_uint_eq(it->nfields, (uint32_t)(i % 5 + 1));
		for (uint32_t j = 0; j < it->nfields; j++) {
			const struct item_field *f = item_field_at(&l, it, j);
			snprintf(tmp, sizeof(tmp), "f%ld.%u", i, j);
			ck_assert_str_eq(item_text(&l, f->value), tmp);
			ck_assert_uint_eq(f->type, 102 + j);
		}
		total += it->nfields;
	}
	ck_assert_uint_eq(l.nfields, total);
	item_list_free(&l);
	ck_assert_ptr_null(l.items);
	ck_assert_uint_eq(l.nitems, 0);
}
END_TEST

START_TEST(test_clear_keeps_memory)
{
	struct item_list l;

	item_list_init(&l);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 40; i++) {
			ck_assert_int_ge(item_list_new_item(&l), 0);
			ck_assert_int_eq(item_list_add_field(&l, 114, "name=value", 10), 0);
		}
		ck_assert_uint_eq(l.nitems, 40);
		const void *items = l.items, *fields = l.fields, *text = l.text;
		size_t caps[3] = {l.items_cap, l.fields_cap, l.text_cap};
		item_list_clear(&l);
		ck_assert_uint_eq(l.nitems, 0);
		ck_assert_uint_eq(l.nfields, 0);
		ck_assert_uint_eq(l.text_len, 0);
		ck_assert_ptr_eq(l.items, items);
		ck_assert_ptr_eq(l.fields, fields);
		ck_assert_ptr_eq(l.text, text);
		ck_assert_uint_eq(l.items_cap, caps[0]);
		ck_assert_uint_eq(l.fields_cap, caps[1]);
		ck_assert_uint_eq(l.text_cap, caps[2]);
	}
	/* After a clear, a new item's fields start at 0 again. */
	ck_assert_int_eq(item_list_new_item(&l), 0);
	ck_assert_uint_eq(l.items[0].first_field, 0);
	item_list_free(&l);
}
END_TEST

START_TEST(test_field_ranges_shared_str)
{
	struct item_list l;
	struct item_str ts;

	item_list_init(&l);
	ck_assert_int_eq(item_list_add_str(&l, "Thu Jan  1 00:00:00 1970", 24, &ts), 0);
	ck_assert_int_eq(item_list_new_item(&l), 0);
	ck_assert_int_eq(item_list_add_field_str(&l, 113, ts), 0);
	ck_assert_int_eq(item_list_add_field(&l, 114, "a=1", 3), 0);
	ck_assert_int_eq(item_list_add_field(&l, 114, "b=2", 3), 0);
	ck_assert_int_eq(item_list_new_item(&l), 1);
	ck_assert_int_eq(item_list_add_field_str(&l, 113, ts), 0);
	ck_assert_int_eq(item_list_add_field(&l, 114, "c=3", 3), 0);
	const struct item *a = &l.items[0], *b = &l.items[1];
	ck_assert_uint_eq(a->first_field, 0);
	ck_assert_uint_eq(a->nfields, 3);
	ck_assert_uint_eq(b->first_field, 3);
	ck_assert_uint_eq(b->nfields, 2);
	ck_assert_str_eq(item_text(&l, item_field_at(&l, a, 2)->value), "b=2");
	ck_assert_str_eq(item_text(&l, item_field_at(&l, b, 1)->value), "c=3");
	/* The shared timestamp is one copy in the text buffer. */
	ck_assert_uint_eq(item_field_at(&l, a, 0)->value.off, item_field_at(&l, b, 0)->value.off);
	ck_assert_uint_eq(item_field_at(&l, b, 0)->type, 113);
	item_list_free(&l);
}
END_TEST

static Suite *item_suite(void)
{
	Suite *s = suite_create("item");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_buf_grow_reuse);
	tcase_add_test(tc, test_array_grow);
	tcase_add_test(tc, test_strings_nul_terminated);
	tcase_add_test(tc, test_list_growth);
	tcase_add_test(tc, test_clear_keeps_memory);
	tcase_add_test(tc, test_field_ranges_shared_str);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(item_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
