/* check_sim_smffile.c: zos-remote-sim --smf end to end: items sent with libldap, the binary
 * records read back with "zos-remote-sim dump" and compared field by field with the journal. */
#include <zr-autoconf.h>

#include <check.h>
#include <ctype.h>
#include <jansson.h>
#include <ldap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim_child.h"

#define AUDIT_OID "1.3.18.0.2.12.68"
#define MAX_KV    128

/* One simulator per test; it writes its SMF records to smf_file, in its dir. */
static struct sim_child sim;
static char smf_file[128];

/* Binary data, where sim_write_file writes text. */
static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Starts the simulator with --smf and extra (NULL-terminated, at most 12) arguments. */
static void sim_start_smf(const char *const *extra)
{
	const char *argv[16] = {"--smf", smf_file};
	size_t n = 2;
	for (; extra && *extra && n < 15; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	ck_assert_msg(sim_spawn(&sim, argv) == 0, "simulator did not start");
}

/* SIGTERM must stop it cleanly (exit 0). */
static void sim_stop_ok(void)
{
	int status = sim_end(&sim, SIGTERM);
	ck_assert_int_ne(status, -1);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

static void setup(void)
{
	ck_assert_int_eq(sim_mkdir(&sim), 0);
	snprintf(smf_file, sizeof smf_file, "%s/smf.bin", sim.dir);
}

static void teardown(void)
{
	sim_end(&sim, SIGKILL);
	ck_assert_int_eq(sim_rmdir(&sim), 0);
}

static LDAP *sim_session(const char *dn)
{
	char uri[64];
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3;
	struct berval cred = {.bv_len = 9, .bv_val = (char *)"zossecret"};
	snprintf(uri, sizeof uri, "ldap://127.0.0.1:%u", sim.port);
	ck_assert_int_eq(ldap_initialize(&ld, uri), LDAP_SUCCESS);
	ck_assert_int_eq(ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3), LDAP_OPT_SUCCESS);
	ck_assert_int_eq(ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL),
	                 LDAP_SUCCESS);
	return ld;
}

/* ---- requests, DER-encoded with liblber as the original plugin does (ictx-protocol.md §7.1) */

struct reloc {
	int type;
	const char *value;
};

struct item {
	unsigned serial; /* LinkValue: serial big-endian in bytes 0-3, then 4 bytes 0x5A */
	bool violation;
	int qualifier;
	const char *resource, *log;
	const struct reloc *relocs;
	size_t nrelocs;
};

static void put_item(BerElement *ber, int tag, const struct item *it)
{
	unsigned char link[8] = {(unsigned char)(it->serial >> 24),
	                         (unsigned char)(it->serial >> 16),
	                         (unsigned char)(it->serial >> 8),
	                         (unsigned char)it->serial,
	                         0x5A,
	                         0x5A,
	                         0x5A,
	                         0x5A};
	ck_assert_int_ge(ber_printf(ber, "{iio", 1, tag, (char *)link, (ber_len_t)8), 0);
	ck_assert_int_ge(
	        ber_printf(ber, "bii", (ber_int_t)(it->violation ? 0xFF : 0), 2, it->qualifier), 0);
	ck_assert_int_ge(ber_printf(ber, "tststs{", (ber_tag_t)0x16, "@LINUX", (ber_tag_t)0x16,
	                            it->resource, (ber_tag_t)0x16, it->log),
	                 0);
	for (size_t i = 0; i < it->nrelocs; i++)
		ck_assert_int_ge(ber_printf(ber, "{its}", it->relocs[i].type, (ber_tag_t)0x16,
		                            it->relocs[i].value),
		                 0);
	ck_assert_int_ge(ber_printf(ber, "}}"), 0);
}

/* Sends one request with the items; returns the ResponseCode's LDAP result (0 expected). */
static void send_items(LDAP *ld, const struct item *items, size_t n, int first_tag)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval bv, *data = NULL;
	char *oid = NULL;
	ck_assert_ptr_nonnull(ber);
	ck_assert_int_ge(ber_printf(ber, "{i{", 1), 0);
	for (size_t i = 0; i < n; i++)
		put_item(ber, first_tag + (int)i, &items[i]);
	ck_assert_int_ge(ber_printf(ber, "}}"), 0);
	ck_assert_int_eq(ber_flatten2(ber, &bv, 0), 0);
	ck_assert_int_eq(ldap_extended_operation_s(ld, AUDIT_OID, &bv, NULL, NULL, &oid, &data),
	                 LDAP_SUCCESS);
	ber_free(ber, 1);
	ldap_memfree(oid);
	ber_bvfree(data);
}

