/* metrics.c - the counters as a Prometheus text file for node_exporter's textfile collector. */
#include "metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ictx.h"

#define P "zos_remote_"

/* Formatting state: the first failure sticks, so callers check once. */
struct mout {
	struct buf *b;
	int rc;
};

static void add(struct mout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct mout *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(o->b, (size_t)n + 1) < 0) {
		o->rc = -1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf((char *)o->b->data + o->b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->b->len += (size_t)n;
}

int metrics_label_escape(const char *s, size_t n, struct buf *out)
{
	/* worst case every byte doubles, plus the NUL */
	if (n > (SIZE_MAX - 1) / 2 || buf_reserve(out, 2 * n + 1) < 0)
		return -1;
	unsigned char *d = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' || c == '"' || c == '\n') {
			*d++ = '\\';
			*d++ = (unsigned char)(c == '\n' ? 'n' : c);
		} else {
			*d++ = (unsigned char)c;
		}
	}
	*d = '\0';
	out->len = (size_t)(d - out->data);
	return 0;
}

/* # HELP and # TYPE of a family. */
static void family(struct mout *o, const char *name, const char *type, const char *help)
{
	add(o, "# HELP " P "%s %s\n# TYPE " P "%s %s\n", name, help, name, type);
}

/* A family of one sample without labels. */
static void one(struct mout *o, const char *name, const char *type, const char *help, uint64_t v)
{
	family(o, name, type, help);
	add(o, P "%s %" PRIu64 "\n", name, v);
}

/* name{label="value"} v, the value escaped. */
static void labelled(struct mout *o, const char *name, const char *label, const char *value,
                     size_t vlen, const char *v)
{
	add(o, P "%s{%s=\"", name, label);
	if (!o->rc && metrics_label_escape(value, vlen, o->b) < 0)
		o->rc = -1;
	add(o, "\"} %s\n", v);
}

static void u64(char *tmp, size_t len, uint64_t v)
{
	snprintf(tmp, len, "%" PRIu64, v);
}

static void add_input(struct mout *o, const struct stats_snap *s)
{
	char v[32];

	one(o, "input_bytes_total", "counter", "Bytes read from auditd.", s->in.bytes);
	one(o, "records_read_total", "counter", "Records read from auditd.", s->in.records);
	one(o, "events_read_total", "counter", "Events read from auditd.", s->in.events);
	one(o, "records_skipped_total", "counter", "Records the local filter did not send.",
	    s->skipped_total);
	family(o, "input_errors_total", "counter", "Input dropped or refused, by kind.");
	u64(v, sizeof(v), s->in.overlong);
	labelled(o, "input_errors_total", "kind", "overlong", 8, v);
	u64(v, sizeof(v), s->in.bad_frames);
	labelled(o, "input_errors_total", "kind", "bad_frame", 9, v);
	u64(v, sizeof(v), s->in.rejected);
	labelled(o, "input_errors_total", "kind", "rejected", 8, v);
	one(o, "events_queued_total", "counter", "Events accepted into the queue.", s->q.pushed);
	one(o, "items_queued_total", "counter", "Items in the events accepted.", s->q.items);
}

