/* tlsctx.h - the TLS context cache: build a context once per settings and
 * files, reuse it for every connection, build it again when they change.
 *
 * Why: libldap 2.5 with GnuTLS never frees part of what a context loads
 * (the client certificate and key it parses, some 20 KB of heap with their
 * libtasn1 trees), so a context is not made per connection. The session
 * (session.c) builds one on a template handle and gives each connection's
 * handle a reference to it (LDAP_OPT_X_TLS_CTX; libldap counts references,
 * so a connection still open when its context is replaced keeps it alive).
 *
 * When: a slot is rebuilt when the settings change (a reload) or a file the
 * context was read from does (a renewed certificate or CA, a CA added to
 * tls_ca_dir): the key holds the settings and each file's identity, size
 * and times (stat), and is compared at every connect. A file that cannot
 * be stat'ed is named only; building from it fails, so it is never cached.
 *
 * The cache knows nothing of libldap: the caller passes how to build and
 * free a context, so it is tested without a handshake. Owner: the sender
 * thread (through its sessions). Not thread-safe. */
#ifndef ZR_TLSCTX_H
#define ZR_TLSCTX_H

#include <stdbool.h>
#include <stddef.h>

/* What a context is built from. */
struct tlsctx_settings {
	bool verify;
	int min_version;                                               /* 12 or 13 */
	const char *ciphers, *ca_file, *ca_dir, *cert_file, *key_file; /* NULL or "": unset */
};

/* One context and what it was built from. */
struct tlsctx_slot {
	void *ctx; /* one reference held here; NULL = none */
	char *key; /* settings and file stamps */
};

/* Build a new context (the caller's one reference); NULL with err. */
typedef void *(*tlsctx_build_fn)(void *arg, char *err, size_t errlen);
/* Give back the slot's reference. */
typedef void (*tlsctx_free_fn)(void *ctx);

/* The context of slot for s, built first (build(arg)) when there is none
 * yet for these settings and files; *builds counts the builds. NULL with
 * err (naming peer) when it cannot be built. */
void *tlsctx_get(struct tlsctx_slot *slot, const struct tlsctx_settings *s, tlsctx_build_fn build,
                 tlsctx_free_fn release, void *arg, unsigned long *builds, const char *peer,
                 char *err, size_t errlen);
/* Drop the slot's context (release) and key. */
void tlsctx_clear(struct tlsctx_slot *slot, tlsctx_free_fn release);

#endif