/* ---- the dump, parsed back into KEY=VALUE pairs ---- */

struct kv {
	char key[16];
	char *val;
};

struct dumpline {
	char stamp[32]; /* "YYYY-MM-DD HH:MM:SS.hh" */
	struct kv kv[MAX_KV];
	size_t n;
};

/* Undoes smf_unload_value's quoting; returns the end of the value. */
static const char *parse_value(const char *p, char **out)
{
	size_t cap = strlen(p) + 1, k = 0;
	char *v = malloc(cap);
	ck_assert_ptr_nonnull(v);
	if (*p != '"') {
		while (*p && *p != ' ')
			v[k++] = *p++;
	} else {
		for (p++; *p != '"'; p++) {
			ck_assert_msg(*p != '\0', "unterminated quoted value");
			if (*p == '\\' && p[1] == 'x') {
				unsigned x;
				ck_assert_int_eq(sscanf(p + 2, "%2X", &x), 1);
				v[k++] = (char)x;
				p += 3;
			} else if (*p == '\\') {
				v[k++] = *++p;
			} else {
				v[k++] = *p;
			}
		}
		p++;
	}
	v[k] = '\0';
	*out = v;
	return p;
}

static void parse_line(const char *line, struct dumpline *d)
{
	memset(d, 0, sizeof *d);
	ck_assert_uint_gt(strlen(line), 22);
	memcpy(d->stamp, line, 22);
	const char *p = line + 22;
	while (*p == ' ') {
		const char *eq = strchr(++p, '=');
		ck_assert_ptr_nonnull(eq);
		ck_assert_uint_lt((size_t)(eq - p), sizeof d->kv[0].key);
		ck_assert_uint_lt(d->n, MAX_KV);
		memcpy(d->kv[d->n].key, p, (size_t)(eq - p));
		p = parse_value(eq + 1, &d->kv[d->n].val);
		d->n++;
	}
	ck_assert_msg(*p == '\0' || *p == '\n', "junk after the values: %s", p);
}

static void free_line(struct dumpline *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->kv[i].val);
}

static const char *get(const struct dumpline *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->kv[i].key, key) == 0)
			return d->kv[i].val;
	ck_abort_msg("dump line has no %s", key);
	return NULL;
}

/* Runs "zos-remote-sim dump FILE"; returns its exit status and the lines (NULL-terminated). */
static int run_dump(const char *file, char ***lines)
{
	const char *bin = sim_path();
	char cmd[SIM_PATH_MAX + 512];
	ck_assert_ptr_nonnull(bin);
	snprintf(cmd, sizeof cmd, "%s'%s' dump '%s' 2>/dev/null", zr_emulator_prefix(), bin, file);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = 0, cap = 16;
	char **v = calloc(cap, sizeof *v), *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	while ((got = getline(&line, &lcap, p)) > 0) {
		if (line[got - 1] == '\n')
			line[got - 1] = '\0';
		if (n + 1 == cap)
			v = realloc(v, (cap *= 2) * sizeof *v);
		ck_assert_ptr_nonnull(v);
		v[n++] = strdup(line);
		v[n] = NULL;
	}
	free(line);
	int status = pclose(p);
	ck_assert(WIFEXITED(status));
	*lines = v;
	return WEXITSTATUS(status);
}

static void free_lines(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static size_t count_lines(char **v)
{
	size_t n = 0;
	while (v[n])
		n++;
	return n;
}

static json_t *journal_smf(void)
{
	json_error_t e;
	json_t *all = json_array();
	FILE *f = fopen(sim.journal, "r");
	char *line = NULL;
	size_t cap = 0;
	ck_assert_ptr_nonnull(f);
	while (getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, &e);
		ck_assert_msg(o != NULL, "journal line is not JSON: %s", e.text);
		if (strcmp(json_string_value(json_object_get(o, "kind")), "smf") == 0)
			json_array_append(all, o);
		json_decref(o);
	}
	free(line);
	fclose(f);
	return all;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	ck_assert_msg(s != NULL, "journal key %s missing or not a string", k);
	return s;
}

