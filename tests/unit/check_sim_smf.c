/* check_sim_smf.c: the simulator's SMF 83/4 encoder, decoder and unload line, and the EBCDIC
 * 1047 tables. */
#include <zr-autoconf.h>

#include <check.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_ebcdic.h"
#include "sim/sim_smf.h"

#define SEC (SMF_HEADER_LEN + SMF_PRODUCT_LEN) /* security section offset */

static unsigned char buf[SMF_RECORD_MAX + 64];

static struct smf_text txt(const char *s)
{
	return (struct smf_text){.p = s, .len = strlen(s)};
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 |
	       p[3];
}

/* ictx-protocol.md §5's item as the simulator would record it on 2026-11-22 13:50:54.12. */
static struct smf_reloc spec_relocs[] = {
        {SMF_R_CLASS, {"@LINUX", 6}},
        {SMF_R_RESOURCE, {"SYSCALL", 7}},
        {SMF_R_LOGSTRING, {"Remote audit request from ZOSAUDIT. Linux (h): type: SYSCALL", 60}},
        {SMF_R_PROFILE, {"*", 1}},
        {SMF_R_BINDUSER, {"ZOSAUDIT", 8}},
        {SMF_R_BINDDN, {"racfid=zosaudit,cn=ictx", 23}},
        {113, {"Sun Nov 22 12:50:54 2026", 24}},
        {114, {"arch=x86_64", 11}},
};

static struct smf_record spec_record(void)
{
	struct smf_record r = {
	        .when = {2026, 11, 22, 13 * 360000 + 50 * 6000 + 54 * 100 + 12},
	        .sid = txt("SIM1"),
	        .subtype = 4,
	        .link = {0, 0, 0x12, 0x34, 0, 0, 0, 0},
	        .event = 2,
	        .qualifier = 0,
	        .user = txt("ZOSAUDIT"),
	        .group = txt("SYS1"),
	        .jobname = txt("GLDSRV"),
	        .terminal = txt(""),
	        .component = txt("ICTX"),
	        .fmid = txt("SIMICTX"),
	        .rea = SMF_REA_PROFILE,
	        .relocs = spec_relocs,
	        .nrelocs = sizeof spec_relocs / sizeof spec_relocs[0],
	};
	return r;
}

static size_t encode(const struct smf_record *r)
{
	size_t written = 0;
	bool trunc = true;
	size_t len = smf_encode(r, buf, sizeof buf, &written, &trunc);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_eq(written, r->nrelocs);
	ck_assert(!trunc);
	return len;
}

/* EBCDIC text at p equals ASCII s (then blanks up to width). */
static void assert_ebcdic(const unsigned char *p, const char *s, size_t width)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < width; i++)
		ck_assert_msg(p[i] == (i < n ? ebcdic_from_latin1[(unsigned char)s[i]] : 0x40),
		              "byte %zu of \"%s\" is %02x", i, s, p[i]);
}

START_TEST(test_packed_date)
{
	ck_assert_int_eq(smf_packed_date(2026, 11, 22), 0x0126326F);
	ck_assert_int_eq(smf_packed_date(1999, 12, 31), 0x0099365F);
	ck_assert_int_eq(smf_packed_date(2024, 12, 31), 0x0124366F); /* leap year */
	ck_assert_int_eq(smf_packed_date(2000, 2, 29), 0x0100060F);
	ck_assert_int_eq(smf_packed_date(2026, 2, 29), -1);
	ck_assert_int_eq(smf_packed_date(2100, 1, 1), -1);
	int y, m, d;
	ck_assert_int_eq(smf_unpack_date(0x0126326F, &y, &m, &d), 0);
	ck_assert_int_eq(y, 2026);
	ck_assert_int_eq(m, 11);
	ck_assert_int_eq(d, 22);
	ck_assert_int_eq(smf_unpack_date(0x0124366F, &y, &m, &d), 0);
	ck_assert_int_eq(m * 100 + d, 1231);
	ck_assert_int_eq(smf_unpack_date(0x0126366F, &y, &m, &d), -1); /* day 366 of 2026 */
	ck_assert_int_eq(smf_unpack_date(0x0126326C, &y, &m, &d), -1); /* sign C */
	ck_assert_int_eq(smf_unpack_date(0x012A326F, &y, &m, &d), -1); /* digit A */
	ck_assert_int_eq(smf_unpack_date(0x0126000F, &y, &m, &d), -1); /* day 0 */
}
END_TEST

