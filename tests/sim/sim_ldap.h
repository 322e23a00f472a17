/* sim_ldap.h: the simulator's LDAP side: listener, poll() loop, connections, LDAP framing,
 * binds, extended operations, reply latency and injected faults. */
#ifndef ZR_SIM_LDAP_H
#define ZR_SIM_LDAP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim_journal.h"
#include "sim_racf.h"
#include "sim_tls.h"
#include "sim_smffile.h"

#define SIM_MAX_PDU_DEFAULT ((size_t)16 * 1024 * 1024)

/* --fault settings; 0 = off. Counts are over the server's life. */
struct sim_faults {
	unsigned long close_after;  /* Nth extended request: no answer, connection closed */
	unsigned long close_every;  /* every Nth extended request: the same, again and again */
	unsigned long hang_after;   /* Nth extended request on: that connection gets no answers */
	unsigned long busy;         /* first N extended requests: resultCode 51 */
	unsigned long unavailable;  /* first N extended requests: resultCode 52 */
	unsigned long reject_binds; /* first N binds: resultCode 49 */
	unsigned long malformed;    /* Nth extended request: response value not DER */
	unsigned long tls_stall;    /* first N TLS handshakes (ldaps or StartTLS) never complete */
	unsigned long huge_reply;   /* first N connections: the first reply announces 2 GiB and
	                             * SIM_HUGE_BYTES follow, then the connection is closed */
};

#define SIM_HUGE_BYTES ((size_t)64 * 1024 * 1024)

struct sim_options {
	const struct racf *racf;
	struct journal *journal;
	struct sim_tls *tls; /* NULL: no TLS, StartTLS is refused with protocolError */
	int ldaps_fd;        /* with tls: the ldaps listener, or -1 */
	struct smffile *smf; /* --smf: binary SMF 83/4 records; disabled when not open */
	unsigned latency_ms;
	struct sim_faults faults;
	double duration_s;
	bool rauditx;
	const char *const *classes;
	size_t nclasses;
	size_t max_value;
	size_t max_pdu;
	const char *system_id;
	bool quiet;
};

/* Parses one --fault SPEC ("name=N") into f. -1 with a message in err when it is not one. */
int sim_fault_parse(struct sim_faults *f, const char *spec, char *err, size_t errlen);

/* Creates a nonblocking listening TCP socket on host:port (port 0 = any free port) with
 * SO_REUSEADDR. Returns the fd and the bound port, or -1 with a message in err. */
int sim_ldap_listen(const char *host, const char *port, unsigned *bound, char *err, size_t errlen);

/* Length of the complete LDAPMessage at the start of p[0..n): returns 1 and *pdu_len when
 * it is all there, 0 when more bytes are needed, -1 with a reason when it can never be valid
 * (not a SEQUENCE, indefinite length, larger than max). Accepts any definite BER length. */
int sim_ldap_frame(const unsigned char *p, size_t n, size_t max, size_t *pdu_len, const char **why);

/* Serves until duration_s has elapsed or *stop becomes non-zero. Signals that set *stop must
 * be blocked by the caller; they are unblocked only while waiting (ppoll with wait_mask).
 * Closes listen_fd (and opt->ldaps_fd with TLS). Returns 0, or -1 on a fatal error (reported
 * on stderr). */
int sim_ldap_run(const struct sim_options *opt, int listen_fd, const sigset_t *wait_mask,
                 volatile sig_atomic_t *stop);

#endif
