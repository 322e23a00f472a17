/* sim_tls.c: TLS for the simulator: OpenSSL server context, non-blocking handshake and I/O,
 * client certificate subjects mapped to RACF users, the tls-stall fault. */
#include "sim_tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SIM_TLS_SUBJECT_MAX 512

struct sim_tls_map {
	char *user;
	char *subject;
};

struct sim_tls {
	SSL_CTX *ctx;
	struct sim_tls_map *map;
	size_t nmap;
};

struct sim_tls_conn {
	SSL *ssl;
	int fd;
	bool stall;
	bool done;       /* handshake complete */
	bool failed;     /* handshake or record failure: the connection is unusable */
	bool want_write; /* the last operation waits for POLLOUT */
	struct journal *journal;
	unsigned long conn_id;
	char subject[SIM_TLS_SUBJECT_MAX]; /* verified client certificate, "" = none */
	char error[256];
};

int sim_tls_verify_parse(const char *s, enum sim_tls_verify *v)
{
	static const char *const names[] = {"none", "optional", "require"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*v = (enum sim_tls_verify)i;
			return 0;
		}
	return -1;
}

/* OpenSSL's error queue as one line (the last, most specific reason), then cleared. */
static void sim_tls_reason(char *out, size_t len, const char *what)
{
	unsigned long e, last = 0;
	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last) {
		char buf[200];
		ERR_error_string_n(last, buf, sizeof buf);
		snprintf(out, len, "%s: %s", what, buf);
	} else {
		snprintf(out, len, "%s", what);
	}
}

static char *sim_trim(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
		p[--n] = '\0';
	return p;
}

static int sim_tls_map_add(struct sim_tls *t, const char *user, const char *subject)
{
	struct sim_tls_map *n = realloc(t->map, (t->nmap + 1) * sizeof *n);
	if (!n)
		return -1;
	t->map = n;
	n[t->nmap].user = strdup(user);
	n[t->nmap].subject = strdup(subject);
	if (!n[t->nmap].user || !n[t->nmap].subject) {
		free(n[t->nmap].user);
		free(n[t->nmap].subject);
		return -1;
	}
	t->nmap++;
	return 0;
}

/* Lines "RACFUSER SUBJECT-DN": the user id, blanks, then the rest of the line is the subject
 * as `openssl x509 -noout -subject -nameopt RFC2253` prints it (without "subject="). */
