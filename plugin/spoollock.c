/* spoollock.c - one spool, one process (spoollock.h). */
#include <zr-autoconf.h>

#include "spoollock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "config.h"
#include "clock.h"
#include "log.h"
#include "spool.h"

#define LOCK_NAME "lock"
#define LOCK_TURN 0.05 /* seconds between tries */

int spool_config_name(const char *config_path, const char **name)
{
	const char *base = strrchr(config_path, '/');
	size_t n;

	base = base ? base + 1 : config_path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	*name = base;
	return (int)n;
}

void spool_dir_of(const char *config_path, const char *spool_dir, char *out, size_t len)
{
	const char *name;
	int n = spool_config_name(config_path, &name);

	if (spool_dir[0])
		snprintf(out, len, "%s", spool_dir);
	else
		snprintf(out, len, "%s/%.*s", SPOOL_BASE, n, name);
}

/* "process N, config PATH" from the lock file, or "another process". */
static void holder(int fd, char *out, size_t len)
{
	char buf[CONFIG_PATH_MAX + 32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *sp;
	long pid;

	snprintf(out, len, "another process");
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pid = strtol(buf, &sp, 10);
	if (pid > 0 && *sp == ' ')
		snprintf(out, len, "process %ld with config %s", pid, sp + 1);
}

static void note_holder(int fd, const char *config_path)
{
	char line[CONFIG_PATH_MAX + 32];
	int n = snprintf(line, sizeof(line), "%ld %s\n", (long)getpid(), config_path);

	if (ftruncate(fd, 0) != 0 || n <= 0 || pwrite(fd, line, (size_t)n, 0) != n)
		log_msg("ZRA0024W", "cannot note this process in the spool lock file: %s",
		        strerror(errno));
}

int spool_lock(const char *dir, const char *config_path, double wait, const sigset_t *waitmask,
               bool (*give_up)(void), char *err, size_t errlen)
{
	char path[CONFIG_PATH_MAX + 16], who[CONFIG_PATH_MAX + 64];
	double until = clock_mono() + wait;
	bool said = false;
	int fd;

	snprintf(path, sizeof(path), "%s", dir);
	if (spool_mkdirs(path) != 0) {
		snprintf(err, errlen, "spool directory %s: cannot create it: %s", dir,
		         strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/" LOCK_NAME, dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "spool lock %s: cannot open it: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		const struct timespec turn = {.tv_sec = 0, .tv_nsec = (long)(LOCK_TURN * 1e9)};

		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "spool lock %s: cannot lock it: %s", path,
			         strerror(errno));
			close(fd);
			return -1;
		}
		holder(fd, who, sizeof(who));
		if (!said) {
			log_msg("ZRA0022W",
			        "spool %s is in use by %s: waiting up to %.0f s for it to exit; "
			        "nothing is read from auditd meanwhile (auditd keeps the records)",
			        dir, who, wait);
			said = true;
		}
		if (clock_mono() >= until || give_up()) {
			snprintf(err, errlen,
			         "spool %s is in use by %s%s%s; it did not exit within %.0f s. "
			         "Nothing "
			         "was read from auditd. %s",
			         dir, who, strstr(who, config_path) ? "" : ", and this is config ",
			         strstr(who, config_path) ? "" : config_path, wait,
			         strstr(who, config_path)
			                 ? "Two processes must not run one configuration: is "
			                   "another auditd, or a copy started by hand, running it?"
			                 : "Two configurations resolve to the same spool: give "
			                   "each its own spool_dir (or its own file name)");
			close(fd);
			return -1;
		}
		(void)ppoll(NULL, 0, &turn, waitmask);
	}
	if (said)
		log_msg("ZRA0023I", "spool %s is free: starting", dir);
	note_holder(fd, config_path);
	return fd;
}

/* ---- plugins.d ---- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* The zos-remote config an active plugins.d entry runs (path ends in
 * audispd-zos-remote), into out; false when it runs something else or
 * nothing (active = no, auditd's default). */
static bool entry_config(const char *file, char *out, size_t len)
{
	char line[512], args[512] = "";
	bool ours = false, active = false;
	FILE *f = fopen(file, "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *k, *v;

		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		k = trim(line);
		v = trim(eq + 1);
		if (strcmp(k, "path") == 0) {
			size_t n = strlen(v), m = strlen("audispd-zos-remote");

			ours = n >= m && strcmp(v + n - m, "audispd-zos-remote") == 0;
		} else if (strcmp(k, "active") == 0) {
			active = strcmp(v, "yes") == 0;
		} else if (strcmp(k, "args") == 0) {
			snprintf(args, sizeof(args), "%s", v);
		}
	}
	fclose(f);
	if (!ours || !active)
		return false;
	snprintf(out, len, "%s", CONFIG_DEFAULT_PATH);
	for (char *save = NULL, *t = strtok_r(args, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (strcmp(t, "--format") == 0)
			(void)strtok_r(NULL, " \t", &save); /* its value */
		else if (t[0] != '-')
			snprintf(out, len, "%s", t);
	}
	return true;
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static bool same_path(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (realpath(a, ra) && realpath(b, rb))
		return strcmp(ra, rb) == 0;
	return strcmp(a, b) == 0;
}

int spool_conflicts(const char *plugins_dir, const char *config_path, const char *dir,
                    void (*report)(void *arg, const char *msg), void *arg)
{
	DIR *d = opendir(plugins_dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char file[CONFIG_PATH_MAX + 256], other[CONFIG_PATH_MAX], odir[CONFIG_PATH_MAX];
		char msg[4 * CONFIG_PATH_MAX];
		struct config c;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", plugins_dir, de->d_name);
		if (!entry_config(file, other, sizeof(other)) || same_path(other, config_path))
			continue;
		if (config_load(other, &c, quiet, NULL) == 0) {
			spool_dir_of(other, c.spool_dir, odir, sizeof(odir));
			config_wipe(&c);
		} else {
			spool_dir_of(other, "", odir, sizeof(odir));
		}
		if (!same_path(odir, dir))
			continue;
		snprintf(msg, sizeof(msg),
		         "%s and %s (run by %s) resolve to the same spool %s: two processes on one "
		         "spool lose records; give each its own spool_dir (or its own file name)",
		         config_path, other, file, dir);
		report(arg, msg);
		n++;
	}
	closedir(d);
	return n;
}