static long long jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	ck_assert_msg(json_is_integer(v), "journal key %s missing or not an integer", k);
	return json_integer_value(v);
}

static void assert_num(const struct dumpline *d, const char *key, long long want)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", want);
	ck_assert_str_eq(get(d, key), buf);
}

/* The record's stamp and the journal line's time are taken a moment apart. */
static void assert_same_time(const char *stamp, const char *iso)
{
	struct tm a = {0}, b = {0};
	ck_assert_ptr_nonnull(strptime(stamp, "%Y-%m-%d %H:%M:%S", &a));
	ck_assert_ptr_nonnull(strptime(iso, "%Y-%m-%dT%H:%M:%S", &b));
	double diff = difftime(timegm(&b), timegm(&a));
	ck_assert_msg(diff >= 0 && diff <= 2, "record %s vs journal %s", stamp, iso);
}

/* One record against its journal line: every field the journal has, plus what ICTX adds. */
static void compare(const struct dumpline *d, json_t *j, const char *dn)
{
	char link[17];
	const char *jl = jstr(j, "link");
	for (size_t i = 0; i < 17; i++)
		link[i] = (char)toupper((unsigned char)jl[i]);
	assert_same_time(d->stamp, jstr(j, "time"));
	ck_assert_str_eq(get(d, "SID"), jstr(j, "sid"));
	ck_assert_str_eq(get(d, "SUBTYPE"), "4");
	ck_assert_str_eq(get(d, "LINK"), link);
	assert_num(d, "EVENT", jint(j, "event"));
	assert_num(d, "QUAL", jint(j, "qualifier"));
	ck_assert_str_eq(get(d, "VIOL"), json_is_true(json_object_get(j, "violation")) ? "Y" : "N");
	ck_assert_str_eq(get(d, "WARN"), jint(j, "major") == 2 ? "Y" : "N");
	bool trunc = json_is_true(json_object_get(j, "smf_truncated"));
	ck_assert_str_eq(get(d, "TRUNC"), trunc ? "Y" : "N");
	ck_assert_str_eq(get(d, "USER"), jstr(j, "user"));
	/* Relocates in record order: class, resource, log string, profile, 100, 101, DataFields. */
	static const char *const fixed[] = {"SID",  "SUBTYPE",   "LINK",  "EVENT", "QUAL",
	                                    "VIOL", "WARN",      "TRUNC", "USER",  "GROUP",
	                                    "JOB",  "COMPONENT", "FMID"};
	size_t k = sizeof fixed / sizeof fixed[0];
	ck_assert_uint_ge(d->n, k + 6);
	for (size_t i = 0; i < k; i++)
		ck_assert_str_eq(d->kv[i].key, fixed[i]);
	ck_assert_str_eq(d->kv[k].key, "CLASS");
	ck_assert_str_eq(d->kv[k].val, jstr(j, "class"));
	ck_assert_str_eq(d->kv[k + 1].key, "RESOURCE");
	ck_assert_str_eq(d->kv[k + 1].val, jstr(j, "resource"));
	ck_assert_str_eq(d->kv[k + 2].key, "LOG");
	ck_assert_str_eq(d->kv[k + 2].val, jstr(j, "logstring"));
	ck_assert_str_eq(d->kv[k + 3].key, "PROFILE");
	ck_assert_str_eq(d->kv[k + 3].val, jstr(j, "profile"));
	ck_assert_str_eq(d->kv[k + 4].key, "R100");
	ck_assert_str_eq(d->kv[k + 4].val, jstr(j, "user"));
	ck_assert_str_eq(d->kv[k + 5].key, "R101");
	ck_assert_str_eq(d->kv[k + 5].val, dn);
	json_t *rel = json_object_get(j, "relocates");
	size_t nrel = json_array_size(rel), first = k + 6, written = d->n - first;
	ck_assert_uint_eq(written, (size_t)jint(j, "smf_datafields"));
	if (trunc)
		ck_assert_uint_le(written, nrel);
	else
		ck_assert_uint_eq(written, nrel);
	for (size_t i = 0; i < written; i++) {
		json_t *r = json_array_get(rel, i);
		char key[16];
		snprintf(key, sizeof key, "R%lld", jint(r, "type"));
		ck_assert_str_eq(d->kv[first + i].key, key);
		const char *want = jstr(r, "value");
		if (trunc && i + 1 == written) /* the last one may be cut */
			ck_assert(strncmp(d->kv[first + i].val, want,
			                  strlen(d->kv[first + i].val)) == 0);
		else
			ck_assert_str_eq(d->kv[first + i].val, want);
	}
	ck_assert_int_le(jint(j, "smf_bytes"), 32760);
}

