/* spool.h - the per-instance spool on disk: every event the reader took
 * from auditd, kept until the server's answer settles it.
 *
 * Format (decided by tests/bench/spool/RESULTS.md: an append-only segment
 * log of our own, not SQLite, because a length and a CRC per entry tell
 * exactly where damage starts and how many bytes follow it).
 *
 *   DIR/NNNNNNNNNNNNNNNN.seg   segments, 16 hex digits, appended in order
 *   DIR/head                   one text line: "zos-remote-spool 1 head=SEQ"
 *
 * A segment is a sequence of entries, nothing else:
 *
 *   u32 magic 0x5a525331 ("ZRS1") | u32 len | u32 crc | len payload bytes
 *
 * all little-endian (framed by segfile.h); crc is CRC32C (Castagnoli) over
 * len (4 bytes) and the payload, so a damaged length is caught too. The
 * payload is one encoded event as the reader made it (event.h:
 * qevent_serialise), so recovery needs no re-mapping: each item's DER
 * Item, then each Resource with a NUL, behind a small header.
 *
 * seq numbers every appended event (1, 2, ...; never reused, gaps only
 * where damage was skipped). head is the first seq not yet settled: every
 * event below it was settled by the server (or set aside). The head file
 * is rewritten (temp file + rename) at most every SPOOL_HEAD_INTERVAL
 * seconds and at close, never synced per record: a stale head only means
 * that events already delivered are sent again after a crash, which
 * at-least-once delivery allows (and the plugin counts). A segment whose
 * every event is below head is unlinked; when every event is settled the
 * active segment is truncated, so the space returns even on a file system
 * that holds one segment.
 *
 * Appends: one write() per event at the end of the active segment; a short
 * or failed write is cut off again with ftruncate, so a live segment never
 * holds a torn entry unless the process dies inside the write. Syncing
 * (fdatasync) is the caller's policy: spool_append syncs per event with
 * SPOOL_SYNC_RECORD, spool_sync syncs what was appended since the last
 * call with SPOOL_SYNC_BATCH, SPOOL_SYNC_NONE leaves it to the kernel (a
 * kill -9 loses nothing then either; a power cut may).
 *
 * Recovery (spool_open): segments are read in order; entries below head
 * are skipped; at the first entry that is torn (shorter than its length),
 * has a bad magic or a bad CRC, the rest of that segment is skipped and
 * counted in bytes, and reading goes on with the next segment. New events
 * always go to a new segment, never after old (maybe damaged) data.
 *
 * Not thread-safe: the queue (queue.c) serialises every call under its
 * lock. */
#ifndef ZR_SPOOL_H
#define ZR_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "segfile.h"

#define SPOOL_MAGIC         0x5a525331u
#define SPOOL_ENTRY_HEADER  SEGFILE_HEADER
#define SPOOL_ENTRY_MAX     (64u * 1024 * 1024) /* a longer length is damage */
#define SPOOL_HEAD_INTERVAL 0.5                 /* seconds between head file writes */
/* Room kept for the plugin's own audit items (spool_append_reserved). */
#define SPOOL_RESERVE_BYTES ((uint64_t)64 * 1024)
#define SPOOL_RESERVE_FILE  "reserve"

/* enum spool_sync (the sync policy) is segfile.h's: the intake log shares it. */

/* spool_append's answers. */
enum spool_status {
	SPOOL_OK = 0,
	SPOOL_FULL = 1,   /* over max_bytes or the file system is full (ENOSPC/EDQUOT) */
	SPOOL_IOERR = -1, /* another write error: errno set, see spool_error() */
};

struct spool_opts {
	const char *dir;        /* created 0700 when missing (with its parents) */
	uint64_t max_bytes;     /* cap on the segments' total size */
	uint64_t segment_bytes; /* a segment is closed past this; 0 = max_bytes / 256,
	                           at least 1 MiB, at most 64 MiB */
	enum spool_sync sync;
	/* Fault injection for tests: used instead of write(2) when set. */
	ssize_t (*write_fn)(int fd, const void *p, size_t n);
};

