/* session.h - one LDAP connection to the ICTX server: connect, simple bind,
 * send extended operations, collect their results. Knows nothing of audit.
 *
 * URI ldap://server[:port] (an IPv6 address is put in brackets), LDAPv3,
 * referrals off, LDAP_OPT_NETWORK_TIMEOUT and LDAP_OPT_TIMEOUT = timeout.
 * The bind DN is racfid=USER,cn=ictx. The bind is sent asynchronously and
 * waited for at most timeout seconds, so a server that accepts the TCP
 * connection and never answers cannot hold the caller forever. Requests
 * are sent without waiting (several may be in flight) and results are
 * matched by the caller through their message id.
 *
 * Error texts (err, errlen) say server, port and what happened: the libldap
 * error string plus the server's diagnostic message. The password is never
 * put into any message.
 *
 * Owner: the sender thread. libldap handles are not shared across threads,
 * so a session must only ever be used by the thread that opened it. */
#ifndef ZR_SESSION_H
#define ZR_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct session_opts {
	const char *server; /* host name, IPv4 or IPv6 address */
	unsigned port;      /* 0 = 389 */
	const char *user;   /* RACF user id */
	const char *password;
	unsigned timeout;     /* seconds: connect, bind, and the default op wait */
	double connect_limit; /* > 0: cap on connect+bind seconds (draining); 0 = timeout */
};

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

struct session *session_new(void);
/* Closes the connection if open. */
void session_free(struct session *s);

/* Connect and bind. On failure the session is closed, err says why and
 * *ldap_code holds the bind result (e.g. 49) or a negative libldap code. */
enum session_status session_open(struct session *s, const struct session_opts *o, int *ldap_code,
                                 char *err, size_t errlen);
void session_close(struct session *s);
bool session_is_open(const struct session *s);

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
