/* main.c - audispd-zos-remote: arguments, signals and life cycle (start, reload, drain, exit).
 *
 * Two threads. This one, the reader, reads stdin in 64 KiB chunks, frames
 * it into auparse (input.c), maps every event to items (mapper.c), encodes
 * each item once into a queued event (queue.c) and pushes it. The sender
 * thread (sender.c) owns the LDAP session and delivers. The reader never
 * waits for the network: auditd stalls all its plugins when one stops
 * reading, so a full queue drops (and counts) instead of blocking.
 *
 * Signals are blocked except inside ppoll(), so handlers only ever run at
 * one known point of the loop and merely set flags. */

/* The configure-generated header (PACKAGE_VERSION, HAVE_LIBCAP_NG). It is
 * named config.h like plugin/config.h: the angle brackets make the
 * compiler search -I. (the build root, first on automake's command line)
 * instead of this file's directory, where "config.h" finds plugin/config.h. */
#include <zr-autoconf.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_LIBCAP_NG
#include <cap-ng.h>
#endif
#include <libaudit.h>

#include "assemble.h"
#include "buf.h"
#include "config.h"
#include "idcache.h"
#include "input.h"
#include "intake.h"
#include "item.h"
#include "log.h"
#include "mapper.h"
#include "queue.h"
#include "preflight.h"
#include "operate.h"
#include "sender.h"
#include "spool.h"

#define PROG        "audispd-zos-remote"
#define READ_CHUNK  ((size_t)64 * 1024)
#define AGE_SECONDS 1.0
#define SPOOL_BASE  "/var/spool/audit/zos-remote"
#define STALL_POLL  0.1 /* seconds between retries while reading is suspended */

struct options {
	bool to_stderr;
	bool check;
	bool version;
	int format; /* -1: from the config file */
	const char *config_path;
};

/* Everything the reader thread owns. */
struct plugin {
	struct options opt;
	char ident[128];
	char hostname[256];
	struct config cfg;
	struct map_opts mo;
	struct input *in;
	struct queue *q;
	struct sender *snd;
	struct assembler asm_; /* mapped events not yet queued (assemble.h) */
	struct buf scratch;
	uint32_t tag;            /* last ItemTag used */
	uint64_t events;         /* events mapped */
	uint64_t items_queued;   /* items in events accepted by the queue */
	uint64_t empty_events;   /* events that made no item (EOE only) */
	uint64_t failed_events;  /* events that could not be mapped or encoded */
	uint64_t drops_reported; /* queue drops already logged */
	/* Durability. */
	char spool_dir[CONFIG_PATH_MAX];
	char set_aside_file[CONFIG_PATH_MAX];
	struct spool *sp;
	struct set_aside *sa;
	struct spool_recovery rec;
	struct intake *ik;   /* records read, not yet spooled (intake.h) */
	double now;          /* monotonic time of the current loop turn, for the intake */
	struct idcache *ids; /* uid/gid interpretations for the mapper (idcache.h) */
	struct intake_recovery irec;
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
	struct operate *op;        /* activity report, state file (operate.h) */
};

/* Set by the signal handlers, read by the loop (signals only arrive
 * inside ppoll). */
static volatile sig_atomic_t sig_term, sig_int, sig_hup, sig_usr1, sig_foreign, sig_foreign_pid;

static void on_signal(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	if (sig == SIGHUP) {
		sig_hup = 1;
	} else if (sig == SIGUSR1) {
		sig_usr1 = 1;
	} else if (sig == SIGINT) {
		sig_int = 1;
	} else if (sig == SIGTERM) {
		/* Only auditd stops us: a SIGTERM from systemd's cgroup kill
		 * or anyone else would make auditd see EPIPE and restart the
		 * plugin during shutdown (audit-userspace issue #469). */
		if (si->si_pid == getppid()) {
			sig_term = 1;
		} else {
			sig_foreign = 1;
			sig_foreign_pid = si->si_pid;
		}
	}
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The time of this loop turn, for what the reader thread ages (intake,
 * id cache): one clock read per turn, none per record. */
static void set_now(struct plugin *p)
{
	p->now = now_mono();
	idcache_set_now(p->ids, p->now);
}

/* ---- arguments ---- */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: %s [--stderr] [--format string|binary] [--check] [--version] [CONFIG]\n"
	        "  Reads audit records from auditd on stdin and sends them to z/OS RACF\n"
	        "  (ICTX remote audit over LDAP). CONFIG defaults to %s.\n"
	        "  --stderr   copy every log message to stderr\n"
	        "  --format   input format, overrides the config key `format`\n"
	        "  --check    check the configuration, print every problem, exit 0 or 1\n"
	        "  --version  print the version\n",
	        PROG, CONFIG_DEFAULT_PATH);
}

