/* check_certdiag.c - the certificate diagnosis (certdiag.h) on certificates made here
 * with OpenSSL (fixed names and dates, self-signed or signed by a test CA), without a
 * handshake: names and dates read back, host name matching (exact, wildcard, IP), and
 * each verdict: expired, not yet valid, wrong name, untrusted issuer. */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "certdiag.h"

#define T0  ((time_t)1800000000) /* 2027-01-15 08:00 UTC: "now" in these tests */
#define DAY ((time_t)86400)

static EVP_PKEY *k;

static EVP_PKEY *key(void)
{
	if (!k)
		k = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(k);
	return k;
}

/* DER of a certificate for cn with subjectAltName san (NULL: none), valid
 * from..until, issued by issuer_cn (self-signed when it equals cn). */
static unsigned char *make_cert(const char *cn, const char *san, time_t from, time_t until,
                                const char *issuer_cn, size_t *len)
{
	X509 *x = X509_new();
	X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();
	unsigned char *der = NULL;
	int n;

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(subj, "O", MBSTRING_ASC, (const unsigned char *)"Test", -1, -1,
	                           0);
	X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_ASC, (const unsigned char *)issuer_cn, -1,
	                           -1, 0);
	X509_set_subject_name(x, subj);
	X509_set_issuer_name(x, iss);
	ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notBefore(x), from));
	ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notAfter(x), until));
	X509_set_pubkey(x, key());
	if (san) {
		X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);

		ck_assert_ptr_nonnull(ext);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	ck_assert_int_gt(X509_sign(x, key(), EVP_sha256()), 0);
	n = i2d_X509(x, &der);
	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
	X509_NAME_free(subj);
	X509_NAME_free(iss);
	X509_free(x);
	return der;
}

static struct cert_info read_for(const char *server, const char *san, time_t from, time_t until,
                                 const char *issuer)
{
	size_t len;
	unsigned char *der = make_cert("zos.example.com", san, from, until, issuer, &len);
	struct cert_info pc;

	ck_assert(cert_read(der, len, server, &pc));
	OPENSSL_free(der);
	return pc;
}

static void verdict(const struct cert_info *pc, const char *server, char *out, size_t len)
{
	cert_verdict(pc, server, "/etc/zos-remote/ca.pem", NULL, T0, out, len);
}

START_TEST(names_and_dates_read_back)
{
	struct cert_info pc = read_for("zos.example.com", "DNS:zos.example.com,IP:192.0.2.7",
	                               T0 - DAY, T0 + DAY, "Test CA");

	ck_assert_int_eq((long)pc.not_before, (long)(T0 - DAY));
	ck_assert_int_eq((long)pc.not_after, (long)(T0 + DAY));
	ck_assert_str_eq(pc.names, "DNS:zos.example.com IP:192.0.2.7");
	ck_assert(pc.has_names);
	ck_assert(pc.name_ok);
	ck_assert_str_eq(pc.subject, "cn=zos.example.com,o=Test"); /* RFC 4514: last RDN first */
	ck_assert_str_eq(pc.issuer, "cn=Test CA");
}
END_TEST

START_TEST(generalized_time_after_2049)
{
	time_t y2051 = (time_t)2556144000; /* 2051-01-01: GeneralizedTime */
	struct cert_info pc = read_for("zos.example.com", "DNS:zos.example.com", T0, y2051, "CA");

	ck_assert_int_eq((long)pc.not_after, (long)y2051);
}
END_TEST

START_TEST(host_matching)
{
	ck_assert(cert_host_matches("zos.example.com", 15, "ZOS.Example.COM"));
	ck_assert(cert_host_matches("*.example.com", 13, "zos.example.com"));
	ck_assert(!cert_host_matches("*.example.com", 13, "a.zos.example.com")); /* one label */
	ck_assert(!cert_host_matches("*.example.com", 13, "example.com"));
	ck_assert(!cert_host_matches("zos.example.com", 15, "zos.example.com.evil"));
	ck_assert(!cert_host_matches("zos.example.co", 14, "zos.example.com"));
	ck_assert(!cert_host_matches("*", 1, "localhost"));
	/* The pattern is counted, not NUL-terminated. */
	ck_assert(cert_host_matches("zos.example.comXYZ", 15, "zos.example.com"));
}
END_TEST

