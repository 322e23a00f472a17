/* reader.h - the reader's data path: from what auditd wrote on stdin to
 * events in the spool.
 *
 * What. Records go through the input (input.h: framing, libauparse), the
 * mapper (mapper.h) and the assembler (assemble.h) and become encoded
 * events that the queue (queue.h) writes to the spool. On the way every
 * record is noted in the intake log (intake.h) until its event is in the
 * spool. When the spool is full with spool_full_action = suspend the
 * queue hands events back: they wait here, in order, and the caller stops
 * reading stdin while reader_waiting() says so. The reader also says what
 * a full spool, a full queue or a spool write error cost (once per
 * interval, rate-limited through log.h), replays what an earlier run left
 * in the intake log, and settles what still waits at exit.
 *
 * The caller (main.c) reads stdin, handles signals and the configuration,
 * and calls in per loop turn: reader_set_now, reader_feed for each chunk,
 * reader_turn, and about once a second reader_tick.
 *
 * Owner: the reader thread (main). Not thread-safe. It shares events with
 * the sender thread only through the queue (and counts into stats.h and
 * logs through log.h, both locked: plugin/README). */
#ifndef ZR_READER_H
#define ZR_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "input.h"
#include "intake.h"
#include "mapper.h"
#include "queue.h"
#include "spool.h"

struct stats;

struct reader_opts {
	const char *dir; /* the spool directory (the intake log lives there too) */
	enum config_format format;
	uint64_t max_bytes;     /* spool size cap */
	uint64_t segment_bytes; /* 0 = the spool's default */
	enum spool_sync sync;
	/* Group commit under spool_sync = batch (commit.h): a sync at most
	 * sync_interval_ms after the first unsynced read (0 = every turn), or
	 * once sync_bytes of input came in. */
	unsigned sync_interval_ms;
	uint64_t sync_bytes;
	enum queue_full_action full;
	/* The caller's, read at every event (a reload changes them in place). */
	const struct map_opts *mo;
	const struct filter *filter; /* record types counted as skipped; NULL: none */
	struct idcache *ids;         /* aged with reader_set_now's clock; NULL: none */
	struct queue *q;             /* the spool is attached to it; outlives the reader */
	/* Fault injection for tests: spool and intake log writes go through
	 * it instead of write(2) when set. */
	ssize_t (*write_fn)(int fd, const void *p, size_t n);
};

struct reader_stats {
	uint64_t events;        /* events mapped */
	uint64_t items_queued;  /* items in events the queue took */
	uint64_t empty_events;  /* events that made no item */
	uint64_t failed_events; /* events that could not be mapped or encoded */
	uint64_t stalled;       /* events waiting for room in the spool now */
	uint64_t stalled_lost;  /* waiting at exit and not kept in the intake log */
	struct spool_recovery rec;
	struct intake_recovery irec;
	struct intake_stats intake;
};

struct reader;

/* Open the spool and the intake log in o->dir (recovering what an earlier
 * run left, logged), attach the spool to o->q, make the input. NULL on
 * failure, logged (ZRA0015E, ZRA0012E). */
struct reader *reader_open(const struct reader_opts *o);
/* Close the spool and the intake log (after queue_free). NULL is fine. */
void reader_close(struct reader *r);

/* Count skipped record types into st from now on (NULL: stop). */
void reader_set_stats(struct reader *r, struct stats *st);
/* The time of this loop turn (monotonic seconds, reader_clock): one
 * clock read per turn for what ages (intake log, id cache). */
void reader_set_now(struct reader *r, double now);
double reader_clock(void);

/* Records an earlier run read but had not spooled: through libauparse
 * again before stdin (call once, after the sender started). */
void reader_replay(struct reader *r);
/* A chunk read from stdin. */
void reader_feed(struct reader *r, const char *buf, size_t n);
/* After the reads of a loop turn: sync the spool when the group commit
 * is due, retry what waits for room, commit the intake log (and sync it
 * after the spool). */
void reader_turn(struct reader *r);
/* About once a second: age the input and the assembler, report drops. */
void reader_tick(struct reader *r);
/* Events wait for room in the spool: do not read stdin. */
bool reader_waiting(const struct reader *r);

/* Every event read so far onto the queue, the intake log committed
 * (SIGHUP, before the configuration changes). */
void reader_flush(struct reader *r);
/* A new input format (SIGHUP). -1 on ENOMEM: the old one stays. */
int reader_set_format(struct reader *r, enum config_format fmt);
/* Input format, spool size cap, sync policy, full action and filter as
 * the configuration says (the rest of *o is left alone). */
void reader_opts_config(struct reader_opts *o, const struct config *c);
/* Spool size cap, sync policy and full action from c take effect (SIGHUP). */
void reader_set_limits(struct reader *r, const struct config *c);

/* At exit: flush, one last try for what waits, commit; what still waits
 * is freed (its records stay in the intake log, or are lost and counted
 * when that cannot be written; ZRA0017W). */
void reader_stop(struct reader *r);

/* The exit summary of the spool and the intake log (ZRA0018I, ZRA0020I),
 * with the items the sender set aside in set_aside_file. */
void reader_log_summary(const struct reader *r, uint64_t set_aside, const char *set_aside_file);

/* The plugin's own audit item ev (selfaudit.h), mapped with the reader's
 * map options and ItemTags and queued with the spool's reserve
 * (queue_append_reserved): never dropped for room. 0, or -1 (ENOMEM, or
 * the queue is closed). */
struct selfaudit_event;
int reader_self(struct reader *r, const struct selfaudit_event *ev);

/* The nodes of the events a full spool (keep_oldest) refused since the last
 * call, comma-separated, ",..." when more than fit; then forgets them. */
#define READER_DROP_NODES_LEN 256
void reader_drop_nodes(struct reader *r, char *out, size_t len);

/* fn is called for every event libauparse hands out (au positioned on
 * it), first = false for a later part of one event handed over in pieces,
 * now = the turn's monotonic time: per-node accounting (operate.h). */
typedef void (*reader_event_fn)(void *arg, auparse_state_t *au, bool first, double now);
void reader_watch_events(struct reader *r, reader_event_fn fn, void *arg);

/* Seconds until the group commit falls due (the caller's longest sleep);
 * -1 when nothing waits to be synced. */
double reader_sync_wait(const struct reader *r, double now);

const struct input *reader_input(const struct reader *r);
const char *reader_dir(const struct reader *r);
void reader_stats(const struct reader *r, struct reader_stats *st);

#endif
