/* session.c - one LDAP connection: connect, TLS, bind (simple or SASL EXTERNAL), send, receive. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lber.h>
#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "certdiag.h"
#include "config.h"
#include "session.h"
#include "tlsctx.h"

#define STARTTLS_OID "1.3.6.1.4.1.1466.20037"

/* Ends a connect + TLS handshake that overruns its limit by shutting the
 * socket down under libldap's feet (see session_open). */
struct watchdog {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	int fd;                   /* the connection's socket once connected, else -1 */
	bool done;                /* the guarded step is over */
	bool fired;               /* the limit passed: the socket was shut down */
	bool interrupted;         /* session_interrupt: shut down every socket from now on */
};

/* libldap's release of a TLS context reference: exported by libldap 2.5
 * and 2.6 (symbol version OPENLDAP_2.5) but declared in no installed
 * header. Reading LDAP_OPT_X_TLS_CTX takes a reference; this is the only
 * way to give it back. */
extern void ldap_pvt_tls_ctx_free(void *ctx);

struct session_tls_ctx {
	struct tlsctx_slot verify; /* for the connections */
	struct tlsctx_slot diag;   /* verification off: diagnose() only */
	unsigned long builds;
};

struct session {
	LDAP *ld;                    /* NULL when closed */
	struct session_tls_ctx *tls; /* the contexts used: shared, or own_tls */
	struct session_tls_ctx *own_tls;
	char peer[300];         /* "server:port" */
	struct ldap_conncb cb;  /* learns the socket, makes it blocking */
	double limit;           /* seconds for connect, StartTLS and the handshake */
	ber_len_t max_incoming; /* bytes of one message from the server */
	struct watchdog wd;
	bool tls_failed; /* the last open failed in the TLS layer: worth a diagnosis */
};

struct session *session_new(void)
{
	struct session *s = calloc(1, sizeof(struct session));
	pthread_condattr_t ca;

	if (!s)
		return NULL;
	s->own_tls = session_tls_ctx_new();
	if (!s->own_tls) {
		free(s);
		return NULL;
	}
	s->tls = s->own_tls;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&s->wd.lock, NULL);
	pthread_cond_init(&s->wd.cond, &ca);
	pthread_condattr_destroy(&ca);
	return s;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	session_close(s);
	session_tls_ctx_free(s->own_tls);
	pthread_mutex_destroy(&s->wd.lock);
	pthread_cond_destroy(&s->wd.cond);
	free(s);
}

