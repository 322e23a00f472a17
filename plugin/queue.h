/* queue.h - the hand-over between the reader and the sender: encoded events
 * (event.h) that were read from auditd and not yet settled.
 *
 * Threads. The reader thread (reader.c) maps every audit event to items,
 * encodes them once (qevent_new) and appends the event here. The sender
 * thread takes events out, sends them and settles them when every item is
 * settled. The queue (one mutex, one condition variable, one eventfd) and
 * the spool behind it are the event data the two threads share; the other
 * shared state (sender control, stats, log) is listed in plugin/README.
 *
 * Bound. The queue holds at most `limit` events counted from push until
 * the sender releases them (queue_release), so events the sender holds in
 * flight count too and memory stays bounded by q_depth events whatever the
 * network does. queue_push never blocks: auditd stalls every plugin when
 * one does not read, so a full queue drops the new event and counts it.
 *
 * With a spool (queue_attach_spool) the queue is a window over it:
 * queue_append writes every event to the spool first, then keeps it in
 * memory when there is room. When memory is full the event stays on disk
 * only ("spilled") and so does every later one until the sender has read
 * them all back (queue_pop reads the spool in seq order), so the order is
 * kept and q_depth bounds memory, not durability. The spool's own limit
 * (max size, full file system) applies spool_full_action: keep_oldest
 * refuses the new event, keep_newest removes the oldest segment's events
 * that nobody has taken yet, suspend hands the event back to the reader,
 * who stops reading auditd until there is room. Every such event is
 * counted. queue_settle tells the spool an event is done; the spool
 * removes what is settled.
 *
 * Owner: created by main; queue_append/queue_push/queue_sync/queue_close/
 * queue_set_limit from the reader thread; queue_pop/queue_release/
 * queue_settle/queue_abandon/queue_wake_fd from the sender; queue_stats from
 * anyone. All functions are thread-safe. */
#ifndef ZR_QUEUE_H
#define ZR_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "spool.h"

struct queue_stats {
	uint64_t pushed;  /* events accepted */
	uint64_t items;   /* items in accepted events */
	uint64_t dropped; /* events refused because the queue was full */
	uint64_t dropped_items;
	uint64_t released; /* events the sender has let go */
	size_t queued;     /* events waiting in the queue now */
	size_t held;       /* pushed and not yet released (queued + at the sender) */
	size_t high_water; /* largest held seen */
	size_t limit;
	bool closed;
	/* With a spool. */
	uint64_t spilled;      /* events kept on disk only (memory full) */
	uint64_t read_back;    /* events read back from the spool */
	uint64_t full_dropped; /* events refused: spool full, keep_oldest */
	uint64_t full_dropped_items;
	uint64_t discarded; /* unsent events removed: spool full, keep_newest */
	uint64_t discarded_items;
	uint64_t suspended;          /* appends refused: spool full, suspend */
	uint64_t spool_errors;       /* appends that failed for another reason */
	uint64_t unspooled;          /* events kept in memory only after such an error */
	bool full;                   /* the last append found the spool full */
	uint64_t backlog;            /* events on disk only, not yet read back */
	uint64_t reserved_in_memory; /* reserved events held in memory: no room even in
	                                the spool's reserve, or no spool */
};

/* What to do when the spool is full (config key spool_full_action). */
enum queue_full_action {
	QUEUE_KEEP_OLDEST,
	QUEUE_KEEP_NEWEST,
	QUEUE_SUSPEND,
};

enum queue_put {
	QUEUE_TAKEN,     /* in the spool (and maybe in memory) */
	QUEUE_DROPPED,   /* refused and counted; e was freed */
	QUEUE_SUSPENDED, /* spool full with action suspend: e still the caller's */
};

struct queue;

/* limit = events (q_depth), at least 1. NULL on failure (errno). */
struct queue *queue_new(size_t limit);
/* Frees the events still queued; call after the sender has stopped. */
void queue_free(struct queue *q);

/* Hand e over. true when queued; false when the queue is full or closed:
 * then e was freed and counted as dropped. Never blocks. With a spool,
 * the same as queue_append() == QUEUE_TAKEN. */
bool queue_push(struct queue *q, struct qevent *e);

/* Use sp (owned by the caller, outlives the queue's use) from now on:
 * events from sp's head to its end are delivered first, oldest first.
 * Call before any push and before the sender starts. */
void queue_attach_spool(struct queue *q, struct spool *sp, enum queue_full_action full);
void queue_set_full_action(struct queue *q, enum queue_full_action full);

/* Under the queue's lock (the spool is not thread-safe): change the spool's
 * size cap and sync policy, and read its figures and last error text (err
 * may be NULL). */
void queue_set_spool_limits(struct queue *q, uint64_t max_bytes, enum spool_sync sync);
void queue_spool_stats(struct queue *q, struct spool_stats *st, char *err, size_t errlen);

/* Spool e, then keep it in memory when there is room. Never blocks on the
 * network (a disk write, and with spool_sync = record an fdatasync). */
enum queue_put queue_append(struct queue *q, struct qevent *e);

/* The same for the plugin's own audit items (selfaudit.h): never dropped
 * for room. The spool's reserve takes them when it is full
 * (spool_append_reserved); when that is used up too, or the spool cannot be
 * written, or there is none and memory is full, the event is kept in memory
 * anyway (counted in reserved_in_memory). QUEUE_DROPPED only after
 * queue_close. */
enum queue_put queue_append_reserved(struct queue *q, struct qevent *e);

/* Sync the spool (end of a batch read from auditd). */
void queue_sync(struct queue *q);

/* The sender is done with e: every item settled (delivered or set
 * aside). The spool forgets it; e is freed. */
void queue_settle(struct queue *q, struct qevent *e);

/* The sender lets go of e unsettled (stopping): it stays in the spool for
 * the next start; e is freed. */
void queue_abandon(struct queue *q, struct qevent *e);

/* No more pushes (EOF, SIGTERM): wakes a waiting sender. */
void queue_close(struct queue *q);

/* Change the bound (SIGHUP). Events already held are kept. */
void queue_set_limit(struct queue *q, size_t limit);

/* Take the oldest event, waiting at most timeout_ms (0 = do not wait,
 * < 0 = until an event arrives or the queue is closed). NULL when none. */
struct qevent *queue_pop(struct queue *q, int timeout_ms);

/* The sender is done with n events it popped (settled, dropped or given
 * up): they no longer count against the bound. */
void queue_release(struct queue *q, size_t n);

/* Closed and empty (memory and spool backlog): nothing more will come out. */
bool queue_finished(struct queue *q);

/* A file descriptor that becomes readable when an event arrives in an
 * empty queue or the queue is closed, for a sender that also polls a
 * socket. queue_pop clears it. */
int queue_wake_fd(const struct queue *q);

/* While the sender lingers over a batch: wake it only once `events` are
 * queued (or the queue closes, or events wait on disk); 0 or 1 = as soon as
 * anything is (the default). Wakes at once when that is already so. */
void queue_wake_at(struct queue *q, size_t events);

/* Pop and free everything still queued (at exit); adds the counts to
 * *events and *items. */
void queue_discard(struct queue *q, uint64_t *events, uint64_t *items);

void queue_stats(struct queue *q, struct queue_stats *st);

#endif
