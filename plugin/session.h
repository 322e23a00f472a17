/* session.h - one LDAP connection to the ICTX server: connect, TLS, bind,
 * send extended operations, collect their results. Knows nothing of audit.
 *
 * URI ldap://server[:port] or ldaps://server[:port] (an IPv6 address is put
 * in brackets), LDAPv3, referrals off, LDAP_OPT_NETWORK_TIMEOUT and
 * LDAP_OPT_TIMEOUT = timeout. TLS (ldaps, or StartTLS on ldap://) uses a
 * libldap TLS context built from: CA file or directory (else the system
 * store), certificate and host name checked (LDAP_OPT_X_TLS_DEMAND) unless
 * no_verify, minimum protocol TLS 1.2 or 1.3, optional cipher list,
 * optional client certificate and key. The context is built once and shared
 * by every connection made with the same settings (struct session_tls_ctx
 * below; the cache itself is tlsctx.h), never per connection: libldap 2.5
 * with GnuTLS leaks some 20 KB of every context it builds. Process-wide
 * libldap defaults are never touched.
 * The TCP connect and the TLS handshake are bounded by the network timeout,
 * the StartTLS answer by timeout, so a server that stalls the handshake
 * cannot hold the caller forever. StartTLS refused by the server is a
 * failure, never a fall back to clear text.
 *
 * Bind: simple with DN racfid=USER,cn=ictx and the password, or SASL
 * EXTERNAL (empty DN, no credentials: the server maps the TLS client
 * certificate to a RACF user). The bind is sent asynchronously and waited
 * for at most timeout seconds. Requests are sent without waiting (several
 * may be in flight) and results are matched by the caller through their
 * message id.
 *
 * Error texts (err, errlen) say server, port and what happened: the libldap
 * error string plus the server's or OpenSSL's diagnostic, and for TLS
 * failures which setting to look at; a certificate that did not verify is
 * fetched again without verification and explained (certdiag.h: expired,
 * not yet valid, another name, an untrusted issuer). The password is never
 * put into any message, and the session keeps no copy of it (libldap copies
 * it into the bind request it frees once sent).
 *
 * Owner: the sender thread. libldap handles are not shared across threads,
 * so a session must only ever be used by the thread that opened it. */
#ifndef ZR_SESSION_H
#define ZR_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "keepalive.h"

/* Zero is plain LDAP so that an initialiser written before TLS existed
 * keeps its meaning; session_opts_from_config gives the secure defaults. */
enum session_tls {
	SESSION_TLS_NONE = 0,
	SESSION_TLS_STARTTLS,
	SESSION_TLS_LDAPS,
};

enum session_bind {
	SESSION_BIND_SIMPLE = 0,
	SESSION_BIND_SASL_EXTERNAL,
};

struct session_opts {
	const char *server; /* host name, IPv4 or IPv6 address */
	unsigned port;      /* 0 = 389, or 636 with SESSION_TLS_LDAPS */
	const char *user;   /* RACF user id */
	const char *password;
	unsigned timeout;     /* seconds: connect, bind, and the default op wait */
	double connect_limit; /* > 0: cap on connect+bind seconds (draining); 0 = timeout */

	enum session_tls tls;
	enum session_bind bind;
	const char *ca_file;   /* NULL or "" = not set */
	const char *ca_dir;    /* NULL or "" = not set */
	const char *ciphers;   /* NULL or "" = libldap's default */
	const char *cert_file; /* client certificate, NULL or "" = none */
	const char *key_file;
	bool no_verify;             /* skip the certificate and host name checks (insecure) */
	bool tls13;                 /* minimum protocol TLS 1.3 instead of 1.2 */
	struct keepalive keepalive; /* TCP keepalive (keepalive.h); zeros = the system's */
	/* Largest LDAP message accepted from the server, in bytes; 0 =
	 * SESSION_MAX_INCOMING. liblber checks the length a message announces
	 * before it allocates: a larger one ends the connection (a lying
	 * server, or anyone on the path before TLS is up, cannot make the
	 * plugin allocate gigabytes). Set on the socket before its first read,
	 * so it covers the StartTLS reply too. */
	size_t max_incoming;
};

