/* main.c - audispd-zos-remote: arguments, signals and life cycle (start,
 * reload, drain, exit). The map of the modules and threads: plugin/README.
 *
 * This is the reader thread (the main one). Its loop reads stdin in 64 KiB
 * chunks and hands them to the reader (reader.c), which takes every event
 * to the spool through the queue; the sender thread (sender.c) delivers,
 * and each TLS handshake has a watchdog thread (session.c). The reader
 * never waits for the network: auditd stalls all its plugins when one
 * stops reading. Events go to the spool, a window of them stays in memory;
 * only a full spool costs events (spool_full_action keep_oldest or
 * keep_newest: dropped and counted) or stops reading (suspend: stdin is
 * not polled until there is room, and auditd's queue takes the pressure).
 *
 * Signals are blocked except inside ppoll(), so handlers only ever run at
 * one known point of the loop and merely set flags. */

/* The configure-generated header (PACKAGE_VERSION, HAVE_LIBCAP_NG). It is
 * named config.h like plugin/config.h: the angle brackets make the
 * compiler search -I. (the build root, first on automake's command line)
 * instead of this file's directory, where "config.h" finds plugin/config.h. */
#include <zr-autoconf.h>

#include <errno.h>
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

#include "args.h"
#include "config.h"
#include "confine.h"
#include "idcache.h"
#include "input.h"
#include "log.h"
#include "mapper.h"
#include "operate.h"
#include "pace.h"
#include "preflight.h"
#include "queue.h"
#include "reader.h"
#include "selfreport.h"
#include "sender.h"
#include "setaside.h"
#include "spool.h"
#include "spoollock.h"
#include "stop.h"

#define PROG        ARGS_PROG
#define READ_CHUNK  ((size_t)64 * 1024)
#define AGE_SECONDS 1.0
#define STALL_POLL  0.1 /* seconds between retries while reading is suspended */

