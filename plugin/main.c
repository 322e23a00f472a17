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

#include "assemble.h"
#include "buf.h"
#include "config.h"
#include "input.h"
#include "item.h"
#include "log.h"
#include "mapper.h"
#include "queue.h"
#include "sender.h"

#define PROG        "audispd-zos-remote"
#define READ_CHUNK  ((size_t)64 * 1024)
#define AGE_SECONDS 1.0

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
};

/* Set by the signal handlers, read by the loop (signals only arrive
 * inside ppoll). */
static volatile sig_atomic_t sig_term, sig_int, sig_hup, sig_foreign, sig_foreign_pid;

static void on_signal(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	if (sig == SIGHUP) {
		sig_hup = 1;
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
	if (queue_push(p->q, e))
		p->items_queued += n;
}

/* libauparse 3.0.9 may deliver one Linux event in several callbacks, even
 * with other events in between; the assembler holds the last few mapped
 * events so the parts become one queued event with one qualifier and log
 * string (assemble.h). */
static void on_event(auparse_state_t *au, void *arg)
{
	struct plugin *p = arg;
	uint64_t joined = p->asm_.parts_joined;
	int n = assemble_event(&p->asm_, au, &p->mo);

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

/* ---- reload (SIGHUP) ---- */

static int reset_input(struct plugin *p, enum config_format fmt)
{
	struct input *in = input_new(fmt, on_event, p);

	if (!in)
		return -1;
	input_free(p->in);
	p->in = in;
	return 0;
}

static void reload(struct plugin *p)
{
	struct config nc;

	/* Events already read are mapped with the options they were read under. */
	flush_events(p);
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
	log_set_interval(p->cfg.log_interval);
	log_reset();
	sender_reload(p->snd, &p->cfg);
	config_warnings(&p->cfg, log_warning, NULL);
	log_msg("ZRA0003I", "configuration %s reloaded: server %s, port %u, user %s, format %s",
	        p->opt.config_path, p->cfg.server, p->cfg.port ? p->cfg.port : 389, p->cfg.user,
	        format_name(p->cfg.format));
}

/* ---- periodic work ---- */

static void report_drops(struct plugin *p)
{
	struct queue_stats qs;

	queue_stats(p->q, &qs);
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

/* Read until end of input, SIGTERM from auditd or SIGINT. */
static void run(struct plugin *p, const sigset_t *waitmask)
{
	static char buf[READ_CHUNK];
	double last_tick = now_mono();
	const char *why = "end of input";

	for (;;) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		struct timespec ts = {.tv_sec = 1};
		int rc = ppoll(&pfd, 1, &ts, waitmask);
		double now;

		handle_signals(p);
		if (sig_term || sig_int) {
			why = sig_term ? "SIGTERM from auditd" : "SIGINT";
			break;
		}
		if (rc > 0 && pfd.revents && !read_input(p, buf))
			break;
		now = now_mono();
		if (now - last_tick >= AGE_SECONDS) {
			/* The last event of a quiet period goes out within about a second. */
			input_age(p->in);
			assemble_flush(&p->asm_);
			report_drops(p);
			last_tick = now;
		}
	}
	log_msg("ZRA0011I", "%s: delivering what is queued for at most %u s", why,
	        p->cfg.drain_timeout);
}

/* ---- start and stop ---- */

static void drop_capabilities(void)
{
	/* The RACF password lives in this process: no core dump may carry it,
	 * and no unprivileged process may attach to read it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_msg("ZRA0013W", "cannot disable core dumps (%s); a crash dump could hold the "
		                    "password", strerror(errno));
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
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGHUP);
}

static void log_summary(struct plugin *p)
{
	const struct input_stats *is = input_stats(p->in);
	struct sender_stats ss;
	struct queue_stats qs;
	uint64_t left_events = 0, left_items = 0;
	char settled[256], dropped[256];
	size_t off = 0;

	queue_discard(p->q, &left_events, &left_items);
	queue_stats(p->q, &qs);
	sender_stats(p->snd, &ss);
	for (int i = 0; i < SETTLED_N; i++)
		off += (size_t)snprintf(settled + off, sizeof(settled) - off, " %s=%" PRIu64,
		                        sender_settled_name(i), ss.settled[i]);
	off = (size_t)snprintf(dropped, sizeof(dropped), " queue_full=%" PRIu64, qs.dropped_items);
	for (int i = 0; i < DROPPED_N; i++)
		off += (size_t)snprintf(dropped + off, sizeof(dropped) - off, " %s=%" PRIu64,
		                        sender_dropped_name(i), ss.dropped[i]);
	log_msg("ZRA0002I",
	        "exiting: %" PRIu64 " records read, %" PRIu64 " events, %" PRIu64 " items queued, "
	        "%" PRIu64 " requests with %" PRIu64 " items sent; settled:%s; dropped items:%s; "
	        "undelivered at exit: %" PRIu64 " items",
	        is->records, p->events, p->items_queued, ss.requests, ss.items_sent, settled,
	        dropped, ss.undelivered + left_items);
}

static int start(struct plugin *p)
{
	if (gethostname(p->hostname, sizeof(p->hostname) - 1) != 0)
		snprintf(p->hostname, sizeof(p->hostname), "localhost");
	assemble_init(&p->asm_, hand_on, p);
	buf_init(&p->scratch);
	if (load_config(p) != 0)
		return -1;
	p->in = input_new(p->cfg.format, on_event, p);
	p->q = queue_new(p->cfg.q_depth);
	p->snd = p->q ? sender_new(&p->cfg, p->q) : NULL;
	if (!p->in || !p->q || !p->snd) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return -1;
	}
	log_msg("ZRA0001I",
	        "%s %s started: config %s, server %s, port %u, user %s, format %s, q_depth %u, "
	        "window %u, batch %u items/%u bytes, linger %u ms",
	        PROG, PACKAGE_VERSION, p->opt.config_path, p->cfg.server,
	        p->cfg.port ? p->cfg.port : 389, p->cfg.user, format_name(p->cfg.format),
	        p->cfg.q_depth, p->cfg.window, p->cfg.batch_items, p->cfg.batch_bytes,
	        p->cfg.linger_ms);
	if (sender_start(p->snd) != 0) {
		log_msg("ZRA0012E", "cannot start the sender thread: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void finish(struct plugin *p)
{
	if (p->snd)
		sender_free(p->snd);
	queue_free(p->q);
	input_free(p->in);
	assemble_free(&p->asm_);
	buf_free(&p->scratch);
	config_wipe(&p->cfg);
}

static int check_only(const struct options *o)
{
	struct config c;
	int n = config_load(o->config_path, &c, print_problem, NULL);

	if (n == 0)
		config_warnings(&c, print_warning, NULL);
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
	umask(077);
	make_ident(p.opt.config_path, p.ident, sizeof(p.ident));
	log_open(p.ident, p.opt.to_stderr);
	drop_capabilities();
	setup_signals(&waitmask);
	if (start(&p) != 0) {
		rc = 1;
	} else {
		run(&p, &waitmask);
		flush_events(&p);
		queue_close(p.q);
		sender_stop(p.snd, p.cfg.drain_timeout);
		log_summary(&p);
	}
	finish(&p);
	log_close();
	return rc;
}
