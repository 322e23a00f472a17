/* shared_logs.h - where the tests find the real audit logs of
 * ../shared/data/auditlogs, and what they do when they are not there.
 *
 * A release tarball (make dist) carries no ../shared: the programs that read
 * those logs then skip as a whole (exit 77, automake's SKIP) and say which
 * directory is missing, instead of failing. Call ZR_NEED_SHARED_LOGS() first
 * thing in main().
 *
 * Owner: the tests (tests/unit, tests/integration). */
#ifndef ZR_SHARED_LOGS_H
#define ZR_SHARED_LOGS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Automake's exit status for a skipped test. */
#define ZR_EXIT_SKIP 77

/* $ZR_SHARED, else SRCDIR/../shared (the layout of a git checkout). */
static inline const char *zr_shared_root(void)
{
	const char *s = getenv("ZR_SHARED");

	return s && *s ? s : SRCDIR "/../shared";
}

/* 1 when <shared>/data/auditlogs is a directory; else says on stderr that
 * prog skips and why, and returns 0. */
static inline int zr_have_shared_logs(const char *prog)
{
	char dir[4096];
	struct stat st;

	snprintf(dir, sizeof dir, "%s/data/auditlogs", zr_shared_root());
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	fprintf(stderr,
	        "%s: SKIP: needs the real audit logs in %s (%s); a release tarball has "
	        "none: set ZR_SHARED to a directory holding data/auditlogs to run it\n",
	        prog, dir, stat(dir, &st) == 0 ? "not a directory" : strerror(errno));
	return 0;
}

/* In main(): skip the whole program when the shared logs are missing. */
#define ZR_NEED_SHARED_LOGS()                                                                      \
	do {                                                                                       \
		if (!zr_have_shared_logs(__FILE__))                                                \
			return ZR_EXIT_SKIP;                                                       \
	} while (0)

#endif
