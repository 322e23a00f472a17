/* session.c - one LDAP connection: connect, simple bind, send, receive. */
#include <errno.h>
#include <lber.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "session.h"

struct session {
	LDAP *ld;       /* NULL when closed */
	char peer[300]; /* "server:port" */
};

struct session *session_new(void)
{
	return calloc(1, sizeof(struct session));
}

void session_free(struct session *s)
{
	if (!s)
		return;
	session_close(s);
	free(s);
}

void session_close(struct session *s)
{
	if (s->ld) {
		/* Sends an UnbindRequest when it still can; never blocks long. */
		ldap_unbind_ext(s->ld, NULL, NULL);
		s->ld = NULL;
	}
}

bool session_is_open(const struct session *s)
{
	return s->ld != NULL;
}

const char *session_peer(const struct session *s)
{
	return s->peer;
}

int session_fd(const struct session *s)
{
	int fd = -1;

	if (!s->ld || ldap_get_option(s->ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS)
		return -1;
	return fd;
}

static struct timeval tv_from_seconds(double sec)
{
	struct timeval tv;

	if (sec < 0.001)
		sec = 0.001;
	tv.tv_sec = (time_t)sec;
	tv.tv_usec = (suseconds_t)((sec - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* The libldap error of the handle, with the server's or libldap's
 * diagnostic message when there is one. */
static void describe(LDAP *ld, int code, const char *what, const char *peer, char *err,
                     size_t errlen)
{
	char *diag = NULL;

	if (ld)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	snprintf(err, errlen, "%s: %s: %s (LDAP %d)%s%s", peer, what, ldap_err2string(code), code,
	         diag && *diag ? ": " : "", diag && *diag ? diag : "");
	ldap_memfree(diag);
}

static int make_uri(const struct session_opts *o, char *uri, size_t len, char *peer, size_t peerlen)
{
	/* An IPv6 literal needs brackets in a URI; a name or IPv4 must not. */
	bool v6 = strchr(o->server, ':') != NULL && o->server[0] != '[';
	const char *lb = v6 ? "[" : "", *rb = v6 ? "]" : "";
	unsigned port = o->port ? o->port : 389;
	int n;

	snprintf(peer, peerlen, "%s%s%s:%u", lb, o->server, rb, port);
	if (o->port)
		n = snprintf(uri, len, "ldap://%s%s%s:%u", lb, o->server, rb, o->port);
	else
		n = snprintf(uri, len, "ldap://%s%s%s", lb, o->server, rb);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static int set_options(LDAP *ld, double seconds)
{
	int v3 = LDAP_VERSION3;
	struct timeval tv = tv_from_seconds(seconds);

	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS)
		return -1;
	return 0;
}

/* Wait for the bind's answer; the result code, or a negative libldap code. */
static int bind_wait(struct session *s, int msgid, double seconds, char *err, size_t errlen)
{
	struct timeval tv = tv_from_seconds(seconds);
	LDAPMessage *res = NULL;
	char *diag = NULL;
	int code = LDAP_OTHER, rc;

	rc = ldap_result(s->ld, msgid, LDAP_MSG_ALL, &tv, &res);
	if (rc == 0) {
		snprintf(err, errlen, "%s: no answer to the bind within %.0f s", s->peer, seconds);
		return LDAP_TIMEOUT;
	}
	if (rc < 0) {
		ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &code);
		describe(s->ld, code, "bind failed", s->peer, err, errlen);
		return code < 0 ? code : LDAP_SERVER_DOWN;
	}
	rc = ldap_parse_result(s->ld, res, &code, NULL, &diag, NULL, NULL, 1);
	if (rc != LDAP_SUCCESS) {
		describe(s->ld, rc, "bad bind response", s->peer, err, errlen);
		ldap_memfree(diag);
		return rc;
	}
	if (code != LDAP_SUCCESS)
		snprintf(err, errlen, "%s: bind rejected: %s (LDAP %d)%s%s", s->peer,
		         ldap_err2string(code), code, diag && *diag ? ": " : "",
		         diag && *diag ? diag : "");
	ldap_memfree(diag);
	return code;
}

/* libldap writes requests on a blocking socket: a server that stops
 * reading would block the sender in send() with no deadline. A send
 * timeout turns that into EAGAIN, which libldap handles by finishing the
 * write later, and the request deadline then catches the dead server. */
static void limit_send_wait(struct session *s, unsigned seconds)
{
	struct timeval tv = {.tv_sec = seconds};
	int fd = session_fd(s);

	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Result codes that mean "these credentials will not do", as opposed to a
 * server that is temporarily unable to answer. */
static bool bind_refused(int code)
{
	return code == LDAP_INVALID_CREDENTIALS || code == LDAP_INAPPROPRIATE_AUTH ||
	       code == LDAP_INVALID_DN_SYNTAX || code == LDAP_INSUFFICIENT_ACCESS ||
	       code == LDAP_STRONG_AUTH_REQUIRED || code == LDAP_CONFIDENTIALITY_REQUIRED;
}

enum session_status session_open(struct session *s, const struct session_opts *o, int *ldap_code,
                                 char *err, size_t errlen)
{
	char uri[300], dn[64];
	struct berval cred;
	double limit = o->connect_limit > 0 && o->connect_limit < o->timeout ? o->connect_limit
	                                                                     : o->timeout;
	int rc, msgid;

	session_close(s);
	*ldap_code = LDAP_OTHER;
	if (make_uri(o, uri, sizeof(uri), s->peer, sizeof(s->peer)) != 0) {
		snprintf(err, errlen, "server name too long: %.40s...", o->server);
		return SESSION_FAILED;
	}
	rc = ldap_initialize(&s->ld, uri);
	if (rc != LDAP_SUCCESS) {
		describe(NULL, rc, "cannot use URI", s->peer, err, errlen);
		s->ld = NULL;
		*ldap_code = rc;
		return SESSION_FAILED;
	}
	if (set_options(s->ld, limit) != 0) {
		snprintf(err, errlen, "%s: cannot set LDAP options", s->peer);
		session_close(s);
		return SESSION_FAILED;
	}
	snprintf(dn, sizeof(dn), "racfid=%s,cn=ictx", o->user);
	cred.bv_val = (char *)o->password;
	cred.bv_len = strlen(o->password);
	/* The TCP connect happens here, bounded by LDAP_OPT_NETWORK_TIMEOUT. */
	rc = ldap_sasl_bind(s->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, &msgid);
	if (rc != LDAP_SUCCESS) {
		describe(s->ld, rc, "cannot connect", s->peer, err, errlen);
		*ldap_code = rc;
		session_close(s);
		return SESSION_FAILED;
	}
	rc = bind_wait(s, msgid, limit, err, errlen);
	*ldap_code = rc;
	if (rc == LDAP_SUCCESS) {
		limit_send_wait(s, o->timeout);
		return SESSION_OK;
	}
	session_close(s);
	return bind_refused(rc) ? SESSION_REJECTED : SESSION_FAILED;
}

enum session_status session_send(struct session *s, const char *oid, const unsigned char *value,
                                 size_t len, int *msgid, char *err, size_t errlen)
{
	struct berval bv = {.bv_len = len, .bv_val = (char *)value};
	int rc;

	if (!s->ld) {
		snprintf(err, errlen, "%s: not connected", s->peer);
		return SESSION_FAILED;
	}
	rc = ldap_extended_operation(s->ld, oid, &bv, NULL, NULL, msgid);
	if (rc != LDAP_SUCCESS) {
		describe(s->ld, rc, "cannot send request", s->peer, err, errlen);
		return SESSION_FAILED;
	}
	return SESSION_OK;
}

static int take_extended(struct session *s, LDAPMessage *msg, struct session_result *r, char *err,
                         size_t errlen)
{
	struct berval *data = NULL;
	char *oid = NULL, *diag = NULL;
	int code = LDAP_OTHER, rc;

	r->msgid = ldap_msgid(msg);
	rc = ldap_parse_extended_result(s->ld, msg, &oid, &data, 0);
	if (rc == LDAP_SUCCESS)
		rc = ldap_parse_result(s->ld, msg, &code, NULL, &diag, NULL, NULL, 0);
	ldap_msgfree(msg);
	if (rc != LDAP_SUCCESS) {
		describe(s->ld, rc, "cannot parse a response", s->peer, err, errlen);
		ldap_memfree(oid);
		ber_bvfree(data);
		ldap_memfree(diag);
		return -1;
	}
	r->ldap_code = code;
	r->oid = oid ? strdup(oid) : NULL;
	r->diagnostic = diag && *diag ? strdup(diag) : NULL;
	if (data && data->bv_len) {
		r->value = malloc(data->bv_len);
		if (r->value) {
			memcpy(r->value, data->bv_val, data->bv_len);
			r->value_len = data->bv_len;
		}
	}
	ldap_memfree(oid);
	ldap_memfree(diag);
	ber_bvfree(data);
	return 1;
}

int session_poll(struct session *s, int timeout_ms, struct session_result *r, char *err,
                 size_t errlen)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000,
	                     .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000};
	LDAPMessage *msg = NULL;
	int type, code = LDAP_SERVER_DOWN;

	memset(r, 0, sizeof(*r));
	if (!s->ld) {
		snprintf(err, errlen, "%s: not connected", s->peer);
		return -1;
	}
	for (;;) {
		type = ldap_result(s->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &tv, &msg);
		if (type == 0)
			return 0;
		if (type < 0) {
			ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &code);
			describe(s->ld, code,
			         "connection lost (closed by the server or the network)", s->peer,
			         err, errlen);
			return -1;
		}
		/* Message id 0 is an unsolicited notification: in practice the
		 * server's Notice of Disconnection. */
		if (type == LDAP_RES_EXTENDED && ldap_msgid(msg) == 0) {
			ldap_msgfree(msg);
			snprintf(err, errlen,
			         "%s: the server announced it is closing the connection", s->peer);
			return -1;
		}
		if (type == LDAP_RES_EXTENDED)
			return take_extended(s, msg, r, err, errlen);
		/* Nothing else was asked for: skip it and look again. */
		ldap_msgfree(msg);
		tv.tv_sec = 0;
		tv.tv_usec = 0;
	}
}

void session_result_clear(struct session_result *r)
{
	free(r->diagnostic);
	free(r->oid);
	free(r->value);
	memset(r, 0, sizeof(*r));
}
