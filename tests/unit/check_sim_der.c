/* check_sim_der.c: the simulator's strict DER reader accepts DER and refuses BER-only forms. */
#include "zr-autoconf.h"

#include <check.h>
#include <stdlib.h>

#include "sim/sim_der.h"

#define BYTES(...)                                                                                 \
	((const unsigned char[]){__VA_ARGS__}), sizeof((const unsigned char[]){__VA_ARGS__})

static enum der_err read_int(const unsigned char *p, size_t n, int64_t *v)
{
	struct der_reader r;
	der_init(&r, p, n);
	enum der_err e = der_read_int(&r, v);
	if (e == DER_OK)
		ck_assert(der_at_end(&r));
	return e;
}

START_TEST(test_int_minimal_values)
{
	int64_t v = 99;
	ck_assert_int_eq(read_int(BYTES(0x02, 0x01, 0x00), &v), DER_OK);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x01, 0x7f), &v), DER_OK);
	ck_assert_int_eq(v, 127);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x02, 0x00, 0x80), &v), DER_OK);
	ck_assert_int_eq(v, 128);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x01, 0xff), &v), DER_OK);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x02, 0xff, 0x7f), &v), DER_OK);
	ck_assert_int_eq(v, -129);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x04, 0x7f, 0xff, 0xff, 0xff), &v), DER_OK);
	ck_assert_int_eq(v, 2147483647);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0), &v), DER_OK);
	ck_assert(v == INT64_MIN);
}
END_TEST

START_TEST(test_int_refusals)
{
	int64_t v = 5;
	ck_assert_int_eq(read_int(BYTES(0x02, 0x02, 0x00, 0x01), &v), DER_NONMIN_INT);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x02, 0xff, 0x80), &v), DER_NONMIN_INT);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x00), &v), DER_BAD_INT);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0), &v),
	                 DER_INT_RANGE);
	ck_assert_int_eq(read_int(BYTES(0x0a, 0x01, 0x01), &v), DER_WRONG_TAG);
	ck_assert_int_eq(read_int(BYTES(0x22, 0x01, 0x01), &v), DER_CONSTRUCTED);
	ck_assert_int_eq(v, 5); /* untouched on failure */
}
END_TEST

START_TEST(test_lengths)
{
	int64_t v;
	/* 0x81 0x01: long form for a length that fits the short form */
	ck_assert_int_eq(read_int(BYTES(0x02, 0x81, 0x01, 0x05), &v), DER_NONMINIMAL);
	/* 0x82 0x00 0x90: leading zero length octet */
	struct der_reader r;
	unsigned char big[0x95] = {0x04, 0x82, 0x00, 0x90};
	der_init(&r, big, sizeof big);
	struct der_tlv t;
	ck_assert_int_eq(der_next(&r, &t), DER_NONMINIMAL);
	ck_assert_uint_eq(r.pos, 0);
	/* 0x81 0x90 is the minimal long form for 144 */
	unsigned char ok[0x93] = {0x04, 0x81, 0x90};
	der_init(&r, ok, sizeof ok);
	ck_assert_int_eq(der_next(&r, &t), DER_OK);
	ck_assert_uint_eq(t.content.len, 0x90);
	ck_assert(der_at_end(&r));
	ck_assert_int_eq(read_int(BYTES(0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00), &v),
	                 DER_INDEFINITE);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x85, 1, 0, 0, 0, 0), &v), DER_LEN_TOO_BIG);
	ck_assert_int_eq(read_int(BYTES(0x02, 0x03, 0x01), &v), DER_TRUNCATED);
	ck_assert_int_eq(read_int(BYTES(0x02), &v), DER_TRUNCATED);
	ck_assert_int_eq(read_int(BYTES(0x1f, 0x22, 0x01, 0x00), &v), DER_HIGH_TAG);
}
END_TEST

START_TEST(test_bool)
{
	struct der_reader r;
	bool b = false;
	der_init(&r, BYTES(0x01, 0x01, 0xff));
	ck_assert_int_eq(der_read_bool(&r, &b), DER_OK);
	ck_assert(b);
	der_init(&r, BYTES(0x01, 0x01, 0x00));
	ck_assert_int_eq(der_read_bool(&r, &b), DER_OK);
	ck_assert(!b);
	der_init(&r, BYTES(0x01, 0x01, 0x01));
	ck_assert_int_eq(der_read_bool(&r, &b), DER_BAD_BOOL);
	der_init(&r, BYTES(0x01, 0x02, 0x00, 0x00));
	ck_assert_int_eq(der_read_bool(&r, &b), DER_BAD_BOOL);
	der_init(&r, BYTES(0x01, 0x00));
	ck_assert_int_eq(der_read_bool(&r, &b), DER_BAD_BOOL);
	ck_assert_uint_eq(r.pos, 0);
}
END_TEST

START_TEST(test_nested_and_trailing)
{
	struct der_reader r, seq;
	int64_t v;
	der_init(&r, BYTES(0x30, 0x03, 0x02, 0x01, 0x07, 0xaa));
	ck_assert_int_eq(der_expect(&r, DER_SEQUENCE, &seq), DER_OK);
	ck_assert(!der_at_end(&r));
	ck_assert_uint_eq(der_remaining(&r), 1);
	ck_assert_int_eq(der_read_int(&seq, &v), DER_OK);
	ck_assert_int_eq(v, 7);
	ck_assert(der_at_end(&seq));
	/* an inner length that runs past its SEQUENCE is caught inside the window */
	der_init(&r, BYTES(0x30, 0x03, 0x02, 0x02, 0x01, 0x01));
	ck_assert_int_eq(der_expect(&r, DER_SEQUENCE, &seq), DER_OK);
	ck_assert_int_eq(der_read_int(&seq, &v), DER_TRUNCATED);
	ck_assert_str_ne(der_strerror(DER_TRUNCATED), der_strerror(DER_NONMINIMAL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_der");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_int_minimal_values);
	tcase_add_test(tc, test_int_refusals);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_bool);
	tcase_add_test(tc, test_nested_and_trailing);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
