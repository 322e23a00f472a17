/* check_session.c - the LDAP session against the simulator: bind, reject, pipelined requests, dead
 * peers. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "ictx.h"
#include "item.h"
#include "session.h"
#include "sim_child.h"
#include "test_items.h"

static struct sim_child sim;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct session_opts opts(unsigned port, const char *password)
{
	return (struct session_opts){.server = "127.0.0.1",
	                             .port = port,
	                             .user = "zosaudit",
	                             .password = password,
	                             .timeout = 2};
}

static struct session *open_ok(void)
{
	struct session *s = session_new();
	struct session_opts o = opts(sim.port, "zossecret");
	char err[512] = "";
	int code;

	ck_assert_ptr_nonnull(s);
	ck_assert_msg(session_open(s, &o, &code, err, sizeof(err)) == SESSION_OK, "%s", err);
	return s;
}

/* A request of n items with tags first..first+n-1. */
static void make_request(uint32_t first, unsigned n, struct buf *req)
{
	struct item_list l;
	struct buf items;
	char res[32];

	item_list_init(&l);
	buf_init(&items);
	for (unsigned i = 0; i < n; i++) {
		snprintf(res, sizeof(res), "TEST%u", first + i);
		test_add_item(&l, res, first + i);
		ck_assert_int_eq(ictx_encode_item(&l, &l.items[i], first + i, &items), 0);
	}
	ck_assert_int_eq(ictx_encode_request(ICTX_REQUEST_VERSION, items.data, items.len, req), 0);
	item_list_free(&l);
	buf_free(&items);
}

static void next_result(struct session *s, struct session_result *r)
{
	char err[512] = "";

	ck_assert_msg(session_poll(s, 5000, r, err, sizeof(err)) == 1, "poll: %s", err);
}

START_TEST(bind_ok)
{
	struct session *s = open_ok();
	char peer[64];

	snprintf(peer, sizeof(peer), "127.0.0.1:%u", sim.port);
	ck_assert(session_is_open(s));
	ck_assert_int_ge(session_fd(s), 0);
	ck_assert_str_eq(session_peer(s), peer);
	session_close(s);
	ck_assert(!session_is_open(s));
	ck_assert_int_eq(session_fd(s), -1);
	session_free(s);
	ck_assert_int_ge(sim_journal_count(&sim, "\"kind\":\"bind\"", "\"result\":0"), 1);
}
END_TEST

START_TEST(bind_rejected)
{
	struct session *s = session_new();
	struct session_opts o = opts(sim.port, "wrong-secret");
	char err[512] = "";
	int code = 0;

	ck_assert_int_eq(session_open(s, &o, &code, err, sizeof(err)), SESSION_REJECTED);
	ck_assert_int_eq(code, 49);
	ck_assert(!session_is_open(s));
	ck_assert_ptr_nonnull(strstr(err, "127.0.0.1:"));
	ck_assert_ptr_null(strstr(err, "wrong-secret")); /* never the password */
	session_free(s);
}
END_TEST

START_TEST(one_request_answered)
{
	struct session *s = open_ok();
	struct session_result r;
	struct ictx_response rsp;
	struct buf req;
	char err[512] = "";
	int msgid = -1;

	buf_init(&req);
	ictx_response_init(&rsp);
	make_request(100, 2, &req);
	ck_assert_int_eq(
	        session_send(s, ICTX_REQUEST_OID, req.data, req.len, &msgid, err, sizeof(err)),
	        SESSION_OK);
	ck_assert_int_gt(msgid, 0);
	next_result(s, &r);
	ck_assert_int_eq(r.msgid, msgid);
	ck_assert_int_eq(r.ldap_code, 0);
	ck_assert_str_eq(r.oid, ICTX_RESPONSE_OID);
	ck_assert_ptr_nonnull(r.value);
	ck_assert_int_eq(ictx_decode_response(r.value, r.value_len, &rsp, err, sizeof(err)), 0);
	ck_assert_int_eq(rsp.code, 0);
	ck_assert_uint_eq(rsp.nitems, 2);
	ck_assert_uint_eq(rsp.items[0].tag, 100);
	ck_assert_uint_eq(rsp.items[1].tag, 101);
	ck_assert_int_eq(rsp.items[1].major, 0);
	session_result_clear(&r);
	ck_assert_ptr_null(r.value);
	ictx_response_free(&rsp);
	buf_free(&req);
	session_free(s);
}
END_TEST

