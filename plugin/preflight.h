/* preflight.h - `audispd-zos-remote --check`: what config_load cannot see
 * from the text alone. Run after config_load found no problem:
 *  - server: the name resolves (getaddrinfo), as the sender will need it;
 *  - tls_ca_file, tls_cert_file, tls_key_file: readable regular files
 *    holding PEM ("-----BEGIN "); the key file closed to group and others;
 *    tls_ca_dir: a searchable directory;
 *  - spool_dir (when set): a writable directory, or creatable under the
 *    nearest existing one; set_aside_file and state_file (when set): their
 *    directory exists and is writable.
 * Each problem is one sentence naming the file and the key's line (the
 * line is looked up in the file; a key left at its default has none).
 *
 * Owner: main (--check only; not used while running). */
#ifndef ZR_PREFLIGHT_H
#define ZR_PREFLIGHT_H

#include "config.h"

/* Returns the number of problems reported through err. */
int preflight_check(const char *path, const struct config *c, config_err_fn err, void *arg);

/* `--check`: config_load, the warnings and preflight_check on path, and
 * the active entries of plugins_dir whose config shares its spool
 * (spoollock.h); every problem on stderr; the verdict on stdout (valid)
 * or stderr. 0 when valid, 1 otherwise. */
int preflight_main(const char *prog, const char *path, const char *plugins_dir);

/* The line of path on which key is set (case-insensitive), 0 when it is
 * not set there or the file cannot be read. */
unsigned preflight_key_line(const char *path, const char *key);

#endif