/* What main holds: the configuration and the modules it starts and stops. */
struct plugin {
	struct options opt;
	char ident[128];
	char hostname[256];
	struct config cfg;
	struct map_opts mo;
	struct idcache *ids; /* uid/gid interpretations for the mapper (idcache.h) */
	struct queue *q;
	struct sender *snd;
	struct reader *rd; /* the data path from stdin to the spool (reader.h) */
	char spool_dir[CONFIG_PATH_MAX];
	char set_aside_file[CONFIG_PATH_MAX];
	struct set_aside *sa;
	struct operate *op;       /* activity report, state file (operate.h) */
	struct selfreport *sr;    /* the plugin's own ZRA_ items (selfreport.h) */
	int lock_fd;              /* the spool's lock, held until exit (spoollock.h) */
	const sigset_t *waitmask; /* signals let in while waiting (ppoll) */
	struct pace pace;         /* input bytes per second, for read_coalesce_ms */
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

/* ---- configuration ---- */

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

/* ---- the spool ---- */

static const char *const sync_names[] = {"none", "batch", "record"};
static const char *const full_names[] = {"keep_oldest", "keep_newest", "suspend"};

/* One spool per instance: NAME.conf spools under SPOOL_BASE/NAME. */
static void spool_paths(const struct plugin *p, const struct config *c, char *dir, size_t dirlen,
                        char *sa, size_t salen)
{
	spool_dir_of(p->opt.config_path, c->spool_dir, dir, dirlen);
	if (c->set_aside_file[0])
		snprintf(sa, salen, "%s", c->set_aside_file);
	else if (snprintf(sa, salen, "%s/set-aside", dir) >= (int)salen)
		sa[0] = '\0'; /* too long: set_aside_open says so */
}

/* Size cap, sync policy and full action take effect at once (SIGHUP);
 * the places on disk only at the next start. */
static void apply_spool_settings(struct plugin *p)
{
	char dir[CONFIG_PATH_MAX], sa[CONFIG_PATH_MAX];

	reader_set_limits(p->rd, &p->cfg);
	spool_paths(p, &p->cfg, dir, sizeof(dir), sa, sizeof(sa));
	if (strcmp(dir, p->spool_dir) != 0 || strcmp(sa, p->set_aside_file) != 0)
		log_msg("ZRA0019W",
		        "spool_dir or set_aside_file changed to %s, %s: they take effect at the "
		        "next start; %s and %s stay in use",
		        dir, sa, p->spool_dir, p->set_aside_file);
}

static void log_conflict(void *arg, const char *msg)
{
	(void)arg;
	log_msg("ZRA0025E", "cannot start: %s", msg);
}

static bool give_up_waiting(void)
{
	return sig_term || sig_int;
}

/* One spool, one process (spoollock.h): before anything in it is read. */
static int lock_spool(struct plugin *p)
{
	char err[3 * CONFIG_PATH_MAX];

	if (spool_conflicts(p->opt.plugins_dir, p->opt.config_path, p->spool_dir, log_conflict,
	                    NULL))
		return -1;
	p->lock_fd =
	        spool_lock(p->spool_dir, p->opt.config_path, SPOOL_LOCK_WAIT + p->cfg.drain_timeout,
	                   p->waitmask, give_up_waiting, err, sizeof(err));
	if (p->lock_fd < 0) {
		log_msg("ZRA0015E", "cannot start: %s", err);
		return -1;
	}
	return 0;
}

/* The spool, the intake log and the reader's input; the set-aside file. */
static int open_spool(struct plugin *p)
{
	struct reader_opts o = {.dir = p->spool_dir, .mo = &p->mo, .ids = p->ids, .q = p->q};
	char err[768];

	reader_opts_config(&o, &p->cfg);
	spool_paths(p, &p->cfg, p->spool_dir, sizeof(p->spool_dir), p->set_aside_file,
	            sizeof(p->set_aside_file));
	if (lock_spool(p) != 0)
		return -1;
	p->rd = reader_open(&o);
	if (!p->rd)
		return -1;
	p->sa = set_aside_open(p->set_aside_file, err, sizeof(err));
	if (!p->sa) {
		log_msg("ZRA0015E", "cannot start: %s", err);
		return -1;
	}
	return 0;
}

/* ---- reload (SIGHUP) ---- */

static void reload(struct plugin *p)
{
	struct config nc;

	/* Events already read are mapped with the options they were read under. */
	reader_flush(p->rd);
	if (config_load(p->opt.config_path, &nc, log_problem, "ZRA0004E") != 0) {
		log_msg("ZRA0004E",
		        "reload failed: %s has errors (listed above); the previous "
		        "configuration stays in use",
		        p->opt.config_path);
		return;
	}
	if (p->opt.format >= 0)
		nc.format = (enum config_format)p->opt.format;
	/* format: the input goes on as the stream is (input.h); auditd
	 * restarts the plugin when its plugins.d entry changes. */
	struct config old = p->cfg; /* for ZRA_RELOAD: which keys changed */
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
	selfreport_reload(p->sr, &old, p->opt.config_path);
	config_wipe(&old);
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
		operate_dump(p->op, reader_input(p->rd), p->q, p->snd);
	}
}

/* Read one chunk. false at end of input (or an unreadable stdin). */
static bool read_input(struct plugin *p, char *buf)
{
	ssize_t n = read(STDIN_FILENO, buf, READ_CHUNK);

	if (n > 0) {
		reader_feed(p->rd, buf, (size_t)n);
		return true;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n < 0)
		log_msg("ZRA0010E", "cannot read standard input: %s; stopping as at end of input",
		        strerror(errno));
	return false;
}

/* The reader's longest sleep: a second, until a sync falls due (commit.h),
 * or a short poll while events wait for room in the spool. */
static struct timespec read_timeout(const struct plugin *p)
{
	double w = reader_sync_wait(p->rd, reader_clock());
	struct timespec ts = {.tv_sec = 1};

	if (reader_waiting(p->rd))
		return (struct timespec){.tv_nsec = (long)(STALL_POLL * 1e9)};
	if (w >= 0 && w < 1)
		ts = (struct timespec){.tv_nsec = (long)(w * 1e9) + 1000000L};
	return ts;
}