START_TEST(pipelined_requests_matched_by_msgid)
{
	enum { N = 6 };
	struct session *s = open_ok();
	struct ictx_response rsp;
	struct buf req;
	char err[512] = "";
	int msgid[N], seen = 0;

	buf_init(&req);
	ictx_response_init(&rsp);
	for (int i = 0; i < N; i++) {
		make_request(1000 + 10 * (uint32_t)i, 1 + (unsigned)i % 3, &req);
		ck_assert_int_eq(session_send(s, ICTX_REQUEST_OID, req.data, req.len, &msgid[i],
		                              err, sizeof(err)),
		                 SESSION_OK);
		for (int j = 0; j < i; j++)
			ck_assert_int_ne(msgid[i], msgid[j]);
	}
	for (int k = 0; k < N; k++) {
		struct session_result r;
		int i;

		next_result(s, &r);
		for (i = 0; i < N && msgid[i] != r.msgid; i++)
			;
		ck_assert_int_lt(i, N);
		ck_assert_int_eq(seen & (1 << i), 0); /* each answered once */
		seen |= 1 << i;
		ck_assert_int_eq(ictx_decode_response(r.value, r.value_len, &rsp, err, sizeof(err)),
		                 0);
		ck_assert_uint_eq(rsp.nitems, 1 + (unsigned)i % 3);
		ck_assert_uint_eq(rsp.items[0].tag, 1000 + 10 * (uint32_t)i);
		session_result_clear(&r);
	}
	ck_assert_int_eq(seen, (1 << N) - 1);
	ictx_response_free(&rsp);
	buf_free(&req);
	session_free(s);
}
END_TEST

START_TEST(unknown_oid_gives_ldap_error_with_diagnostic)
{
	struct session *s = open_ok();
	struct session_result r;
	struct buf req;
	char err[512] = "";
	int msgid;

	buf_init(&req);
	make_request(5, 1, &req);
	ck_assert_int_eq(session_send(s, "1.2.3.4", req.data, req.len, &msgid, err, sizeof(err)),
	                 SESSION_OK);
	next_result(s, &r);
	ck_assert_int_eq(r.msgid, msgid);
	ck_assert_int_eq(r.ldap_code, 2); /* protocolError */
	ck_assert_ptr_nonnull(r.diagnostic);
	session_result_clear(&r);
	buf_free(&req);
	session_free(s);
}
END_TEST

START_TEST(nothing_to_read_returns_zero)
{
	struct session *s = open_ok();
	struct session_result r;
	char err[512] = "";

	ck_assert_int_eq(session_poll(s, 100, &r, err, sizeof(err)), 0);
	session_free(s);
}
END_TEST

/* A port nobody listens on: bind a socket, note its port, close it. */
static unsigned closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

START_TEST(closed_port_fails_fast)
{
	struct session *s = session_new();
	unsigned port = closed_port();
	struct session_opts o = opts(port, "zossecret");
	char err[512] = "", want[64];
	int code = 0;
	double t0 = now_s();

	ck_assert_int_eq(session_open(s, &o, &code, err, sizeof(err)), SESSION_FAILED);
	ck_assert(now_s() - t0 < o.timeout + 1.0);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	ck_assert(!session_is_open(s));
	session_free(s);
}
END_TEST

/* A peer that accepts TCP (the kernel's backlog) but never answers: the
 * bind wait must end at the timeout. */
