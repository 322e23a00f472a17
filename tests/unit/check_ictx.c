/* check_ictx.c - the ICTX wire codec against hand-written DER from the spec. */
#include <check.h>
#include <errno.h>
#include <lber.h>
#include <stdlib.h>
#include <string.h>

#include "ictx.h"
#include "spec_vector.h"

/* Build one item as in ictx-protocol.md section 5. */
static void make_sec5_item(struct item_list *l)
{
	struct item *it;

	item_list_init(l);
	ck_assert_int_eq(item_list_new_item(l), 0);
	it = &l->items[0];
	static const uint8_t link[8] = {0x00, 0x00, 0x12, 0x34, 0, 0, 0, 0};
	memcpy(it->link, link, 8);
	it->violation = false;
	it->event = ITEM_EVENT_AUTHORIZATION;
	it->qualifier = ITEM_QUAL_SUCCESS;
	ck_assert_int_eq(item_list_add_str(l, "@LINUX", 6, &l->items[0].class_name), 0);
	ck_assert_int_eq(item_list_add_str(l, "SYSCALL", 7, &l->items[0].resource), 0);
	ck_assert_int_eq(
	        item_list_add_str(l, "Linux (h): type: SYSCALL", 24, &l->items[0].logstring), 0);
	ck_assert_int_eq(item_list_add_field(l, 113, "Thu Jan  1 00:00:00 1970", 24), 0);
	ck_assert_int_eq(item_list_add_field(l, 114, "arch=x86_64", 11), 0);
}

START_TEST(test_sec5_vector)
{
	struct item_list l;
	struct buf items, req;

	make_sec5_item(&l);
	buf_init(&items);
	buf_init(&req);
	ck_assert_int_eq(ictx_encode_item(&l, &l.items[0], 1, &items), 0);
	ck_assert_uint_eq(items.len, sizeof(spec_vector) - 7);
	ck_assert_int_eq(ictx_encode_request(ICTX_REQUEST_VERSION, items.data, items.len, &req), 0);
	ck_assert_uint_eq(req.len, sizeof(spec_vector));
	ck_assert_mem_eq(req.data, spec_vector, sizeof(spec_vector));
	buf_free(&items);
	buf_free(&req);
	item_list_free(&l);
}
END_TEST

