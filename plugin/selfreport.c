/* selfreport.c - the plugin's reports on itself into the trail (selfreport.h). */
#include "selfreport.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "log.h"
#include "queue.h"
#include "reader.h"
#include "selfaudit.h"
#include "selfwatch.h"
#include "sender.h"
#include "spool.h"

#define SELFREPORT_QUIET    1.0       /* seconds without a further loss before a gap is told */
#define SELFREPORT_MAX_OPEN 60.0      /* a loss going on is told at least this often */
#define SELFREPORT_MARKER   "running" /* in the spool directory while the plugin runs */

struct selfreport {
	const struct config *cfg;
	struct reader *rd;
	struct queue *q;
	struct sender *snd;
	struct selfwatch w;
	bool watching;
	uint32_t seq;  /* the sequence number of the last item of ours */
	int marker_fd; /* SPOOL_DIR/running, -1 when it could not be made */
};

struct selfreport *selfreport_new(const struct config *c, struct reader *rd, struct queue *q,
                                  struct sender *snd)
{
	struct selfreport *sr = calloc(1, sizeof(*sr));

	if (!sr)
		return NULL;
	sr->cfg = c;
	sr->rd = rd;
	sr->q = q;
	sr->snd = snd;
	sr->marker_fd = -1;
	return sr;
}

void selfreport_free(struct selfreport *sr)
{
	if (sr && sr->marker_fd >= 0)
		close(sr->marker_fd);
	free(sr);
}

static void iso_utc(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, len, "%" PRId64, t);
}

/* Queue one fact as an item (when self_audit is on). */
static uint32_t emit(struct selfreport *sr, enum selfaudit_kind kind, const char *msgid,
                     const char *summary, const char *node, const struct selfaudit_field *f,
                     size_t nf)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	sr->seq++;
	if (!sr->cfg->self_audit)
		return sr->seq;
	struct selfaudit_event ev = {.kind = kind,
	                             .msgid = msgid,
	                             .summary = summary,
	                             .node = node,
	                             .sec = (int64_t)ts.tv_sec,
	                             .milli = (unsigned)(ts.tv_nsec / 1000000),
	                             .seq = sr->seq,
	                             .fields = f,
	                             .nfields = nf};
	if (reader_self(sr->rd, &ev) != 0)
		log_limited("self-audit", "ZRA0853E",
		            "cannot queue the self-audit item %s (out of memory, or stopping): "
		            "syslog alone has this fact",
		            selfaudit_resource(kind));
	return sr->seq;
}

static void sample(struct selfreport *sr, double mono, int64_t wall, struct selfwatch_sample *s)
{
	struct queue_stats qs;
	struct spool_stats sp;
	struct sender_stats ss;
	struct reader_stats rs;
	uint64_t refused = 0;

	queue_stats(sr->q, &qs);
	queue_spool_stats(sr->q, &sp, NULL, 0);
	sender_stats(sr->snd, &ss);
	reader_stats(sr->rd, &rs);
	for (int i = 0; i < DROPPED_N; i++)
		refused += ss.dropped[i];
	memset(s, 0, sizeof(*s));
	s->mono = mono;
	s->wall = wall;
	s->lost[SELFWATCH_QUEUE_FULL] = qs.dropped_items;
	s->lost[SELFWATCH_SPOOL_FULL] = qs.full_dropped_items;
	s->lost[SELFWATCH_SPOOL_DISCARD] = qs.discarded_items;
	s->lost[SELFWATCH_SET_ASIDE] = ss.set_aside;
	s->lost[SELFWATCH_REFUSED] = refused > ss.set_aside ? refused - ss.set_aside : 0;
	s->lost[SELFWATCH_NOT_SPOOLED] = rs.failed_events + rs.stalled_lost;
	s->delivering = ss.connected && !ss.paused;
	s->spooled_items = sp.appended_items;
	s->head = sp.head;
	s->next_seq = sp.next_seq;
}