START_TEST(mute_server_bind_times_out)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct session *s = session_new();
	struct session_opts o;
	char err[512] = "";
	int code = 0;
	double t0, dt;

	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	o = opts(ntohs(a.sin_port), "zossecret");
	o.timeout = 1;
	t0 = now_s();
	ck_assert_int_eq(session_open(s, &o, &code, err, sizeof(err)), SESSION_FAILED);
	dt = now_s() - t0;
	ck_assert(dt >= 0.9);
	ck_assert(dt < 3.0);
	ck_assert_msg(strstr(err, "no answer") != NULL, "%s", err);
	session_free(s);
	close(fd);
}
END_TEST

START_TEST(connect_limit_caps_the_wait)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct session *s = session_new();
	struct session_opts o;
	char err[512] = "";
	int code = 0;
	double t0;

	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	o = opts(ntohs(a.sin_port), "zossecret");
	o.timeout = 30;
	o.connect_limit = 0.5; /* draining: little time left */
	t0 = now_s();
	ck_assert_int_eq(session_open(s, &o, &code, err, sizeof(err)), SESSION_FAILED);
	ck_assert(now_s() - t0 < 2.0);
	session_free(s);
	close(fd);
}
END_TEST

START_TEST(connection_closed_by_server_is_reported)
{
	struct sim_child faulty = {0};
	const char *extra[] = {"--fault", "close-after=1", NULL};
	struct session *s = session_new();
	struct session_opts o;
	struct session_result r;
	struct buf req;
	char err[512] = "";
	int code, msgid, rc;

	ck_assert_int_eq(sim_start(&faulty, extra), 0);
	o = opts(faulty.port, "zossecret");
	ck_assert_int_eq(session_open(s, &o, &code, err, sizeof(err)), SESSION_OK);
	buf_init(&req);
	make_request(7, 1, &req);
	ck_assert_int_eq(
	        session_send(s, ICTX_REQUEST_OID, req.data, req.len, &msgid, err, sizeof(err)),
	        SESSION_OK);
	rc = session_poll(s, 5000, &r, err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "127.0.0.1:") != NULL, "%s", err);
	session_free(s);
	buf_free(&req);
	sim_stop(&faulty);
}
END_TEST

/* ---- one TLS context for many connections ----
 * A simulator with StartTLS and a client CA, certificates from mkcerts.sh. */

static struct sim_child tls_sim;
static char certs[128];

