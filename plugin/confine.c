/* confine.c - NoNewPrivs and a Landlock file allow-list built from the configuration. */
#include <zr-autoconf.h>

#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "report.h"

/* Rights and fields newer than the kernel headers Debian 12 ships (ABI 2):
 * their values are the kernel's ABI, fixed once released. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1) /* ABI 6 */
#endif

/* struct landlock_ruleset_attr as of ABI 6; an older kernel takes the
 * larger struct as long as the fields it does not know are zero. */
struct zr_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define R_FILE (LANDLOCK_ACCESS_FS_READ_FILE)
#define R_DIR  (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define RW_FILE                                                                                    \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)
#define RW_DIR                                                                                     \
	(R_DIR | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                     \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REMOVE_FILE)

/* Every file right of ABI 1; REFER (ABI 2) is added when the kernel has it. */
#define ABI1_FS                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)

/* What libc (NSS, resolver, time zone), libldap, GnuTLS and libauparse's
 * uid and gid names read after start-up. */
static const char *const system_reads[] = {
        "/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
        "/etc/services", "/etc/protocols", "/etc/passwd", "/etc/group", "/etc/localtime",
        "/usr/share/zoneinfo",
        /* CA stores, not their private key directories (/etc/ssl/private) */
        "/etc/ssl/certs", "/usr/share/ca-certificates", "/etc/pki/tls/certs", "/etc/pki/ca-trust",
        "/etc/gnutls", "/etc/crypto-policies", "/etc/ldap", "/etc/openldap",
        /* NSS modules and other libraries loaded late */
        "/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/local/lib", "/proc/self",
        "/proc/sys/crypto", "/sys/devices/system/cpu"};

static const char *const device_rw[] = {"/dev/null", "/dev/urandom", "/dev/random"};

struct ruleset {
	int fd;
	uint64_t handled;
	unsigned added;
};

static int add_rule(struct ruleset *rs, const char *path, uint64_t access)
{
	struct stat st;
	int fd;

	if (!path || !path[0])
		return 0;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0; /* not there: nothing to allow */
	if (fstat(fd, &st) != 0) {
		close(fd);
		return 0;
	}
	/* Directory-only rights on a file are refused by the kernel. */
	if (!S_ISDIR(st.st_mode))
		access &= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		          LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_TRUNCATE;
	struct landlock_path_beneath_attr pb = {.allowed_access = access & rs->handled,
	                                        .parent_fd = fd};
	int rc = (int)syscall(SYS_landlock_add_rule, rs->fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	int e = errno;

	close(fd);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	rs->added++;
	return 0;
}

/* The directory that holds file (file itself when it has no '/'). */
static const char *dir_of(const char *file, char *out, size_t len)
{
	const char *slash = file ? strrchr(file, '/') : NULL;

	if (!file || !file[0])
		return NULL;
	if (!slash)
		return ".";
	if (slash == file)
		return "/";
	snprintf(out, len, "%.*s", (int)(slash - file), file);
	return out;
}

#if defined(__SANITIZE_ADDRESS__)
#define ZR_ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZR_ASAN_BUILD 1
#endif
#endif

static int add_rules(struct ruleset *rs, const struct confine_paths *p)
{
	const struct config *c = p->cfg;
	char d[6][CONFIG_PATH_MAX];
	int rc = 0;

	rc |= add_rule(rs, p->spool_dir, RW_DIR);
	rc |= add_rule(rs, dir_of(p->state_file, d[0], sizeof(d[0])), RW_DIR);
	rc |= add_rule(rs, p->set_aside_file, RW_FILE);
	rc |= add_rule(rs, dir_of(p->config_path, d[1], sizeof(d[1])), R_DIR);
	rc |= add_rule(rs, dir_of(c->password_file, d[2], sizeof(d[2])), R_DIR);
	rc |= add_rule(rs, dir_of(c->tls_ca_file, d[3], sizeof(d[3])), R_DIR);
	rc |= add_rule(rs, dir_of(c->tls_cert_file, d[4], sizeof(d[4])), R_DIR);
	rc |= add_rule(rs, dir_of(c->tls_key_file, d[5], sizeof(d[5])), R_DIR);
	rc |= add_rule(rs, c->tls_ca_dir, R_DIR);
	for (size_t i = 0; i < sizeof(system_reads) / sizeof(system_reads[0]); i++)
		rc |= add_rule(rs, system_reads[i], R_DIR);
	for (size_t i = 0; i < sizeof(device_rw) / sizeof(device_rw[0]); i++)
		rc |= add_rule(rs, device_rw[i], RW_FILE);
	return rc;
}

enum confine_result confine_apply(const struct confine_paths *p, char *msg, size_t msglen)
{
	struct ruleset rs = {.fd = -1, .handled = ABI1_FS};
	long abi;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(msg, msglen, "prctl(PR_SET_NO_NEW_PRIVS) failed: %s", strerror(errno));
		return CONFINE_FAILED;
	}
#ifdef ZR_ASAN_BUILD
	/* tests/run-sanitizers: at exit LeakSanitizer reads its suppressions
	 * and runs a symbolizer over the shared libraries; under Landlock it
	 * could not name the known GnuTLS leaks and the run aborted (CI dry
	 * run, check_tls client certificates). Landlock itself is tested in
	 * the native build (check_lifecycle, confined). */
	snprintf(msg, msglen,
	         "NoNewPrivs set; Landlock is not applied in this AddressSanitizer build "
	         "(LeakSanitizer reads and runs files at exit)");
	return CONFINE_NO_LANDLOCK;
#endif
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		snprintf(
		        msg, msglen,
		        "NoNewPrivs set; Landlock is not available (%s): the process can still "
		        "open any file root can (Linux 5.13 or later with CONFIG_SECURITY_LANDLOCK "
		        "and landlock in the lsm= boot list confines it)",
		        strerror(errno));
		return CONFINE_NO_LANDLOCK;
	}
	/* Handle every right the kernel knows: one left out is allowed
	 * everywhere (before ABI 3, truncate(2) of any root file). */