START_TEST(test_header_offsets)
{
	struct smf_record r = spec_record();
	size_t len = encode(&r);
	ck_assert_uint_eq(be16(buf + 0), len);
	ck_assert_uint_eq(be16(buf + 2), 0);
	ck_assert_uint_eq(buf[4], 0xDE);
	ck_assert_uint_eq(buf[5], 83);
	ck_assert_uint_eq(be32(buf + 6), 4985412); /* 13:50:54.12 in hundredths */
	ck_assert_uint_eq(be32(buf + 10), 0x0126326F);
	assert_ebcdic(buf + 14, "SIM1", 4);
	static const unsigned char racf[4] = {0xD9, 0xC1, 0xC3, 0xC6}; /* "RACF" in 1047 */
	ck_assert_mem_eq(buf + 18, racf, 4);
	ck_assert_uint_eq(be16(buf + 22), 4);
	ck_assert_uint_eq(be16(buf + 24), 3);
	ck_assert_uint_eq(be32(buf + 28), 52);
	ck_assert_uint_eq(be16(buf + 32), 20);
	ck_assert_uint_eq(be16(buf + 34), 1);
	ck_assert_uint_eq(be32(buf + 36), 72);
	ck_assert_uint_eq(be16(buf + 40), 52);
	ck_assert_uint_eq(be16(buf + 42), 1);
	ck_assert_uint_eq(be32(buf + 44), 124);
	ck_assert_uint_eq(be16(buf + 48), len - 124);
	ck_assert_uint_eq(be16(buf + 50), 8);
	/* product section */
	ck_assert_uint_eq(be16(buf + 52), 1);
	assert_ebcdic(buf + 56, "ICTX", 8);
	assert_ebcdic(buf + 64, "SIMICTX", 8);
	/* security section */
	static const unsigned char link[8] = {0, 0, 0x12, 0x34, 0, 0, 0, 0};
	ck_assert_mem_eq(buf + SEC, link, 8);
	ck_assert_uint_eq(be16(buf + SEC + 8), 0);
	ck_assert_uint_eq(buf[SEC + 10], 2);
	ck_assert_uint_eq(buf[SEC + 11], 0);
	assert_ebcdic(buf + SEC + 12, "ZOSAUDIT", 8);
	assert_ebcdic(buf + SEC + 20, "SYS1", 8);
	ck_assert_uint_eq(buf[SEC + 33], 0x10);
	assert_ebcdic(buf + SEC + 36, "", 8);
	assert_ebcdic(buf + SEC + 44, "GLDSRV", 8);
	/* first relocate: class */
	ck_assert_uint_eq(be16(buf + 124), SMF_R_CLASS);
	ck_assert_uint_eq(be16(buf + 126), 6);
	assert_ebcdic(buf + 128, "@LINUX", 6);
	ck_assert_uint_eq(len, 124 + 8 * 4 + 6 + 7 + 60 + 1 + 8 + 23 + 24 + 11);
}
END_TEST

START_TEST(test_descriptor_flags)
{
	struct smf_record r = spec_record();
	r.des = SMF_DES_VIOLATION | SMF_DES_WARNING;
	encode(&r);
	ck_assert_uint_eq(be16(buf + SEC + 8), 0x9000);
	struct smf_decoded d;
	size_t len;
	char why[200];
	ck_assert_int_eq(smf_decode(buf, sizeof buf, &d, &len, why, sizeof why), 0);
	char *line = smf_unload_line(&d.rec);
	ck_assert_ptr_nonnull(strstr(line, " VIOL=Y WARN=Y TRUNC=N "));
	free(line);
	smf_decoded_free(&d);
}
END_TEST

