/* check_sim_server.c: zos-remote-sim end to end over loopback with libldap, checking replies and
 * the journal. */
#include "zr-autoconf.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <ldap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/sim_der.h"
#include "sim_child.h"
#include "spec_vector.h"

#define AUDIT_OID "1.3.18.0.2.12.68"

/* One simulator per test, started by the test with its own arguments. */
static struct sim_child sim;

/* The path of name in the simulator's dir (valid until the next call). */
static const char *sim_file(const char *name)
{
	static char path[128];

	snprintf(path, sizeof path, "%s/%s", sim.dir, name);
	return path;
}

static void sim_start_ok(const char *const *extra)
{
	ck_assert_msg(sim_spawn(&sim, extra) == 0, "simulator did not start");
}

/* SIGTERM must stop it cleanly (exit 0). */
static void sim_stop_ok(void)
{
	int status;

	if (sim.pid <= 0)
		return;
	status = sim_end(&sim, SIGTERM);
	ck_assert_int_ne(status, -1);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

static void setup(void)
{
	ck_assert_int_eq(sim_mkdir(&sim), 0);
}

static void teardown(void)
{
	sim_end(&sim, SIGKILL);
	ck_assert_int_eq(sim_rmdir(&sim), 0);
}

static LDAP *sim_connect(void)
{
	char uri[64];
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3;
	snprintf(uri, sizeof uri, "ldap://127.0.0.1:%u", sim.port);
	ck_assert_int_eq(ldap_initialize(&ld, uri), LDAP_SUCCESS);
	ck_assert_int_eq(ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3), LDAP_OPT_SUCCESS);
	return ld;
}

static int sim_bind(LDAP *ld, const char *dn, const char *pw)
{
	struct berval cred = {.bv_len = strlen(pw), .bv_val = (char *)pw};
	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

static LDAP *sim_session(void)
{
	LDAP *ld = sim_connect();
	ck_assert_int_eq(sim_bind(ld, "racfid=zosaudit,cn=ictx", "zossecret"), LDAP_SUCCESS);
	return ld;
}

static int sim_exop(LDAP *ld, const char *oid, const void *val, size_t len, struct berval **data)
{
	struct berval bv = {.bv_len = len, .bv_val = (char *)val};
	char *retoid = NULL;
	*data = NULL;
	int rc = ldap_extended_operation_s(ld, oid, &bv, NULL, NULL, &retoid, data);
	if (rc == LDAP_SUCCESS)
		ck_assert_str_eq(retoid, "1.3.18.0.2.12.69");
	ldap_memfree(retoid);
	if (rc != LDAP_SUCCESS && *data) {
		ber_bvfree(*data);
		*data = NULL;
	}
	return rc;
}

/* Decodes a response value strictly: {1, code, {{1, tag, major, m1, m2, m3}...}}. */
static int decode_response(const struct berval *bv, int64_t *code, int64_t items[][6], int max)
{
	struct der_reader r, body, list, item;
	int64_t v;
	der_init(&r, bv->bv_val, bv->bv_len);
	if (der_expect(&r, DER_SEQUENCE, &body) || !der_at_end(&r) || der_read_int(&body, &v) ||
	    v != 1 || der_read_int(&body, code) || der_expect(&body, DER_SEQUENCE, &list))
		return -1;
	int n = 0;
	while (!der_at_end(&list) && n < max) {
		if (der_expect(&list, DER_SEQUENCE, &item))
			return -1;
		for (int k = 0; k < 6; k++)
			if (der_read_int(&item, &items[n][k]))
				return -1;
		n++;
	}
	return n;
}

/* The journal lines of one kind, as a JSON array (caller decrefs). */
static json_t *journal_kind(const char *kind)
{
	FILE *f = fopen(sim.journal, "r");
	ck_assert_ptr_nonnull(f);
	json_t *all = json_array();
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		json_error_t e;
		json_t *o = json_loads(line, 0, &e);
		ck_assert_msg(o != NULL, "journal line is not JSON: %s (%s)", line, e.text);
		ck_assert_ptr_nonnull(json_object_get(o, "time"));
		if (strcmp(json_string_value(json_object_get(o, "kind")), kind) == 0)
			json_array_append(all, o);
		json_decref(o);
	}
	free(line);
	fclose(f);
	return all;
}

