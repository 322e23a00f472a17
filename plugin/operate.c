/* operate.c - the activity report on the reader's tick and the state file on SIGUSR1. */
#include "operate.h"

#include <libaudit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mapper.h"
#include "metrics.h"
#include "reader.h"
#include "spool.h"
#include "report.h"

struct operate {
	const struct config *cfg;
	const char *program, *ident, *config_path;
	struct stats *st;
	struct nodes *nodes;
	double metrics_last;  /* monotonic time of the last metrics write, 0 = none */
	bool metrics_failing; /* the last write failed (logged once until one works) */
	struct stats_snap prev, now, delta; /* large: kept here, not on the stack */
	double started;                     /* monotonic */
	double unit;                        /* seconds per report_interval unit */
	unsigned interval;                  /* report_interval the schedule runs on */
	struct filter filter;               /* the filter last logged */
	struct buf text;
	operate_node_fn node_fn; /* told of silent and returning nodes (self-audit) */
	void *node_arg;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void log_filter(struct operate *op)
{
	const struct filter *f = &op->cfg->filter;

	op->filter = *f;
	if (f->mode == FILTER_ALL)
		return;
	buf_reset(&op->text);
	if (filter_format(f, &op->text) != 0)
		return;
	log_msg("ZRA0604I",
	        "record filter in effect: %s %s; records of other types are %s. RACF "
	        "profiles still decide what is logged of what is sent",
	        f->mode == FILTER_SEND ? "only these types are sent:" : "these types are not sent:",
	        (const char *)op->text.data, f->mode == FILTER_SEND ? "not sent" : "sent");
}

struct operate *operate_new(const char *program, const char *ident, const char *config_path,
                            const struct config *c)
{
	struct operate *op = calloc(1, sizeof(*op));
	const char *unit = getenv("ZR_REPORT_UNIT_SECONDS");

	if (!op)
		return NULL;
	op->st = stats_new();
	op->nodes = nodes_new();
	if (!op->st || !op->nodes) {
		stats_free(op->st);
		nodes_free(op->nodes);
		free(op);
		return NULL;
	}
	op->cfg = c;
	op->program = program;
	op->ident = ident;
	op->config_path = config_path;
	op->unit = unit && strcmp(unit, "1") == 0 ? 1 : 60;
	op->interval = c->report_interval;
	op->started = mono();
	buf_init(&op->text);
	stats_collect(op->st, NULL, NULL, NULL, &op->prev);
	log_filter(op);
	return op;
}

void operate_free(struct operate *op)
{
	if (!op)
		return;
	stats_free(op->st);
	nodes_free(op->nodes);
	buf_free(&op->text);
	free(op);
}

struct stats *operate_stats(struct operate *op)
{
	return op ? op->st : NULL;
}

static void count_outcome(void *arg, int major, const char *resource)
{
	stats_outcome(arg, major, resource);
}

static void count_server(void *arg, const char *peer)
{
	stats_server(arg, peer);
}

void operate_watch(struct operate *op, struct sender *snd)
{
	const struct sender_counters c = {
	        .outcome = count_outcome, .server = count_server, .arg = operate_stats(op)};

	sender_set_counters(snd, &c);
}

static void collect(struct operate *op, const struct input *in, struct queue *q, struct sender *snd,
                    struct stats_snap *out)
{
	struct queue_stats qs;
	struct sender_stats ss;

