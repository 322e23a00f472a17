/* reader.c - the reader's data path: input, assembler, intake log, the
 * waits for room in a full spool, drop reports (reader.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libaudit.h>

#include "assemble.h"
#include "buf.h"
#include "commit.h"
#include "filter.h"
#include "log.h"
#include "reader.h"
#include "selfaudit.h"
#include "stats.h"

struct reader {
	char dir[CONFIG_PATH_MAX];
	const struct map_opts *mo;
	const struct filter *filter;
	struct stats *stats;
	struct idcache *ids;
	struct queue *q;
	struct spool *sp;
	struct intake *ik;
	struct input *in;
	struct assembler asm_; /* mapped events not yet queued (assemble.h) */
	struct buf scratch;
	struct spool_recovery rec;
	struct intake_recovery irec;
	double now;                            /* monotonic time of the current loop turn */
	uint32_t tag;                          /* last ItemTag used */
	uint64_t events;                       /* events mapped */
	uint64_t items_queued;                 /* items in events accepted by the queue */
	uint64_t empty_events;                 /* events that made no item (EOE only) */
	uint64_t failed_events;                /* events that could not be mapped or encoded */
	uint64_t drops_reported;               /* queue drops already logged */
	struct qevent *stalled, *stalled_tail; /* events waiting for room (suspend) */
	uint64_t nstalled;
	struct intake_id *stalled_id; /* their event ids, in the same order (intake) */
	size_t stalled_id_cap;
	bool stalled_id_lost;      /* an id could not be kept (ENOMEM) since the wait began */
	uint64_t stalled_lost;     /* still waiting at exit: not spooled, lost */
	uint64_t full_reported;    /* keep_oldest drops already logged */
	uint64_t discard_reported; /* keep_newest discards already logged */
	uint64_t errors_reported;  /* spool write errors already logged */
	bool suspended;            /* not reading auditd: the spool is full */
	struct item_list self;     /* the plugin's own audit items (reader_self) */
	struct commit gc;          /* group commit of the syncs (commit.h) */
	reader_event_fn event_fn;  /* per-node accounting (reader_watch_events) */
	void *event_arg;
	/* Nodes of the events a full spool refused since reader_drop_nodes. */
	char drop_nodes[READER_DROP_NODES_LEN];
	bool drop_nodes_cut;
};

double reader_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void reader_set_now(struct reader *r, double now)
{
	r->now = now;
	if (r->ids)
		idcache_set_now(r->ids, now);
}

/* ---- the event path ---- */

/* The Linux event id of a mapped event, as the intake log keys it. */
static struct intake_id list_id(const struct item_list *l)
{
	const char *node = item_text(l, l->ev.node);

	return (struct intake_id){.sec = (int64_t)l->ev.sec,
	                          .milli = l->ev.milli,
	                          .serial = l->ev.serial,
	                          .node = intake_node_hash(node, strlen(node))};
}

/* e waits for room in the spool, behind the others that wait; its id is
 * remembered so the intake log keeps its records meanwhile. */
static void stall(struct reader *r, struct qevent *e, const struct item_list *l)
{
	e->next = NULL;
	if (r->stalled)
		r->stalled_tail->next = e;
	else
		r->stalled = e;
	r->stalled_tail = e;
	(void)array_grow(&r->stalled_id, r->nstalled, &r->stalled_id_cap, sizeof(*r->stalled_id),
	                 64); /* on failure: see below */
	/* Without memory for the id, held_in_memory holds everything until
	 * the wait is over (see there), so nothing is let go early. */
	if (r->nstalled < r->stalled_id_cap && !r->stalled_id_lost)
		r->stalled_id[r->nstalled] = list_id(l);
	else
		r->stalled_id_lost = true;
	r->nstalled++;
}

/* The oldest waiting event left the wait (spooled or dropped); next is
 * the one behind it. */
static void unstall_first(struct reader *r, struct qevent *next)
{
	r->stalled = next;
	if (!r->stalled)
		r->stalled_tail = NULL;
	r->nstalled--;
	if (r->stalled_id_lost) {
		r->stalled_id_lost = r->nstalled > 0; /* the ids no longer match the list */
		return;
	}
	memmove(r->stalled_id, r->stalled_id + 1, r->nstalled * sizeof(*r->stalled_id));
}

/* Encode a whole event and queue it (the assembler's emit callback). */
/* Remember the node of an event the queue refused, for ZRA_GAP: distinct
 * names, comma-separated, as many as fit ("" is this host). */
