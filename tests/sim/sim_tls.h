/* sim_tls.h: the simulator's TLS side (OpenSSL): server context, non-blocking handshake and
 * record I/O on one connection, client-certificate subjects mapped to RACF users for SASL
 * EXTERNAL, and the tls-stall fault.
 *
 * A connection becomes TLS either at accept (the --ldaps-listen listener) or after the
 * StartTLS response has left (plain listener). sim_tls_recv/sim_tls_send behave like
 * recv/send on a non-blocking socket: the handshake is driven by whichever is called first,
 * -1 with errno EAGAIN means "call again when poll says so" (sim_tls_events says which
 * event), -1 with EPROTO means the handshake or a record failed (sim_tls_error says why).
 * Each connection writes a journal line "kind":"tls" when its handshake ends: "event"
 * established (with "version", "cipher", "subject" of a verified client certificate or
 * null) or failed (with "reason"), and "stalled" when the tls-stall fault holds it.
 *
 * Owner: sim_ldap.c's loop; one struct sim_tls per server, one sim_tls_conn per connection. */
#ifndef ZR_SIM_TLS_H
#define ZR_SIM_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sim_journal.h"

enum sim_tls_verify {
	SIM_TLS_VERIFY_NONE,     /* no client certificate asked for */
	SIM_TLS_VERIFY_OPTIONAL, /* asked for; one that does not verify ends the handshake */
	SIM_TLS_VERIFY_REQUIRE,  /* a verified client certificate is required */
};

struct sim_tls_opts {
	const char *cert;     /* --tls-cert: server certificate chain (PEM) */
	const char *key;      /* --tls-key: its private key (PEM) */
	const char *ca;       /* --tls-ca: CAs trusted for client certificates, or NULL */
	const char *cert_map; /* --cert-map: lines "RACFUSER SUBJECT-DN", or NULL */
	enum sim_tls_verify verify;
};

struct sim_tls;
struct sim_tls_conn;

/* Parses --tls-verify-client none|optional|require. 0, or -1. */
int sim_tls_verify_parse(const char *s, enum sim_tls_verify *v);

/* Loads certificate, key, CA and map. NULL with a message in err when one cannot be used. */
struct sim_tls *sim_tls_new(const struct sim_tls_opts *o, char *err, size_t errlen);
void sim_tls_free(struct sim_tls *t);

/* The RACF user the map gives for an RFC 2253 subject, or NULL. */
const char *sim_tls_map(const struct sim_tls *t, const char *subject);

/* TLS on fd (already connected, non-blocking). stall: the tls-stall fault, the handshake
 * never completes (what the client sends is read and discarded). NULL when out of memory. */
struct sim_tls_conn *sim_tls_conn_new(struct sim_tls *t, int fd, struct journal *j,
                                      unsigned long conn_id, bool stall);
void sim_tls_conn_free(struct sim_tls_conn *c);

ssize_t sim_tls_recv(struct sim_tls_conn *c, void *buf, size_t len);
ssize_t sim_tls_send(struct sim_tls_conn *c, const void *buf, size_t len);
/* Poll events the connection waits for besides POLLIN (POLLOUT while a write is stuck). */
short sim_tls_events(const struct sim_tls_conn *c);
const char *sim_tls_error(const struct sim_tls_conn *c);

/* SASL EXTERNAL: the LDAP resultCode and, on 0, the mapped RACF user id. c may be NULL
 * (no TLS): 48 inappropriateAuthentication, like a missing or unverified certificate;
 * a verified certificate whose subject is not mapped: 49 invalidCredentials. */
int sim_tls_external(const struct sim_tls *t, const struct sim_tls_conn *c, const char **user,
                     char *reason, size_t rlen);

#endif