void session_use_tls_ctx(struct session *s, struct session_tls_ctx *t)
{
	s->tls = t ? t : s->own_tls;
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

/* After ldap_result failed with errno e: liblber refuses a message longer
 * than the socket buffer's limit with ERANGE (session_opts.max_incoming),
 * and libldap reports that as a lost connection. Say which it was. */
static void oversize_hint(const struct session *s, int e, char *err, size_t errlen)
{
	size_t n = strlen(err);

	if (e == ERANGE && n < errlen)
		snprintf(
		        err + n, errlen - n,
		        "; the server announced a message longer than max_response_size (%lu KiB): "
		        "the connection was dropped before reading it",
		        (unsigned long)(s->max_incoming / 1024));
}

static int make_uri(const struct session_opts *o, char *uri, size_t len, char *peer, size_t peerlen)
{
	/* An IPv6 literal needs brackets in a URI; a name or IPv4 must not. */
	bool v6 = strchr(o->server, ':') != NULL && o->server[0] != '[';
	bool ldaps = o->tls == SESSION_TLS_LDAPS;
	const char *lb = v6 ? "[" : "", *rb = v6 ? "]" : "";
	const char *scheme = ldaps ? "ldaps" : "ldap";
	unsigned port = o->port ? o->port : ldaps ? 636 : 389;
	int n;

	snprintf(peer, peerlen, "%s%s%s:%u", lb, o->server, rb, port);
	if (o->port)
		n = snprintf(uri, len, "%s://%s%s%s:%u", scheme, lb, o->server, rb, o->port);
	else
		n = snprintf(uri, len, "%s://%s%s%s", scheme, lb, o->server, rb);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static bool set(const char *p)
{
	return p && *p;
}

/* The options of a TLS context, on the template handle it is built on
 * (LDAP_OPT_X_TLS_NEWCTX reads them from there). Returns NULL or the
 * option that failed. */
static const char *set_tls_options(LDAP *ld, const struct session_opts *o)
{
	int demand = o->no_verify ? LDAP_OPT_X_TLS_NEVER : LDAP_OPT_X_TLS_DEMAND;
	int min = o->tls13 ? LDAP_OPT_X_TLS_PROTOCOL_TLS1_3 : LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
	int server = 0;

	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS)
		return "tls_verify";
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &min) != LDAP_OPT_SUCCESS)
		return "tls_min_version";
	if (set(o->ca_file) && ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, o->ca_file) != 0)
		return "tls_ca_file";
	if (set(o->ca_dir) && ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTDIR, o->ca_dir) != 0)
		return "tls_ca_dir";
	if (set(o->ciphers) && ldap_set_option(ld, LDAP_OPT_X_TLS_CIPHER_SUITE, o->ciphers) != 0)
		return "tls_ciphers";
	if (set(o->cert_file) && ldap_set_option(ld, LDAP_OPT_X_TLS_CERTFILE, o->cert_file) != 0)
		return "tls_cert_file";
	if (set(o->key_file) && ldap_set_option(ld, LDAP_OPT_X_TLS_KEYFILE, o->key_file) != 0)
		return "tls_key_file";
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &server) != LDAP_OPT_SUCCESS)
		return "TLS context (a CA, certificate or key file cannot be read, or the "
		       "cipher list is not valid)";
	return NULL;
}

/* What to look at when a TLS connection failed, from OpenSSL's reason. */
static const char *tls_hint(const char *diag)
{
	if (!diag)
		return "check that the server has a TLS listener on this port";
	if (strstr(diag, "expired") || strstr(diag, "not yet valid"))
		return "the server's certificate is outside its validity dates: renew it (or fix "
		       "the clock)";
	if (strstr(diag, "ostname") || strstr(diag, "host name"))
		return "the server's certificate does not name the configured server: set "
		       "'server' to a name in the certificate, or reissue the certificate";
	if (strstr(diag, "unknown ca") || strstr(diag, "certificate required") ||
	    strstr(diag, "bad certificate") || strstr(diag, "certificate unknown"))
		return "the server refused our client certificate: check tls_cert_file and "
		       "tls_key_file and that the server trusts their CA";
	if (strstr(diag, "verify failed") || strstr(diag, "issuer") ||
	    strstr(diag, "self-signed") || strstr(diag, "self signed"))
		return "the server's certificate is not signed by a CA we trust: set tls_ca_file "
		       "or tls_ca_dir to the CA that issued it";
	return "check tls_ca_file, tls_cert_file, tls_min_version and tls_ciphers against "
	       "the server's TLS setup";
}

/* A failed TLS connection: libldap's code, OpenSSL's reason, a hint. */
static void describe_tls(LDAP *ld, int code, const char *what, const char *peer, char *err,
                         size_t errlen)
{
	char *diag = NULL;

	ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	snprintf(err, errlen, "%s: %s: %s (LDAP %d)%s%s; %s", peer, what, ldap_err2string(code),
	         code, diag && *diag ? ": " : "", diag && *diag ? diag : "",
	         tls_hint(diag && *diag ? diag : NULL));
	ldap_memfree(diag);
}

/* ---- TLS contexts, built once and shared (tlsctx.h) ---- */