static int sim_tls_load_map(struct sim_tls *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned no = 0;
	if (!f) {
		snprintf(err, errlen, "--cert-map %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		no++;
		char *p = sim_trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		char *sp = p + strcspn(p, " \t");
		if (*sp == '\0' || (size_t)(sp - p) > 8) {
			snprintf(err, errlen,
			         "--cert-map %s:%u: expected \"RACFUSER SUBJECT-DN\" (user 1-8 "
			         "characters)",
			         path, no);
			fclose(f);
			return -1;
		}
		*sp = '\0';
		for (char *u = p; *u; u++)
			if (*u >= 'a' && *u <= 'z')
				*u = (char)(*u - 'a' + 'A');
		if (sim_tls_map_add(t, p, sim_trim(sp + 1)) != 0) {
			snprintf(err, errlen, "--cert-map %s: out of memory", path);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static int sim_tls_ctx(struct sim_tls *t, const struct sim_tls_opts *o, char *err, size_t errlen)
{
	static const unsigned char sid_ctx[] = "zos-remote-sim";
	char why[300];
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (!t->ctx) {
		sim_tls_reason(err, errlen, "cannot create a TLS context");
		return -1;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_num_tickets(t->ctx, 0);
	SSL_CTX_set_session_id_context(t->ctx, sid_ctx, sizeof sid_ctx - 1);
	SSL_CTX_set_mode(t->ctx,
	                 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, o->cert) != 1) {
		snprintf(why, sizeof why, "--tls-cert %s", o->cert);
		sim_tls_reason(err, errlen, why);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		snprintf(why, sizeof why, "--tls-key %s (or it does not match --tls-cert)", o->key);
		sim_tls_reason(err, errlen, why);
		return -1;
	}
	if (o->ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->ca);
		if (SSL_CTX_load_verify_locations(t->ctx, o->ca, NULL) != 1 || !names) {
			snprintf(why, sizeof why, "--tls-ca %s", o->ca);
			sim_tls_reason(err, errlen, why);
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			return -1;
		}
		SSL_CTX_set_client_CA_list(t->ctx, names);
	}
	int mode = o->verify == SIM_TLS_VERIFY_NONE ? SSL_VERIFY_NONE
	           : o->verify == SIM_TLS_VERIFY_OPTIONAL
	                   ? SSL_VERIFY_PEER
	                   : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	SSL_CTX_set_verify(t->ctx, mode, NULL);
	return 0;
}

struct sim_tls *sim_tls_new(const struct sim_tls_opts *o, char *err, size_t errlen)
{
	struct sim_tls *t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!o->cert || !o->key) {
		snprintf(err, errlen, "TLS needs both --tls-cert and --tls-key");
		free(t);
		return NULL;
	}
	if (o->verify != SIM_TLS_VERIFY_NONE && !o->ca) {
		snprintf(err, errlen, "--tls-verify-client needs --tls-ca (the CA of the clients)");
		free(t);
		return NULL;
	}
	if (sim_tls_ctx(t, o, err, errlen) != 0 ||
	    (o->cert_map && sim_tls_load_map(t, o->cert_map, err, errlen) != 0)) {
		sim_tls_free(t);
		return NULL;
	}
	return t;
}

void sim_tls_free(struct sim_tls *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nmap; i++) {
		free(t->map[i].user);
		free(t->map[i].subject);
	}
	free(t->map);
	SSL_CTX_free(t->ctx);
	free(t);
}

const char *sim_tls_map(const struct sim_tls *t, const char *subject)
{
	for (size_t i = 0; t && i < t->nmap; i++)
		if (strcmp(t->map[i].subject, subject) == 0)
			return t->map[i].user;
	return NULL;
}

struct sim_tls_conn *sim_tls_conn_new(struct sim_tls *t, int fd, struct journal *j,
                                      unsigned long conn_id, bool stall)
{
	struct sim_tls_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fd = fd;
	c->stall = stall;
	c->journal = j;
	c->conn_id = conn_id;
	if (!stall) {
		c->ssl = SSL_new(t->ctx);
		if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
			SSL_free(c->ssl);
			free(c);
			return NULL;
		}
		SSL_set_accept_state(c->ssl);
	} else if (journal_enabled(j)) {
		json_t *o = journal_new(j, "tls");
		if (o) {
			journal_set_int(o, "conn", (long long)conn_id);
			journal_set_str(o, "event", "stalled");
			journal_set_str(o, "reason",
			                "fault tls-stall: the handshake is never answered");
			journal_write(j, o);
		}
	}
	return c;
}

void sim_tls_conn_free(struct sim_tls_conn *c)
{
	if (!c)
		return;
	if (c->ssl && c->done && !c->failed)
		SSL_shutdown(c->ssl); /* best effort close_notify; never waits */
	SSL_free(c->ssl);
	free(c);
}

static void sim_tls_journal(struct sim_tls_conn *c)
{
	json_t *o = journal_new(c->journal, "tls");
	if (!o)
		return;
	journal_set_int(o, "conn", (long long)c->conn_id);
	journal_set_str(o, "event", c->failed ? "failed" : "established");
	if (c->failed) {
		journal_set_str(o, "reason", c->error);
	} else {
		journal_set_str(o, "version", SSL_get_version(c->ssl));
		journal_set_str(o, "cipher", SSL_get_cipher_name(c->ssl));
		journal_set_str(o, "subject", c->subject[0] ? c->subject : NULL);
	}
	journal_write(c->journal, o);
}

/* The subject of a client certificate that verified, in RFC 2253 form. */
static void sim_tls_peer(struct sim_tls_conn *c)
{
	X509 *x = SSL_get1_peer_certificate(c->ssl);
	if (x && SSL_get_verify_result(c->ssl) == X509_V_OK) {
		BIO *b = BIO_new(BIO_s_mem());
		if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
			int n = BIO_read(b, c->subject, (int)sizeof c->subject - 1);
			c->subject[n > 0 ? n : 0] = '\0';
		}
		BIO_free(b);
	}
	X509_free(x);
}

/* An SSL call returned r: EAGAIN while it waits, EPROTO (reason kept) when it failed, 0 when
 * the peer closed. */