#define SESSION_MAX_INCOMING ((size_t)4 * 1024 * 1024)

struct config;

/* Options for the connection c describes (pointers into c: keep c alive
 * while o is used): its primary server. */
void session_opts_from_config(struct session_opts *o, const struct config *c);
/* The same for server i of c's list (config_server_at): the URI, and so
 * the TLS host name check, use that server's host. */
void session_opts_for_server(struct session_opts *o, const struct config *c, unsigned i);
/* "host:port" of o as session_peer will say it once connected. */
void session_peer_name(const struct session_opts *o, char *out, size_t len);
/* True when a and b describe the same connections, server list included
 * (no reconnect needed). */
bool session_config_same(const struct config *a, const struct config *b);

enum session_status {
	SESSION_OK = 0,
	SESSION_FAILED = -1,   /* connect, network or protocol failure: retry */
	SESSION_REJECTED = -2, /* the server refused the bind (49 and the like) */
};

/* An answer to a request. Owned by the caller after session_poll; free
 * with session_result_clear. */
struct session_result {
	int msgid;
	int ldap_code;        /* LDAP resultCode: 0, 51 busy, ... */
	char *diagnostic;     /* server's diagnostic message or NULL */
	char *oid;            /* responseName or NULL */
	unsigned char *value; /* responseValue bytes or NULL */
	size_t value_len;
};

struct session;

/* The TLS contexts of one or more sessions: one for connections, one
 * without verification for the certificate diagnosis. A context is built at
 * the first TLS connect and kept until the settings, or a CA, certificate
 * or key file they name (its inode, size or times), differ at a later
 * connect: a reload or a renewed certificate gets a new one, a reconnect
 * does not. Owner: the thread that uses the sessions; not locked. */
struct session_tls_ctx;

struct session_tls_ctx *session_tls_ctx_new(void);
/* After the sessions that use t are freed (their open connections would
 * keep the contexts alive, but a session must not open with t again). */
void session_tls_ctx_free(struct session_tls_ctx *t);

/* A session has contexts of its own until session_use_tls_ctx. */
struct session *session_new(void);
/* Closes the connection if open. */
void session_free(struct session *s);
/* Connect with t's contexts, shared with the other sessions that use t
 * (NULL: the session's own again). */
void session_use_tls_ctx(struct session *s, struct session_tls_ctx *t);
/* TLS contexts built for s's connections so far (with a shared
 * session_tls_ctx: by all its sessions). */
unsigned long session_tls_ctx_builds(const struct session *s);

/* Connect and bind. On failure the session is closed, err says why and
 * *ldap_code holds the bind result (e.g. 49) or a negative libldap code. */
enum session_status session_open(struct session *s, const struct session_opts *o, int *ldap_code,
                                 char *err, size_t errlen);
void session_close(struct session *s);
bool session_is_open(const struct session *s);
/* From any thread: shut down the session's socket, now and at any later
 * connect, so whatever its owner is blocked in (TLS handshake, bind, a
 * send to a server that reads nothing) returns at once with an error. For
 * a prompt exit (sender_interrupt); the session is only good for closing
 * afterwards. */
void session_interrupt(struct session *s);

/* "server:port" as used in messages (valid while the session lives). */
const char *session_peer(const struct session *s);

/* The socket, for poll(); -1 when closed. */
int session_fd(const struct session *s);

/* Send an extended operation with requestName oid and value. Returns
 * SESSION_OK with *msgid set, or SESSION_FAILED (the connection is then
 * unusable: close it) with err. */
enum session_status session_send(struct session *s, const char *oid, const unsigned char *value,
                                 size_t len, int *msgid, char *err, size_t errlen);

/* Wait at most timeout_ms (0 = only what has arrived) for one result of
 * any outstanding request. 1: *r filled; 0: nothing yet; -1: connection
 * lost or a result that cannot be parsed (err says which). */
int session_poll(struct session *s, int timeout_ms, struct session_result *r, char *err,
                 size_t errlen);
void session_result_clear(struct session_result *r);

#endif
