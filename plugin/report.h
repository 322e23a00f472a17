/* report.h - what an operator reads: the one-line activity report, the
 * state file (key: value lines), and writing that file safely.
 *
 * Pure formatting (figures in, text out) but for report_write_file. The
 * activity line stays under log.h's 1000-byte cut: at most REPORT_TOP
 * resources per list, each name shown with at most REPORT_NAME_SHOWN
 * characters. The state file has every figure and every table entry, and
 * the configuration in effect as config_each() gives it (never the
 * password, never the contents of password_file).
 *
 * Activity line, every figure for the interval (see audispd-zos-remote(8)):
 *   activity in the last 300 s: records=N skipped=N items_sent=N requests=N
 *   outcomes=SUCCESS:N,NOTREQ:N,... notreq_top=RES:N,... undetermined_top=RES:N,...
 *   set_aside=N dropped=N retries=N connects=N disconnects=N server=HOST:PORT
 *   connected=yes|no|paused queue=HELD/LIMIT cpu=SECONDS
 * An empty list is "-". A MajorCode with no name of its own is written
 * NAME[code]; codes of 128 and above together as other.
 *
 * Owner: the reader thread (operate.c). */
#ifndef ZR_REPORT_H
#define ZR_REPORT_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "stats.h"

#define REPORT_TOP        3
#define REPORT_NAME_SHOWN 40
#define REPORT_STATE_MODE 0600
#define REPORT_STATE_DIR  "/run/audit"
#define REPORT_STATE_NAME "zos-remote"

/* Who writes the state file; printed at its head. */
struct report_info {
	const char *program; /* "audispd-zos-remote 0.1.0" */
	const char *ident;   /* syslog ident (names the instance) */
	const char *config_path;
	long pid;
	time_t written;        /* wall clock */
	double uptime_seconds; /* since start */
};

/* The activity line of interval d (a stats_delta), appended to out,
 * NUL-terminated. 0 or -1 (ENOMEM). */
int report_line(const struct stats_snap *d, struct buf *out);

/* The state file's text: totals s (a stats_collect), configuration c,
 * appended to out, NUL-terminated. 0 or -1 (ENOMEM). */
int report_state(const struct stats_snap *s, const struct config *c, const struct report_info *info,
                 struct buf *out);

/* The state file's path: c->state_file when set, else
 * /run/audit/zos-remote.state for the default configuration file and
 * /run/audit/zos-remote-NAME.state for NAME.conf (one per instance). */
void report_state_path(const struct config *c, const char *config_path, char *out, size_t len);

/* Replace path with n bytes at p, mode 0600, atomically: written to a
 * temporary file in the same directory, then renamed over path, so a
 * reader sees the old file or the new one, never a part. 0, or -1 with a
 * sentence in err. */
int report_write_file(const char *path, const void *p, size_t n, char *err, size_t errlen);
/* The same with another mode (the metrics file: 0644). */
int report_write_file_mode(const char *path, const void *p, size_t n, mode_t mode, char *err,
                           size_t errlen);

#endif