/* 0 to run, 1 on a usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	        {"stderr", no_argument, NULL, 's'}, {"format", required_argument, NULL, 'f'},
	        {"check", no_argument, NULL, 'c'},  {"version", no_argument, NULL, 'V'},
	        {"help", no_argument, NULL, 'h'},   {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){.format = -1, .config_path = CONFIG_DEFAULT_PATH};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->to_stderr = true;
			break;
		case 'f':
			if (strcmp(optarg, "string") == 0) {
				o->format = CONFIG_FORMAT_STRING;
			} else if (strcmp(optarg, "binary") == 0) {
				o->format = CONFIG_FORMAT_BINARY;
			} else {
				fprintf(stderr, "%s: --format must be string or binary, not %s\n",
				        PROG, optarg);
				return 1;
			}
			break;
		case 'c':
			o->check = true;
			break;
		case 'V':
			o->version = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc)
		o->config_path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "%s: one configuration file at most (extra: %s)\n", PROG,
		        argv[optind]);
		return 1;
	}
	return 0;
}

/* Several instances (one per z/OS system) share syslog: a config other
 * than the default one names the instance, e.g. audispd-zos-remote/sysa. */
static void make_ident(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	if (strcmp(path, CONFIG_DEFAULT_PATH) == 0) {
		snprintf(out, len, "%s", PROG);
		return;
	}
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	snprintf(out, len, "%s/%.*s", PROG, (int)n, base);
}

/* ---- configuration ---- */

