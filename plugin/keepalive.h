/* keepalive.h - TCP keepalive on the LDAP connection, so a firewall or NAT
 * between here and the mainframe does not silently drop a connection that
 * is idle between bursts of audit records, and a peer that vanished is
 * noticed while nothing is being sent (the socket then reports an error,
 * the sender reconnects and sends again what was in flight).
 *
 * libldap turns SO_KEEPALIVE on for every TCP socket it opens; the three
 * values here (LDAP_OPT_X_KEEPALIVE_IDLE, _INTERVAL, _PROBES) become
 * TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT when it connects. 0 leaves
 * the system's setting (net.ipv4.tcp_keepalive_time and friends).
 *
 * Owner: the sender thread (applied to its session's handle before the
 * connection is opened). */
#ifndef ZR_KEEPALIVE_H
#define ZR_KEEPALIVE_H

#include <ldap.h>

#include "config.h"

struct keepalive {
	unsigned idle;     /* seconds without traffic before the first probe */
	unsigned interval; /* seconds between probes */
	unsigned probes;   /* unanswered probes before the connection is dropped */
};

/* From keepalive_idle, keepalive_interval, keepalive_probes. */
void keepalive_from_config(struct keepalive *k, const struct config *c);

/* Set the non-zero values on ld, before it connects. 0, or -1 when libldap
 * refused one (err says which). k NULL: nothing to do. */
int keepalive_apply(LDAP *ld, const struct keepalive *k, char *err, size_t errlen);

#endif
