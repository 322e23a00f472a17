/* launch.h - start the programs of the build as children of a test, the
 * simulator (tests/sim/zos-remote-sim) above all: the one launcher of the
 * unit tests (unit/sim_child.h), the integration harness and the soak.
 *
 * A child dies with the process that started it (PR_SET_PDEATHSIG), runs
 * through ZR_EMULATOR when that is set (emulator.h), and every wait here is
 * bounded and scaled by CK_TIMEOUT_MULTIPLIER (the qemu-user runs of a cross
 * build are several times slower). Header-only (static functions) so each
 * unit test stays one .c file and the soak one gcc command. */
#ifndef ZR_TEST_LAUNCH_H
#define ZR_TEST_LAUNCH_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator.h"

/* How long the simulator may take to listen, and to exit once signalled,
 * in seconds before zr_launch_scale(). */
#define ZR_LAUNCH_LISTEN_S 10.0
#define ZR_LAUNCH_STOP_S   5.0

/* CK_TIMEOUT_MULTIPLIER (Check's own scale for its time limits), at least 1. */
static inline double zr_launch_scale(void)
{
	const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
	double v = m ? atof(m) : 1.0;

	return v >= 1.0 ? v : 1.0;
}

static inline double zr_launch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* fork + exec argv (through ZR_EMULATOR) with stdin from in_fd (-1:
 * /dev/null), stdout and stderr appended to out_path (NULL: this process's),
 * close_fd (if >= 0) closed, an empty signal mask and SIGPIPE at its default,
 * as auditd starts a plugin. The child gets SIGKILL when this thread ends.
 * Returns its pid, or -1. */
static inline pid_t zr_launch(char *const *argv, int in_fd, int close_fd, const char *out_path)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* the parent died before prctl */
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	if (out_path) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (out < 0)
			_exit(127);
		dup2(out, 1);
		dup2(out, 2);
	}
	if (in_fd >= 0)
		dup2(in_fd, 0);
	else
		dup2(open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
	if (close_fd >= 0)
		close(close_fd);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	zr_execv_emulated(argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Reap pid within secs (not scaled); 0 with its wait status, 1 when it
 * still runs, -1 on error. */
static inline int zr_launch_reap(pid_t pid, double secs, int *status)
{
	double end = zr_launch_now() + secs;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (zr_launch_now() >= end)
			return 1;
		usleep(20000);
	}
}

/* Send sig to pid and reap it within secs x zr_launch_scale(); SIGKILL
 * when it is not gone by then. Returns its wait status, or -1 when it
 * could not be reaped. */
static inline int zr_launch_stop(pid_t pid, int sig, double secs)
{
	int status = 0;

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	switch (zr_launch_reap(pid, secs * zr_launch_scale(), &status)) {
	case 0:
		return status;
	case 1:
		kill(pid, SIGKILL);
		return waitpid(pid, &status, 0) == pid ? status : -1;
	default:
		return -1;
	}
}

/* A simulator to start. */
struct zr_sim_launch {
	const char *program;     /* the simulator */
	int port;                /* --listen 127.0.0.1:port; 0 for a free one */
	const char *port_file;   /* --port-file: where it says which port it took */
	const char *journal;     /* --journal */
	unsigned duration;       /* --duration: it exits by itself after so many seconds */
	bool quiet;              /* --quiet */
	const char *log;         /* its stdout and stderr, appended; NULL: ours */
	const char *const *args; /* more arguments, NULL-terminated; later ones win */
};

/* Print the simulator's log to stderr, for a test that failed to start it. */
static inline void zr_sim_launch_dump(const char *log)
{
	char buf[4096];
	size_t n;
	FILE *f = log ? fopen(log, "r") : NULL;

	if (!f)
		return;
	fprintf(stderr, "its output (%s):\n", log);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

/* Wait (ZR_LAUNCH_LISTEN_S x zr_launch_scale() at most) for the port that
 * the simulator *pid writes once it listens: it picks a free port itself.
 * Returns the port, or -1 (said on stderr), *pid 0 when it exited. */
static inline int zr_sim_launch_wait(pid_t *pid, const char *port_file, const char *log)
{
	double end = zr_launch_now() + ZR_LAUNCH_LISTEN_S * zr_launch_scale();
	int port = 0;

	for (;;) {
		FILE *f = fopen(port_file, "r");

		if (f) {
			int ok = fscanf(f, "%d", &port) == 1 && port > 0;

			fclose(f);
			if (ok)
				return port;
		}
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0; /* reaped: nothing left to stop */
			break;
		}
		if (zr_launch_now() >= end)
			break;
		usleep(10000);
	}
	fprintf(stderr, "the simulator %s %s\n", *pid ? "did not write" : "exited without writing",
	        port_file);
	zr_sim_launch_dump(log);
	return -1;
}

/* Start the simulator as l says and wait until it listens. Returns its
 * port; -1 when it did not start, with *pid 0 or a child still to stop
 * (zr_launch_stop). *pid is the child's from the fork on. */
static inline int zr_sim_launch(const struct zr_sim_launch *l, pid_t *pid)
{
	char listen[32], duration[16];
	const char *argv[64];
	size_t n = 0;

	snprintf(listen, sizeof listen, "127.0.0.1:%d", l->port);
	snprintf(duration, sizeof duration, "%u", l->duration);
	argv[n++] = l->program;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--port-file";
	argv[n++] = l->port_file;
	argv[n++] = "--journal";
	argv[n++] = l->journal;
	argv[n++] = "--duration";
	argv[n++] = duration;
	if (l->quiet)
		argv[n++] = "--quiet";
	for (size_t i = 0; l->args && l->args[i] && n < 62; i++)
		argv[n++] = l->args[i];
	argv[n] = NULL;
	unlink(l->port_file); /* a port file left from an earlier run is no sign */
	*pid = zr_launch((char *const *)argv, -1, -1, l->log);
	if (*pid < 0) {
		*pid = 0;
		fprintf(stderr, "fork: %s\n", strerror(errno));
		return -1;
	}
	return zr_sim_launch_wait(pid, l->port_file, l->log);
}

#endif