	queue_stats(q, &qs);
	sender_stats(snd, &ss);
	stats_collect(op->st, input_stats(in), &qs, &ss, out);
}

void operate_reload(struct operate *op)
{
	/* The next report still covers the time since the previous one. */
	op->interval = op->cfg->report_interval;
	if (op->filter.mode == op->cfg->filter.mode &&
	    memcmp(op->filter.bits, op->cfg->filter.bits, sizeof(op->filter.bits)) == 0)
		return;
	if (op->cfg->filter.mode == FILTER_ALL)
		log_msg("ZRA0604I", "record filter removed: every record is sent");
	log_filter(op);
}

const struct nodes *operate_nodes(const struct operate *op)
{
	return op->nodes;
}

/* The node's name for a message, printable (nodes_name), in op->text. */
static const char *node_text(struct operate *op, const struct node_entry *e)
{
	buf_reset(&op->text);
	return nodes_name(e, &op->text) == 0 ? (const char *)op->text.data : "(out of memory)";
}

void operate_event(struct operate *op, auparse_state_t *au, bool event, double now)
{
	const au_event_t *e = auparse_get_timestamp(au);
	const char *node = e && e->host ? e->host : "";
	unsigned records = auparse_get_num_records(au);
	double silent_for = 0;

	/* Not a pass over the records: each step of one makes libauparse parse
	 * that record's interpretations again (about 7 us per record on the
	 * fleet benchmark). An event's EOE, if it has one, is its last record. */
	if (records && auparse_goto_record_num(au, records - 1) > 0 &&
	    auparse_get_type(au) == AUDIT_EOE)
		records--;
	size_t n = strlen(node);
	switch (nodes_seen(op->nodes, node, n, records, event, now, &silent_for)) {
	case NODES_BACK: {
		const char *name = node_text(op, nodes_last(op->nodes));

		log_msg("ZRA0606I", "node %s is sending again after %.0f s of silence", name,
		        silent_for);
		if (op->node_fn)
			op->node_fn(op->node_arg, name, false, silent_for,
			            nodes_last(op->nodes)->records);
		break;
	}
	case NODES_FULL:
		buf_reset(&op->text);
		if (map_escape(node, n < 200 ? n : 200, &op->text) != 0)
			break;
		log_msg("ZRA0607W",
		        "node %s gets no entry of its own (the table holds %d nodes; names longer "
		        "than %d bytes are not kept): it and every further new node are counted "
		        "together as node.(other), without silence detection",
		        (const char *)op->text.data, NODES_MAX, NODES_NAME_MAX);
		break;
	default:
		break;
	}
}

static void log_silent(void *arg, const struct node_entry *e, double silent_for)
{
	struct operate *op = arg;

	log_msg("ZRA0605W",
	        "node %s has sent nothing for %.0f s (node_silence = %u s; %" PRIu64
	        " records from it so far): a hole in the audit trail unless the host is down on "
	        "purpose. Check its auditd and audisp-remote and the network to this host",
	        node_text(op, e), silent_for, op->cfg->node_silence, e->records);
	if (op->node_fn)
		op->node_fn(op->node_arg, node_text(op, e), true, silent_for, e->records);
}

void operate_watch_nodes(struct operate *op, operate_node_fn fn, void *arg)
{
	op->node_fn = fn;
	op->node_arg = arg;
}

/* The Prometheus text file (metrics.h), replaced atomically. */
static void write_metrics(struct operate *op, const struct input *in, struct queue *q,
                          struct sender *snd, double now)
{
	struct spool_stats sp;
	const char *ver = strrchr(op->program, ' ');
	char err[CONFIG_PATH_MAX + 128];