static void print_problem(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static void log_problem(void *arg, const char *msg)
{
	log_msg((const char *)arg, "%s", msg);
}

/* Security warnings (tls = none, tls_verify = no), at every start and reload. */
static void log_warning(void *arg, const char *id, const char *msg)
{
	(void)arg;
	log_msg(id, "%s", msg);
}

static void print_warning(void *arg, const char *id, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s %s\n", id, msg);
}

static void apply_map_opts(struct plugin *p)
{
	config_map_opts(&p->cfg, &p->mo);
	p->mo.hostname = p->hostname;
	p->mo.ids = p->ids;
}

static int load_config(struct plugin *p)
{
	if (config_load(p->opt.config_path, &p->cfg, log_problem, "ZRA0006E") != 0) {
		log_msg("ZRA0006E", "cannot start: fix the configuration file %s",
		        p->opt.config_path);
		return -1;
	}
	if (p->opt.format >= 0)
		p->cfg.format = (enum config_format)p->opt.format;
	apply_map_opts(p);
	log_set_interval(p->cfg.log_interval);
	config_warnings(&p->cfg, log_warning, NULL);
	return 0;
}

static const char *format_name(enum config_format f)
{
	return f == CONFIG_FORMAT_BINARY ? "binary" : "string";
}

/* ---- the reader's event path ---- */

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
static void stall(struct plugin *p, struct qevent *e, const struct item_list *l)
{
	e->next = NULL;
	if (p->stalled)
		p->stalled_tail->next = e;
	else
		p->stalled = e;
	p->stalled_tail = e;
	(void)array_grow(&p->stalled_id, p->nstalled, &p->stalled_id_cap, sizeof(*p->stalled_id),
	                 64); /* on failure: see below */
	/* Without memory for the id, held_in_memory holds everything until
	 * the wait is over (see there), so nothing is let go early. */
	if (p->nstalled < p->stalled_id_cap && !p->stalled_id_lost)
		p->stalled_id[p->nstalled] = list_id(l);
	else
		p->stalled_id_lost = true;
	p->nstalled++;
}

/* The oldest waiting event left the wait (spooled or dropped); next is
 * the one behind it. */
static void unstall_first(struct plugin *p, struct qevent *next)
{
	p->stalled = next;
	if (!p->stalled)
		p->stalled_tail = NULL;
	p->nstalled--;
	if (p->stalled_id_lost) {
		p->stalled_id_lost = p->nstalled > 0; /* the ids no longer match the list */
		return;
	}
	memmove(p->stalled_id, p->stalled_id + 1, p->nstalled * sizeof(*p->stalled_id));
}

/* Encode a whole event and queue it (the assembler's emit callback). */
static void hand_on(struct item_list *l, void *arg)
{
	struct plugin *p = arg;
	struct qevent *e;
	size_t n = l->nitems;

	e = qevent_new(l, &p->tag, &p->scratch);
	if (!e) {
		p->failed_events++;
		log_limited("encode-failed", "ZRA0009E",
		            "cannot encode an audit event of %zu items (%s); the event is lost", n,
		            strerror(errno));
		return;
	}
	if (p->stalled) {
		stall(p, e, l); /* reading is suspended: keep the order behind what waits */
		return;
	}
	switch (queue_append(p->q, e)) {
	case QUEUE_TAKEN:
		p->items_queued += n;
		break;
	case QUEUE_DROPPED:
		break;
	case QUEUE_SUSPENDED:
		stall(p, e, l);
		break;
	}
}

/* Retry the events that waited for room, oldest first. true when none
 * waits any more. */
static bool retry_stalled(struct plugin *p)
{
	while (p->stalled) {
		struct qevent *e = p->stalled;
		struct qevent *next = e->next;
		size_t n = e->nitems;
		enum queue_put put;

		e->next = NULL;
		put = queue_append(p->q, e); /* e is the queue's now, unless handed back */
		if (put == QUEUE_SUSPENDED) {
			e->next = next;
			return false;
		}
		if (put == QUEUE_TAKEN)
			p->items_queued += n;
		unstall_first(p, next);
	}
	return true;
}

/* ---- the intake log: records not yet spooled ---- */

static void on_record(void *arg, const char *rec, size_t n)
{
	struct plugin *p = arg;

	intake_record(p->ik, rec, n, p->now); /* no clock read per record */
}

static void on_refused(void *arg, const char *rec, size_t n)
{
	intake_refused(((struct plugin *)arg)->ik, rec, n);
}

static void observe_input(struct plugin *p, struct input *in)
{
	const struct input_observer obs = {.record = on_record, .refused = on_refused, .arg = p};

	input_observe(in, &obs);
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
static void note_emitted(struct plugin *p, auparse_state_t *au)
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
	intake_emitted(p->ik, &id, count_records(au));
}

/* Is an event with this id still in memory only: held by the assembler,
 * or (reading suspended) waiting for room in the spool? */
static bool held_in_memory(void *arg, const struct intake_id *id)
{
	const struct plugin *p = arg;

	if (p->stalled_id_lost)
		return true; /* ids not all known (out of memory): let nothing go */
	for (size_t i = 0; i < p->nstalled; i++)
		if (intake_id_eq(&p->stalled_id[i], id))
			return true;
	for (size_t i = 0; i < p->asm_.count; i++) {
		struct intake_id h = list_id(&p->asm_.slot[i]);

		if (p->asm_.slot[i].ev.valid && intake_id_eq(&h, id))
			return true;
	}
	return false;
}

/* Settle what reached the spool and commit the intake log (after the
 * spool was synced). idle: libauparse holds nothing. false when the
 * intake log could not be written. */
static bool intake_step(struct plugin *p, bool idle)
{
	struct intake_stats st;

	intake_settle(p->ik, idle, held_in_memory, p, now_mono());
	if (intake_commit(p->ik) == 0)
		return true;
	intake_stats(p->ik, &st);
	log_limited("intake-error", "ZRA0511W",
	            "%s; records read but not yet spooled are kept in memory only until this "
	            "succeeds (%" PRIu64 " failed writes so far)",
	            intake_error(p->ik), st.write_errors);
	return false;
}

/* libauparse 3.0.9 may deliver one Linux event in several callbacks, even
 * with other events in between; the assembler holds the last few mapped
 * events so the parts become one queued event with one qualifier and log
 * string (assemble.h). */
static void on_event(auparse_state_t *au, void *arg)
{
	struct plugin *p = arg;
	uint64_t joined = p->asm_.parts_joined;
	int n;

	filter_count(&p->cfg.filter, au, operate_stats(p->op)); /* the mapper skips them */
	note_emitted(p, au);
	n = assemble_event(&p->asm_, au, &p->mo);
	operate_event(p->op, au, p->asm_.parts_joined == joined, p->now); /* per node */

	if (n < 0) {
		p->failed_events++;
		log_limited("map-failed", "ZRA0008E",
		            "cannot map an audit event (%s); the event is lost", strerror(errno));
		return;
	}
	if (p->asm_.parts_joined != joined)
		return; /* a part of an event already counted */
	p->events++;
	if (n == 0)
		p->empty_events++;
}

/* Every event read so far onto the queue (EOF, SIGHUP, SIGTERM). */
static void flush_events(struct plugin *p)
{
	input_flush(p->in);
	assemble_flush(&p->asm_);
}

/* ---- the spool ---- */

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

static const char *const sync_names[] = {"none", "batch", "record"};
static const char *const full_names[] = {"keep_oldest", "keep_newest", "suspend"};

/* One spool per instance: NAME.conf spools under SPOOL_BASE/NAME. */
static void spool_paths(const struct plugin *p, const struct config *c, char *dir, size_t dirlen,
                        char *sa, size_t salen)
{
	const char *base = strrchr(p->opt.config_path, '/');
	size_t n;

	base = base ? base + 1 : p->opt.config_path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	if (c->spool_dir[0])
		snprintf(dir, dirlen, "%s", c->spool_dir);
	else
		snprintf(dir, dirlen, "%s/%.*s", SPOOL_BASE, (int)n, base);
	if (c->set_aside_file[0])
		snprintf(sa, salen, "%s", c->set_aside_file);
	else
		snprintf(sa, salen, "%s/set-aside", dir);
}

/* Size cap, sync policy and full action take effect at once (SIGHUP);
 * the places on disk only at the next start. */
static void apply_spool_settings(struct plugin *p)
{
	char dir[CONFIG_PATH_MAX], sa[CONFIG_PATH_MAX];

	queue_set_spool_limits(p->q, (uint64_t)p->cfg.spool_max_size << 20,
	                       (int)spool_sync_of(p->cfg.spool_sync));
	intake_set_sync(p->ik, spool_sync_of(p->cfg.spool_sync));
	queue_set_full_action(p->q, full_action_of(p->cfg.spool_full_action));
	spool_paths(p, &p->cfg, dir, sizeof(dir), sa, sizeof(sa));
	if (strcmp(dir, p->spool_dir) != 0 || strcmp(sa, p->set_aside_file) != 0)
		log_msg("ZRA0019W",
		        "spool_dir or set_aside_file changed to %s, %s: they take effect at the "
		        "next start; %s and %s stay in use",
		        dir, sa, p->spool_dir, p->set_aside_file);
}

static void log_recovery(const struct plugin *p)
{
	const struct spool_recovery *r = &p->rec;

	if (r->skipped_bytes)
		log_msg("ZRA0016W",
		        "spool %s: damaged data skipped in %" PRIu64 " place(s), %" PRIu64
		        " bytes in all (a crash during a write, or the disk); first: %s. "
		        "Everything before the damage is delivered",
		        p->spool_dir, r->damaged_entries, r->skipped_bytes, r->first_damage);
	if (r->events)
		log_msg("ZRA0014I",
		        "spool %s: %" PRIu64 " events (%" PRIu64 " items) from an earlier run "
		        "are delivered first, oldest first; those already sent before a crash "
		        "are sent again (at least once)",
		        p->spool_dir, r->events, r->items);
}

/* Records an earlier run read but had not spooled when it died: through
 * libauparse again (as text lines, whatever the input format) before
 * stdin, right after the spool's own backlog. */
static void replay_intake(struct plugin *p)
{
	const struct intake_recovery *r = &p->irec;
	size_t len;
	const char *text = intake_replay(p->ik, &len);
	struct input *in;

	if (r->skipped_bytes)
		log_msg("ZRA0516W",
		        "intake log in %s: damaged data skipped in %" PRIu64 " place(s), %" PRIu64
		        " bytes in all (a crash during a write, or the disk); first: %s",
		        p->spool_dir, r->damaged_entries, r->skipped_bytes, r->first_damage);
	if (len == 0)
		return;
	set_now(p);
	log_msg("ZRA0515I",
	        "intake log in %s: %" PRIu64 " records (%" PRIu64 " bytes) were read from "
	        "auditd by an earlier run that stopped before their events were spooled; "
	        "they are processed now, before new input",
	        p->spool_dir, r->replay, r->replay_bytes);
	in = input_new(CONFIG_FORMAT_STRING, on_event, p);
	if (!in) {
		log_msg("ZRA0012E", "out of memory replaying the intake log; its records stay on "
		                    "disk for the next start");
		return;
	}
	observe_input(p, in);
	input_feed(in, text, len);
	input_flush(in);
	assemble_flush(&p->asm_);
	input_free(in);
	intake_replay_free(p->ik);
	queue_sync(p->q);
	intake_step(p, true);
}

static int open_spool(struct plugin *p)
{
	struct spool_opts o = {.max_bytes = (uint64_t)p->cfg.spool_max_size << 20,
	                       .sync = spool_sync_of(p->cfg.spool_sync)};
	char err[768];

	spool_paths(p, &p->cfg, p->spool_dir, sizeof(p->spool_dir), p->set_aside_file,
	            sizeof(p->set_aside_file));
	o.dir = p->spool_dir;
	p->sp = spool_open(&o, &p->rec, err, sizeof(err));
	if (!p->sp) {
		log_msg("ZRA0015E", "cannot start: %s", err);
		return -1;
	}
	p->sa = set_aside_open(p->set_aside_file, err, sizeof(err));
	if (!p->sa) {
		log_msg("ZRA0015E", "cannot start: %s", err);
		return -1;
	}
	p->ik = intake_open(&(struct intake_opts){.dir = p->spool_dir, .sync = o.sync}, &p->irec,
	                    err, sizeof(err));
	if (!p->ik) {
		log_msg("ZRA0015E", "cannot start: %s", err);
		return -1;
	}
	/* Tags must stay unique among items in flight: go on above the
	 * newest one the spool holds. */
	p->tag = p->rec.last_tag;
	log_recovery(p);
	return 0;
}

/* ---- reload (SIGHUP) ---- */

static int reset_input(struct plugin *p, enum config_format fmt)
{
	struct input *in = input_new(fmt, on_event, p);

	if (!in)
		return -1;
	observe_input(p, in);
	input_free(p->in);
	p->in = in;
	return 0;
}

static void reload(struct plugin *p)
{
	struct config nc;

	/* Events already read are mapped with the options they were read under. */
	flush_events(p);
	queue_sync(p->q);
	intake_step(p, true);
	if (config_load(p->opt.config_path, &nc, log_problem, "ZRA0004E") != 0) {
		log_msg("ZRA0004E",
		        "reload failed: %s has errors (listed above); the previous "
		        "configuration stays in use",
		        p->opt.config_path);
		return;
	}
	if (p->opt.format >= 0)
		nc.format = (enum config_format)p->opt.format;
	if (nc.format != p->cfg.format && reset_input(p, nc.format) != 0) {
		log_msg("ZRA0004E", "reload failed: out of memory switching the input format; "
		                    "the previous configuration stays in use");
		config_wipe(&nc);
		return;
	}
	config_wipe(&p->cfg);
	p->cfg = nc;
	config_wipe(&nc);
	apply_map_opts(p);
	queue_set_limit(p->q, p->cfg.q_depth);
	apply_spool_settings(p);
	log_set_interval(p->cfg.log_interval);
	log_reset();
	sender_reload(p->snd, &p->cfg);
	operate_reload(p->op);
	config_warnings(&p->cfg, log_warning, NULL);
	log_msg("ZRA0003I", "configuration %s reloaded: server %s, port %u, user %s, format %s",
	        p->opt.config_path, p->cfg.server, p->cfg.port ? p->cfg.port : 389, p->cfg.user,
	        format_name(p->cfg.format));
}

/* ---- periodic work ---- */

/* Spool full and spool errors: once per interval each, with the counts. */
static void report_spool(struct plugin *p, const struct queue_stats *qs)
{
	struct spool_stats ss;
	char err[256];

	queue_spool_stats(p->q, &ss, err, sizeof(err));
	if (qs->full_dropped > p->full_reported &&
	    log_limited("spool-full-oldest", "ZRA0502W",
	                "spool %s full (%" PRIu64 " of %" PRIu64 " MiB, or the file system "
	                "is full): spool_full_action keep_oldest dropped %" PRIu64
	                " new audit events since the last report, %" PRIu64 " (%" PRIu64
	                " items) in all",
	                p->spool_dir, ss.bytes >> 20, ss.max_bytes >> 20,
	                qs->full_dropped - p->full_reported, qs->full_dropped,
	                qs->full_dropped_items))
		p->full_reported = qs->full_dropped;
	if (qs->discarded > p->discard_reported &&
	    log_limited("spool-full-newest", "ZRA0503W",
	                "spool %s full (%" PRIu64 " of %" PRIu64 " MiB, or the file system "
	                "is full): spool_full_action keep_newest discarded %" PRIu64
	                " of the oldest unsent audit events since the last report, %" PRIu64
	                " (%" PRIu64 " items) in all",
	                p->spool_dir, ss.bytes >> 20, ss.max_bytes >> 20,
	                qs->discarded - p->discard_reported, qs->discarded, qs->discarded_items))
		p->discard_reported = qs->discarded;
	if (qs->spool_errors > p->errors_reported &&
	    log_limited("spool-error", "ZRA0506E",
	                "cannot write the spool: %s; %" PRIu64 " events could not be spooled "
	                "(%" PRIu64 " kept in memory only, the rest dropped and counted)",
	                err, qs->spool_errors, qs->unspooled))
		p->errors_reported = qs->spool_errors;
}

static void report_drops(struct plugin *p)
{
	struct queue_stats qs;

	queue_stats(p->q, &qs);
	if (p->sp)
		report_spool(p, &qs);
	if (qs.dropped <= p->drops_reported)
		return;
	if (log_limited("queue-full", "ZRA0501W",
	                "queue full (%zu events): %" PRIu64 " audit events dropped since the last "
	                "report, %" PRIu64 " in all. The server is slow or unreachable, or "
	                "q_depth is too small",
	                qs.limit, qs.dropped - p->drops_reported, qs.dropped))
		p->drops_reported = qs.dropped;
}

static void handle_signals(struct plugin *p)
{
	if (sig_foreign) {
		sig_foreign = 0;
		log_msg("ZRA0005W",
		        "SIGTERM from process %d ignored: only the parent (auditd, process %d) "
		        "stops this plugin; it exits on end of input",
		        (int)sig_foreign_pid, (int)getppid());
	}
	if (sig_hup) {
		sig_hup = 0;
		reload(p);
	}
	if (sig_usr1) {
		sig_usr1 = 0;
		operate_dump(p->op, p->in, p->q, p->snd);
	}
}

/* Read one chunk. false at end of input (or an unreadable stdin). */
static bool read_input(struct plugin *p, char *buf)
{
	ssize_t n = read(STDIN_FILENO, buf, READ_CHUNK);

	if (n > 0) {
		input_feed(p->in, buf, (size_t)n);
		return true;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n < 0)
		log_msg("ZRA0010E", "cannot read standard input: %s; stopping as at end of input",
		        strerror(errno));
	return false;
}

/* Say when reading stops for a full spool and when it goes on. */
static void note_suspension(struct plugin *p, bool room)
{
	struct queue_stats qs;

	if (room == !p->suspended)
		return;
	p->suspended = !room;
	queue_stats(p->q, &qs);
	if (p->suspended)
		log_msg("ZRA0504W",
		        "spool %s full: spool_full_action suspend stops reading from auditd "
		        "until the server settles events and frees space; auditd's queue fills "
		        "and its overflow_action applies (%" PRIu64 " suspensions so far)",
		        p->spool_dir, qs.suspended);
	else
		log_msg("ZRA0505I", "spool %s has room again: reading from auditd resumes",
		        p->spool_dir);
}

/* Read until end of input, SIGTERM from auditd or SIGINT. */
static void run(struct plugin *p, const sigset_t *waitmask)
{
	static char buf[READ_CHUNK];
	double last_tick = now_mono();
	const char *why = "end of input";

	for (;;) {
		/* While the spool is full (suspend), stdin is not read: auditd's
		 * queue takes the back-pressure and its overflow_action decides. */
		struct pollfd pfd = {.fd = p->stalled ? -1 : STDIN_FILENO, .events = POLLIN};
		struct timespec ts = {.tv_sec = p->stalled ? 0 : 1,
		                      .tv_nsec = p->stalled ? (long)(STALL_POLL * 1e9) : 0};
		int rc = ppoll(&pfd, 1, &ts, waitmask);
		double now;

		set_now(p);
		handle_signals(p);
		if (sig_term || sig_int) {
			why = sig_term ? "SIGTERM from auditd" : "SIGINT";
			break;
		}
		if (rc > 0 && pfd.revents && !read_input(p, buf))
			break;
		/* The batch of spool_sync = batch: what one read() brought. */
		queue_sync(p->q);
		if (p->stalled || p->suspended)
			note_suspension(p, retry_stalled(p));
		intake_step(p, false);
		now = now_mono();
		if (now - last_tick >= AGE_SECONDS) {
			/* The last event of a quiet period goes out within about a second. */
			input_age(p->in);
			assemble_flush(&p->asm_);
			queue_sync(p->q);
			intake_step(p, input_idle(p->in));
			report_drops(p);
			operate_tick(p->op, p->in, p->q, p->snd);
			last_tick = now;
		}
	}
	log_msg("ZRA0011I",
	        "%s: delivering what is queued for at most %u s; the rest stays in the "
	        "spool %s for the next start",
	        why, p->cfg.drain_timeout, p->spool_dir);
}

/* ---- start and stop ---- */

static void drop_capabilities(void)
{
	/* The RACF password lives in this process: no core dump may carry it,
	 * and no unprivileged process may attach to read it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_msg("ZRA0013W",
		        "cannot disable core dumps (%s); a crash dump could hold the "
		        "password",
		        strerror(errno));
#ifdef HAVE_LIBCAP_NG
	/* Nothing here needs a capability: the config is read as its owner,
	 * the network needs none. */
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_BOTH) != 0)
		log_msg("ZRA0007W", "cannot drop capabilities; continuing with those inherited "
		                    "from auditd");
