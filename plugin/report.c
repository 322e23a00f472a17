/* report.c - the activity line and the state file: formatting, and writing the file atomically. */
#include <zr-autoconf.h> /* _GNU_SOURCE: mkostemp */

#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ictx.h"
#include "safefile.h"

/* Text being built; the first allocation failure sticks, so callers test once. */
struct out {
	struct buf *b;
	bool failed;
};

static void add(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(o->b, (size_t)n + 1) != 0) {
		o->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf((char *)o->b->data + o->b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->b->len += (size_t)n;
}

static int finish(struct out *o)
{
	if (!o->failed && buf_reserve(o->b, 1) == 0) {
		o->b->data[o->b->len] = '\0';
		return 0;
	}
	errno = ENOMEM;
	return -1;
}

/* A MajorCode as the report names it: SUCCESS, or INVALID_VER[62]. */
static const char *major_label(int major, char *tmp, size_t len)
{
	const char *n = ictx_major_name(major);

	if (major == STATS_MAJOR_MAX)
		return "other";
	if ((major >= 61 && major <= 70) || strcmp(n, "UNKNOWN") == 0) {
		snprintf(tmp, len, "%s[%d]", n, major);
		return tmp;
	}
	return n;
}

static void add_outcomes(struct out *o, const struct stats_snap *d)
{
	char tmp[32];
	bool any = false;

	for (int i = 0; i <= STATS_MAJOR_MAX; i++) {
		if (!d->major[i])
			continue;
		add(o, "%s%s:%" PRIu64, any ? "," : "", major_label(i, tmp, sizeof(tmp)),
		    d->major[i]);
		any = true;
	}
	if (!any)
		add(o, "-");
}

static void add_top(struct out *o, const struct stats_table *t)
{
	size_t idx[REPORT_TOP];
	size_t n = stats_top(t, idx, REPORT_TOP);

	for (size_t i = 0; i < n; i++) {
		const struct stats_name *e = &t->v[idx[i]];
		bool cut = strlen(e->name) > REPORT_NAME_SHOWN;

		add(o, "%s%.*s%s:%" PRIu64, i ? "," : "", REPORT_NAME_SHOWN, e->name,
		    cut ? "..." : "", e->n);
	}
	if (n == 0)
		add(o, "-");
}

static const char *conn_state(const struct sender_stats *s)
{
	return s->paused ? "paused" : s->connected ? "yes" : "no";
}

/* With alternates: switches=N servers=HOST:PORT/connects/failures/items,...
 * (the primary first). One server: nothing, the line stays as it was. */
static void add_servers_line(struct out *o, const struct sender_stats *s)
{
	if (s->nservers < 2)
		return;
	add(o, " switches=%" PRIu64 " servers=", s->switches);
	for (unsigned i = 0; i < s->nservers && i < SENDER_SERVERS_MAX; i++)
		add(o, "%s%s/%" PRIu64 "/%" PRIu64 "/%" PRIu64, i ? "," : "", s->server[i].peer,
		    s->server[i].connects, s->server[i].failures, s->server[i].items_sent);
}

/* Every server of the list in the state file, numbered from 1 (the primary). */
static void add_servers_state(struct out *o, const struct sender_stats *s)
{
	add(o, "server_switches: %" PRIu64 "\n", s->switches);
	for (unsigned i = 0; i < s->nservers && i < SENDER_SERVERS_MAX; i++) {
		const struct sender_server_stats *v = &s->server[i];

		add(o,
		    "server.%u.address: %s\nserver.%u.role: %s\nserver.%u.in_use: %s\n"
		    "server.%u.connects: %" PRIu64 "\nserver.%u.failures: %" PRIu64
		    "\nserver.%u.items_sent: %" PRIu64 "\n",
		    i + 1, v->peer, i + 1, i ? "alternate" : "primary", i + 1,
		    i == s->current && s->connected ? "yes" : "no", i + 1, v->connects, i + 1,
		    v->failures, i + 1, v->items_sent);
	}
}

int report_line(const struct stats_snap *d, struct buf *out)
{
	struct out o = {.b = out};

	add(&o,
	    "activity in the last %.0f s: records=%" PRIu64 " skipped=%" PRIu64
	    " items_sent=%" PRIu64 " requests=%" PRIu64 " outcomes=",
	    d->mono, d->in.records, d->skipped_total, d->snd.items_sent, d->snd.requests);
	add_outcomes(&o, d);
	add(&o, " notreq_top=");
	add_top(&o, &d->notreq);
	add(&o, " undetermined_top=");
	add_top(&o, &d->undetermined);
	add(&o,
	    " set_aside=%" PRIu64 " dropped=%" PRIu64 " retries=%" PRIu64 " connects=%" PRIu64
	    " disconnects=%" PRIu64 " server=%s connected=%s queue=%zu/%zu cpu=%.2f",
	    d->snd.set_aside, stats_dropped_items(d), d->snd.resent, d->snd.connects,
	    d->snd.connection_losses, d->server[0] ? d->server : "-", conn_state(&d->snd),
	    d->q.held, d->q.limit, d->cpu);
	add_servers_line(&o, &d->snd);
	return finish(&o);
}

/* ---- the state file ---- */

static void add_table(struct out *o, const char *prefix, const struct stats_table *t)
{
	for (size_t i = 0; i < t->len; i++)
		add(o, "%s.%s: %" PRIu64 "\n", prefix, t->v[i].name, t->v[i].n);
	if (t->other)
		add(o, "%s.(other): %" PRIu64 "\n", prefix, t->other);
}

static void add_config_line(void *arg, const char *key, const char *value)
{
	add(arg, "config.%s: %s\n", key, value);
}

static void add_head(struct out *o, const struct report_info *info)
{
	char when[64];
	struct tm tm;

	if (!gmtime_r(&info->written, &tm) ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)info->written);
	add(o,
	    "# %s state, written on SIGUSR1. Counters are totals since start;\n"
	    "# the configuration is the one in effect (secrets are not shown).\n"
	    "program: %s\ninstance: %s\npid: %ld\nwritten: %s\nuptime_seconds: %.0f\n"
	    "config_file: %s\n",
	    info->ident, info->program, info->ident, info->pid, when, info->uptime_seconds,
	    info->config_path);
}