START_TEST(ip_names)
{
	struct cert_info v4 = read_for("192.0.2.7", "IP:192.0.2.7", T0 - DAY, T0 + DAY, "CA");
	struct cert_info other = read_for("192.0.2.8", "IP:192.0.2.7", T0 - DAY, T0 + DAY, "CA");
	struct cert_info v6 = read_for("2001:db8::1", "IP:2001:db8::1", T0 - DAY, T0 + DAY, "CA");
	struct cert_info dns =
	        read_for("192.0.2.7", "DNS:192.0.2.7.example", T0 - DAY, T0 + DAY, "CA");

	ck_assert(v4.name_ok);
	ck_assert(!other.name_ok);
	ck_assert(v6.name_ok);
	ck_assert_str_eq(v6.names, "IP:2001:db8::1");
	ck_assert(!dns.name_ok);
}
END_TEST

START_TEST(verdict_expired)
{
	struct cert_info pc =
	        read_for("zos.example.com", "DNS:zos.example.com", T0 - 10 * DAY, T0 - DAY, "CA");
	char out[600];

	verdict(&pc, "zos.example.com", out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "expired on 2027-01-14 08:00 UTC"));
}
END_TEST

START_TEST(verdict_not_yet_valid)
{
	struct cert_info pc =
	        read_for("zos.example.com", "DNS:zos.example.com", T0 + DAY, T0 + 9 * DAY, "CA");
	char out[600];

	verdict(&pc, "zos.example.com", out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "not valid before 2027-01-16"));
	ck_assert_ptr_nonnull(strstr(out, "check the clocks"));
}
END_TEST

START_TEST(verdict_wrong_name)
{
	struct cert_info pc =
	        read_for("mvs.example.com", "DNS:zos.example.com,DNS:*.zos.example.com", T0 - DAY,
	                 T0 + DAY, "CA");
	char out[600];

	ck_assert(!pc.name_ok);
	verdict(&pc, "mvs.example.com", out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "is for DNS:zos.example.com DNS:*.zos.example.com, "
	                                  "not for 'mvs.example.com'"));
}
END_TEST

START_TEST(verdict_untrusted_issuer)
{
	struct cert_info pc =
	        read_for("zos.example.com", "DNS:zos.example.com", T0 - DAY, T0 + DAY, "Rogue CA");
	struct cert_info nosan = read_for("zos.example.com", NULL, T0 - DAY, T0 + DAY, "Rogue CA");
	char out[600];

	verdict(&pc, "zos.example.com", out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "issued by 'cn=Rogue CA'"));
	ck_assert_ptr_nonnull(strstr(out, "/etc/zos-remote/ca.pem"));
	/* Without subjectAltName the names say nothing: the issuer is the verdict. */
	ck_assert(!nosan.has_names);
	cert_verdict(&nosan, "zos.example.com", "", "/etc/ssl/zr", T0, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "or tls_ca_dir"));
	cert_verdict(&nosan, "zos.example.com", NULL, NULL, T0, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "the system store was used"));
}
END_TEST

START_TEST(not_a_certificate)
{
	static const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	size_t len;
	unsigned char *der = make_cert("x", NULL, T0, T0 + DAY, "x", &len);
	struct cert_info pc;

	ck_assert(!cert_read(junk, sizeof(junk), "x", &pc));
	ck_assert(!cert_read(der, len / 2, "x", &pc)); /* cut short */
	ck_assert(cert_read(der, len, "x", &pc));
	OPENSSL_free(der);
}
END_TEST

static Suite *certdiag_suite(void)
{
	Suite *s = suite_create("certdiag");
	TCase *t = tcase_create("certs");

	tcase_add_test(t, names_and_dates_read_back);
	tcase_add_test(t, generalized_time_after_2049);
	tcase_add_test(t, host_matching);
	tcase_add_test(t, ip_names);
	tcase_add_test(t, verdict_expired);
	tcase_add_test(t, verdict_not_yet_valid);
	tcase_add_test(t, verdict_wrong_name);
	tcase_add_test(t, verdict_untrusted_issuer);
	tcase_add_test(t, not_a_certificate);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(certdiag_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	EVP_PKEY_free(k);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