static const char profiles[] = "* all\nQUIET none\nWARNED all warning\nFAILS failures\n";

START_TEST(test_dump_matches_journal)
{
	char pf[128];
	snprintf(pf, sizeof pf, "%s/profiles", sim.dir);
	write_file(pf, profiles, strlen(profiles));
	const char *extra[] = {"--profiles", pf, "--system-id", "ZOS9", NULL};
	sim_start_smf(extra);

	static const struct reloc spec_rel[] = {{113, "Thu Jan  1 00:00:00 1970"},
	                                        {114, "arch=x86_64"}};
	static const struct reloc odd_rel[] = {{114, "quote=\" backslash=\\ eq=a=b"},
	                                       {104, "root"},
	                                       {112, "~!@#$%^&*()_+`{}|[]:;'<>?,./"},
	                                       {114, "x"},
	                                       {108, " leading and trailing spaces "}};
	static struct reloc big_rel[40];
	static char big[1000];
	memset(big, 'B', sizeof big - 1);
	for (size_t i = 0; i < 40; i++)
		big_rel[i] = (struct reloc){114, big};

	const struct item first[] = {
	        {0x1234, false, 0, "SYSCALL", "Linux (h): type: SYSCALL", spec_rel, 2},
	        {0x1235, false, 0, "QUIET", "not written", spec_rel, 1},
	        {0x1236, true, 3, "WARNED", "Linux (h): type: AVC \"denied\"", odd_rel, 5},
	};
	const struct item second[] = {
	        {0x2000, true, 3, "FAILS", "a failure", NULL, 0},
	        {0x2001, false, 0, "FAILS", "a success, not written", NULL, 0},
	        {0x2002, false, 1, "PATH", "forty big values", big_rel, 40},
	};
	LDAP *ld = sim_session("racfid=zosaudit,cn=ictx");
	send_items(ld, first, 3, 1);
	LDAP *ld2 = sim_session("RACFID=ZOSAUDIT, CN=ICTX");
	send_items(ld2, second, 3, 10);
	send_items(ld, first, 1, 20);
	ldap_unbind_ext_s(ld, NULL, NULL);
	ldap_unbind_ext_s(ld2, NULL, NULL);
	sim_stop_ok();

	char **lines;
	ck_assert_int_eq(run_dump(smf_file, &lines), 0);
	json_t *smf = journal_smf();
	/* Written: SYSCALL, WARNED, FAILS(violation), PATH, SYSCALL again. */
	ck_assert_uint_eq(json_array_size(smf), 5);
	ck_assert_uint_eq(count_lines(lines), json_array_size(smf));
	static const char *const dns[] = {"racfid=zosaudit,cn=ictx", "racfid=zosaudit,cn=ictx",
	                                  "RACFID=ZOSAUDIT, CN=ICTX", "RACFID=ZOSAUDIT, CN=ICTX",
	                                  "racfid=zosaudit,cn=ictx"};
	for (size_t i = 0; lines[i]; i++) {
		struct dumpline d;
		parse_line(lines[i], &d);
		compare(&d, json_array_get(smf, i), dns[i]);
		free_line(&d);
	}
	/* Spot checks that do not come from the journal. */
	ck_assert_str_eq(jstr(json_array_get(smf, 1), "resource"), "WARNED");
	ck_assert_ptr_nonnull(strstr(lines[1], " VIOL=Y WARN=Y TRUNC=N "));
	ck_assert_ptr_nonnull(strstr(lines[0], " SID=ZOS9 "));
	ck_assert_ptr_nonnull(strstr(lines[0], " LINK=000012345A5A5A5A "));
	ck_assert_ptr_nonnull(strstr(lines[3], " TRUNC=Y "));
	ck_assert(json_is_true(json_object_get(json_array_get(smf, 3), "smf_truncated")));
	ck_assert_int_eq(jint(json_array_get(smf, 3), "smf_bytes"), 32760);
	ck_assert_int_lt(jint(json_array_get(smf, 3), "smf_datafields"), 40);
	ck_assert(json_is_false(json_object_get(json_array_get(smf, 0), "smf_truncated")));
	json_decref(smf);
	free_lines(lines);
}
END_TEST