static size_t journal_count(const char *kind)
{
	json_t *a = journal_kind(kind);
	size_t n = json_array_size(a);
	json_decref(a);
	return n;
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

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

START_TEST(test_audit_roundtrip)
{
	struct berval *data;
	int64_t code, items[4][6];
	sim_start_ok(NULL);
	LDAP *ld = sim_session();
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SUCCESS);
	ck_assert_int_eq(decode_response(data, &code, items, 4), 1);
	ck_assert_int_eq(code, 0);
	static const int64_t want[6] = {1, 1, 0, 0, 0, 0};
	ck_assert_mem_eq(items[0], want, sizeof want);
	ber_bvfree(data);
	ldap_unbind_ext_s(ld, NULL, NULL);
	sim_stop_ok();

	json_t *binds = journal_kind("bind");
	ck_assert_uint_eq(json_array_size(binds), 1);
	ck_assert_int_eq(jint(json_array_get(binds, 0), "result"), 0);
	ck_assert_str_eq(jstr(json_array_get(binds, 0), "user"), "ZOSAUDIT");
	ck_assert_str_eq(jstr(json_array_get(binds, 0), "dn"), "racfid=zosaudit,cn=ictx");
	json_decref(binds);
	json_t *smf = journal_kind("smf");
	ck_assert_uint_eq(json_array_size(smf), 1);
	json_t *s = json_array_get(smf, 0);
	ck_assert_str_eq(jstr(s, "sid"), "SIM1");
	ck_assert_str_eq(jstr(s, "user"), "ZOSAUDIT");
	ck_assert_int_eq(jint(s, "conn"), 1);
	ck_assert_int_eq(jint(s, "tag"), 1);
	ck_assert_int_eq(jint(s, "event"), 2);
	ck_assert_int_eq(jint(s, "qualifier"), 0);
	ck_assert(json_is_false(json_object_get(s, "violation")));
	ck_assert_str_eq(jstr(s, "link"), "0000123400000000");
	ck_assert_str_eq(jstr(s, "class"), "@LINUX");
	ck_assert_str_eq(jstr(s, "resource"), "SYSCALL");
	ck_assert_str_eq(jstr(s, "logstring"),
	                 "Remote audit request from ZOSAUDIT. Linux (h): type: SYSCALL");
	ck_assert_str_eq(jstr(s, "profile"), "*");
	ck_assert_int_eq(jint(s, "major"), 0);
	json_t *rel = json_object_get(s, "relocates");
	ck_assert_uint_eq(json_array_size(rel), 2);
	ck_assert_int_eq(jint(json_array_get(rel, 0), "type"), 113);
	ck_assert_str_eq(jstr(json_array_get(rel, 1), "value"), "arch=x86_64");
	json_decref(smf);
	json_t *req = journal_kind("request");
	ck_assert_uint_eq(json_array_size(req), 1);
	json_t *r = json_array_get(req, 0);
	ck_assert_int_eq(jint(r, "ldap_result"), 0);
	ck_assert_int_eq(jint(r, "code"), 0);
	ck_assert_int_eq(jint(r, "items"), 1);
	ck_assert_int_eq(jint(r, "answered"), 1);
	json_decref(req);
}
END_TEST

START_TEST(test_bind_rejected)
{
	struct berval *data;
	sim_start_ok(NULL);
	LDAP *ld = sim_connect();
	ck_assert_int_eq(sim_bind(ld, "racfid=zosaudit,cn=ictx", "wrong"),
	                 LDAP_INVALID_CREDENTIALS);
	ck_assert_int_eq(sim_bind(ld, "cn=zosaudit,o=ictx", "zossecret"), LDAP_INVALID_CREDENTIALS);
	ck_assert_int_eq(sim_bind(ld, "racfid=nobody,cn=ictx", "zossecret"),
	                 LDAP_INVALID_CREDENTIALS);
	/* still anonymous: the extended operation is refused */
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_INSUFFICIENT_ACCESS);
	ck_assert_int_eq(sim_bind(ld, "RACFID=ZOSAUDIT, CN=ICTX", "zossecret"), LDAP_SUCCESS);
	ldap_unbind_ext_s(ld, NULL, NULL);
	sim_stop_ok();
	json_t *b = journal_kind("bind");
	ck_assert_uint_eq(json_array_size(b), 4);
	ck_assert_int_eq(jint(json_array_get(b, 0), "result"), 49);
	ck_assert_str_eq(jstr(json_array_get(b, 0), "user"), "ZOSAUDIT");
	ck_assert_str_eq(jstr(json_array_get(b, 0), "reason"), "wrong password for ZOSAUDIT");
	ck_assert(json_is_null(json_object_get(json_array_get(b, 1), "user")));
	ck_assert_int_eq(jint(json_array_get(b, 3), "result"), 0);
	json_decref(b);
	json_t *r = journal_kind("request");
	ck_assert_int_eq(jint(json_array_get(r, 0), "ldap_result"), 50);
	json_decref(r);
	ck_assert_int_eq(journal_count("smf"), 0);
}
END_TEST