static void add_delivery(struct mout *o, const struct stats_snap *s)
{
	char v[32];
	bool any = false;

	one(o, "requests_total", "counter", "Extended operations sent.", s->snd.requests);
	one(o, "items_sent_total", "counter", "Items sent (an item sent again counts again).",
	    s->snd.items_sent);
	one(o, "responses_total", "counter", "Responses received.", s->snd.responses);
	one(o, "retries_total", "counter", "Items put back to be sent again.", s->snd.resent);
	family(o, "outcomes_total", "counter", "Per-item answers of the server, by MajorCode.");
	for (int i = 0; i <= STATS_MAJOR_MAX; i++) {
		if (!s->major[i])
			continue;
		if (i == STATS_MAJOR_MAX)
			add(o, P "outcomes_total{major=\"other\",name=\"other\"} %" PRIu64 "\n",
			    s->major[i]);
		else
			add(o, P "outcomes_total{major=\"%d\",name=\"%s\"} %" PRIu64 "\n", i,
			    ictx_major_name(i), s->major[i]);
		any = true;
	}
	if (!any) /* the family exists from the start */
		add(o, P "outcomes_total{major=\"0\",name=\"%s\"} 0\n", ictx_major_name(0));
	family(o, "items_settled_total", "counter", "Items the server decided, by outcome.");
	for (int i = 0; i < SETTLED_N; i++) {
		const char *n = sender_settled_name(i);
		u64(v, sizeof(v), s->snd.settled[i]);
		labelled(o, "items_settled_total", "outcome", n, strlen(n), v);
	}
	family(o, "items_dropped_total", "counter",
	       "Items lost or set aside, by reason (queue_full: the memory queue was full).");
	u64(v, sizeof(v), s->q.dropped_items);
	labelled(o, "items_dropped_total", "reason", "queue_full", 10, v);
	for (int i = 0; i < DROPPED_N; i++) {
		const char *n = sender_dropped_name(i);
		u64(v, sizeof(v), s->snd.dropped[i]);
		labelled(o, "items_dropped_total", "reason", n, strlen(n), v);
	}
	one(o, "items_set_aside_total", "counter", "Items written to the set-aside file.",
	    s->snd.set_aside);
	one(o, "set_aside_errors_total", "counter", "Writes to the set-aside file that failed.",
	    s->snd.set_aside_errors);
	one(o, "connected", "gauge", "1 while bound to a server.", s->snd.connected);
	one(o, "delivery_paused", "gauge", "1 while a server-side setup error holds delivery.",
	    s->snd.paused);
	one(o, "connects_total", "counter", "Successful binds.", s->snd.connects);
	one(o, "disconnects_total", "counter", "Connections lost.", s->snd.connection_losses);
	one(o, "server_switches_total", "counter", "Failovers and failbacks.", s->snd.switches);
}

/* One per-server family: field picks the figure (0 connects, 1 failures,
 * 2 items sent, 3 in use). */
static void add_server_family(struct mout *o, const char *name, const char *type, const char *help,
                              const struct sender_stats *snd, int field)
{
	family(o, name, type, help);
	for (unsigned i = 0; i < snd->nservers && i < SENDER_SERVERS_MAX; i++) {
		const struct sender_server_stats *sv = &snd->server[i];
		uint64_t v = field == 0   ? sv->connects
		             : field == 1 ? sv->failures
		             : field == 2 ? sv->items_sent
		                          : (uint64_t)(snd->connected && snd->current == i);
		add(o, P "%s{server=\"", name);
		if (!o->rc &&
		    metrics_label_escape(sv->peer, strnlen(sv->peer, SENDER_PEER_LEN), o->b) < 0)
			o->rc = -1;
		add(o, "\",role=\"%s\"} %" PRIu64 "\n", i ? "alternate" : "primary", v);
	}
}

static void add_servers(struct mout *o, const struct sender_stats *snd)
{
	add_server_family(o, "server_connects_total", "counter", "Successful binds, per server.",
	                  snd, 0);
	add_server_family(o, "server_failures_total", "counter",
	                  "Server errors (connect, TLS, bind, loss, timeout, busy), per server.",
	                  snd, 1);
	add_server_family(o, "server_items_sent_total", "counter", "Items sent, per server.", snd,
	                  2);
	add_server_family(o, "server_in_use", "gauge", "1 for the server bound to now.", snd, 3);
}

static void add_queue(struct mout *o, const struct metrics_input *in)
{
	const struct queue_stats *q = &in->s->q;
	char v[32];

	one(o, "queue_events", "gauge", "Events held: queued or at the sender.", q->held);
	one(o, "queue_waiting_events", "gauge", "Events waiting in the queue.", q->queued);
	one(o, "queue_limit_events", "gauge", "Events the queue holds in memory (q_depth).",
	    q->limit);
	one(o, "queue_high_water_events", "gauge", "Most events held at once since start.",
	    q->high_water);
	one(o, "spool_backlog_events", "gauge", "Events on disk only, not yet read back.",
	    q->backlog);
	if (in->spool_max_bytes) {
		one(o, "spool_bytes", "gauge", "Spool segment bytes on disk.", in->spool_bytes);
		one(o, "spool_max_bytes", "gauge", "The spool's size limit (spool_max_size).",
		    in->spool_max_bytes);
	}
	family(o, "spool_full_total", "counter",
	       "Spool full: events dropped (keep_oldest), discarded unsent (keep_newest), or "
	       "appends refused (suspend).");
	u64(v, sizeof(v), q->full_dropped);
	labelled(o, "spool_full_total", "action", "keep_oldest", 11, v);
	u64(v, sizeof(v), q->discarded);
	labelled(o, "spool_full_total", "action", "keep_newest", 11, v);
	u64(v, sizeof(v), q->suspended);
	labelled(o, "spool_full_total", "action", "suspend", 7, v);
}