/* A new context for o, with our reference to it; NULL with err. */
static void *tls_build(const struct session_opts *o, const char *peer, char *err, size_t errlen)
{
	LDAP *t = NULL;
	void *ctx = NULL;
	const char *bad;

	if (ldap_initialize(&t, NULL) != LDAP_SUCCESS) {
		snprintf(err, errlen, "%s: cannot build a TLS context: out of memory", peer);
		return NULL;
	}
	bad = set_tls_options(t, o);
	if (bad)
		describe_tls(t, LDAP_PARAM_ERROR, bad, peer, err, errlen);
	else if (ldap_get_option(t, LDAP_OPT_X_TLS_CTX, &ctx) != LDAP_OPT_SUCCESS || !ctx)
		snprintf(err, errlen, "%s: cannot build a TLS context", peer);
	/* The template's own reference goes; ours stays. */
	ldap_unbind_ext(t, NULL, NULL);
	return bad ? NULL : ctx;
}

struct tls_build_arg {
	const struct session_opts *o;
	const char *peer;
};

static void *build_for(void *arg, char *err, size_t errlen)
{
	const struct tls_build_arg *b = arg;

	return tls_build(b->o, b->peer, err, errlen);
}

/* The context of slot for o, built first when there is none yet for these
 * settings and files. NULL with err when it cannot be built. */
static void *tls_context(struct session_tls_ctx *t, struct tlsctx_slot *slot,
                         const struct session_opts *o, const char *peer, char *err, size_t errlen)
{
	const struct tlsctx_settings ts = {.verify = !o->no_verify,
	                                   .min_version = o->tls13 ? 13 : 12,
	                                   .ciphers = o->ciphers,
	                                   .ca_file = o->ca_file,
	                                   .ca_dir = o->ca_dir,
	                                   .cert_file = o->cert_file,
	                                   .key_file = o->key_file};
	struct tls_build_arg b = {.o = o, .peer = peer};

	return tlsctx_get(slot, &ts, build_for, ldap_pvt_tls_ctx_free, &b, &t->builds, peer, err,
	                  errlen);
}

/* Give s's handle the shared context for o (diag: the one without
 * verification) and the per-handle check of the server's name. Returns
 * LDAP_SUCCESS, or an LDAP error with err. */