#ifdef LANDLOCK_ACCESS_FS_REFER
	if (abi >= 2)
		rs.handled |= LANDLOCK_ACCESS_FS_REFER;
#endif
	if (abi >= 3)
		rs.handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		rs.handled |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	/* ABI 6: no signal to a process outside the sandbox (auditd, the
	 * rest of root's processes); the plugin sends none. */
	struct zr_ruleset_attr attr = {.handled_access_fs = rs.handled,
	                               .scoped = abi >= 6 ? LANDLOCK_SCOPE_SIGNAL : 0};
	rs.fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs.fd < 0 || add_rules(&rs, p) != 0 ||
	    syscall(SYS_landlock_restrict_self, rs.fd, 0) != 0) {
		int e = errno;

		if (rs.fd >= 0)
			close(rs.fd);
		snprintf(
		        msg, msglen,
		        "NoNewPrivs set; the Landlock rules could not be applied (%s): the process "
		        "can still open any file root can",
		        strerror(e));
		return CONFINE_NO_LANDLOCK;
	}
	close(rs.fd);
	snprintf(msg, msglen,
	         "confined: NoNewPrivs, Landlock ABI %ld with %u paths allowed; writes only in "
	         "%s, next to %s and to %s",
	         abi, rs.added, p->spool_dir, p->state_file ? p->state_file : "-",
	         p->set_aside_file ? p->set_aside_file : "-");
	return CONFINE_FULL;
}

void confine_plugin(const struct config *c, const char *config_path, const char *spool_dir,
                    const char *set_aside_file)
{
	char state[CONFIG_PATH_MAX + 64], msg[1024];
	const char *probe = getenv(CONFINE_PROBE_ENV);

	if (!c->confine) {
		log_msg("ZRA0032W", "not confined (confine = no): the process can open any file "
		                    "root can");
	} else {
		report_state_path(c, config_path, state, sizeof(state));
		struct confine_paths p = {.cfg = c,
		                          .config_path = config_path,
		                          .spool_dir = spool_dir,
		                          .set_aside_file = set_aside_file,
		                          .state_file = state};
		if (confine_apply(&p, msg, sizeof(msg)) == CONFINE_FULL)
			log_msg("ZRA0031I", "%s", msg);
		else
			log_msg("ZRA0032W", "%s", msg);
	}
	if (probe && probe[0]) {
		int fd = open(probe, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

		log_msg("ZRA0033I", "confinement probe (%s): open(%s) %s", CONFINE_PROBE_ENV, probe,
		        fd >= 0 ? "succeeded" : strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}