static void note_drop_node(struct reader *r, const struct item_list *l)
{
	const char *node = item_text(l, l->ev.node);
	size_t used = strlen(r->drop_nodes), n;

	if (!*node)
		node = r->mo && r->mo->hostname ? r->mo->hostname : "";
	n = strlen(node);
	if (!n || r->drop_nodes_cut)
		return;
	for (const char *p = r->drop_nodes; (p = strstr(p, node)) != NULL; p += n)
		if ((p == r->drop_nodes || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return;
	if (used + n + 2 > sizeof(r->drop_nodes)) {
		r->drop_nodes_cut = true;
		return;
	}
	snprintf(r->drop_nodes + used, sizeof(r->drop_nodes) - used, "%s%s", used ? "," : "", node);
}

static void hand_on(struct item_list *l, void *arg)
{
	struct reader *r = arg;
	struct qevent *e;
	size_t n = l->nitems;

	e = qevent_new(l, &r->tag, &r->scratch);
	if (!e) {
		r->failed_events++;
		log_limited("encode-failed", "ZRA0009E",
		            "cannot encode an audit event of %zu items (%s); the event is lost", n,
		            strerror(errno));
		return;
	}
	if (r->stalled) {
		stall(r, e, l); /* reading is suspended: keep the order behind what waits */
		return;
	}
	switch (queue_append(r->q, e)) {
	case QUEUE_TAKEN:
		r->items_queued += n;
		break;
	case QUEUE_DROPPED:
		note_drop_node(r, l);
		break;
	case QUEUE_SUSPENDED:
		stall(r, e, l);
		break;
	}
}

/* Retry the events that waited for room, oldest first. true when none
 * waits any more. */
static bool retry_stalled(struct reader *r)
{
	while (r->stalled) {
		struct qevent *e = r->stalled;
		struct qevent *next = e->next;
		size_t n = e->nitems;
		enum queue_put put;

		e->next = NULL;
		put = queue_append(r->q, e); /* e is the queue's now, unless handed back */
		if (put == QUEUE_SUSPENDED) {
			e->next = next;
			return false;
		}
		if (put == QUEUE_TAKEN)
			r->items_queued += n;
		unstall_first(r, next);
	}
	return true;
}

/* Let go of every waiting event (exit). */
static void free_stalled(struct reader *r)
{
	while (r->stalled) {
		struct qevent *next = r->stalled->next;

		qevent_free(r->stalled);
		r->stalled = next;
	}
	r->stalled_tail = NULL;
	r->nstalled = 0;
	r->stalled_id_lost = false;
}

/* ---- the intake log: records not yet spooled ---- */

static void on_record(void *arg, const char *rec, size_t n)
{
	struct reader *r = arg;

	intake_record(r->ik, rec, n, r->now); /* no clock read per record */
}

static void on_refused(void *arg, const char *rec, size_t n)
{
	intake_refused(((struct reader *)arg)->ik, rec, n);
}

/* Records of the event auparse is on, without the EOE (not always among
 * them, and never noted: intake.h). Leaves auparse on the first record. */
static unsigned count_records(auparse_state_t *au)
{
	unsigned n = 0;

	if (auparse_first_record(au) <= 0)
		return 0;
	do {
		n += auparse_get_type(au) != AUDIT_EOE;
	} while (auparse_next_record(au) > 0);
	auparse_first_record(au);
	return n;
}

/* libauparse hands out the records of the event it is positioned on. */
static void note_emitted(struct reader *r, auparse_state_t *au)
{
	const au_event_t *e = auparse_get_timestamp(au);
	const char *node;
	struct intake_id id;

	if (!e)
		return;
	node = e->host ? e->host : "";
	id = (struct intake_id){.sec = (int64_t)e->sec,
	                        .milli = e->milli,
	                        .serial = e->serial,
	                        .node = intake_node_hash(node, strlen(node))};
	intake_emitted(r->ik, &id, count_records(au));
}

/* Is an event with this id still in memory only: held by the assembler,
 * or (reading suspended) waiting for room in the spool? */
static bool held_in_memory(void *arg, const struct intake_id *id)
{
	const struct reader *r = arg;

	if (r->stalled_id_lost)
		return true; /* ids not all known (out of memory): let nothing go */
	for (size_t i = 0; i < r->nstalled; i++)
		if (intake_id_eq(&r->stalled_id[i], id))
			return true;
	for (size_t i = 0; i < r->asm_.count; i++) {
		struct intake_id h = list_id(&r->asm_.slot[i]);

		if (r->asm_.slot[i].ev.valid && intake_id_eq(&h, id))
			return true;
	}
	return false;
}

/* Settle what reached the spool and commit the intake log (after the
 * spool was synced). idle: libauparse holds nothing. false when the
 * intake log could not be written. */
static bool intake_step(struct reader *r, bool idle)
{
	struct intake_stats st;

	intake_settle(r->ik, idle, held_in_memory, r, reader_clock());
	if (intake_commit(r->ik) == 0)
		return true;
	intake_stats(r->ik, &st);
	log_limited("intake-error", "ZRA0511W",
	            "%s; records read but not yet spooled are kept in memory only until this "
	            "succeeds (%" PRIu64 " failed writes so far)",
	            intake_error(r->ik), st.write_errors);
	return false;
}

/* Group commit (commit.h): sync the spool when this pass is due (always
 * with force), before the intake log commits; true when it did. */
static bool commit_begin(struct reader *r, bool force)
{
	double now = reader_clock();

	commit_note(&r->gc, now, input_stats(r->in)->bytes);
	if (!force && !commit_due(&r->gc, now))
		return false;
	queue_sync(r->q);
	return true;
}

/* After the intake log's commit: sync it too, in the spool's order. */
static void commit_end(struct reader *r, bool synced)
{
	if (!synced)
		return;
	intake_sync(r->ik);
	commit_done(&r->gc);
}

/* A commit point that syncs whatever is unsynced (tick, replay, flush,
 * stop); the intake log's verdict as intake_step's. */
static bool commit_all(struct reader *r, bool idle)
{
	bool synced = commit_begin(r, true);
	bool ok = intake_step(r, idle);

	commit_end(r, synced);
	return ok;
}

/* A record the filter does not pass, counted by type in the statistics. */
static void count_skipped(void *arg, int type)
{
	const struct reader *r = arg;
	char tmp[32];

	if (r->stats)
		stats_skipped(r->stats, filter_type_name(type, tmp, sizeof(tmp)));
}

/* libauparse 3.0.9 may deliver one Linux event in several callbacks, even
 * with other events in between; the assembler holds the last few mapped
 * events so the parts become one queued event with one qualifier and log
 * string (assemble.h). */
static void on_event(auparse_state_t *au, void *arg)
{
	struct reader *r = arg;
	uint64_t joined = r->asm_.parts_joined;
	int n;

	if (r->filter)
		filter_count(r->filter, au, count_skipped, r); /* the mapper skips them */
	note_emitted(r, au);
	n = assemble_event(&r->asm_, au, r->mo);
	if (r->event_fn) /* per node: records, events, last seen */
		r->event_fn(r->event_arg, au, r->asm_.parts_joined == joined, r->now);
	if (n < 0) {
		r->failed_events++;
		log_limited("map-failed", "ZRA0008E",
		            "cannot map an audit event (%s); the event is lost", strerror(errno));
		return;
	}
	if (r->asm_.parts_joined != joined)
		return; /* a part of an event already counted */
	r->events++;
	if (n == 0)
		r->empty_events++;
}

/* An input of format fmt whose records are noted in the intake log. */
static struct input *make_input(struct reader *r, enum config_format fmt)
{
	const struct input_observer obs = {.record = on_record, .refused = on_refused, .arg = r};
	struct input *in = input_new(fmt, on_event, r);

	if (in)
		input_observe(in, &obs);
	return in;
}

/* ---- open and close ---- */

static void log_recovery(const struct reader *r)
{
	const struct spool_recovery *rec = &r->rec;

	if (rec->skipped_bytes)
		log_msg("ZRA0016W",
		        "spool %s: damaged data skipped in %" PRIu64 " place(s), %" PRIu64
		        " bytes in all (a crash during a write, or the disk); first: %s. "
		        "Everything before the damage is delivered",
		        r->dir, rec->damaged_entries, rec->skipped_bytes, rec->first_damage);
	if (rec->events)
		log_msg("ZRA0014I",
		        "spool %s: %" PRIu64 " events (%" PRIu64 " items) from an earlier run "
		        "are delivered first, oldest first; those already sent before a crash "
		        "are sent again (at least once)",
		        r->dir, rec->events, rec->items);
}

struct reader *reader_open(const struct reader_opts *o)
{
	struct spool_opts so = {.dir = o->dir,
	                        .max_bytes = o->max_bytes,
	                        .segment_bytes = o->segment_bytes,
	                        .sync = o->sync,
	                        .write_fn = o->write_fn};
	struct intake_opts io = {.dir = o->dir, .sync = o->sync, .write_fn = o->write_fn};
	struct reader *r = calloc(1, sizeof(*r));
	char err[768];

	if (!r) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return NULL;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", o->dir);
	r->mo = o->mo;
	r->filter = o->filter;
	r->ids = o->ids;
	r->q = o->q;
	assemble_init(&r->asm_, hand_on, r);
	buf_init(&r->scratch);
	item_list_init(&r->self);
	r->in = make_input(r, o->format);
	if (!r->in) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		goto fail;
	}
	r->sp = spool_open(&so, &r->rec, err, sizeof(err));
	if (!r->sp) {
		log_msg("ZRA0015E", "cannot start: %s", err);
		goto fail;
	}
	/* The intake log works in the spool's own directory descriptor, never
	 * the path again (a directory swapped in meanwhile is not followed). */
	io.dirfd = spool_dirfd(r->sp);
	r->ik = intake_open(&io, &r->irec, err, sizeof(err));
	if (!r->ik) {
		log_msg("ZRA0015E", "cannot start: %s", err);
		goto fail;
	}
	/* Tags must stay unique among items in flight: go on above the
	 * newest one the spool holds. */
	r->tag = r->rec.last_tag;
	commit_init(&r->gc, o->sync_interval_ms, o->sync_bytes);
	log_recovery(r);
	queue_attach_spool(r->q, r->sp, o->full);
	return r;
fail:
	reader_close(r);
	return NULL;
}

void reader_close(struct reader *r)
{
	if (!r)
		return;
	free_stalled(r);
	spool_close(r->sp);
	intake_close(r->ik);
	input_free(r->in);
	assemble_free(&r->asm_);
	free(r->stalled_id);
	buf_free(&r->scratch);
	item_list_free(&r->self);
	free(r);
}

void reader_set_stats(struct reader *r, struct stats *st)
{
	r->stats = st;
}

/* ---- the loop ---- */

void reader_replay(struct reader *r)
{
	const struct intake_recovery *rec = &r->irec;
	size_t len;
	const char *text = intake_replay(r->ik, &len);
	struct input *in;

	if (rec->skipped_bytes)
		log_msg("ZRA0516W",
		        "intake log in %s: damaged data skipped in %" PRIu64 " place(s), %" PRIu64
		        " bytes in all (a crash during a write, or the disk); first: %s",
		        r->dir, rec->damaged_entries, rec->skipped_bytes, rec->first_damage);
	if (len == 0)
		return;
	reader_set_now(r, reader_clock());
	log_msg("ZRA0515I",
	        "intake log in %s: %" PRIu64 " records (%" PRIu64 " bytes) were read from "
	        "auditd by an earlier run that stopped before their events were spooled; "
	        "they are processed now, before new input",
	        r->dir, rec->replay, rec->replay_bytes);
	/* As text lines, whatever the input format. */
	in = make_input(r, CONFIG_FORMAT_STRING);
	if (!in) {
		log_msg("ZRA0012E", "out of memory replaying the intake log; its records stay on "
		                    "disk for the next start");
		return;
	}
	input_feed(in, text, len);
	input_flush(in);
	assemble_flush(&r->asm_);
	input_free(in);
	intake_replay_free(r->ik);
	commit_all(r, true);
}

void reader_feed(struct reader *r, const char *buf, size_t n)
{
	input_feed(r->in, buf, n);
}

bool reader_waiting(const struct reader *r)
{
	return r->stalled != NULL;
}

/* Say when reading stops for a full spool and when it goes on. */
static void note_suspension(struct reader *r, bool room)
{
	struct queue_stats qs;

	if (room == !r->suspended)
		return;
	r->suspended = !room;
	queue_stats(r->q, &qs);
	if (r->suspended)
		log_msg("ZRA0504W",
		        "spool %s full: spool_full_action suspend stops reading from auditd "
		        "until the server settles events and frees space; auditd's queue fills "
		        "and its overflow_action applies (%" PRIu64 " suspensions so far)",
		        r->dir, qs.suspended);
	else
		log_msg("ZRA0505I", "spool %s has room again: reading from auditd resumes", r->dir);
}

void reader_turn(struct reader *r)
{
	/* spool_sync = batch: one sync for what the reads of the last
	 * spool_sync_interval_ms (or spool_sync_bytes) brought. */
	bool synced = commit_begin(r, false);

	if (r->stalled || r->suspended)
		note_suspension(r, retry_stalled(r));
	intake_step(r, false);
	commit_end(r, synced);
}

/* Spool full and spool errors: once per interval each, with the counts. */
static void report_spool(struct reader *r, const struct queue_stats *qs)
{
	struct spool_stats ss;
	char err[256];

	queue_spool_stats(r->q, &ss, err, sizeof(err));
	if (qs->full_dropped > r->full_reported &&
	    log_limited("spool-full-oldest", "ZRA0502W",
	                "spool %s full (%" PRIu64 " of %" PRIu64 " MiB, or the file system "
	                "is full): spool_full_action keep_oldest dropped %" PRIu64
	                " new audit events since the last report, %" PRIu64 " (%" PRIu64
	                " items) in all",
	                r->dir, ss.bytes >> 20, ss.max_bytes >> 20,
	                qs->full_dropped - r->full_reported, qs->full_dropped,
	                qs->full_dropped_items))
		r->full_reported = qs->full_dropped;
	if (qs->discarded > r->discard_reported &&
	    log_limited("spool-full-newest", "ZRA0503W",
	                "spool %s full (%" PRIu64 " of %" PRIu64 " MiB, or the file system "
	                "is full): spool_full_action keep_newest discarded %" PRIu64
	                " of the oldest unsent audit events since the last report, %" PRIu64
	                " (%" PRIu64 " items) in all",
	                r->dir, ss.bytes >> 20, ss.max_bytes >> 20,
	                qs->discarded - r->discard_reported, qs->discarded, qs->discarded_items))
		r->discard_reported = qs->discarded;
	if (qs->spool_errors > r->errors_reported &&
	    log_limited("spool-error", "ZRA0506E",
	                "cannot write the spool: %s; %" PRIu64 " events could not be spooled "
	                "(%" PRIu64 " kept in memory only, the rest dropped and counted)",
	                err, qs->spool_errors, qs->unspooled))
		r->errors_reported = qs->spool_errors;
}

static void report_drops(struct reader *r)
{
	struct queue_stats qs;

	queue_stats(r->q, &qs);
	report_spool(r, &qs);
	if (qs.dropped <= r->drops_reported)
		return;
	if (log_limited("queue-full", "ZRA0501W",
	                "queue full (%zu events): %" PRIu64 " audit events dropped since the last "
	                "report, %" PRIu64 " in all. The server is slow or unreachable, or "
	                "q_depth is too small",
	                qs.limit, qs.dropped - r->drops_reported, qs.dropped))
		r->drops_reported = qs.dropped;
}

void reader_tick(struct reader *r)
{
	/* The last event of a quiet period goes out within about a second. */
	input_age(r->in);
	assemble_flush(&r->asm_);
	commit_all(r, input_idle(r->in));
	report_drops(r);
}

/* Every event read so far onto the queue. */
static void flush_events(struct reader *r)
{
	input_flush(r->in);
	assemble_flush(&r->asm_);
}

void reader_flush(struct reader *r)
{
	flush_events(r);
	commit_all(r, true);
}

int reader_set_format(struct reader *r, enum config_format fmt)
{
	struct input *in = make_input(r, fmt);

	if (!in)
		return -1;
	input_free(r->in);
	r->in = in;
	return 0;
}

static enum spool_sync spool_sync_of(enum config_spool_sync s)
{
	return s == CONFIG_SPOOL_SYNC_NONE     ? SPOOL_SYNC_NONE
	       : s == CONFIG_SPOOL_SYNC_RECORD ? SPOOL_SYNC_RECORD
	                                       : SPOOL_SYNC_BATCH;
}

static enum queue_full_action full_action_of(enum config_spool_full f)
{
	return f == CONFIG_SPOOL_KEEP_NEWEST ? QUEUE_KEEP_NEWEST
	       : f == CONFIG_SPOOL_SUSPEND   ? QUEUE_SUSPEND
	                                     : QUEUE_KEEP_OLDEST;
}

void reader_opts_config(struct reader_opts *o, const struct config *c)
{
	o->format = c->format;
	o->max_bytes = (uint64_t)c->spool_max_size << 20;
	o->sync = spool_sync_of(c->spool_sync);
	o->full = full_action_of(c->spool_full_action);
	o->filter = &c->filter;
	o->sync_interval_ms = c->spool_sync_interval_ms;
	o->sync_bytes = c->spool_sync_bytes;
}

void reader_set_limits(struct reader *r, const struct config *c)
{
	enum spool_sync sync = spool_sync_of(c->spool_sync);

	queue_set_spool_limits(r->q, (uint64_t)c->spool_max_size << 20, sync);
	intake_set_sync(r->ik, sync);
	commit_init(&r->gc, c->spool_sync_interval_ms, c->spool_sync_bytes);
	queue_set_full_action(r->q, full_action_of(c->spool_full_action));
}

void reader_stop(struct reader *r)
{
	bool kept;

	flush_events(r);
	if (r->stalled)
		retry_stalled(r);
	kept = commit_all(r, true); /* while they are still held */
	if (!r->stalled)
		return;
	if (kept) {
		log_msg("ZRA0017W",
		        "exiting while the spool %s is full: %" PRIu64 " audit events read from "
		        "auditd could not be spooled; their records stay in the intake log and are "
		        "processed at the next start",
		        r->dir, r->nstalled);
	} else {
		r->stalled_lost = r->nstalled;
		log_msg("ZRA0017W",
		        "exiting while the spool %s is full: %" PRIu64 " audit events read from "
		        "auditd could not be spooled, and the intake log could not be written "
		        "either (%s): they are lost",
		        r->dir, r->nstalled, intake_error(r->ik));
	}
	free_stalled(r);
}

int reader_self(struct reader *r, const struct selfaudit_event *ev)
{
	struct qevent *e;

	if (selfaudit_map(ev, r->mo, &r->self) < 0)
		return -1;
	e = qevent_new(&r->self, &r->tag, &r->scratch);
	item_list_clear(&r->self);
	if (!e)
		return -1;
	return queue_append_reserved(r->q, e) == QUEUE_TAKEN ? 0 : -1;
}

void reader_drop_nodes(struct reader *r, char *out, size_t len)
{
	snprintf(out, len, "%s%s", r->drop_nodes, r->drop_nodes_cut ? ",..." : "");
	r->drop_nodes[0] = '\0';
	r->drop_nodes_cut = false;
}

void reader_watch_events(struct reader *r, reader_event_fn fn, void *arg)
{
	r->event_fn = fn;
	r->event_arg = arg;
}

double reader_sync_wait(const struct reader *r, double now)
{
	return commit_wait(&r->gc, now);
}

const struct input *reader_input(const struct reader *r)
{
	return r->in;
}

const char *reader_dir(const struct reader *r)
{
	return r->dir;
}

void reader_stats(const struct reader *r, struct reader_stats *st)
{
	*st = (struct reader_stats){.events = r->events,
	                            .items_queued = r->items_queued,
	                            .empty_events = r->empty_events,
	                            .failed_events = r->failed_events,
	                            .stalled = r->nstalled,
	                            .stalled_lost = r->stalled_lost,
	                            .rec = r->rec,
	                            .irec = r->irec};
	intake_stats(r->ik, &st->intake);
}

void reader_log_summary(const struct reader *r, uint64_t set_aside, const char *set_aside_file)
{
	struct reader_stats rs;
	struct queue_stats qs;

	reader_stats(r, &rs);
	queue_stats(r->q, &qs);
	log_msg("ZRA0018I",
	        "spool %s: recovered at start %" PRIu64 " events (%" PRIu64 " items, sent "
	        "again: at least once), %" PRIu64 " damaged bytes skipped; full: %" PRIu64
	        " items dropped (keep_oldest), %" PRIu64 " discarded (keep_newest), %" PRIu64
	        " suspensions, %" PRIu64 " events lost while suspended at exit; %" PRIu64
	        " write errors; %" PRIu64 " items set aside in %s",
	        r->dir, rs.rec.events, rs.rec.items, rs.rec.skipped_bytes, qs.full_dropped_items,
	        qs.discarded_items, qs.suspended, rs.stalled_lost, qs.spool_errors, set_aside,
	        set_aside_file);
	log_msg("ZRA0020I",
	        "intake log in %s: %" PRIu64 " records replayed at start, %" PRIu64
	        " damaged bytes skipped; %" PRIu64 " records noted, %" PRIu64 " writes (%" PRIu64
	        " bytes), %" PRIu64 " write errors, %" PRIu64 " records libauparse never "
	        "handed out; %zu events still waiting at exit",
	        r->dir, rs.irec.replay, rs.irec.skipped_bytes, rs.intake.records, rs.intake.writes,
	        rs.intake.bytes_written, rs.intake.write_errors, rs.intake.orphaned,
	        rs.intake.pending);
}
