/* spoollock.h - one spool, one process.
 *
 * Two processes on one spool lose records without a word (each recovers,
 * rewrites and removes the other's files). That happens when auditd starts
 * a new plugin while the old one still drains (auditd <= 4.1 at a reload,
 * a restart of auditd), or when two configurations name the same spool
 * (the spool is named after the config's base name unless spool_dir says
 * otherwise). So:
 *  - spool_lock takes an exclusive lock (flock) on DIR/lock for the life of
 *    the process, and writes its pid and config path there. A successor
 *    waits for it a bounded time, without reading its input: until it
 *    reads, auditd keeps the records (its socket buffer and queue), so
 *    nothing read is ever lost; a process that cannot start reads nothing.
 *  - spool_conflicts finds the other zos-remote configurations that
 *    auditd's plugins.d runs and that resolve to the same spool: refused by
 *    --check and at start, with both file names.
 *
 * Owner: the reader thread (main.c), at start. */
#ifndef ZR_SPOOLLOCK_H
#define ZR_SPOOLLOCK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define SPOOL_BASE        "/var/spool/audit/zos-remote"
#define SPOOL_PLUGINS_DIR "/etc/audit/plugins.d"
#define SPOOL_LOCK_WAIT   5.0 /* seconds, on top of drain_timeout */

/* NAME of a config path DIR/NAME.conf (or DIR/NAME): its length, *name
 * where it starts. It names the instance (syslog ident) and its spool. */
int spool_config_name(const char *config_path, const char **name);

/* The spool directory of the configuration at config_path whose spool_dir
 * key is spool_dir ("" = not set): spool_dir, else SPOOL_BASE/NAME for
 * NAME.conf. */
void spool_dir_of(const char *config_path, const char *spool_dir, char *out, size_t len);

/* Lock dir's spool, waiting up to wait seconds for the holder to exit.
 * Signals are let in while it waits (waitmask, as for ppoll); give_up()
 * true stops the wait. The lock's descriptor (keep it open: closing it
 * unlocks), or -1 with the reason in err. */
int spool_lock(const char *dir, const char *config_path, double wait, const sigset_t *waitmask,
               bool (*give_up)(void), char *err, size_t errlen);

/* Report through report(arg, msg) every configuration run by an active
 * plugins.d entry in plugins_dir (path ending in audispd-zos-remote) other than
 * config_path whose spool is dir. The number reported. */
int spool_conflicts(const char *plugins_dir, const char *config_path, const char *dir,
                    void (*report)(void *arg, const char *msg), void *arg);

#endif