static void tell_gap(struct selfreport *sr, const struct selfwatch_fact *f)
{
	char count[24], first[32], last[32], nodes[READER_DROP_NODES_LEN + 8] = "", summary[128];
	const char *why = selfwatch_reason_name(f->reason);

	snprintf(count, sizeof(count), "%" PRIu64, f->count);
	iso_utc(f->first, first, sizeof(first));
	iso_utc(f->last, last, sizeof(last));
	if (f->reason == SELFWATCH_SPOOL_FULL)
		reader_drop_nodes(sr->rd, nodes, sizeof(nodes));
	snprintf(summary, sizeof(summary), "%s items lost (%s)", count, why);
	const struct selfaudit_field fl[] = {{"reason", why},
	                                     {"count", count},
	                                     {"first", first},
	                                     {"last", last},
	                                     {"nodes", nodes}};
	uint32_t seq = emit(sr, SELFAUDIT_GAP, "ZRA0851W", summary, NULL, fl, *nodes ? 5 : 4);
	log_msg("ZRA0851W",
	        "%s audit items lost short of the mainframe (%s) from %s to %s%s%s; "
	        "told in SMF as ZRA_GAP %" PRIu32,
	        count, why, first, last, *nodes ? ", nodes " : "", nodes, seq);
}

static void tell_late(struct selfreport *sr, const struct selfwatch_fact *f)
{
	char count[24], first[32], last[32], summary[128];

	snprintf(count, sizeof(count), "%" PRIu64, f->count);
	iso_utc(f->first, first, sizeof(first));
	iso_utc(f->last, last, sizeof(last));
	snprintf(summary, sizeof(summary), "%s items delivered late after an outage", count);
	const struct selfaudit_field fl[] = {{"count", count}, {"first", first}, {"last", last}};
	uint32_t seq = emit(sr, SELFAUDIT_LATE, "ZRA0852I", summary, NULL, fl, 3);
	log_msg("ZRA0852I",
	        "%s audit items read while the server was away (%s to %s) have been delivered "
	        "late; told in SMF as ZRA_LATE %" PRIu32,
	        count, first, last, seq);
}

static void step(struct selfreport *sr, double mono, int64_t wall, bool final)
{
	struct selfwatch_sample s;
	struct selfwatch_fact f[SELFWATCH_REASONS + 1];
	size_t n;

	if (!sr->watching)
		return;
	sample(sr, mono, wall, &s);
	n = selfwatch_step(&sr->w, &s, final, f, sizeof(f) / sizeof(f[0]));
	for (size_t i = 0; i < n; i++) {
		if (f[i].kind == SELFWATCH_GAP)
			tell_gap(sr, &f[i]);
		else
			tell_late(sr, &f[i]);
	}
}

/* The marker file says a run is under way; its mtime is the last tick.
 * Found at start, it says the previous run did not stop (kill -9, a crash,
 * a power cut): what auditd had written into the pipe and the plugin had
 * not read then is lost, and nobody can count it. */
static void check_marker(struct selfreport *sr)
{
	char path[CONFIG_PATH_MAX + 16], when[32], summary[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", reader_dir(sr->rd), SELFREPORT_MARKER);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		iso_utc((int64_t)st.st_mtime, when, sizeof(when));
		snprintf(summary, sizeof(summary), "the previous run ended without stopping at %s",
		         when);
		const struct selfaudit_field fl[] = {{"reason", "unclean_exit"},
		                                     {"count", "unknown"},
		                                     {"first", when},
		                                     {"last", when}};
		uint32_t seq = emit(sr, SELFAUDIT_GAP, "ZRA0854W", summary, NULL, fl, 4);
		log_msg("ZRA0854W",
		        "the previous run ended without stopping (kill -9, crash or power cut) "
		        "about "
		        "%s: records auditd had written into the pipe and it had not read are "
		        "lost, "
		        "an unknown number; told in SMF as ZRA_GAP %" PRIu32,
		        when, seq);
	}
	unlink(path);
	sr->marker_fd =
	        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
}

