/* sim_child.h - for the tests that need a live simulator: run the built
 * simulator as a child on a free port, read its journal. (Items to send
 * are built with test_items.h.)
 *
 * Header-only (static functions) so each test program stays one .c file
 * and no test library needs its own Makefile rules. */
#ifndef ZR_TEST_SIM_CHILD_H
#define ZR_TEST_SIM_CHILD_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator.h"

#define SIM_SKIP 77 /* automake: the test was skipped */

struct sim_child {
	pid_t pid;
	unsigned port;
	char dir[64];      /* private temp dir */
	char journal[128]; /* dir/journal.jsonl */
};

/* sim_path()'s buffer: a command line that holds it needs this and more. */
#define SIM_PATH_MAX 4096

/* The simulator built next to the tests, or NULL. */
static inline const char *sim_path(void)
{
	static char path[SIM_PATH_MAX];
	const char *b = getenv("ZR_BUILDDIR");

	snprintf(path, sizeof(path), "%s/tests/sim/zos-remote-sim", b ? b : BUILDDIR);
	return access(path, X_OK) == 0 ? path : NULL;
}

/* Exit 77 (automake skip) when the simulator is not built. */
static inline void sim_require(void)
{
	if (!sim_path()) {
		printf("SKIP: tests/sim/zos-remote-sim is not built (make "
		       "tests/sim/zos-remote-sim)\n");
		exit(SIM_SKIP);
	}
}

static inline void sim_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* Make s->dir, the child's private temp dir, and name its journal there.
 * A test that hands the simulator files (users, profiles) writes them
 * here between sim_mkdir and sim_spawn. Returns 0, or -1. */
static inline int sim_mkdir(struct sim_child *s)
{
	s->pid = 0;
	s->port = 0;
	snprintf(s->dir, sizeof(s->dir), "/tmp/zr-sim-child-XXXXXX");
	if (!mkdtemp(s->dir)) {
		s->dir[0] = '\0';
		return -1;
	}
	snprintf(s->journal, sizeof(s->journal), "%s/journal.jsonl", s->dir);
	return 0;
}

/* Wait (5 s at most) for the port the child writes once it listens.
 * Polls because the simulator picks a free port itself (127.0.0.1:0). */
static inline int sim_wait_port(struct sim_child *s, const char *portfile)
{
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(portfile, "r");

		if (f) {
			int ok = fscanf(f, "%u", &s->port) == 1;

			fclose(f);
			if (ok)
				return 0;
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0; /* reaped: nothing left to stop */
			return -1;
		}
		usleep(10000);
	}
	return -1;
}

/* Start the simulator in s->dir (made by sim_mkdir) with extra arguments
 * (NULL-terminated, at most 20); later ones win over the defaults here
 * (--duration, say). Returns 0 once it listens, -1 if it did not. */
static inline int sim_spawn(struct sim_child *s, const char *const *extra)
{
	char portfile[128];
	const char *argv[32];
	int n = 0;

	if (!sim_path())
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	argv[n++] = sim_path();
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--journal";
	argv[n++] = s->journal;
	argv[n++] = "--duration";
	argv[n++] = "60";
	argv[n++] = "--quiet";
	for (int i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	s->pid = fork();
	if (s->pid < 0) {
		s->pid = 0;
		return -1;
	}
	if (s->pid == 0) {
		zr_execv_emulated((char *const *)argv);
		_exit(127);
	}
	return sim_wait_port(s, portfile);
}

/* Send sig to the child and reap it. Returns its wait status, or -1 when
 * none runs or it could not be reaped. */
static inline int sim_end(struct sim_child *s, int sig)
{
	pid_t pid = s->pid;
	int status;

	if (pid <= 0)
		return -1;
	s->pid = 0;
	kill(pid, sig);
	return waitpid(pid, &status, 0) == pid ? status : -1;
}

/* Remove s->dir and all in it; returns 0, or -1. */
static inline int sim_rmdir(struct sim_child *s)
{
	char cmd[160];

	if (!s->dir[0])
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* sim_mkdir and sim_spawn; returns 0 once it listens, -1 if it did not. */
static inline int sim_start(struct sim_child *s, const char *const *extra)
{
	return sim_mkdir(s) == 0 ? sim_spawn(s, extra) : -1;
}

/* Stop the child (SIGTERM) and remove its dir, journal and all. */
static inline void sim_stop(struct sim_child *s)
{
	sim_end(s, SIGTERM);
	if (sim_rmdir(s) != 0)
		fprintf(stderr, "cannot remove %s\n", s->dir);
}

/* Journal lines that contain every one of the given substrings. */
static inline int sim_journal_count(const struct sim_child *s, const char *a, const char *b)
{
	char line[65536];
	int n = 0;
	FILE *f = fopen(s->journal, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	fclose(f);
	return n;
}

#endif