static int use_tls(struct session *s, const struct session_opts *o, bool diag, char *err,
                   size_t errlen)
{
	struct tlsctx_slot *slot = diag ? &s->tls->diag : &s->tls->verify;
	/* The host name is checked per handle, by this option; the certificate
	 * chain per context, by the same option at build time. */
	int demand = o->no_verify ? LDAP_OPT_X_TLS_NEVER : LDAP_OPT_X_TLS_DEMAND;
	void *ctx = tls_context(s->tls, slot, o, s->peer, err, errlen);

	if (!ctx)
		return LDAP_PARAM_ERROR;
	if (ldap_set_option(s->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(s->ld, LDAP_OPT_X_TLS_CTX, ctx) != LDAP_OPT_SUCCESS) {
		snprintf(err, errlen, "%s: cannot set the TLS context", s->peer);
		return LDAP_PARAM_ERROR;
	}
	return LDAP_SUCCESS;
}

struct session_tls_ctx *session_tls_ctx_new(void)
{
	return calloc(1, sizeof(struct session_tls_ctx));
}

void session_tls_ctx_free(struct session_tls_ctx *t)
{
	if (!t)
		return;
	tlsctx_clear(&t->verify, ldap_pvt_tls_ctx_free);
	tlsctx_clear(&t->diag, ldap_pvt_tls_ctx_free);
	free(t);
}

unsigned long session_tls_ctx_builds(const struct session *s)
{
	return s->tls->builds;
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

/* StartTLS: ask, wait at most seconds for the answer, then the handshake
 * (bounded by the network timeout). A refusal is final for this attempt:
 * falling back to clear text is exactly what tls = starttls rules out. */
static int start_tls(struct session *s, double seconds, char *err, size_t errlen)
{
	struct timeval tv = tv_from_seconds(seconds);
	LDAPMessage *res = NULL;
	char *diag = NULL;
	int msgid, code = LDAP_OTHER, rc;

	/* The TCP connect happens here, bounded by LDAP_OPT_NETWORK_TIMEOUT. */
	rc = ldap_extended_operation(s->ld, STARTTLS_OID, NULL, NULL, NULL, &msgid);
	if (rc != LDAP_SUCCESS) {
		describe(s->ld, rc, "cannot connect", s->peer, err, errlen);
		return rc;
	}
	rc = ldap_result(s->ld, msgid, LDAP_MSG_ALL, &tv, &res);
	int e = errno;
	if (rc == 0) {
		snprintf(err, errlen, "%s: no answer to StartTLS within %.0f s", s->peer, seconds);
		return LDAP_TIMEOUT;
	}
	if (rc < 0) {
		ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &code);
		describe(s->ld, code, "StartTLS failed", s->peer, err, errlen);
		oversize_hint(s, e, err, errlen);
		return code < 0 ? code : LDAP_SERVER_DOWN;
	}
	rc = ldap_parse_result(s->ld, res, &code, NULL, &diag, NULL, NULL, 1);
	if (rc == LDAP_SUCCESS && code != LDAP_SUCCESS)
		snprintf(err, errlen,
		         "%s: the server does not offer StartTLS: %s (LDAP %d)%s%s; give the "
		         "server a TLS listener, or set tls = ldaps and its port (plain LDAP, "
		         "tls = none, would send the password in clear text)",
		         s->peer, ldap_err2string(code), code, diag && *diag ? ": " : "",
		         diag && *diag ? diag : "");
	ldap_memfree(diag);
	if (rc != LDAP_SUCCESS) {
		describe(s->ld, rc, "bad StartTLS response", s->peer, err, errlen);
		return rc;
	}
	if (code != LDAP_SUCCESS)
		return code == LDAP_CONNECT_ERROR ? LDAP_OTHER : code;
	rc = ldap_install_tls(s->ld);
	if (rc != LDAP_SUCCESS) {
		describe_tls(s->ld, rc, "TLS handshake after StartTLS failed", s->peer, err,
		             errlen);
		s->tls_failed = true;
	}
	return rc;
}

/* Called by libldap once the TCP connection is up, before any TLS
 * handshake. libldap (GnuTLS on Debian) runs the handshake outside the
 * network timeout, retrying at once on a non-blocking socket: a server that
 * accepts and then says nothing would hold the sender forever and burn a
 * CPU. So the socket is made blocking (the handshake sleeps in recv) and
 * the watchdog learns it, to shut it down when the limit passes. A receive
 * timeout also bounds a TLS record that stops half-way later on. */
static int on_connect(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr,
                      struct ldap_conncb *ctx)
{
	struct session *s = ctx->lc_arg;
	struct timeval tv = tv_from_seconds(s->limit);
	ber_socket_t fd = -1;
	int fl;

	(void)ld;
	(void)srv;
	(void)addr;
	/* Before the first read; liblber keeps it on this socket buffer
	 * across the TLS layer pushed later (session_opts.max_incoming). */
	(void)ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &s->max_incoming);
	if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) != 1 || fd < 0)
		return 0;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_mutex_lock(&s->wd.lock);
	s->wd.fd = fd;
	if (s->wd.interrupted) /* connected after the stop was cut short */
		(void)shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->wd.lock);
	return 0;
}