START_TEST(test_latency)
{
	static const char *const args[] = {"--latency-ms", "300", NULL};
	struct berval *data;
	struct timespec t0;
	sim_start_ok(args);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	LDAP *ld = sim_session();
	ck_assert(ms_since(&t0) >= 300.0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SUCCESS);
	double one = ms_since(&t0);
	ck_assert_msg(one >= 300.0, "reply after %.1f ms, latency is 300", one);
	ber_bvfree(data);
	/* pipelined: four requests in flight take one latency, not four */
	struct berval bv = {.bv_len = sizeof spec_vector, .bv_val = (char *)spec_vector};
	int ids[4];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(ldap_extended_operation(ld, AUDIT_OID, &bv, NULL, NULL, &ids[i]),
		                 LDAP_SUCCESS);
	for (int i = 0; i < 4; i++) {
		LDAPMessage *msg = NULL;
		ck_assert_int_eq(ldap_result(ld, ids[i], LDAP_MSG_ALL, NULL, &msg),
		                 LDAP_RES_EXTENDED);
		ck_assert_msg(ms_since(&t0) >= 300.0, "reply %d early", i);
		ldap_msgfree(msg);
	}
	double four = ms_since(&t0);
	ck_assert_msg(four < 550.0, "4 pipelined replies took %.1f ms", four);
	ldap_unbind_ext_s(ld, NULL, NULL);
	sim_stop_ok();
}
END_TEST

START_TEST(test_users_and_profiles)
{
	struct berval *data;
	int64_t code, items[2][6];
	sim_write_file(sim_file("users"), "# test users\nAUDITOR pw1 remote-audit\nPLAIN pw2\n");
	char users[160];
	snprintf(users, sizeof users, "%s", sim_file("users"));
	sim_write_file(sim_file("profiles"), "* none\nOTHER all\n");
	const char *args[] = {"--users", users, "--profiles", sim_file("profiles"), NULL};
	sim_start_ok(args);
	LDAP *ld = sim_connect();
	ck_assert_int_eq(sim_bind(ld, "racfid=zosaudit,cn=ictx", "zossecret"),
	                 LDAP_INVALID_CREDENTIALS); /* the built-in user is gone */
	ck_assert_int_eq(sim_bind(ld, "racfid=auditor,cn=ictx", "pw1"), LDAP_SUCCESS);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SUCCESS);
	ck_assert_int_eq(decode_response(data, &code, items, 2), 1);
	ck_assert_int_eq(code, 3);
	ck_assert_int_eq(items[0][2], 3);
	ber_bvfree(data);
	ck_assert_int_eq(sim_bind(ld, "racfid=plain,cn=ictx", "pw2"), LDAP_SUCCESS);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SUCCESS);
	ck_assert_int_eq(decode_response(data, &code, items, 2), 1);
	ck_assert_int_eq(code, 24);
	ber_bvfree(data);
	ldap_unbind_ext_s(ld, NULL, NULL);
	sim_stop_ok();
	json_t *it = journal_kind("item");
	ck_assert_uint_eq(json_array_size(it), 2);
	json_t *a = json_array_get(it, 0);
	ck_assert_str_eq(jstr(a, "name"), "NOTREQ");
	ck_assert_str_eq(jstr(a, "reason"), "profile * has AUDIT(NONE)");
	ck_assert_str_eq(jstr(a, "user"), "AUDITOR");
	ck_assert_str_eq(jstr(json_array_get(it, 1), "name"), "UNSUF_AUTH");
	json_decref(it);
}
END_TEST