static void tls_setup(void)
{
	char cmd[512], pem[200], key[200], ca[200];
	const char *extra[] = {"--tls-cert", pem, "--tls-key", key, "--tls-ca", ca, NULL};

	snprintf(certs, sizeof(certs), "/tmp/zr-session-certs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(certs));
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/integration/mkcerts.sh' '%s'", SRCDIR, certs);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(pem, sizeof(pem), "%s/server.pem", certs);
	snprintf(key, sizeof(key), "%s/server.key", certs);
	snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
	ck_assert_int_eq(sim_start(&tls_sim, extra), 0);
}

static void tls_teardown(void)
{
	char cmd[200];

	sim_stop(&tls_sim);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", certs);
	ck_assert_int_eq(system(cmd), 0);
}

/* StartTLS with a client certificate (and so a private key to load). */
static struct session_opts tls_opts(char *ca, char *crt, char *key, size_t len)
{
	struct session_opts o = opts(tls_sim.port, "zossecret");

	snprintf(ca, len, "%s/ca.pem", certs);
	snprintf(crt, len, "%s/client.pem", certs);
	snprintf(key, len, "%s/client.key", certs);
	o.tls = SESSION_TLS_STARTTLS;
	o.ca_file = ca;
	o.cert_file = crt;
	o.key_file = key;
	return o;
}

static void open_close(struct session *s, const struct session_opts *o)
{
	char err[512] = "";
	int code;

	ck_assert_msg(session_open(s, o, &code, err, sizeof(err)) == SESSION_OK, "%s", err);
	session_close(s);
}

/* Later file times, as a renewed certificate written in place has. */
static void touch_later(const char *path)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec += 5;
	t[1] = t[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

START_TEST(tls_context_built_once_for_many_connections)
{
	char ca[200], crt[200], key[200];
	struct session_opts o = tls_opts(ca, crt, key, sizeof(ca));
	struct session *s = session_new();

	for (int i = 0; i < 5; i++)
		open_close(s, &o);
	ck_assert_uint_eq(session_tls_ctx_builds(s), 1);
	session_free(s);
	ck_assert_int_eq(sim_journal_count(&tls_sim, "\"kind\":\"bind\"", "\"tls\":true"), 5);
}
END_TEST

START_TEST(tls_context_shared_between_sessions)
{
	char ca[200], crt[200], key[200];
	struct session_opts o = tls_opts(ca, crt, key, sizeof(ca));
	struct session_tls_ctx *t = session_tls_ctx_new();
	struct session *a = session_new(), *b = session_new();
	char err[512] = "";
	int code;

	session_use_tls_ctx(a, t);
	session_use_tls_ctx(b, t);
	/* Both open at once on the one context, and one outlives the other. */
	ck_assert_msg(session_open(a, &o, &code, err, sizeof(err)) == SESSION_OK, "%s", err);
	ck_assert_msg(session_open(b, &o, &code, err, sizeof(err)) == SESSION_OK, "%s", err);
	session_free(a);
	open_close(b, &o);
	ck_assert_uint_eq(session_tls_ctx_builds(b), 1);
	session_free(b);
	session_tls_ctx_free(t);
}
END_TEST

START_TEST(tls_context_rebuilt_when_settings_or_files_change)
{
	char ca[200], crt[200], key[200];
	struct session_opts o = tls_opts(ca, crt, key, sizeof(ca));
	struct session *s = session_new();
	char err[512] = "", moved[220];
	int code;

	open_close(s, &o);
	open_close(s, &o);
	ck_assert_uint_eq(session_tls_ctx_builds(s), 1);
	/* A reload that changes a TLS setting. */
	o.tls13 = true;
	open_close(s, &o);
	ck_assert_uint_eq(session_tls_ctx_builds(s), 2);
	/* A renewed client certificate, the CA, the key: each file counts. */
	touch_later(crt);
	open_close(s, &o);
	ck_assert_uint_eq(session_tls_ctx_builds(s), 3);
	touch_later(ca);
	open_close(s, &o);
	touch_later(key);
	open_close(s, &o);
	ck_assert_uint_eq(session_tls_ctx_builds(s), 5);
	/* A key that is gone fails the connect, every time (nothing is
	 * cached from it); once it is back, so is the connection. */
	snprintf(moved, sizeof(moved), "%s.away", key);
	ck_assert_int_eq(rename(key, moved), 0);
	ck_assert_int_eq(session_open(s, &o, &code, err, sizeof(err)), SESSION_FAILED);
	ck_assert_msg(strstr(err, "TLS context") != NULL, "%s", err);
	ck_assert_int_eq(session_open(s, &o, &code, err, sizeof(err)), SESSION_FAILED);
	ck_assert_int_eq(rename(moved, key), 0);
	open_close(s, &o);
	session_free(s);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, bind_ok);
	tcase_add_test(tc, bind_rejected);
	tcase_add_test(tc, one_request_answered);
	tcase_add_test(tc, pipelined_requests_matched_by_msgid);
	tcase_add_test(tc, unknown_oid_gives_ldap_error_with_diagnostic);
	tcase_add_test(tc, nothing_to_read_returns_zero);
	tcase_add_test(tc, closed_port_fails_fast);
	tcase_add_test(tc, mute_server_bind_times_out);
	tcase_add_test(tc, connect_limit_caps_the_wait);
	tcase_add_test(tc, connection_closed_by_server_is_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("tls_context");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, tls_setup, tls_teardown);
	tcase_add_test(tc, tls_context_built_once_for_many_connections);
	tcase_add_test(tc, tls_context_shared_between_sessions);
	tcase_add_test(tc, tls_context_rebuilt_when_settings_or_files_change);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	sim_require();
	if (sim_start(&sim, NULL) != 0) {
		fprintf(stderr, "the simulator did not start\n");
		return EXIT_FAILURE;
	}
	sr = srunner_create(session_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	sim_stop(&sim);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