#endif
}

/* Signals: blocked everywhere but inside ppoll (waitmask). */
static void setup_signals(sigset_t *waitmask)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGHUP);
	sigdelset(waitmask, SIGUSR1);
}

static void log_summary(struct plugin *p)
{
	const struct input_stats *is = input_stats(p->in);
	struct sender_stats ss;
	struct queue_stats qs;
	struct intake_stats is2;
	uint64_t left_events = 0, left_items = 0;
	char settled[256], dropped[256];
	size_t off = 0;

	queue_discard(p->q, &left_events, &left_items);
	queue_stats(p->q, &qs);
	sender_stats(p->snd, &ss);
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
	        is->records, p->events, p->items_queued, ss.requests, ss.items_sent, ss.resent,
	        settled, dropped, ss.undelivered + left_items, qs.backlog);
	log_msg("ZRA0018I",
	        "spool %s: recovered at start %" PRIu64 " events (%" PRIu64 " items, sent "
	        "again: at least once), %" PRIu64 " damaged bytes skipped; full: %" PRIu64
	        " items dropped (keep_oldest), %" PRIu64 " discarded (keep_newest), %" PRIu64
	        " suspensions, %" PRIu64 " events lost while suspended at exit; %" PRIu64
	        " write errors; %" PRIu64 " items set aside in %s",
	        p->spool_dir, p->rec.events, p->rec.items, p->rec.skipped_bytes,
	        qs.full_dropped_items, qs.discarded_items, qs.suspended, p->stalled_lost,
	        qs.spool_errors, ss.set_aside, p->set_aside_file);
	intake_stats(p->ik, &is2);
	log_msg("ZRA0020I",
	        "intake log in %s: %" PRIu64 " records replayed at start, %" PRIu64
	        " damaged bytes skipped; %" PRIu64 " records noted, %" PRIu64 " writes (%" PRIu64
	        " bytes), %" PRIu64 " write errors, %" PRIu64 " records libauparse never "
	        "handed out; %zu events still waiting at exit",
	        p->spool_dir, p->irec.replay, p->irec.skipped_bytes, is2.records, is2.writes,
	        is2.bytes_written, is2.write_errors, is2.orphaned, is2.pending);
}