START_TEST(test_faults)
{
	static const char *const args[] = {"--fault", "busy=1",         "--fault", "malformed=2",
	                                   "--fault", "reject-binds=1", NULL};
	struct berval *data;
	int64_t code, items[2][6];
	sim_start_ok(args);
	LDAP *ld = sim_connect();
	ck_assert_int_eq(sim_bind(ld, "racfid=zosaudit,cn=ictx", "zossecret"),
	                 LDAP_INVALID_CREDENTIALS);
	ck_assert_int_eq(sim_bind(ld, "racfid=zosaudit,cn=ictx", "zossecret"), LDAP_SUCCESS);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_BUSY);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SUCCESS);
	ck_assert_int_lt(decode_response(data, &code, items, 2), 0);
	ber_bvfree(data);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SUCCESS);
	ck_assert_int_eq(decode_response(data, &code, items, 2), 1);
	ber_bvfree(data);
	ldap_unbind_ext_s(ld, NULL, NULL);
	sim_stop_ok();
	json_t *f = journal_kind("fault");
	ck_assert_uint_eq(json_array_size(f), 3);
	ck_assert_str_eq(jstr(json_array_get(f, 0), "fault"), "reject-binds");
	ck_assert_str_eq(jstr(json_array_get(f, 1), "fault"), "busy");
	ck_assert_str_eq(jstr(json_array_get(f, 2), "fault"), "malformed");
	json_decref(f);
}
END_TEST

START_TEST(test_close_and_hang)
{
	static const char *const args[] = {"--fault", "close-after=2", "--fault", "hang-after=3",
	                                   NULL};
	struct berval *data;
	sim_start_ok(args);
	LDAP *ld = sim_session();
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SUCCESS);
	ber_bvfree(data);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SERVER_DOWN);
	ldap_unbind_ext_s(ld, NULL, NULL);
	ld = sim_session();
	struct berval bv = {.bv_len = sizeof spec_vector, .bv_val = (char *)spec_vector};
	int id;
	ck_assert_int_eq(ldap_extended_operation(ld, AUDIT_OID, &bv, NULL, NULL, &id),
	                 LDAP_SUCCESS);
	struct timeval tv = {.tv_sec = 0, .tv_usec = 400000};
	LDAPMessage *msg = NULL;
	ck_assert_int_eq(ldap_result(ld, id, LDAP_MSG_ALL, &tv, &msg), 0); /* hung */
	ldap_unbind_ext_s(ld, NULL, NULL);
	ld = sim_session(); /* a later connection is normal */
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
	                 LDAP_SUCCESS);
	ber_bvfree(data);
	ldap_unbind_ext_s(ld, NULL, NULL);
	sim_stop_ok();
	json_t *f = journal_kind("fault");
	ck_assert_uint_eq(json_array_size(f), 2);
	ck_assert_str_eq(jstr(json_array_get(f, 0), "fault"), "close-after");
	ck_assert_int_eq(jint(json_array_get(f, 0), "conn"), 1);
	ck_assert_str_eq(jstr(json_array_get(f, 1), "fault"), "hang-after");
	ck_assert_int_eq(jint(json_array_get(f, 1), "conn"), 2);
	json_decref(f);
	ck_assert_uint_eq(journal_count("smf"), 2);
}
END_TEST

/* close-every=2 closes on requests 2 and 4, each on a fresh connection; 1 and 3 are answered. */
START_TEST(test_close_every)
{
	static const char *const args[] = {"--fault", "close-every=2", NULL};
	struct berval *data;
	sim_start_ok(args);
	for (int round = 0; round < 2; round++) {
		LDAP *ld = sim_session();
		ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
		                 LDAP_SUCCESS);
		ber_bvfree(data);
		ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector, &data),
		                 LDAP_SERVER_DOWN);
		ldap_unbind_ext_s(ld, NULL, NULL);
	}
	sim_stop_ok();
	json_t *f = journal_kind("fault");
	ck_assert_uint_eq(json_array_size(f), 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_str_eq(jstr(json_array_get(f, i), "fault"), "close-every");
		ck_assert_int_eq(jint(json_array_get(f, i), "conn"), (int)i + 1);
	}
	json_decref(f);
	ck_assert_uint_eq(journal_count("smf"), 2);
}
END_TEST

/* A PDU over --max-pdu 1024 gets the Notice of Disconnection, then the socket closes. Raw
 * socket: what matters is the bytes the server sends, not how a client library reports them. */