/* After a short read of a trickle, let more records gather in the socket
 * before the next wake-up (pace.h, read_coalesce_ms); signals still end
 * the wait at once. */
static void coalesce_reads(struct plugin *p, uint64_t nread, const sigset_t *waitmask)
{
	double now = reader_clock(), wait;

	pace_note(&p->pace, now, nread);
	if (nread == 0 || nread >= READ_GATHER_BYTES || reader_waiting(p->rd) ||
	    p->cfg.read_coalesce_ms == 0)
		return;
	wait = pace_seconds(&p->pace, READ_GATHER_BYTES, 0, p->cfg.read_coalesce_ms);
	if (wait < 0.0005)
		return;
	struct timespec ts = {.tv_nsec = (long)(wait * 1e9)};

	ppoll(NULL, 0, &ts, waitmask);
}

/* Read until end of input, SIGTERM from auditd or SIGINT; says which. */
static const char *run(struct plugin *p, const sigset_t *waitmask)
{
	static char buf[READ_CHUNK];
	double last_tick = reader_clock();
	const char *why = "end of input";

	for (;;) {
		/* While the spool is full (suspend), stdin is not read: auditd's
		 * queue takes the back-pressure and its overflow_action decides. */
		bool waiting = reader_waiting(p->rd);
		struct pollfd pfd = {.fd = waiting ? -1 : STDIN_FILENO, .events = POLLIN};
		struct timespec ts = read_timeout(p);
		int rc = ppoll(&pfd, 1, &ts, waitmask);
		uint64_t before = input_stats(reader_input(p->rd))->bytes;
		double now;

		reader_set_now(p->rd, reader_clock());
		handle_signals(p);
		if (sig_term || sig_int) {
			why = sig_term ? "SIGTERM from auditd" : "SIGINT";
			break;
		}
		if (rc > 0 && pfd.revents && !read_input(p, buf))
			break;
		reader_turn(p->rd);
		now = reader_clock();
		if (now - last_tick >= AGE_SECONDS) {
			reader_tick(p->rd);
			operate_tick(p->op, reader_input(p->rd), p->q, p->snd);
			selfreport_tick(p->sr, now, (int64_t)time(NULL));
			last_tick = now;
		}
		coalesce_reads(p, input_stats(reader_input(p->rd))->bytes - before, waitmask);
	}
	log_msg("ZRA0011I",
	        "%s: stopping; what was read is in the spool %s; delivering for at most "
	        "%.1f s more, what is not answered by then is sent at the next start",
	        why, p->spool_dir,
	        sig_term || sig_int || p->cfg.drain_timeout < STOP_GRACE
	                ? STOP_GRACE
	                : (double)p->cfg.drain_timeout);
	return why;
}