static int start(struct plugin *p)
{
	if (gethostname(p->hostname, sizeof(p->hostname) - 1) != 0)
		snprintf(p->hostname, sizeof(p->hostname), "localhost");
	assemble_init(&p->asm_, hand_on, p);
	buf_init(&p->scratch);
	p->ids = idcache_new(IDCACHE_CAPACITY, IDCACHE_TTL);
	if (!p->ids) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return -1;
	}
	if (load_config(p) != 0)
		return -1;
	p->in = input_new(p->cfg.format, on_event, p);
	if (p->in)
		observe_input(p, p->in);
	p->q = queue_new(p->cfg.q_depth);
	p->snd = p->q ? sender_new(&p->cfg, p->q) : NULL;
	if (!p->in || !p->q || !p->snd) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return -1;
	}
	if (open_spool(p) != 0)
		return -1;
	queue_attach_spool(p->q, p->sp, full_action_of(p->cfg.spool_full_action));
	sender_set_aside(p->snd, p->sa);
	p->op = operate_new(PROG " " PACKAGE_VERSION, p->ident, p->opt.config_path, &p->cfg);
	if (!p->op) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return -1;
	}
	sender_set_stats(p->snd, operate_stats(p->op));
	log_msg("ZRA0001I",
	        "%s %s started: config %s, server %s, port %u, user %s, format %s, q_depth %u, "
	        "window %u, batch %u items/%u bytes, linger %u ms, spool %s (%u MiB, sync %s, "
	        "when full %s)",
	        PROG, PACKAGE_VERSION, p->opt.config_path, p->cfg.server,
	        p->cfg.port ? p->cfg.port : 389, p->cfg.user, format_name(p->cfg.format),
	        p->cfg.q_depth, p->cfg.window, p->cfg.batch_items, p->cfg.batch_bytes,
	        p->cfg.linger_ms, p->spool_dir, p->cfg.spool_max_size,
	        sync_names[p->cfg.spool_sync], full_names[p->cfg.spool_full_action]);
	if (sender_start(p->snd) != 0) {
		log_msg("ZRA0012E", "cannot start the sender thread: %s", strerror(errno));
		return -1;
	}
	replay_intake(p);
	return 0;
}

