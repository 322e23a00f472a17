/* confine.h - after start-up, the plugin gives up what it no longer needs:
 * new privileges (PR_SET_NO_NEW_PRIVS) and, where the kernel has Landlock,
 * every file outside a list the configuration names.
 *
 * Why. The plugin runs as uid 0 without capabilities, and uid 0 still owns
 * /etc/shadow and every root file: code that takes the process over (a bug
 * in the LDAP, TLS or audit parsing libraries fed by a hostile server or
 * record) could read or rewrite them. Landlock (Linux 5.13, ABI 1; REFER
 * from ABI 2) limits the process and every thread it starts later to:
 *
 *   read and write  the spool directory (segments, head, intake log, the
 *                   default set-aside file), the state file's directory,
 *                   the set-aside file;
 *   read only       the directories of the configuration file, the
 *                   password file and the TLS files (so SIGHUP can read a
 *                   file an editor replaced), tls_ca_dir, what libc,
 *                   libldap, GnuTLS and libauparse read (/etc/hosts,
 *                   resolv.conf, nsswitch.conf, passwd, group, localtime,
 *                   the CA stores (/etc/ssl/certs, not /etc/ssl/private),
 *                   /etc/gnutls, /etc/ldap, the shared libraries for NSS
 *                   modules), /proc/self, /dev/null and urandom.
 *
 * Every file right the kernel knows is handled (truncate from ABI 3, device
 * ioctls from ABI 5), and from ABI 6 no signal leaves the sandbox. Network
 * access and the syslog socket are not limited (Landlock has no say over
 * connect() there). A path named for the first time by a reload
 * is reachable only after a restart.
 *
 * Must run before any thread is started: both NoNewPrivs and Landlock
 * apply to the calling thread and the threads it creates afterwards. */
#ifndef ZR_CONFINE_H
#define ZR_CONFINE_H

#include <stddef.h>

#include "config.h"

struct confine_paths {
	const struct config *cfg;
	const char *config_path;
	const char *spool_dir;
	const char *set_aside_file;
	const char *state_file;
};

enum confine_result {
	CONFINE_FULL,        /* NoNewPrivs and Landlock */
	CONFINE_NO_LANDLOCK, /* NoNewPrivs only: the kernel has no Landlock */
	CONFINE_FAILED,      /* neither (prctl failed); msg says why */
};

/* Confine the calling process; msg describes what was done (for the log). */
enum confine_result confine_apply(const struct confine_paths *p, char *msg, size_t msglen);

/* The plugin's start: unless confine = no, confine_apply with the paths of
 * c (the state file as report_state_path names it) and log the outcome
 * (ZRA0031I, or ZRA0032W when less was possible). Then, only when the
 * environment has CONFINE_PROBE_ENV (a test hook), try to open the file it
 * names and log the result (ZRA0033I): proof from inside the running
 * plugin that the confinement holds. */
#define CONFINE_PROBE_ENV "ZOS_REMOTE_TEST_CONFINE_PROBE"
void confine_plugin(const struct config *c, const char *config_path, const char *spool_dir,
                    const char *set_aside_file);

#endif