START_TEST(test_item_violation_and_tag)
{
	struct item_list l;
	struct buf b;

	make_sec5_item(&l);
	l.items[0].violation = true;
	l.items[0].qualifier = ITEM_QUAL_FAIL;
	buf_init(&b);
	ck_assert_int_eq(ictx_encode_item(&l, &l.items[0], ICTX_TAG_MAX, &b), 0);
	/* ItemTag 2^31-1 takes four bytes; everything after it shifts by 3. */
	static const unsigned char head[] = {0x30, 0x7a, 0x02, 0x01, 0x01, 0x02, 0x04,
	                                     0x7f, 0xff, 0xff, 0xff, 0x04, 0x08};
	ck_assert_mem_eq(b.data, head, sizeof(head));
	static const unsigned char tail[] = {0x01, 0x01, 0xff, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03};
	ck_assert_mem_eq(b.data + sizeof(head) + 8, tail, sizeof(tail));
	ck_assert_uint_eq(b.len, 0x7a + 2);
	/* A tag beyond 2^31-1 would be a negative INTEGER: refused. */
	size_t before = b.len;
	ck_assert_int_eq(ictx_encode_item(&l, &l.items[0], ICTX_TAG_MAX + 1U, &b), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(b.len, before);
	buf_free(&b);
	item_list_free(&l);
}
END_TEST

START_TEST(test_item_long_lengths)
{
	struct item_list l;
	struct buf b;
	char big[300];

	make_sec5_item(&l);
	memset(big, 'v', sizeof(big));
	ck_assert_int_eq(item_list_add_field(&l, 114, big, sizeof(big)), 0);
	buf_init(&b);
	ck_assert_int_eq(ictx_encode_item(&l, &l.items[0], 7, &b), 0);
	/* The 300-byte VALUE is 16 82 01 2c; its DataField 30 82 01 33 (311
	 * bytes in all); the DataFieldList header grows from 30 31 to
	 * 30 82 01 68: Item body 119 - 2 + 4 + 311 = 432 -> 30 82 01 b0. */
	static const unsigned char head[] = {0x30, 0x82, 0x01, 0xb0};
	ck_assert_mem_eq(b.data, head, sizeof(head));
	ck_assert_uint_eq(b.len, 4 + 0x1b0);
	static const unsigned char df[] = {0x30, 0x82, 0x01, 0x33, 0x02, 0x01,
	                                   0x72, 0x16, 0x82, 0x01, 0x2c};
	ck_assert_mem_eq(b.data + b.len - 300 - sizeof(df), df, sizeof(df));
	/* DataFieldList: 49 + 311 = 360 -> 30 82 01 68. */
	static const unsigned char dfl[] = {0x30, 0x82, 0x01, 0x68};
	ck_assert_mem_eq(b.data + b.len - 360 - 4, dfl, sizeof(dfl));
	buf_free(&b);
	item_list_free(&l);
}
END_TEST

START_TEST(test_request_empty_and_two)
{
	struct item_list l;
	struct buf items, req;

	buf_init(&items);
	buf_init(&req);
	ck_assert_int_eq(ictx_encode_request(1, NULL, 0, &req), 0);
	static const unsigned char empty[] = {0x30, 0x05, 0x02, 0x01, 0x01, 0x30, 0x00};
	ck_assert_uint_eq(req.len, sizeof(empty));
	ck_assert_mem_eq(req.data, empty, sizeof(empty));

	make_sec5_item(&l);
	ck_assert_int_eq(ictx_encode_item(&l, &l.items[0], 1, &items), 0);
	ck_assert_int_eq(ictx_encode_item(&l, &l.items[0], 2, &items), 0);
	ck_assert_uint_eq(items.len, (size_t)2 * 0x79);
	ck_assert_int_eq(ictx_encode_request(3, items.data, items.len, &req), 0);
	/* 242 bytes of items: ItemList 30 81 f2, request 30 81 f8. */
	static const unsigned char head[] = {0x30, 0x81, 0xf8, 0x02, 0x01, 0x03, 0x30, 0x81, 0xf2};
	ck_assert_uint_eq(req.len, sizeof(head) + items.len);
	ck_assert_mem_eq(req.data, head, sizeof(head));
	ck_assert_mem_eq(req.data + sizeof(head), items.data, items.len);
	/* The second item carries ItemTag 2. */
	ck_assert_int_eq(req.data[sizeof(head) + 0x79 + 7], 2);
	buf_free(&items);
	buf_free(&req);
	item_list_free(&l);
}
END_TEST

static int decode(const unsigned char *p, size_t n, struct ictx_response *r, char *err)
{
	return ictx_decode_response(p, n, r, err, 256);
}

START_TEST(test_decode_empty_list)
{
	static const unsigned char v[] = {0x30, 0x08, 0x02, 0x01, 0x01,
	                                  0x02, 0x01, 0x1c, 0x30, 0x00};
	struct ictx_response r;
	char err[256];

	ictx_response_init(&r);
	ck_assert_int_eq(decode(v, sizeof(v), &r, err), 0);
	ck_assert_int_eq(r.version, 1);
	ck_assert_int_eq(r.code, 28);
	ck_assert_uint_eq(r.nitems, 0);
	ictx_response_free(&r);
}
END_TEST

static const unsigned char one_item[] = {
        0x30, 0x1c, 0x02, 0x01, 0x01, 0x02, 0x01, 0x03, 0x30, 0x14, 0x30, 0x12, 0x02, 0x01, 0x01,
        0x02, 0x01, 0x05, 0x02, 0x01, 0x03, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
};

START_TEST(test_decode_one)
{
	struct ictx_response r;
	char err[256];

	ictx_response_init(&r);
	ck_assert_int_eq(decode(one_item, sizeof(one_item), &r, err), 0);
	ck_assert_int_eq(r.code, 3);
	ck_assert_uint_eq(r.nitems, 1);
	ck_assert_uint_eq(r.items[0].tag, 5);
	ck_assert_int_eq(r.items[0].item_version, 1);
	ck_assert_int_eq(r.items[0].major, ICTX_NOTREQ);
	ictx_response_free(&r);
}
END_TEST

static const unsigned char three_items[] = {
        0x30,
        0x47,
        0x02,
        0x01,
        0x01,
        0x02,
        0x01,
        0x10,
        0x30,
        0x3f,
        /* tag 1, SUCCESS, SAF 0 */
        0x30,
        0x12,
        0x02,
        0x01,
        0x01,
        0x02,
        0x01,
        0x01,
        0x02,
        0x01,
        0x00,
        0x02,
        0x01,
        0x00,
        0x02,
        0x01,
        0x00,
        0x02,
        0x01,
        0x00,
        /* tag 2, NOTREQ, minors 0 4 8 */
        0x30,
        0x12,
        0x02,
        0x01,
        0x01,
        0x02,
        0x01,
        0x02,
        0x02,
        0x01,
        0x03,
        0x02,
        0x01,
        0x00,
        0x02,
        0x01,
        0x04,
        0x02,
        0x01,
        0x08,
        /* tag 2^31-1, VAL_ERR, Resource (8), incorrect length (32) */
        0x30,
        0x15,
        0x02,
        0x01,
        0x01,
        0x02,
        0x04,
        0x7f,
        0xff,
        0xff,
        0xff,
        0x02,
        0x01,
        0x10,
        0x02,
        0x01,
        0x08,
        0x02,
        0x01,
        0x20,
        0x02,
        0x01,
        0x00,
};

START_TEST(test_decode_three)
{
	struct ictx_response r;
	char err[256];

	ictx_response_init(&r);
	ck_assert_int_eq(decode(three_items, sizeof(three_items), &r, err), 0);
	ck_assert_int_eq(r.code, ICTX_VAL_ERR);
	ck_assert_uint_eq(r.nitems, 3);
	ck_assert_uint_eq(r.items[0].tag, 1);
	ck_assert_int_eq(r.items[0].major, 0);
	ck_assert_uint_eq(r.items[1].tag, 2);
	ck_assert_int_eq(r.items[1].major, 3);
	ck_assert_int_eq(r.items[1].minor1, 0);
	ck_assert_int_eq(r.items[1].minor2, 4);
	ck_assert_int_eq(r.items[1].minor3, 8);
	ck_assert_uint_eq(r.items[2].tag, ICTX_TAG_MAX);
	ck_assert_int_eq(r.items[2].major, ICTX_VAL_ERR);
	ck_assert_str_eq(ictx_field_name(r.items[2].minor1), "Resource");
	ck_assert_str_eq(ictx_reason_name(r.items[2].minor2), "incorrect length");
	/* Decoding again into the same response reuses its storage. */
	const struct ictx_outcome *storage = r.items;
	ck_assert_int_eq(decode(one_item, sizeof(one_item), &r, err), 0);
	ck_assert_ptr_eq(r.items, storage);
	ck_assert_uint_eq(r.nitems, 1);
	ictx_response_free(&r);
}
END_TEST

START_TEST(test_decode_truncated)
{
	struct ictx_response r;
	char err[256];

	ictx_response_init(&r);
	for (size_t n = 0; n < sizeof(three_items); n++) {
		err[0] = '\0';
		ck_assert_msg(decode(three_items, n, &r, err) == -1, "accepted %zu of %zu bytes", n,
		              sizeof(three_items));
		ck_assert_msg(err[0] != '\0', "no message for %zu bytes", n);
		ck_assert_uint_eq(r.nitems, 0);
	}
	ictx_response_free(&r);
}
END_TEST

START_TEST(test_decode_trailing)
{
	unsigned char v[sizeof(one_item) + 2];
	struct ictx_response r;
	char err[256];

	memcpy(v, one_item, sizeof(one_item));
	v[sizeof(one_item)] = 0x00;
	v[sizeof(one_item) + 1] = 0x00;
	ictx_response_init(&r);
	ck_assert_int_eq(decode(v, sizeof(v), &r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "trailing"));
	ck_assert_int_eq(decode(v, sizeof(one_item) + 1, &r, err), -1);
	ictx_response_free(&r);
}
END_TEST

/* Decode one_item with byte i replaced by val; expect a failure whose
 * message contains want. */
static void expect_bad(size_t i, unsigned char val, const char *want)
{
	unsigned char v[sizeof(one_item)];
	struct ictx_response r;
	char err[256];

	memcpy(v, one_item, sizeof(v));
	v[i] = val;
	ictx_response_init(&r);
	ck_assert_int_eq(decode(v, sizeof(v), &r, err), -1);
	ck_assert_msg(strstr(err, want) != NULL, "byte %zu = 0x%02x: message '%s' lacks '%s'", i,
	              val, err, want);
	ictx_response_free(&r);
}

START_TEST(test_decode_wrong_tags)
{
	expect_bad(0, 0x31, "Response at byte 0");         /* SET, not SEQUENCE */
	expect_bad(2, 0x04, "Version at byte 2");          /* OCTET STRING */
	expect_bad(5, 0x01, "ResponseCode at byte 5");     /* BOOLEAN */
	expect_bad(8, 0x31, "ItemList at byte 8");         /* SET OF */
	expect_bad(10, 0x02, "ResponseItem 1 at byte 10"); /* not a SEQUENCE */
	expect_bad(18, 0x04, "MajorCode at byte 18");      /* OCTET STRING */
	expect_bad(27, 0x16, "MinorCode3 at byte 27: expected tag 0x02, got 0x16");
	expect_bad(28, 0x16, "MinorCode3 at byte 27: truncated"); /* length past the end */
	/* An item that claims more bytes than its list holds. */
	expect_bad(11, 0x13, "ResponseItem 1 at byte 10");
}
END_TEST

START_TEST(test_decode_item_shapes)
{
	struct ictx_response r;
	char err[256];

	ictx_response_init(&r);
	/* Five INTEGERs: MinorCode3 missing. */
	static const unsigned char five[] = {0x30, 0x19, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x30,
	                                     0x11, 0x30, 0x0f, 0x02, 0x01, 0x01, 0x02, 0x01, 0x05,
	                                     0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
	ck_assert_int_eq(decode(five, sizeof(five), &r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "MinorCode3 missing"));
	/* Seven INTEGERs: one too many. */
	static const unsigned char seven[] = {0x30, 0x1f, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x30,
	                                      0x17, 0x30, 0x15, 0x02, 0x01, 0x01, 0x02, 0x01, 0x05,
	                                      0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	                                      0x02, 0x01, 0x00, 0x02, 0x01, 0x09};
	ck_assert_int_eq(decode(seven, sizeof(seven), &r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unexpected bytes at byte 30"));
	/* Something after the ItemList inside the Response. */
	static const unsigned char after[] = {0x30, 0x0b, 0x02, 0x01, 0x01, 0x02, 0x01,
	                                      0x00, 0x30, 0x00, 0x02, 0x01, 0x00};
	ck_assert_int_eq(decode(after, sizeof(after), &r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "after ItemList at byte 10"));
	/* ItemList missing altogether. */
	static const unsigned char nolist[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00};
	ck_assert_int_eq(decode(nolist, sizeof(nolist), &r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "ItemList missing at byte 8"));
	/* Garbage and nothing. */
	static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff};
	ck_assert_int_eq(decode(junk, sizeof(junk), &r, err), -1);
	ck_assert_int_eq(decode(junk, 0, &r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	ictx_response_free(&r);
}
END_TEST

START_TEST(test_decode_tag_range)
{
	struct ictx_response r;
	char err[256];

	ictx_response_init(&r);
	/* ItemTag -1. */
	unsigned char neg[sizeof(one_item)];
	memcpy(neg, one_item, sizeof(neg));
	neg[17] = 0xff;
	ck_assert_int_eq(decode(neg, sizeof(neg), &r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "ItemTag -1 is negative"));
	/* ItemTag 2^31 needs five bytes: too large. */
	static const unsigned char huge[] = {0x30, 0x20, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x30,
	                                     0x18, 0x30, 0x16, 0x02, 0x01, 0x01, 0x02, 0x05, 0x00,
	                                     0x80, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01,
	                                     0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
	ck_assert_int_eq(decode(huge, sizeof(huge), &r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "ItemTag at byte 15"));
	ictx_response_free(&r);
}
END_TEST

/* The test's own response encoder, so decoder and encoder meet. */
static void encode_response(int code, const struct ictx_outcome *o, size_t n, struct berval *out)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	ck_assert_ptr_nonnull(ber);
	ck_assert_int_ge(ber_printf(ber, "{ii{", 1, code), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_ge(ber_printf(ber, "{iiiiii}", o[i].item_version, (ber_int_t)o[i].tag,
		                            o[i].major, o[i].minor1, o[i].minor2, o[i].minor3),
		                 0);
	ck_assert_int_ge(ber_printf(ber, "}}"), 0);
	struct berval *bv = NULL;
	ck_assert_int_eq(ber_flatten(ber, &bv), 0);
	*out = *bv;
	ber_memfree(bv);
	ber_free(ber, 1);
}

START_TEST(test_decode_round_trip)
{
	struct ictx_outcome in[300];
	struct ictx_response r;
	char err[256];
	uint32_t tag = ICTX_TAG_MAX - 150;
	unsigned seed = 12345;

	for (size_t i = 0; i < 300; i++) {
		seed = seed * 1103515245U + 12345U;
		tag = ictx_next_tag(tag);
		in[i] = (struct ictx_outcome){.item_version = 1,
		                              .tag = tag,
		                              .major = (int)(seed % 101),
		                              .minor1 = (int)(seed >> 8) % 14,
		                              .minor2 = -(int)(seed % 7),
		                              .minor3 = (int)(seed >> 3)};
	}
	ictx_response_init(&r);
	for (size_t n = 0; n <= 300; n += 37) {
		struct berval bv;
		encode_response(100, in, n, &bv);
		ck_assert_msg(decode((unsigned char *)bv.bv_val, bv.bv_len, &r, err) == 0, "%s",
		              err);
		ck_assert_int_eq(r.code, 100);
		ck_assert_uint_eq(r.nitems, n);
		for (size_t i = 0; i < n; i++)
			ck_assert_mem_eq(&r.items[i], &in[i], sizeof(in[i]));
		ber_memfree(bv.bv_val);
	}
	ictx_response_free(&r);
}
END_TEST

START_TEST(test_next_tag)
{
	ck_assert_uint_eq(ictx_next_tag(0), 1);
	ck_assert_uint_eq(ictx_next_tag(1), 2);
	ck_assert_uint_eq(ictx_next_tag(0x7ffffffe), 0x7fffffff);
	ck_assert_uint_eq(ictx_next_tag(0x7fffffff), 1);
	ck_assert_uint_eq(ictx_next_tag(0xffffffff), 1);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(ictx_major_name(0), "SUCCESS");
	ck_assert_str_eq(ictx_major_name(2), "WARNINGMODE");
	ck_assert_str_eq(ictx_major_name(3), "NOTREQ");
	ck_assert_str_eq(ictx_major_name(4), "UNDETERMINED");
	ck_assert_str_eq(ictx_major_name(8), "UNAUTHORIZED");
	ck_assert_str_eq(ictx_major_name(12), "RACROUTE");
	ck_assert_str_eq(ictx_major_name(16), "VAL_ERR");
	ck_assert_str_eq(ictx_major_name(20), "ENC_ERR");
	ck_assert_str_eq(ictx_major_name(24), "UNSUF_AUTH");
	ck_assert_str_eq(ictx_major_name(28), "EMPTY");
	ck_assert_str_eq(ictx_major_name(61), "INVALID_VER");
	ck_assert_str_eq(ictx_major_name(70), "INVALID_VER");
	ck_assert_str_eq(ictx_major_name(71), "UNKNOWN");
	ck_assert_str_eq(ictx_major_name(100), "INTERNAL_ERR");
	ck_assert_str_eq(ictx_major_name(1), "UNKNOWN");
	ck_assert_str_eq(ictx_major_name(-1), "UNKNOWN");
	static const char *const fields[] = {
	        "Item",          "ItemVersion", "ItemTag", "LinkValue", "Violation",
	        "Event",         "Qualifier",   "Class",   "Resource",  "LogString",
	        "DataFieldList", "DataField",   "TYPE",    "VALUE"};
	for (int i = 0; i < 14; i++)
		ck_assert_str_eq(ictx_field_name(i), fields[i]);
	ck_assert_str_eq(ictx_field_name(14), "unknown field");
	ck_assert_str_eq(ictx_field_name(-1), "unknown field");
	ck_assert_str_eq(ictx_reason_name(32), "incorrect length");
	ck_assert_str_eq(ictx_reason_name(36), "incorrect value");
	ck_assert_str_eq(ictx_reason_name(40), "encoding error");
	ck_assert_str_eq(ictx_reason_name(0), "unknown reason");
}
END_TEST

static Suite *ictx_suite(void)
{
	Suite *s = suite_create("ictx");
	TCase *enc = tcase_create("encode");
	tcase_add_test(enc, test_sec5_vector);
	tcase_add_test(enc, test_item_violation_and_tag);
	tcase_add_test(enc, test_item_long_lengths);
	tcase_add_test(enc, test_request_empty_and_two);
	suite_add_tcase(s, enc);
	TCase *dec = tcase_create("decode");
	tcase_add_test(dec, test_decode_empty_list);
	tcase_add_test(dec, test_decode_one);
	tcase_add_test(dec, test_decode_three);
	tcase_add_test(dec, test_decode_truncated);
	tcase_add_test(dec, test_decode_trailing);
	tcase_add_test(dec, test_decode_wrong_tags);
	tcase_add_test(dec, test_decode_item_shapes);
	tcase_add_test(dec, test_decode_tag_range);
	tcase_add_test(dec, test_decode_round_trip);
	suite_add_tcase(s, dec);
	TCase *misc = tcase_create("misc");
	tcase_add_test(misc, test_next_tag);
	tcase_add_test(misc, test_names);
	suite_add_tcase(s, misc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ictx_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