/* Events still waiting for room at exit: one last try; their records stay
 * in the intake log (they are processed at the next start) unless writing
 * it failed, and then they are lost (counted and said). */
static void settle_stalled(struct plugin *p)
{
	bool kept;

	if (p->stalled)
		retry_stalled(p);
	queue_sync(p->q);
	kept = intake_step(p, true); /* while they are still held */
	if (!p->stalled)
		return;
	if (kept) {
		log_msg("ZRA0017W",
		        "exiting while the spool %s is full: %" PRIu64 " audit events read from "
		        "auditd could not be spooled; their records stay in the intake log and are "
		        "processed at the next start",
		        p->spool_dir, p->nstalled);
	} else {
		p->stalled_lost = p->nstalled;
		log_msg("ZRA0017W",
		        "exiting while the spool %s is full: %" PRIu64 " audit events read from "
		        "auditd could not be spooled, and the intake log could not be written "
		        "either (%s): they are lost",
		        p->spool_dir, p->nstalled, intake_error(p->ik));
	}
	while (p->stalled) {
		struct qevent *next = p->stalled->next;

		qevent_free(p->stalled);
		p->stalled = next;
	}
	p->stalled_tail = NULL;
	p->nstalled = 0;
	p->stalled_id_lost = false;
}

static void finish(struct plugin *p)
{
	if (p->snd)
		sender_free(p->snd);
	operate_free(p->op); /* after the sender: it counts into op's stats */
	queue_free(p->q);
	/* After the sender: it settles into the spool and sets items aside. */
	spool_close(p->sp);
	set_aside_close(p->sa);
	intake_close(p->ik);
	input_free(p->in);
	assemble_free(&p->asm_);
	free(p->stalled_id);
	idcache_free(p->ids);
	buf_free(&p->scratch);
	config_wipe(&p->cfg);
}