	collect(op, in, q, snd, &op->now);
	queue_spool_stats(q, &sp, NULL, 0);
	struct metrics_input mi = {.s = &op->now,
	                           .nodes = op->nodes,
	                           .mono_now = now,
	                           .wall_now = time(NULL),
	                           .uptime_seconds = now - op->started,
	                           .spool_bytes = sp.bytes,
	                           .spool_max_bytes = sp.max_bytes,
	                           .instance = op->ident,
	                           .version = ver ? ver + 1 : op->program};
	buf_reset(&op->text);
	if (metrics_format(&mi, &op->text) != 0) {
		snprintf(err, sizeof(err), "cannot write %s: out of memory", op->cfg->metrics_file);
	} else if (report_write_file_mode(op->cfg->metrics_file, op->text.data, op->text.len,
	                                  METRICS_FILE_MODE, err, sizeof(err)) == 0) {
		if (op->metrics_failing)
			log_msg("ZRA0609I", "metrics written to %s again", op->cfg->metrics_file);
		op->metrics_failing = false;
		return;
	}
	if (!op->metrics_failing)
		log_msg("ZRA0608E",
		        "%s; the metrics file is not updated (said once until a write works). "
		        "Check "
		        "that the directory exists and is writable by root, or change metrics_file",
		        err);
	op->metrics_failing = true;
}

void operate_tick(struct operate *op, const struct input *in, struct queue *q, struct sender *snd)
{
	double now = mono();

	nodes_check(op->nodes, now, op->cfg->node_silence, log_silent, op);
	if (op->cfg->metrics_file[0] &&
	    (op->metrics_last == 0 || now - op->metrics_last >= op->cfg->metrics_interval)) {
		op->metrics_last = now;
		write_metrics(op, in, q, snd, now);
	}
	if (op->interval == 0 || now - op->prev.mono < op->interval * op->unit)
		return;
	collect(op, in, q, snd, &op->now);
	stats_delta(&op->now, &op->prev, &op->delta);
	op->prev = op->now;
	buf_reset(&op->text);
	if (report_line(&op->delta, &op->text) != 0 ||
	    (nodes_named(op->nodes) && nodes_report(op->nodes, &op->text) != 0))
		return;
	log_msg("ZRA0601I", "%s", (const char *)op->text.data);
}

int operate_dump(struct operate *op, const struct input *in, struct queue *q, struct sender *snd)
{
	struct report_info info = {.program = op->program,
	                           .ident = op->ident,
	                           .config_path = op->config_path,
	                           .pid = (long)getpid(),
	                           .written = time(NULL),
	                           .uptime_seconds = mono() - op->started};
	char path[CONFIG_PATH_MAX + 64], err[CONFIG_PATH_MAX + 128];

	collect(op, in, q, snd, &op->now);
	report_state_path(op->cfg, op->config_path, path, sizeof(path));
	buf_reset(&op->text);
	if (report_state(&op->now, op->cfg, &info, &op->text) != 0 ||
	    nodes_state(op->nodes, mono(), info.written, &op->text) != 0) {
		log_msg("ZRA0603E", "cannot write the state file %s: out of memory", path);
		return -1;
	}
	if (report_write_file(path, op->text.data, op->text.len, err, sizeof(err)) != 0) {
		log_msg("ZRA0603E",
		        "%s; the state file was not written. Check that the directory exists and "
		        "is writable by root, or set state_file",
		        err);
		return -1;
	}
	log_msg("ZRA0602I", "state written to %s", path);
	return 0;
}

/* The exit summary (ZRA0002I, ZRA0209W), then the spool's and the intake
 * log's (reader.h). */
void operate_summary(struct reader *rd, struct queue *q, struct sender *snd,
                     const char *set_aside_file)
{
	const struct input_stats *is = input_stats(reader_input(rd));
	struct sender_stats ss;
	struct queue_stats qs;
	struct reader_stats rs;
	uint64_t left_events = 0, left_items = 0;
	char settled[256], dropped[256];
	size_t off = 0;

	queue_discard(q, &left_events, &left_items);
	queue_stats(q, &qs);
	sender_stats(snd, &ss);
	reader_stats(rd, &rs);
	for (int i = 0; i < SETTLED_N; i++)
		off += (size_t)snprintf(settled + off, sizeof(settled) - off, " %s=%" PRIu64,
		                        sender_settled_name(i), ss.settled[i]);
	off = (size_t)snprintf(dropped, sizeof(dropped), " not_spooled=%" PRIu64, qs.dropped_items);
	for (int i = 0; i < DROPPED_N; i++)
		off += (size_t)snprintf(dropped + off, sizeof(dropped) - off, " %s=%" PRIu64,
		                        sender_dropped_name(i), ss.dropped[i]);
	log_msg("ZRA0002I",
	        "exiting: %" PRIu64 " records read, %" PRIu64 " events, %" PRIu64 " items queued, "
	        "%" PRIu64 " requests with %" PRIu64 " items sent (%" PRIu64 " resent); "
	        "settled:%s; set aside or dropped items:%s; undelivered at exit: %" PRIu64
	        " items and %" PRIu64 " events not yet read back, kept in the spool",
	        is->records, rs.events, rs.items_queued, ss.requests, ss.items_sent, ss.resent,
	        settled, dropped, ss.undelivered + left_items, qs.backlog);
	if (is->cut)
		log_msg("ZRA0209W",
		        "%" PRIu64 " records arrived cut 16 bytes short by auditd (%" PRIu64
		        " cut EOE records skipped); see ZRA0207E",
		        is->cut, is->cut_eoe);
	reader_log_summary(rd, ss.set_aside, set_aside_file);
}
