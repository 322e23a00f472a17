/* check_tlsctx.c - the TLS context cache (tlsctx.h) with a stand-in for libldap: one
 * build per settings and files, reuse, a rebuild when a setting changes or a file is
 * replaced, touched or appears, no caching of a failed build, and every reference given
 * back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlsctx.h"

static int live; /* contexts built and not yet released */
static int fail_next;

static void *fake_build(void *arg, char *err, size_t errlen)
{
	int *ctx;

	(void)arg;
	if (fail_next) {
		fail_next = 0;
		snprintf(err, errlen, "cannot build");
		return NULL;
	}
	ctx = malloc(sizeof(*ctx));
	ck_assert_ptr_nonnull(ctx);
	live++;
	return ctx;
}

static void fake_release(void *ctx)
{
	free(ctx);
	live--;
}

static char dir[64], ca[128];

static void setup(void)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/check_tlsctx.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	f = fopen(ca, "w");
	ck_assert_ptr_nonnull(f);
	fputs("-----BEGIN CERTIFICATE-----\n", f);
	fclose(f);
	live = 0;
	fail_next = 0;
}

static void teardown(void)
{
	unlink(ca);
	rmdir(dir);
}

static void *get(struct tlsctx_slot *slot, const struct tlsctx_settings *s, unsigned long *builds)
{
	char err[256] = "";

	return tlsctx_get(slot, s, fake_build, fake_release, NULL, builds, "zos:636", err,
	                  sizeof(err));
}

START_TEST(built_once_then_reused)
{
	struct tlsctx_slot slot = {0};
	struct tlsctx_settings s = {.verify = true, .min_version = 12, .ca_file = ca};
	unsigned long builds = 0;
	void *a = get(&slot, &s, &builds), *b = get(&slot, &s, &builds);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	ck_assert_uint_eq(builds, 1);
	ck_assert_int_eq(live, 1);
	tlsctx_clear(&slot, fake_release);
	ck_assert_int_eq(live, 0);
	ck_assert_ptr_null(slot.ctx);
}
END_TEST

START_TEST(a_changed_setting_rebuilds)
{
	struct tlsctx_slot slot = {0};
	struct tlsctx_settings s = {.verify = true, .min_version = 12, .ca_file = ca};
	unsigned long builds = 0;

	get(&slot, &s, &builds);
	s.min_version = 13;
	get(&slot, &s, &builds);
	s.ciphers = "HIGH";
	get(&slot, &s, &builds);
	s.verify = false;
	get(&slot, &s, &builds);
	ck_assert_uint_eq(builds, 4);
	ck_assert_int_eq(live, 1); /* each old one given back */
	tlsctx_clear(&slot, fake_release);
	ck_assert_int_eq(live, 0);
}
END_TEST

START_TEST(a_changed_file_rebuilds)
{
	struct tlsctx_slot slot = {0};
	struct tlsctx_settings s = {.verify = true, .min_version = 12, .ca_file = ca};
	unsigned long builds = 0;
	char tmp[160];
	FILE *f;

	get(&slot, &s, &builds);
	/* A renewed CA file: written elsewhere and renamed over (new inode). */
	snprintf(tmp, sizeof(tmp), "%s/ca.new", dir);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fputs("-----BEGIN CERTIFICATE-----\nrenewed\n", f);
	fclose(f);
	ck_assert_int_eq(rename(tmp, ca), 0);
	get(&slot, &s, &builds);
	ck_assert_uint_eq(builds, 2);
	get(&slot, &s, &builds);
	ck_assert_uint_eq(builds, 2);
	tlsctx_clear(&slot, fake_release);
}
END_TEST

START_TEST(a_missing_file_is_never_cached_as_present)
{
	struct tlsctx_slot slot = {0};
	char missing[160];
	struct tlsctx_settings s = {.verify = true, .min_version = 12};
	unsigned long builds = 0;
	FILE *f;

	snprintf(missing, sizeof(missing), "%s/client.pem", dir);
	s.cert_file = missing;
	get(&slot, &s, &builds);
	f = fopen(missing, "w"); /* the file appears: what was built from its absence goes */
	ck_assert_ptr_nonnull(f);
	fclose(f);
	get(&slot, &s, &builds);
	ck_assert_uint_eq(builds, 2);
	unlink(missing);
	tlsctx_clear(&slot, fake_release);
	ck_assert_int_eq(live, 0);
}
END_TEST

START_TEST(a_failed_build_is_not_cached)
{
	struct tlsctx_slot slot = {0};
	struct tlsctx_settings s = {.verify = true, .min_version = 12, .ca_file = ca};
	unsigned long builds = 0;
	char err[256] = "";

	fail_next = 1;
	ck_assert_ptr_null(tlsctx_get(&slot, &s, fake_build, fake_release, NULL, &builds, "zos:636",
	                              err, sizeof(err)));
	ck_assert_str_eq(err, "cannot build");
	ck_assert_uint_eq(builds, 0);
	ck_assert_ptr_nonnull(get(&slot, &s, &builds));
	ck_assert_uint_eq(builds, 1);
	tlsctx_clear(&slot, fake_release);
	ck_assert_int_eq(live, 0);
}
END_TEST

static Suite *tlsctx_suite(void)
{
	Suite *s = suite_create("tlsctx");
	TCase *t = tcase_create("cache");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, built_once_then_reused);
	tcase_add_test(t, a_changed_setting_rebuilds);
	tcase_add_test(t, a_changed_file_rebuilds);
	tcase_add_test(t, a_missing_file_is_never_cached_as_present);
	tcase_add_test(t, a_failed_build_is_not_cached);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tlsctx_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
