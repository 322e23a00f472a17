/* certdiag.h - why the server's TLS certificate was refused.
 *
 * libldap (GnuTLS on Debian) says only that verification failed. The
 * session (session.c) then makes a second handshake without verification
 * (no bind, nothing secret is sent) to fetch the certificate; this module
 * reads its dates and names and says which check it fails: expired, not
 * yet valid, issued for another name, or (what is left) an issuer not
 * trusted. Security logic, kept apart so it is tested from fixed
 * certificates without a handshake.
 *
 * Host names: a dNSName matches the server name case-insensitively, and
 * "*.example.com" covers exactly one label; an iPAddress matches a server
 * given as that address. Only subjectAltName is looked at (RFC 6125; the
 * subject's CN is not a host name).
 *
 * Pure but for the clock the caller passes in. Thread-safe. */
#ifndef ZR_CERTDIAG_H
#define ZR_CERTDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct cert_info {
	char subject[200], issuer[200]; /* RFC 4514 strings, "?" when unreadable */
	char names[200];                /* "DNS:a IP:b" */
	time_t not_before, not_after;   /* (time_t)-1 when unreadable */
	bool has_names;                 /* a subjectAltName DNS or IP entry was found */
	bool name_ok;                   /* one of them matches the server */
};

/* Read the DER certificate der (n bytes) and match its names against
 * server. false when it is not a certificate. */
bool cert_read(const unsigned char *der, size_t n, const char *server, struct cert_info *pc);

/* Does the dNSName pattern (n bytes, not NUL-terminated) cover host? */
bool cert_host_matches(const char *pattern, size_t n, const char *host);

/* One sentence on why pc did not verify at time now, for the server name
 * server, with the CA settings to point at (tls_ca_file, tls_ca_dir; NULL
 * or "" when unset). */
void cert_verdict(const struct cert_info *pc, const char *server, const char *ca_file,
                  const char *ca_dir, time_t now, char *out, size_t len);

#endif