void selfreport_start(struct selfreport *sr, const char *version, const char *config_path)
{
	struct reader_stats rs;
	struct selfwatch_sample s;
	struct timespec ts;
	char pid[16], events[24], items[24], intake[24], summary[128];

	reader_stats(sr->rd, &rs);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(events, sizeof(events), "%" PRIu64, rs.rec.events);
	snprintf(items, sizeof(items), "%" PRIu64, rs.rec.items);
	snprintf(intake, sizeof(intake), "%" PRIu64, rs.irec.replay);
	snprintf(summary, sizeof(summary), "started, %s events of earlier runs to deliver", events);
	const struct selfaudit_field fl[] = {{"version", version},   {"config", config_path},
	                                     {"pid", pid},           {"spool_events", events},
	                                     {"spool_items", items}, {"intake_records", intake}};
	emit(sr, SELFAUDIT_START, "ZRA0001I", summary, NULL, fl, 6);
	check_marker(sr);
	/* Watch from here: the start item itself is not a late delivery. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sample(sr, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, (int64_t)time(NULL), &s);
	selfwatch_init(&sr->w, &s, SELFREPORT_QUIET, SELFREPORT_MAX_OPEN);
	sr->watching = true;
}

void selfreport_tick(struct selfreport *sr, double mono, int64_t wall)
{
	step(sr, mono, wall, false);
	if (sr->marker_fd >= 0)
		futimens(sr->marker_fd, NULL); /* alive: the marker's mtime is now */
}

void selfreport_reload(struct selfreport *sr, const struct config *old, const char *config_path)
{
	char keys[512], summary[560];

	if (config_changed_keys(old, sr->cfg, keys, sizeof(keys)) == 0)
		return;
	snprintf(summary, sizeof(summary), "configuration changed: %s", keys);
	const struct selfaudit_field fl[] = {{"config", config_path}, {"keys", keys}};
	emit(sr, SELFAUDIT_RELOAD, "ZRA0003I", summary, NULL, fl, 2);
}

void selfreport_node(struct selfreport *sr, const char *node, bool silent, double silent_for,
                     uint64_t records)
{
	char secs[24], recs[24], last[32], summary[160];
	int64_t now = (int64_t)time(NULL);

	snprintf(secs, sizeof(secs), "%.0f", silent_for);
	snprintf(recs, sizeof(recs), "%" PRIu64, records);
	iso_utc(now - (int64_t)silent_for, last, sizeof(last));
	snprintf(summary, sizeof(summary),
	         silent ? "node %s silent for %s s" : "node %s back after %s s", node, secs);
	const struct selfaudit_field fl[] = {{"node", node},
	                                     {"silent_seconds", secs},
	                                     {silent ? "last_seen" : "silent_since", last},
	                                     {"records", recs}};
	emit(sr, silent ? SELFAUDIT_SILENT : SELFAUDIT_BACK, silent ? "ZRA0605W" : "ZRA0606I",
	     summary, node, fl, 4);
}

void selfreport_stop(struct selfreport *sr, const char *reason, double mono, int64_t wall)
{
	struct reader_stats rs;
	struct spool_stats sp;
	char records[24], events[24], items[24], left[24], pid[16], summary[128];

	step(sr, mono, wall, true);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	reader_stats(sr->rd, &rs);
	queue_spool_stats(sr->q, &sp, NULL, 0);
	snprintf(records, sizeof(records), "%" PRIu64, input_stats(reader_input(sr->rd))->records);
	snprintf(events, sizeof(events), "%" PRIu64, rs.events);
	snprintf(items, sizeof(items), "%" PRIu64, rs.items_queued);
	/* Not yet settled when reading stopped, the stop item itself included. */
	snprintf(left, sizeof(left), "%" PRIu64,
	         sp.next_seq > sp.head ? sp.next_seq - sp.head + 1 : 1);
	snprintf(summary, sizeof(summary), "stopping (%s) after %s records", reason, records);
	const struct selfaudit_field fl[] = {{"reason", reason},   {"pid", pid},
	                                     {"records", records}, {"events", events},
	                                     {"items", items},     {"spool_events", left}};
	emit(sr, SELFAUDIT_STOP, "ZRA0011I", summary, NULL, fl, 6);
	if (sr->marker_fd >= 0) {
		char path[CONFIG_PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/%s", reader_dir(sr->rd), SELFREPORT_MARKER);
		unlink(path); /* a stop: the next start finds no marker */
	}
}