/* stop_sender's question: did auditd (or ^C) say stop now? */
static bool stop_now(void)
{
	return sig_term || sig_int;
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

/* A fleet's node fell silent or is back: into the trail too (selfreport.h). */
static void tell_node(void *arg, const char *node, bool silent, double silent_for, uint64_t records)
{
	selfreport_node(arg, node, silent, silent_for, records);
}

/* Per-node accounting (operate.h): every event libauparse hands out. */
static void count_node(void *arg, auparse_state_t *au, bool first, double now)
{
	operate_event(arg, au, first, now);
}

static int start(struct plugin *p)
{
	if (gethostname(p->hostname, sizeof(p->hostname) - 1) != 0)
		snprintf(p->hostname, sizeof(p->hostname), "localhost");
	p->ids = idcache_new(IDCACHE_CAPACITY, IDCACHE_TTL);
	if (!p->ids) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return -1;
	}
	if (load_config(p) != 0)
		return -1;
	p->q = queue_new(p->cfg.q_depth);
	p->snd = p->q ? sender_new(&p->cfg, p->q) : NULL;
	if (!p->q || !p->snd) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return -1;
	}
	if (open_spool(p) != 0)
		return -1;
	sender_set_aside(p->snd, p->sa);
	p->op = operate_new(PROG " " PACKAGE_VERSION, p->ident, p->opt.config_path, &p->cfg);
	if (!p->op) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return -1;
	}
	operate_watch(p->op, p->snd);
	reader_watch_events(p->rd, count_node, p->op);
	reader_set_stats(p->rd, operate_stats(p->op));
	log_msg("ZRA0001I",
	        "%s %s started: config %s, server %s, port %u, user %s, format %s, q_depth %u, "
	        "window %u, batch %u items/%u bytes, linger %u ms, spool %s (%u MiB, sync %s, "
	        "when full %s)",
	        PROG, PACKAGE_VERSION, p->opt.config_path, p->cfg.server,
	        p->cfg.port ? p->cfg.port : 389, p->cfg.user, format_name(p->cfg.format),
	        p->cfg.q_depth, p->cfg.window, p->cfg.batch_items, p->cfg.batch_bytes,
	        p->cfg.linger_ms, p->spool_dir, p->cfg.spool_max_size,
	        sync_names[p->cfg.spool_sync], full_names[p->cfg.spool_full_action]);
	p->sr = selfreport_new(&p->cfg, p->rd, p->q, p->snd);
	if (!p->sr) {
		log_msg("ZRA0012E", "cannot start: out of memory");
		return -1;
	}
	selfreport_start(p->sr, PACKAGE_VERSION, p->opt.config_path);
	operate_watch_nodes(p->op, tell_node, p->sr);
	confine_plugin(&p->cfg, p->opt.config_path, p->spool_dir, p->set_aside_file);
	if (sender_start(p->snd) != 0) {
		log_msg("ZRA0012E", "cannot start the sender thread: %s", strerror(errno));
		return -1;
	}
	reader_replay(p->rd);
	return 0;
}

static void finish(struct plugin *p)
{
	if (p->snd)
		sender_free(p->snd);
	operate_free(p->op); /* after the sender: it counts into op's stats */
	selfreport_free(p->sr);
	queue_free(p->q);
	/* After the sender: it settles into the spool and sets items aside. */
	reader_close(p->rd);
	set_aside_close(p->sa);
	if (p->lock_fd >= 0)
		close(p->lock_fd); /* last: the spool is closed */
	idcache_free(p->ids);
	config_wipe(&p->cfg);
}

int main(int argc, char **argv)
{
	static struct plugin p;
	sigset_t waitmask;
	int rc = 0;

	if (args_parse(argc, argv, "", &p.opt, stderr) != 0)
		return 1;
	if (p.opt.help) {
		args_usage(stdout);
		return 0;
	}
	if (p.opt.version) {
		printf("%s %s\n", PROG, PACKAGE_VERSION);
		return 0;
	}
	if (p.opt.check)
		return preflight_main(PROG, p.opt.config_path, p.opt.plugins_dir);
	/* First: a SIGHUP or SIGTERM from auditd right after the start must
	 * not kill us by its default action. */
	setup_signals(&waitmask);
	p.waitmask = &waitmask;
	p.lock_fd = -1;
	umask(077);
	args_ident(p.opt.config_path, p.ident, sizeof(p.ident));
	log_open(p.ident, p.opt.to_stderr);
	if (p.opt.audisp_layout)
		log_msg("ZRA0110I", "%s does not exist; using %s (the audispd layout of audit 2.x)",
		        CONFIG_DEFAULT_PATH, p.opt.config_path);
	drop_capabilities();
	if (start(&p) != 0) {
		rc = 1;
	} else {
		const char *why = run(&p, &waitmask);
		reader_stop(p.rd);
		selfreport_stop(p.sr, why, reader_clock(), (int64_t)time(NULL));
		queue_close(p.q);
		stop_sender(p.snd, p.cfg.drain_timeout, stop_now(), &waitmask, stop_now);
		operate_summary(p.rd, p.q, p.snd, p.set_aside_file);
	}
	finish(&p);
	log_close();
	return rc;
}
