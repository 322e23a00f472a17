/* bench-rusage.c - run one program, bounded in time, and report its own rusage (wait4).
 *
 * Usage: bench-rusage -o FILE [-t SECONDS] -- PROGRAM [ARGS...]
 *
 * stdin/stdout/stderr are inherited, so the program reads the feeder's pipe.
 * FILE receives `key=value` lines: exit (status, or 128+signal), cpu_us
 * (ru_utime + ru_stime of the child alone), utime_us, stime_us, maxrss_kb,
 * wall_ms, end_mono_ns (CLOCK_MONOTONIC at exit, to compare with the
 * feeder's EOF time) and timed_out (1 when the deadline fired).
 *
 * SIGTERM and SIGINT sent to bench-rusage are passed on to the program.
 * After -t SECONDS (default 600) the child gets SIGTERM from us, its parent
 * (so a plugin that ignores foreign SIGTERMs still drains), and SIGKILL 15 s
 * later: the benchmark never waits forever. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarm_count;
static volatile pid_t child;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_count++;
}

/* SIGTERM/SIGINT to us go on to the child, which then exits as it would. */
static void on_stop(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_us(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000LL + tv->tv_usec;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-rusage -o FILE [-t SECONDS] -- PROGRAM [ARGS...]\n");
	exit(2);
}

/* Wait for pid; on each deadline step escalate SIGTERM then SIGKILL. */
static int wait_bounded(pid_t pid, unsigned limit, struct rusage *ru, int *timed_out)
{
	int status = 0;
	int sent = 0;

	alarm(limit);
	for (;;) {
		pid_t r = wait4(pid, &status, 0, ru);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			perror("bench-rusage: wait4");
			return -1;
		}
		if (alarm_count > sent) {
			sent = alarm_count;
			*timed_out = 1;
			kill(pid, sent == 1 ? SIGTERM : SIGKILL);
			alarm(15);
		}
	}
	alarm(0);
	return status;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	unsigned limit = 600;
	int opt;

	while ((opt = getopt(argc, argv, "+o:t:")) != -1) {
		if (opt == 'o')
			out = optarg;
		else if (opt == 't')
			limit = (unsigned)strtoul(optarg, NULL, 10);
		else
			usage();
	}
	if (!out || optind >= argc || limit == 0)
		usage();

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	long long start = mono_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("bench-rusage: fork");
		return 1;
	}
	if (pid == 0) {
		execv(argv[optind], argv + optind);
		fprintf(stderr, "bench-rusage: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}

	child = pid;
	struct rusage ru;
	int timed_out = 0;
	memset(&ru, 0, sizeof(ru));
	int status = wait_bounded(pid, limit, &ru, &timed_out);
	long long end = mono_ns();
	if (status < 0)
		return 1;

	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	FILE *f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "bench-rusage: cannot write %s: %s\n", out, strerror(errno));
		return 1;
	}
	fprintf(f, "exit=%d\ncpu_us=%lld\nutime_us=%lld\nstime_us=%lld\nmaxrss_kb=%ld\n", code,
	        tv_us(&ru.ru_utime) + tv_us(&ru.ru_stime), tv_us(&ru.ru_utime), tv_us(&ru.ru_stime),
	        ru.ru_maxrss);
	fprintf(f, "wall_ms=%lld\nend_mono_ns=%lld\ntimed_out=%d\n", (end - start) / 1000000LL, end,
	        timed_out);
	fclose(f);
	return code;
}