static void *watchdog_run(void *arg)
{
	struct watchdog *w = arg;
	int rc = 0;

	pthread_mutex_lock(&w->lock);
	while (!w->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->cond, &w->lock, &w->deadline);
	if (!w->done && w->fd >= 0) {
		/* recv() in the handshake returns 0: libldap reports a failure */
		(void)shutdown(w->fd, SHUT_RDWR);
		w->fired = true;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int watchdog_start(struct watchdog *w, double seconds)
{
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += (time_t)seconds;
	w->deadline.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (w->deadline.tv_nsec >= 1000000000L) {
		w->deadline.tv_sec++;
		w->deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	w->fd = -1;
	pthread_mutex_unlock(&w->lock);
	w->done = false;
	w->fired = false;
	return pthread_create(&w->thread, NULL, watchdog_run, w);
}

/* Returns whether it fired. */
static bool watchdog_stop(struct watchdog *w)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	return w->fired;
}

/* Called before libldap closes the socket: session_interrupt must not
 * shut down a descriptor number that is reused. */
static void on_disconnect(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	struct session *s = ctx->lc_arg;

	(void)ld;
	(void)sb;
	pthread_mutex_lock(&s->wd.lock);
	s->wd.fd = -1;
	pthread_mutex_unlock(&s->wd.lock);
}

void session_interrupt(struct session *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->wd.lock);
	s->wd.interrupted = true;
	if (s->wd.fd >= 0)
		(void)shutdown(s->wd.fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->wd.lock);
}

/* Wait for the bind's answer; the result code, or a negative libldap code. */
static int bind_wait(struct session *s, int msgid, double seconds, char *err, size_t errlen)
{
	struct timeval tv = tv_from_seconds(seconds);
	LDAPMessage *res = NULL;
	char *diag = NULL;
	int code = LDAP_OTHER, rc;

	rc = ldap_result(s->ld, msgid, LDAP_MSG_ALL, &tv, &res);
	int e = errno;
	if (rc == 0) {
		snprintf(err, errlen, "%s: no answer to the bind within %.0f s", s->peer, seconds);
		return LDAP_TIMEOUT;
	}
	if (rc < 0) {
		ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &code);
		describe(s->ld, code, "bind failed", s->peer, err, errlen);
		oversize_hint(s, e, err, errlen);
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

/* With ldaps a refused TCP connection and a failed handshake give the same
 * code; only the TLS layer leaves a diagnostic message. */
static bool tls_said_something(LDAP *ld)
{
	char *diag = NULL;
	bool said;

	ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	said = diag && *diag;
	ldap_memfree(diag);
	return said;
}

/* Send the bind: simple with the password, or SASL EXTERNAL with no DN and
 * no credentials (the certificate is the credential). With ldaps the TCP
 * connect and the TLS handshake happen here, bounded by the network timeout
 * and the watchdog. */
static int send_bind(struct session *s, const struct session_opts *o, int *msgid, char *err,
                     size_t errlen)
{
	struct berval cred = {0};
	int rc;

	if (o->bind == SESSION_BIND_SASL_EXTERNAL) {
		rc = ldap_sasl_bind(s->ld, "", "EXTERNAL", NULL, NULL, NULL, msgid);
	} else {
		char dn[64];

		snprintf(dn, sizeof(dn), "racfid=%s,cn=ictx", o->user);
		cred.bv_val = (char *)o->password;
		cred.bv_len = o->password ? strlen(o->password) : 0;
		rc = ldap_sasl_bind(s->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, msgid);
	}
	if (rc == LDAP_SUCCESS)
		return rc;
	if (o->tls == SESSION_TLS_LDAPS && tls_said_something(s->ld)) {
		describe_tls(s->ld, rc, "TLS connection failed", s->peer, err, errlen);
		s->tls_failed = true;
	} else {
		describe(s->ld, rc, "cannot connect", s->peer, err, errlen);
		/* TLS 1.3: a server that refuses our client certificate may close
		 * before the bind is even written (a race with the reply below). */
		if (rc < 0 && o->tls != SESSION_TLS_NONE && set(o->cert_file))
			snprintf(err + strlen(err), errlen - strlen(err),
			         "; the server ended the TLS session at the bind: it may not "
			         "accept our client certificate (tls_cert_file %s): check that it "
			         "trusts its issuer",
			         o->cert_file);
	}
	return rc;
}

/* Handshake again, verification off, and look at the certificate.
 * Overwrites err with the verdict when there is one. */
static void diagnose(struct session *s, const struct session_opts *o, double limit, char *err,
                     size_t errlen)
{
	struct session_opts d = *o;
	struct berval der = {0}; /* libldap fills it in: DER, freed with ber_memfree */
	struct cert_info pc;
	char uri[300], scratch[512];
	int rc;

	d.no_verify = true;
	session_close(s);
	if (make_uri(&d, uri, sizeof(uri), s->peer, sizeof(s->peer)) != 0 ||
	    ldap_initialize(&s->ld, uri) != LDAP_SUCCESS) {
		s->ld = NULL;
		return;
	}
	if (set_options(s->ld, limit) != 0 ||
	    ldap_set_option(s->ld, LDAP_OPT_CONNECT_CB, &s->cb) != LDAP_OPT_SUCCESS ||
	    use_tls(s, &d, true, scratch, sizeof(scratch)) != LDAP_SUCCESS ||
	    watchdog_start(&s->wd, limit) != 0) {
		session_close(s);
		return;
	}
	rc = d.tls == SESSION_TLS_STARTTLS ? start_tls(s, limit, scratch, sizeof(scratch))
	                                   : ldap_connect(s->ld);
	watchdog_stop(&s->wd);
	if (rc == LDAP_SUCCESS &&
	    ldap_get_option(s->ld, LDAP_OPT_X_TLS_PEERCERT, &der) == LDAP_OPT_SUCCESS &&
	    der.bv_val &&
	    cert_read((const unsigned char *)der.bv_val, der.bv_len, o->server, &pc)) {
		char why[600];

		cert_verdict(&pc, o->server, o->ca_file, o->ca_dir, time(NULL), why, sizeof(why));
		snprintf(err, errlen, "%s: TLS certificate check failed: %s", s->peer, why);
	} else if (rc != LDAP_SUCCESS) {
		snprintf(err + strlen(err), errlen - strlen(err),
		         " (a handshake without checking the server's certificate failed too: "
		         "the server may refuse our client certificate, tls_min_version or "
		         "tls_ciphers)");
	}
	ber_memfree(der.bv_val);
	session_close(s);
}

/* Connect, StartTLS or ldaps handshake, send the bind. With TLS a
 * watchdog bounds it all by limit (on_connect says why). */
static int connect_and_bind(struct session *s, const struct session_opts *o, double limit,
                            int *msgid, char *err, size_t errlen)
{
	bool guarded = o->tls != SESSION_TLS_NONE && watchdog_start(&s->wd, limit) == 0;
	int rc = LDAP_SUCCESS;

	if (o->tls == SESSION_TLS_STARTTLS)
		rc = start_tls(s, limit, err, errlen);
	if (rc == LDAP_SUCCESS)
		rc = send_bind(s, o, msgid, err, errlen);
	if (guarded && watchdog_stop(&s->wd) && rc != LDAP_SUCCESS)
		snprintf(err, errlen,
		         "%s: TLS handshake not completed within %.0f s: the server accepted the "
		         "connection and then did not answer (is this port a TLS listener? is "
		         "the server overloaded?)",
		         s->peer, limit);
	return rc;
}

enum session_status session_open(struct session *s, const struct session_opts *o, int *ldap_code,
                                 char *err, size_t errlen)
{
	char uri[300];
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
	s->limit = limit;
	s->max_incoming = o->max_incoming ? o->max_incoming : SESSION_MAX_INCOMING;
	s->cb = (struct ldap_conncb){.lc_add = on_connect, .lc_del = on_disconnect, .lc_arg = s};
	if (set_options(s->ld, limit) != 0 ||
	    ldap_set_option(s->ld, LDAP_OPT_CONNECT_CB, &s->cb) != LDAP_OPT_SUCCESS ||
	    keepalive_apply(s->ld, &o->keepalive, NULL, 0) != 0) {
		snprintf(err, errlen, "%s: cannot set LDAP options", s->peer);
		session_close(s);
		return SESSION_FAILED;
	}
	if (o->tls != SESSION_TLS_NONE &&
	    (rc = use_tls(s, o, false, err, errlen)) != LDAP_SUCCESS) {
		*ldap_code = rc;
		session_close(s);
		return SESSION_FAILED;
	}
	s->tls_failed = false;
	rc = connect_and_bind(s, o, limit, &msgid, err, errlen);
	if (rc != LDAP_SUCCESS && s->tls_failed && !s->wd.fired && !o->no_verify)
		diagnose(s, o, limit, err, errlen);
	if (rc != LDAP_SUCCESS) {
		*ldap_code = rc;
		session_close(s);
		return SESSION_FAILED;
	}
	rc = bind_wait(s, msgid, limit, err, errlen);
	*ldap_code = rc;
	/* With TLS 1.3 a server that refuses the client certificate says so
	 * only after our side of the handshake is done: at the bind. */
	if (rc < 0 && o->tls != SESSION_TLS_NONE && set(o->cert_file))
		snprintf(err + strlen(err), errlen - strlen(err),
		         "; the server ended the TLS session at the bind: it may not accept our "
		         "client certificate (tls_cert_file %s): check that it trusts its issuer",
		         o->cert_file);
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
		int e = errno;
		if (type == 0)
			return 0;
		if (type < 0) {
			ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &code);
			describe(s->ld, code,
			         "connection lost (closed by the server or the network)", s->peer,
			         err, errlen);
			oversize_hint(s, e, err, errlen);
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

void session_opts_from_config(struct session_opts *o, const struct config *c)
{
	static const enum session_tls tls[] = {
	        [CONFIG_TLS_STARTTLS] = SESSION_TLS_STARTTLS,
	        [CONFIG_TLS_LDAPS] = SESSION_TLS_LDAPS,
	        [CONFIG_TLS_NONE] = SESSION_TLS_NONE,
	};

	memset(o, 0, sizeof(*o));
	config_server_at(c, 0, &o->server, &o->port);
	o->user = c->user;
	o->password = c->bind == CONFIG_BIND_SIMPLE ? c->password : NULL;
	o->timeout = c->timeout;
	o->tls = tls[c->tls];
	o->bind = c->bind == CONFIG_BIND_SASL_EXTERNAL ? SESSION_BIND_SASL_EXTERNAL
	                                               : SESSION_BIND_SIMPLE;
	o->ca_file = c->tls_ca_file;
	o->ca_dir = c->tls_ca_dir;
	o->ciphers = c->tls_ciphers;
	o->cert_file = c->tls_cert_file;
	o->key_file = c->tls_key_file;
	o->no_verify = !c->tls_verify;
	o->tls13 = c->tls_min_version == CONFIG_TLS_1_3;
	keepalive_from_config(&o->keepalive, c);
	o->max_incoming = (size_t)c->max_response_size * 1024;
}

void session_opts_for_server(struct session_opts *o, const struct config *c, unsigned i)
{
	session_opts_from_config(o, c);
	config_server_at(c, i, &o->server, &o->port);
}

void session_peer_name(const struct session_opts *o, char *out, size_t len)
{
	char uri[600];

	if (make_uri(o, uri, sizeof(uri), out, len) != 0 && len)
		snprintf(out, len, "%.40s...", o->server);
}

static bool servers_same(const struct config *a, const struct config *b)
{
	if (a->nservers != b->nservers)
		return false;
	for (unsigned i = 0; i < a->nservers; i++)
		if (strcmp(a->servers[i].host, b->servers[i].host) != 0 ||
		    a->servers[i].port != b->servers[i].port)
			return false;
	return true;
}

bool session_config_same(const struct config *a, const struct config *b)
{
	return strcmp(a->server, b->server) == 0 && a->port == b->port && servers_same(a, b) &&
	       strcmp(a->user, b->user) == 0 && strcmp(a->password, b->password) == 0 &&
	       a->timeout == b->timeout && a->tls == b->tls && a->bind == b->bind &&
	       a->tls_verify == b->tls_verify && a->tls_min_version == b->tls_min_version &&
	       strcmp(a->tls_ca_file, b->tls_ca_file) == 0 &&
	       strcmp(a->tls_ca_dir, b->tls_ca_dir) == 0 &&
	       strcmp(a->tls_ciphers, b->tls_ciphers) == 0 &&
	       strcmp(a->tls_cert_file, b->tls_cert_file) == 0 &&
	       strcmp(a->tls_key_file, b->tls_key_file) == 0;
}