START_TEST(test_ebcdic_printable_roundtrip)
{
	char ascii[95], back[96];
	unsigned char e[95];
	for (int i = 0; i < 95; i++)
		ascii[i] = (char)(0x20 + i);
	ebcdic_encode(e, ascii, sizeof ascii);
	ebcdic_decode(back, e, sizeof e);
	ck_assert_mem_eq(back, ascii, sizeof ascii);
	/* 1047-specific points (CP 037 differs in the brackets, caret and not-sign). */
	ck_assert_uint_eq(ebcdic_from_latin1[' '], 0x40);
	ck_assert_uint_eq(ebcdic_from_latin1['A'], 0xC1);
	ck_assert_uint_eq(ebcdic_from_latin1['a'], 0x81);
	ck_assert_uint_eq(ebcdic_from_latin1['0'], 0xF0);
	ck_assert_uint_eq(ebcdic_from_latin1['['], 0xAD);
	ck_assert_uint_eq(ebcdic_from_latin1[']'], 0xBD);
	ck_assert_uint_eq(ebcdic_from_latin1['^'], 0x5F);
	ck_assert_uint_eq(ebcdic_from_latin1[0xAC], 0xB0);
	ck_assert_uint_eq(ebcdic_from_latin1['@'], 0x7C);
	ck_assert_uint_eq(ebcdic_from_latin1['\n'], 0x25);
	/* The two tables are inverse bijections. */
	bool seen[256] = {false};
	for (int i = 0; i < 256; i++) {
		ck_assert_uint_eq(ebcdic_to_latin1[ebcdic_from_latin1[i]], i);
		ck_assert(!seen[ebcdic_from_latin1[i]]);
		seen[ebcdic_from_latin1[i]] = true;
	}
}
END_TEST

/* Every entry against glibc's IBM1047 converter, an independent implementation of 1047. */
START_TEST(test_ebcdic_against_iconv)
{
	iconv_t cd = iconv_open("IBM1047", "ISO-8859-1");
	ck_assert_msg(cd != (iconv_t)-1, "glibc has no IBM1047 converter (gconv modules missing)");
	for (int i = 0; i < 256; i++) {
		char in = (char)i, out = 0, *ip = &in, *op = &out;
		size_t il = 1, ol = 1;
		ck_assert_uint_ne(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
		ck_assert_msg((unsigned char)out == ebcdic_from_latin1[i],
		              "latin1 %02x: table %02x, iconv %02x", i, ebcdic_from_latin1[i],
		              (unsigned char)out);
	}
	iconv_close(cd);
}
END_TEST

START_TEST(test_field_padding)
{
	unsigned char f[8];
	ck_assert_uint_eq(ebcdic_field(f, 8, "SYS1", 4), 0);
	assert_ebcdic(f, "SYS1", 8);
	ck_assert_uint_eq(ebcdic_trimmed(f, 8), 4);
	ck_assert_uint_eq(ebcdic_field(f, 8, "ABCDEFGHIJ", 10), 2);
	assert_ebcdic(f, "ABCDEFGH", 8);
}
END_TEST

/* Many relocates, values with every printable character: encode -> decode gives the same. */
START_TEST(test_roundtrip_many_relocates)
{
	enum { N = 300 };
	static struct smf_reloc rel[N];
	static char values[N][100];
	for (int i = 0; i < N; i++) {
		int len = 1 + i % 95;
		for (int k = 0; k < len; k++)
			values[i][k] = (char)(0x20 + (i + k) % 95);
		rel[i] = (struct smf_reloc){(unsigned)(100 + i % 15), {values[i], (size_t)len}};
	}
	struct smf_record r = spec_record();
	r.relocs = rel;
	r.nrelocs = N;
	r.des = SMF_DES_VIOLATION;
	r.qualifier = 3;
	size_t len = encode(&r);
	struct smf_decoded d;
	size_t dlen = 0;
	char why[200];
	ck_assert_int_eq(smf_decode(buf, len, &d, &dlen, why, sizeof why), 0);
	ck_assert_uint_eq(dlen, len);
	ck_assert_uint_eq(d.rec.nrelocs, N);
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(d.rec.relocs[i].type, rel[i].type);
		ck_assert_uint_eq(d.rec.relocs[i].value.len, rel[i].value.len);
		ck_assert_mem_eq(d.rec.relocs[i].value.p, rel[i].value.p, rel[i].value.len);
	}
	ck_assert_mem_eq(d.rec.link, r.link, 8);
	ck_assert_uint_eq(d.rec.des, SMF_DES_VIOLATION);
	ck_assert_uint_eq(d.rec.qualifier, 3);
	ck_assert_uint_eq(d.rec.event, 2);
	ck_assert_uint_eq(d.rec.when.hundredths, r.when.hundredths);
	ck_assert_int_eq(d.rec.when.day, 22);
	ck_assert_str_eq(d.rec.user.p, "ZOSAUDIT");
	ck_assert_str_eq(d.rec.sid.p, "SIM1");
	ck_assert_str_eq(d.rec.group.p, "SYS1");
	smf_decoded_free(&d);
}
END_TEST