static int check_only(const struct options *o)
{
	struct config c;
	int n = config_load(o->config_path, &c, print_problem, NULL);

	if (n == 0) {
		config_warnings(&c, print_warning, NULL);
		n = preflight_check(o->config_path, &c, print_problem, NULL);
	}
	config_wipe(&c);
	if (n) {
		fprintf(stderr, "%s: %d problem(s) in %s\n", PROG, n, o->config_path);
		return 1;
	}
	printf("%s: %s is valid\n", PROG, o->config_path);
	return 0;
}

int main(int argc, char **argv)
{
	static struct plugin p;
	sigset_t waitmask;
	int rc = 0;

	if (parse_args(argc, argv, &p.opt) != 0)
		return 1;
	if (p.opt.version) {
		printf("%s %s\n", PROG, PACKAGE_VERSION);
		return 0;
	}
	if (p.opt.check)
		return check_only(&p.opt);
	/* First: a SIGHUP or SIGTERM from auditd right after the start must
	 * not kill us by its default action. */
	setup_signals(&waitmask);
	umask(077);
	make_ident(p.opt.config_path, p.ident, sizeof(p.ident));
	log_open(p.ident, p.opt.to_stderr);
	drop_capabilities();
	if (start(&p) != 0) {
		rc = 1;
	} else {
		run(&p, &waitmask);
		flush_events(&p);
		settle_stalled(&p);
		queue_close(p.q);
		sender_stop(p.snd, p.cfg.drain_timeout);
		log_summary(&p);
	}
	finish(&p);
	log_close();
	return rc;
}
