/* sim_child.h - for the tests that need a live simulator: run the built
 * simulator as a child on a free port (tests/launch.h starts and stops it),
 * read its journal. (Items to send are built with test_items.h.)
 *
 * Header-only (static functions) so each test program stays one .c file
 * and no test library needs its own Makefile rules. */
#ifndef ZR_TEST_SIM_CHILD_H
#define ZR_TEST_SIM_CHILD_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"

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

/* Start the simulator in s->dir (made by sim_mkdir) with extra arguments
 * (NULL-terminated, at most 50); later ones win over the defaults here
 * (--duration, say). Returns 0 once it listens, -1 if it did not. */
static inline int sim_spawn(struct sim_child *s, const char *const *extra)
{
	char portfile[128];
	struct zr_sim_launch l = {.program = sim_path(),
	                          .port_file = portfile,
	                          .journal = s->journal,
	                          .duration = 60,
	                          .quiet = true,
	                          .args = extra};
	int port;

	if (!l.program)
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	port = zr_sim_launch(&l, &s->pid);
	if (port < 0)
		return -1;
	s->port = (unsigned)port;
	return 0;
}

/* Send sig to the child and reap it (SIGKILL if it is not gone within
 * ZR_LAUNCH_STOP_S, scaled). Returns its wait status, or -1 when none runs
 * or it could not be reaped. */
static inline int sim_end(struct sim_child *s, int sig)
{
	pid_t pid = s->pid;

	s->pid = 0;
	return zr_launch_stop(pid, sig, ZR_LAUNCH_STOP_S);
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