static ssize_t sim_tls_result(struct sim_tls_conn *c, int r, const char *what)
{
	int e = SSL_get_error(c->ssl, r);
	c->want_write = e == SSL_ERROR_WANT_WRITE;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	if (c->done && (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0))) {
		ERR_clear_error();
		return 0;
	}
	long v = SSL_get_verify_result(c->ssl);
	if (!c->done && v != X509_V_OK) {
		snprintf(c->error, sizeof c->error, "%s: client certificate: %s", what,
		         X509_verify_cert_error_string(v));
		ERR_clear_error();
	} else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		snprintf(c->error, sizeof c->error, "%s: %s", what,
		         errno ? strerror(errno) : "the client closed the connection");
	} else {
		sim_tls_reason(c->error, sizeof c->error, what);
	}
	bool journal = !c->done;
	c->failed = true;
	if (journal)
		sim_tls_journal(c);
	errno = EPROTO;
	return -1;
}

static int sim_tls_handshake(struct sim_tls_conn *c)
{
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->done = true;
		c->want_write = false;
		sim_tls_peer(c);
		sim_tls_journal(c);
		return 0;
	}
	return (int)sim_tls_result(c, r, "TLS handshake failed");
}

/* tls-stall: swallow what the client sends, answer nothing. */
static ssize_t sim_tls_stalled(struct sim_tls_conn *c)
{
	char sink[4096];
	ssize_t n;
	while ((n = recv(c->fd, sink, sizeof sink, 0)) > 0)
		;
	if (n == 0)
		return 0;
	errno = EAGAIN;
	return -1;
}

ssize_t sim_tls_recv(struct sim_tls_conn *c, void *buf, size_t len)
{
	size_t got = 0;
	if (c->stall)
		return sim_tls_stalled(c);
	if (c->failed) {
		errno = EPROTO;
		return -1;
	}
	if (!c->done && sim_tls_handshake(c) != 0)
		return -1;
	/* Read until OpenSSL has nothing buffered, so poll() is never the only one to know. */
	while (got < len) {
		int want = len - got > (size_t)INT32_MAX ? INT32_MAX : (int)(len - got);
		int r = SSL_read(c->ssl, (char *)buf + got, want);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (got)
			break;
		return sim_tls_result(c, r, "TLS read failed");
	}
	return (ssize_t)got;
}

ssize_t sim_tls_send(struct sim_tls_conn *c, const void *buf, size_t len)
{
	if (c->stall) {
		errno = EAGAIN;
		return -1;
	}
	if (c->failed) {
		errno = EPROTO;
		return -1;
	}
	if (!c->done && sim_tls_handshake(c) != 0)
		return -1;
	int r = SSL_write(c->ssl, buf, len > (size_t)INT32_MAX ? INT32_MAX : (int)len);
	if (r > 0) {
		c->want_write = false;
		return r;
	}
	return sim_tls_result(c, r, "TLS write failed");
}

short sim_tls_events(const struct sim_tls_conn *c)
{
	return c && c->want_write ? POLLOUT : 0;
}

const char *sim_tls_error(const struct sim_tls_conn *c)
{
	return c && c->error[0] ? c->error : "TLS failure";
}

int sim_tls_external(const struct sim_tls *t, const struct sim_tls_conn *c, const char **user,
                     char *reason, size_t rlen)
{
	*user = NULL;
	if (!c || !c->done) {
		snprintf(reason, rlen,
		         "SASL EXTERNAL needs a TLS connection with a client certificate");
		return 48; /* inappropriateAuthentication */
	}
	if (!c->subject[0]) {
		snprintf(reason, rlen,
		         "SASL EXTERNAL: the client sent no certificate that verified (is "
		         "--tls-verify-client on?)");
		return 48;
	}
	*user = sim_tls_map(t, c->subject);
	if (!*user) {
		snprintf(reason, rlen,
		         "SASL EXTERNAL: certificate subject %.200s is not mapped to "
		         "a RACF user (--cert-map)",
		         c->subject);
		return 49; /* invalidCredentials */
	}
	snprintf(reason, rlen, "SASL EXTERNAL: certificate subject %.200s is RACF user %s",
	         c->subject, *user);
	return 0;
}