START_TEST(test_unload_line)
{
	struct smf_record r = spec_record();
	encode(&r);
	struct smf_decoded d;
	size_t len;
	char why[200];
	ck_assert_int_eq(smf_decode(buf, sizeof buf, &d, &len, why, sizeof why), 0);
	char *line = smf_unload_line(&d.rec);
	ck_assert_str_eq(line, "2026-11-22 13:50:54.12 SID=SIM1 SUBTYPE=4 LINK=0000123400000000 "
	                       "EVENT=2 QUAL=0 VIOL=N WARN=N TRUNC=N USER=ZOSAUDIT GROUP=SYS1 "
	                       "JOB=GLDSRV COMPONENT=ICTX FMID=SIMICTX CLASS=@LINUX "
	                       "RESOURCE=SYSCALL LOG=\"Remote audit request from ZOSAUDIT. Linux "
	                       "(h): type: SYSCALL\" PROFILE=* R100=ZOSAUDIT "
	                       "R101=\"racfid=zosaudit,cn=ictx\" R113=\"Sun Nov 22 12:50:54 2026\" "
	                       "R114=\"arch=x86_64\"");
	free(line);
	smf_decoded_free(&d);
}
END_TEST

START_TEST(test_unload_quoting)
{
	char out[64];
	size_t n = smf_unload_value(out, "a\"b\\c d", 7);
	ck_assert_str_eq((out[n] = '\0', out), "\"a\\\"b\\\\c d\"");
	n = smf_unload_value(out, "", 0);
	ck_assert_str_eq((out[n] = '\0', out), "\"\"");
	n = smf_unload_value(out, "x\x01\xE9", 3);
	ck_assert_str_eq((out[n] = '\0', out), "\"x\\x01\\xE9\"");
	n = smf_unload_value(out, "A.B*%", 5);
	ck_assert_str_eq((out[n] = '\0', out), "A.B*%");
	n = smf_unload_value(out, "a=b", 3);
	ck_assert_str_eq((out[n] = '\0', out), "\"a=b\"");
}
END_TEST

/* Too many bytes of DataFields: the record stops at 32,760, the last one cut, flag set. */
START_TEST(test_truncation)
{
	enum { N = 40 };
	static struct smf_reloc rel[N];
	static char big[1024];
	memset(big, 'v', sizeof big);
	for (int i = 0; i < N; i++)
		rel[i] = (struct smf_reloc){114, {big, sizeof big}};
	struct smf_record r = spec_record();
	r.relocs = rel;
	r.nrelocs = N;
	size_t written = 0;
	bool trunc = false;
	size_t len = smf_encode(&r, buf, sizeof buf, &written, &trunc);
	ck_assert_uint_eq(len, SMF_RECORD_MAX);
	ck_assert(trunc);
	/* 124 + k * 1028 <= 32760 < 124 + (k + 1) * 1028 gives k = 31 whole, the 32nd cut. */
	ck_assert_uint_eq(written, 32);
	ck_assert_uint_eq(be16(buf + SEC + 8), SMF_DES_TRUNCATED);
	struct smf_decoded d;
	size_t dlen;
	char why[200];
	ck_assert_int_eq(smf_decode(buf, len, &d, &dlen, why, sizeof why), 0);
	ck_assert_uint_eq(d.rec.nrelocs, 32);
	ck_assert_uint_eq(d.rec.relocs[31].value.len, SMF_RECORD_MAX - 124 - 31 * 1028 - 4);
	ck_assert_uint_eq(d.rec.relocs[30].value.len, 1024);
	smf_decoded_free(&d);
	/* A small cap cuts too, and never writes past it. */
	memset(buf, 0xEE, sizeof buf);
	len = smf_encode(&r, buf, 200, &written, &trunc);
	ck_assert_uint_eq(len, 200);
	ck_assert_uint_eq(buf[200], 0xEE);
	ck_assert(trunc);
	ck_assert_uint_eq(smf_encode(&r, buf, SMF_FIXED_LEN - 1, &written, &trunc), 0);
}
END_TEST

