/* check_keepalive.c - the keepalive keys reach the TCP socket of a connection to the simulator
 * (getsockopt). */
#include <check.h>
#include <ldap.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "keepalive.h"
#include "plugin/config.h" /* not the autoconf config.h in the build root */
#include "session.h"
#include "sim_child.h"

static struct sim_child sim;

static void sim_up(void)
{
	ck_assert_int_eq(sim_start(&sim, NULL), 0);
}

static void sim_down(void)
{
	sim_stop(&sim);
}

static int sockopt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	ck_assert_int_eq(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

/* A connected handle to the simulator with k applied; its socket in *fd. */
static LDAP *connect_with(const struct keepalive *k, int *fd)
{
	char uri[64], err[128];
	LDAP *ld = NULL;

	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%u", sim.port);
	ck_assert_int_eq(ldap_initialize(&ld, uri), LDAP_SUCCESS);
	ck_assert_int_eq(keepalive_apply(ld, k, err, sizeof(err)), 0);
	ck_assert_int_eq(ldap_connect(ld), LDAP_SUCCESS);
	ck_assert_int_eq(ldap_get_option(ld, LDAP_OPT_DESC, fd), LDAP_OPT_SUCCESS);
	ck_assert_int_ge(*fd, 0);
	return ld;
}

START_TEST(values_reach_the_socket)
{
	struct keepalive k = {.idle = 77, .interval = 13, .probes = 5};
	int fd;
	LDAP *ld = connect_with(&k, &fd);

	ck_assert_int_ne(sockopt(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 77);
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 13);
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPCNT), 5);
	ldap_unbind_ext(ld, NULL, NULL);
}
END_TEST

/* 0 keeps the system's value: the socket then has what a plain socket gets. */
START_TEST(zero_keeps_the_system_setting)
{
	struct keepalive k = {.idle = 0, .interval = 21, .probes = 0};
	int fd, plain = socket(AF_INET, SOCK_STREAM, 0);
	LDAP *ld = connect_with(&k, &fd);

	ck_assert_int_ge(plain, 0);
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE),
	                 sockopt(plain, IPPROTO_TCP, TCP_KEEPIDLE));
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPCNT),
	                 sockopt(plain, IPPROTO_TCP, TCP_KEEPCNT));
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 21);
	close(plain);
	ldap_unbind_ext(ld, NULL, NULL);
}
END_TEST

START_TEST(from_config)
{
	static const char text[] = "server = h\nuser = U\npassword = p\ntls = none\n"
	                           "keepalive_idle = 600\nkeepalive_probes = 9\n";
	struct config c;
	struct keepalive k;

	ck_assert_int_eq(config_parse("t.conf", text, sizeof(text) - 1, &c, NULL, NULL), 0);
	keepalive_from_config(&k, &c);
	ck_assert_uint_eq(k.idle, 600);
	ck_assert_uint_eq(k.interval, 30); /* the default */
	ck_assert_uint_eq(k.probes, 9);
}
END_TEST

/* From the config keys through the session the sender opens to the socket. */
START_TEST(session_socket_has_config_values)
{
	char text[256], err[512];
	struct config c;
	struct session_opts o;
	struct session *s = session_new();
	int code = 0, fd;

	snprintf(text, sizeof(text),
	         "server = 127.0.0.1\nport = %u\nuser = ZOSAUDIT\npassword = zossecret\n"
	         "tls = none\ntimeout = 5\nkeepalive_idle = 45\nkeepalive_interval = 7\n"
	         "keepalive_probes = 3\n",
	         sim.port);
	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, NULL, NULL), 0);
	session_opts_from_config(&o, &c);
	ck_assert_int_eq(session_open(s, &o, &code, err, sizeof(err)), SESSION_OK);
	fd = session_fd(s);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(sockopt(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 45);
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 7);
	ck_assert_int_eq(sockopt(fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
	session_free(s);
	config_wipe(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keepalive");
	TCase *t = tcase_create("keepalive");
	SRunner *r;
	int failed;

	sim_require();
	tcase_add_checked_fixture(t, sim_up, sim_down);
	tcase_add_test(t, values_reach_the_socket);
	tcase_add_test(t, zero_keeps_the_system_setting);
	tcase_add_test(t, from_config);
	tcase_add_test(t, session_socket_has_config_values);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