/* What spool_open found. */
struct spool_recovery {
	uint64_t head;            /* from the head file (0 when there was none) */
	uint64_t events, items;   /* unsettled events/items found: delivered first */
	uint64_t skipped_bytes;   /* damaged bytes skipped (torn or corrupted tails) */
	uint64_t damaged_entries; /* places where damage started */
	uint64_t segments;        /* segment files found */
	uint32_t last_tag;        /* ItemTag of the newest item found (0: none) */
	char first_damage[512];   /* where the first damage is, for the log */
};

struct spool_stats {
	uint64_t appended, appended_items, appended_bytes;
	uint64_t settled;   /* events settled */
	uint64_t syncs;     /* fdatasync calls */
	uint64_t discarded; /* events removed unsent by spool_drop_oldest */
	uint64_t discarded_items;
	uint64_t read_damaged; /* damaged entries met while reading back */
	uint64_t bytes;        /* segment bytes on disk now */
	uint64_t max_bytes;
	uint64_t head, next_seq;
	size_t segments;
	uint64_t reserve_used; /* reserved appends past max_bytes or into the reserve file */
};

struct spool;

/* Open (create) the spool in o->dir and recover it. The directory must be
 * a real directory (not a symlink) owned by the effective user; its mode is
 * set to 0700. NULL on failure with err saying which path and why. */
struct spool *spool_open(const struct spool_opts *o, struct spool_recovery *rec, char *err,
                         size_t errlen);
/* Sync, write the head file, close. NULL is fine. */
void spool_close(struct spool *sp);

/* Change the size cap and sync policy (SIGHUP). */
void spool_set_limits(struct spool *sp, uint64_t max_bytes, enum spool_sync sync);

/* Append e, setting e->seq. SPOOL_FULL leaves the spool unchanged. */
enum spool_status spool_append(struct spool *sp, struct qevent *e);
/* The same for the plugin's own audit items (selfaudit.h), which must not
 * be the ones lost: max_bytes may be exceeded by SPOOL_RESERVE_BYTES, and
 * when the file system is full, the reserve file DIR/reserve (that many
 * bytes allocated at open, and again whenever settled segments give room
 * back) is emptied to make room. SPOOL_FULL only when both are used up. */
enum spool_status spool_append_reserved(struct spool *sp, struct qevent *e);
/* Sync what was appended since the last call (SPOOL_SYNC_BATCH). 0 or -1. */
int spool_sync(struct spool *sp);
/* The same in two steps, so a caller can fdatasync the returned
 * descriptor without holding its lock: -1 when there is nothing to sync.
 * Only the thread that appends may use it (appends change the fd). */
int spool_sync_fd(struct spool *sp);

/* The first event with seq >= *seq, newly allocated; *seq is set to its
 * seq. 1 found, 0 none left. Events that cannot be read (damaged) are
 * skipped, counted, and treated as settled. */
int spool_read(struct spool *sp, uint64_t *seq, struct qevent **out);

/* Event seq is settled: the head moves over the settled prefix, wholly
 * settled segments are unlinked, the head file is rewritten now and then. */
void spool_settle(struct spool *sp, uint64_t seq);

/* Make room by removing the oldest segment (never the active one). The
 * events in it with seq >= from (the ones nobody has taken yet) are counted
 * into *events and *items; every event below *end is then treated as
 * settled. false when there is no segment to remove. */
bool spool_drop_oldest(struct spool *sp, uint64_t from, uint64_t *end, uint64_t *events,
                       uint64_t *items);

/* Seq the next append gets; first unsettled seq. */
uint64_t spool_next_seq(const struct spool *sp);
uint64_t spool_head(const struct spool *sp);
const char *spool_dir(const struct spool *sp);
/* The open spool directory (for the intake log, which must not open it
 * again by name); valid until spool_close. */
int spool_dirfd(const struct spool *sp);
/* Text of the last write/read error (for messages). */
const char *spool_error(const struct spool *sp);
void spool_stats(const struct spool *sp, struct spool_stats *st);

/* mkdir -p path (mode 0700 for what it creates); path is restored. 0, or
 * -1 with errno. Also used by spoollock.c, before the spool is opened. */
int spool_mkdirs(char *path);

#endif