/* One per-node family: field picks the figure (0 records, 1 events, 2
 * last seen, 3 silent). */
static void add_node_family(struct mout *o, const struct metrics_input *in, const char *name,
                            const char *type, const char *help, int field, struct buf *nm)
{
	char v[48];

	family(o, name, type, help);
	for (size_t i = 0; i < nodes_count(in->nodes) && !o->rc; i++) {
		const struct node_entry *e = nodes_at(in->nodes, i);
		if (field == 0)
			u64(v, sizeof(v), e->records);
		else if (field == 1)
			u64(v, sizeof(v), e->events);
		else if (field == 2)
			snprintf(v, sizeof(v), "%.3f",
			         (double)in->wall_now - (in->mono_now - e->last_seen));
		else
			snprintf(v, sizeof(v), "%d", e->silent);
		buf_reset(nm);
		if (nodes_name(e, nm) < 0) {
			o->rc = -1;
			return;
		}
		labelled(o, name, "node", (const char *)nm->data, nm->len, v);
	}
}

static void add_nodes(struct mout *o, const struct metrics_input *in)
{
	struct buf nm;
	uint64_t records, events;

	one(o, "nodes_known", "gauge", "Nodes with an entry of their own.", nodes_count(in->nodes));
	one(o, "nodes_silent", "gauge", "Nodes silent longer than node_silence.",
	    nodes_silent(in->nodes));
	buf_init(&nm);
	add_node_family(o, in, "node_records_total", "counter",
	                "Records read per node (node=; \"-\" for none).", 0, &nm);
	add_node_family(o, in, "node_events_total", "counter", "Events read per node.", 1, &nm);
	add_node_family(o, in, "node_last_seen_timestamp_seconds", "gauge",
	                "When the node's last record was read (Unix time).", 2, &nm);
	add_node_family(o, in, "node_silent", "gauge", "1 while the node is reported silent.", 3,
	                &nm);
	buf_free(&nm);
	nodes_other(in->nodes, &records, &events);
	one(o, "node_other_records_total", "counter",
	    "Records of nodes that found the node table full.", records);
	one(o, "node_other_events_total", "counter",
	    "Events of nodes that found the node table full.", events);
}

int metrics_format(const struct metrics_input *in, struct buf *out)
{
	struct mout o = {.b = out};
	const char *inst = in->instance ? in->instance : "";
	const char *ver = in->version ? in->version : "";

	family(&o, "info", "gauge", "The plugin instance and its version.");
	add(&o, P "info{instance=\"");
	if (!o.rc && metrics_label_escape(inst, strlen(inst), out) < 0)
		o.rc = -1;
	add(&o, "\",version=\"");
	if (!o.rc && metrics_label_escape(ver, strlen(ver), out) < 0)
		o.rc = -1;
	add(&o, "\"} 1\n");
	family(&o, "uptime_seconds", "gauge", "Seconds since the plugin started.");
	add(&o, P "uptime_seconds %.3f\n", in->uptime_seconds);
	family(&o, "cpu_seconds_total", "counter", "User and system CPU seconds used.");
	add(&o, P "cpu_seconds_total %.3f\n", in->s->cpu);
	add_input(&o, in->s);
	add_delivery(&o, in->s);
	add_servers(&o, &in->s->snd);
	add_queue(&o, in);
	if (in->nodes)
		add_nodes(&o, in);
	return o.rc;
}