static void add_delivery(struct out *o, const struct stats_snap *s)
{
	char tmp[32];

	add(o,
	    "connected: %s\ncurrent_server: %s\nrequests: %" PRIu64 "\nitems_sent: %" PRIu64
	    "\nresponses: %" PRIu64 "\nretries: %" PRIu64 "\nconnects: %" PRIu64
	    "\ndisconnects: %" PRIu64 "\nitems_set_aside: %" PRIu64 "\nset_aside_errors: %" PRIu64
	    "\nitems_dropped: %" PRIu64 "\nitems_undelivered: %" PRIu64 "\n",
	    conn_state(&s->snd), s->server[0] ? s->server : "-", s->snd.requests, s->snd.items_sent,
	    s->snd.responses, s->snd.resent, s->snd.connects, s->snd.connection_losses,
	    s->snd.set_aside, s->snd.set_aside_errors, stats_dropped_items(s), s->snd.undelivered);
	add_servers_state(o, &s->snd);
	for (int i = 0; i < SETTLED_N; i++)
		add(o, "settled.%s: %" PRIu64 "\n", sender_settled_name(i), s->snd.settled[i]);
	add(o, "dropped.queue_full: %" PRIu64 "\n", s->q.dropped_items);
	for (int i = 0; i < DROPPED_N; i++)
		add(o, "dropped.%s: %" PRIu64 "\n", sender_dropped_name(i), s->snd.dropped[i]);
	for (int i = 0; i <= STATS_MAJOR_MAX; i++)
		if (s->major[i])
			add(o, "outcome.%s: %" PRIu64 "\n", major_label(i, tmp, sizeof(tmp)),
			    s->major[i]);
	add_table(o, "notreq", &s->notreq);
	add_table(o, "undetermined", &s->undetermined);
}

int report_state(const struct stats_snap *s, const struct config *c, const struct report_info *info,
                 struct buf *out)
{
	struct out o = {.b = out};

	add_head(&o, info);
	config_each(c, add_config_line, &o);
	add(&o,
	    "records_read: %" PRIu64 "\nevents_read: %" PRIu64 "\nrecords_skipped: %" PRIu64 "\n",
	    s->in.records, s->in.events, s->skipped_total);
	add_table(&o, "skipped", &s->skipped);
	add(&o,
	    "input_overlong: %" PRIu64 "\ninput_bad_frames: %" PRIu64 "\ninput_rejected: %" PRIu64
	    "\nevents_queued: %" PRIu64 "\nitems_queued: %" PRIu64
	    "\nqueue_depth: %zu\nqueue_waiting: %zu\nqueue_limit: %zu\nqueue_high_water: %zu\n",
	    s->in.overlong, s->in.bad_frames, s->in.rejected, s->q.pushed, s->q.items, s->q.held,
	    s->q.queued, s->q.limit, s->q.high_water);
	add_delivery(&o, s);
	add(&o, "cpu_seconds: %.2f\n", s->cpu);
	return finish(&o);
}

void report_state_path(const struct config *c, const char *config_path, char *out, size_t len)
{
	const char *base;
	size_t n;

	if (c->state_file[0]) {
		snprintf(out, len, "%s", c->state_file);
		return;
	}
	if (config_path_is_default(config_path)) {
		snprintf(out, len, "%s/%s.state", REPORT_STATE_DIR, REPORT_STATE_NAME);
		return;
	}
	base = strrchr(config_path, '/');
	base = base ? base + 1 : config_path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	snprintf(out, len, "%s/%s-%.*s.state", REPORT_STATE_DIR, REPORT_STATE_NAME, (int)n, base);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int report_write_file(const char *path, const void *p, size_t n, char *err, size_t errlen)
{
	return report_write_file_mode(path, p, n, REPORT_STATE_MODE, err, errlen);
}

int report_write_file_mode(const char *path, const void *p, size_t n, mode_t mode, char *err,
                           size_t errlen)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 8);
	int fd, e;

	if (!tmp) {
		snprintf(err, errlen, "cannot write %s: out of memory", path);
		return -1;
	}
	/* mkostemp and rename follow no link at the name itself; the
	 * directories on the way must be ours alone (safefile.h). */
	char why[400];
	if (safefile_check_parent(path, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, why);
		free(tmp);
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a file next to %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, p, n) != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(e));
		free(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot replace %s: %s", path, strerror(e));
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
