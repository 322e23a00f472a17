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

#define SIM_SKIP 77 /* automake: the test was skipped */

struct sim_child {
	pid_t pid;
	unsigned port;
	char dir[64];      /* private temp dir */
	char journal[128]; /* dir/journal.jsonl */
};

/* The simulator built next to the tests, or NULL. */
static inline const char *sim_path(void)
{
	static char path[4096];
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

/* Start the simulator with extra arguments (NULL-terminated, at most 16);
 * returns 0 once it listens, -1 if it did not start within 5 s. */
static inline int sim_start(struct sim_child *s, const char *const *extra)
{
	char portfile[128];
	const char *argv[32];
	int n = 0;

	snprintf(s->dir, sizeof(s->dir), "/tmp/zr-delivery-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	snprintf(s->journal, sizeof(s->journal), "%s/journal.jsonl", s->dir);
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
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(portfile, "r");

		if (f) {
			int ok = fscanf(f, "%u", &s->port) == 1;

			fclose(f);
			if (ok)
				return 0;
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
			return -1;
		usleep(10000);
	}
	return -1;
}

static inline void sim_stop(struct sim_child *s)
{
	char cmd[160];

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (s->dir[0] && system(cmd) != 0)
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