/* Reads the binary file into memory. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	unsigned char *b = malloc(1 << 20);
	ck_assert_ptr_nonnull(b);
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

START_TEST(test_dump_reports_bad_records)
{
	static const struct reloc rel[] = {{114, "a=b"}};
	const struct item items[] = {{1, false, 0, "ONE", "one", rel, 1},
	                             {2, false, 0, "TWO", "two", rel, 1},
	                             {3, false, 0, "THREE", "three", rel, 1}};
	sim_start_smf(NULL);
	LDAP *ld = sim_session("racfid=ZOSAUDIT,cn=ictx");
	send_items(ld, items, 3, 1);
	ldap_unbind_ext_s(ld, NULL, NULL);
	sim_stop_ok();
	size_t len;
	unsigned char *b = slurp(smf_file, &len);
	size_t l1 = (size_t)b[0] << 8 | b[1], l2 = (size_t)b[l1] << 8 | b[l1 + 1];
	size_t l3 = len - l1 - l2;
	ck_assert_uint_eq((size_t)b[l1 + l2] << 8 | b[l1 + l2 + 1], l3);

	/* record 1 | record 2 with type 80 | 10 zero bytes | record 3 | record 1 cut short */
	unsigned char *out = calloc(1, 2 * len + 10);
	ck_assert_ptr_nonnull(out);
	size_t n = 0;
	memcpy(out, b, l1 + l2);
	out[l1 + 5] = 80;
	n = l1 + l2 + 10;
	memcpy(out + n, b + l1 + l2, l3);
	n += l3;
	memcpy(out + n, b, l1 - 7);
	n += l1 - 7;
	char bad[160];
	snprintf(bad, sizeof bad, "%s/bad.bin", sim.dir);
	write_file(bad, out, n);

	char **lines;
	ck_assert_int_eq(run_dump(bad, &lines), 1);
	ck_assert_uint_eq(count_lines(lines), 5);
	ck_assert_ptr_nonnull(strstr(lines[0], " RESOURCE=ONE "));
	char want[96];
	snprintf(want, sizeof want, "BAD OFFSET=%zu SKIP=%zu REASON=\"SMF83RTY 80, expected 83\"",
	         l1, l2);
	ck_assert_str_eq(lines[1], want);
	snprintf(want, sizeof want, "BAD OFFSET=%zu SKIP=10 REASON=\"RDW length 0 outside",
	         l1 + l2);
	ck_assert_msg(strncmp(lines[2], want, strlen(want)) == 0, "got %s", lines[2]);
	ck_assert_ptr_nonnull(strstr(lines[3], " RESOURCE=THREE "));
	snprintf(want, sizeof want, "BAD OFFSET=%zu SKIP=%zu REASON=\"RDW length %zu but only %zu",
	         l1 + l2 + 10 + l3, l1 - 7, l1, l1 - 7);
	ck_assert_msg(strncmp(lines[4], want, strlen(want)) == 0, "got %s", lines[4]);
	free_lines(lines);
	free(out);
	free(b);

	/* The untouched file dumps clean; a missing file and a missing argument are status 2. */
	ck_assert_int_eq(run_dump(smf_file, &lines), 0);
	ck_assert_uint_eq(count_lines(lines), 3);
	free_lines(lines);
	snprintf(bad, sizeof bad, "%s/missing.bin", sim.dir);
	ck_assert_int_eq(run_dump(bad, &lines), 2);
	ck_assert_uint_eq(count_lines(lines), 0);
	free_lines(lines);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_smffile");
	TCase *tc = tcase_create("loopback");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_dump_matches_journal);
	tcase_add_test(tc, test_dump_reports_bad_records);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
