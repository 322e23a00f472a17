/* metrics.h - the counters in Prometheus text exposition format (0.0.4), for
 * node_exporter's textfile collector.
 *
 * Pure formatting: figures in, text out. operate.c writes the text every
 * metrics_interval seconds to metrics_file with report_write_file_mode()
 * (a temporary file in the same directory, fsync, rename over the file), so
 * the collector reads the old file or the new one, never a part. The
 * temporary file's name does not end in .prom, so the collector skips it.
 *
 * Every metric is prefixed zos_remote_, has one # HELP and one # TYPE line
 * before its samples, and counters end in _total. Label values (node names,
 * servers) are escaped as the format requires (\\, \", \n), after node names
 * were made printable (map_escape). The metrics and labels are listed in
 * audispd-zos-remote(8), METRICS.
 *
 * Owner: the reader thread (operate.c). */
#ifndef ZR_METRICS_H
#define ZR_METRICS_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "nodes.h"
#include "stats.h"

#define METRICS_FILE_MODE 0644 /* the collector runs as its own user */

struct metrics_input {
	const struct stats_snap *s; /* totals since start (stats_collect) */
	const struct nodes *nodes;  /* NULL: no per-node metrics */
	double mono_now;            /* monotonic seconds, the clock of nodes */
	time_t wall_now;            /* for the nodes' last-seen timestamps */
	double uptime_seconds;
	uint64_t spool_bytes;     /* segment bytes on disk now */
	uint64_t spool_max_bytes; /* 0: no spool */
	const char *instance;     /* label of zos_remote_info: the syslog ident */
	const char *version;      /* label of zos_remote_info */
};

/* The whole exposition, appended to out (NUL-terminated). 0 or -1 (ENOMEM). */
int metrics_format(const struct metrics_input *in, struct buf *out);

/* Append s (n bytes) as the inside of a label value: backslash, double
 * quote and newline escaped. 0 or -1 (ENOMEM). */
int metrics_label_escape(const char *s, size_t n, struct buf *out);

#endif