static void check_oversized_pdu(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)sim.port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	static const unsigned char hdr[] = {0x30, 0x82, 0x07, 0xd0, 0x02, 0x01, 0x05};
	ck_assert_int_eq(write(fd, hdr, sizeof hdr), (ssize_t)sizeof hdr);
	unsigned char in[512];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof in && (r = read(fd, in + n, sizeof in - n)) > 0)
		n += (size_t)r;
	close(fd);
	/* {msgid 0, ExtendedResponse {protocolError 2, "", diag, [10] 1.3.6.1.4.1.1466.20036}} */
	ck_assert_uint_gt(n, 10);
	ck_assert_mem_eq(in, "\x30", 1);
	ck_assert_ptr_nonnull(memmem(in, n, "\x02\x01\x00\x78", 4));
	ck_assert_ptr_nonnull(memmem(in, n, "\x0a\x01\x02", 3));
	ck_assert_ptr_nonnull(memmem(in, n, "1.3.6.1.4.1.1466.20036", 22));
}

START_TEST(test_refusals)
{
	static const char *const args[] = {"--max-pdu", "1024", NULL};
	struct berval *data;
	sim_start_ok(args);
	LDAP *ld = sim_session();
	ck_assert_int_eq(sim_exop(ld, "1.2.3.4", spec_vector, sizeof spec_vector, &data),
	                 LDAP_PROTOCOL_ERROR);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, "\x05\x00", 2, &data), LDAP_PROTOCOL_ERROR);
	ck_assert_int_eq(sim_exop(ld, AUDIT_OID, spec_vector, sizeof spec_vector - 1, &data),
	                 LDAP_PROTOCOL_ERROR);
	LDAPMessage *res = NULL;
	ck_assert_int_eq(ldap_search_ext_s(ld, "cn=ictx", LDAP_SCOPE_BASE, NULL, NULL, 0, NULL,
	                                   NULL, NULL, 0, &res),
	                 LDAP_UNWILLING_TO_PERFORM);
	ldap_msgfree(res);
	ldap_unbind_ext_s(ld, NULL, NULL);
	check_oversized_pdu();
	sim_stop_ok();
	json_t *c = journal_kind("conn");
	bool dropped = false;
	for (size_t i = 0; i < json_array_size(c); i++)
		dropped |= strcmp(jstr(json_array_get(c, i), "event"), "protocol-error") == 0 &&
		           strstr(jstr(json_array_get(c, i), "reason"), "PDU limit");
	ck_assert(dropped);
	json_decref(c);
	json_t *r = journal_kind("request");
	ck_assert_uint_eq(json_array_size(r), 3);
	ck_assert_ptr_nonnull(strstr(jstr(json_array_get(r, 1), "reason"), "not a DER SEQUENCE"));
	json_decref(r);
}
END_TEST

START_TEST(test_duration_and_options)
{
	static const char *const args[] = {"--duration", "0.3", NULL};
	int status;
	sim_start_ok(args);
	ck_assert_int_eq(waitpid(sim.pid, &status, 0), sim.pid);
	sim.pid = 0;
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(journal_count("stop"), 1);
	/* bad options are refused with status 2 and a message */
	const char *bin = sim_path();
	char cmd[SIM_PATH_MAX + 640];
	ck_assert_ptr_nonnull(bin);
	sim_write_file(sim_file("users"), "OK pw\nBAD! pw\n");
	snprintf(cmd, sizeof cmd, "%s'%s' --users '%s' 2>'%s/err'", zr_emulator_prefix(), bin,
	         sim_file("users"), sim.dir);
	status = system(cmd);
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	snprintf(cmd, sizeof cmd, "grep -q 'users:2: user id' '%s/err'", sim.dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "%s'%s' --fault explode=1 2>/dev/null", zr_emulator_prefix(),
	         bin);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof cmd, "%s'%s' --help | grep -q -- --latency-ms", zr_emulator_prefix(),
	         bin);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_server");
	TCase *tc = tcase_create("loopback");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_audit_roundtrip);
	tcase_add_test(tc, test_bind_rejected);
	tcase_add_test(tc, test_latency);
	tcase_add_test(tc, test_users_and_profiles);
	tcase_add_test(tc, test_faults);
	tcase_add_test(tc, test_close_and_hang);
	tcase_add_test(tc, test_close_every);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_duration_and_options);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