/* decode expecting failure; returns the reason and checks the RDW length reported. */
static const char *bad(const unsigned char *p, size_t n, size_t want_len)
{
	static char why[256];
	struct smf_decoded d;
	size_t len = 99;
	why[0] = '\0';
	ck_assert_int_eq(smf_decode(p, n, &d, &len, why, sizeof why), -1);
	ck_assert_uint_eq(len, want_len);
	ck_assert_ptr_null(d.text);
	ck_assert_uint_gt(strlen(why), 0);
	return why;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

START_TEST(test_bad_records)
{
	struct smf_record r = spec_record();
	size_t len = encode(&r);
	static unsigned char b[SMF_RECORD_MAX];
	ck_assert_ptr_nonnull(strstr(bad(buf, 3, 0), "RDW needs 4"));
	memcpy(b, buf, len);
	put16(b, 10);
	ck_assert_ptr_nonnull(strstr(bad(b, len, 0), "RDW length 10 outside"));
	memcpy(b, buf, len);
	ck_assert_ptr_nonnull(strstr(bad(b, len - 1, 0), "but only"));
	memcpy(b, buf, len);
	put16(b + 2, 0x0100);
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "segment descriptor"));
	memcpy(b, buf, len);
	b[5] = 80;
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "SMF83RTY 80"));
	memcpy(b, buf, len);
	put16(b + 22, 3);
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "subtype"));
	memcpy(b, buf, len);
	b[36 + 2] = 0x40; /* SMF83OD1 far beyond the record */
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "SMF83OD1"));
	memcpy(b, buf, len);
	put16(b + 48, (unsigned)(len - 124 + 1)); /* SMF83LD2 one past the end */
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "SMF83OD2"));
	memcpy(b, buf, len);
	put16(b + 50, 9); /* one relocate more than there are */
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "relocate 9 of 9"));
	memcpy(b, buf, len);
	put16(b + 50, 7); /* one fewer: bytes left over */
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "after the 7 relocates"));
	memcpy(b, buf, len);
	put16(b + 126, 600); /* class relocate longer than the area */
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "length 600 runs past"));
	memcpy(b, buf, len);
	b[13] = 0x2C; /* packed date sign C */
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "SMF83DTE"));
	memcpy(b, buf, len);
	b[6] = 0xFF; /* time beyond a day */
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "SMF83TME"));
	memcpy(b, buf, len);
	put16(b + 24, 2);
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "triplets"));
	memcpy(b, buf, len);
	put16(b + 40, 20); /* security section too short for its fields */
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "SMF83OD1: 1 section(s) of 20 bytes"));
	memcpy(b, buf, len);
	b[18] = 0xC1;
	ck_assert_ptr_nonnull(strstr(bad(b, len, len), "SMF83SSI"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_smf");
	TCase *tc = tcase_create("smf");
	tcase_add_test(tc, test_packed_date);
	tcase_add_test(tc, test_header_offsets);
	tcase_add_test(tc, test_descriptor_flags);
	tcase_add_test(tc, test_ebcdic_printable_roundtrip);
	tcase_add_test(tc, test_ebcdic_against_iconv);
	tcase_add_test(tc, test_field_padding);
	tcase_add_test(tc, test_roundtrip_many_relocates);
	tcase_add_test(tc, test_unload_line);
	tcase_add_test(tc, test_unload_quoting);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_bad_records);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
