/* intake.h - the intake log: audit records read from auditd whose event is
 * not yet in the spool.
 *
 * Why. The spool (spool.h) holds whole encoded events. Between read() and
 * the spool, records wait in memory: libauparse keeps an event until its
 * last record (or its end-of-event timeout) arrives, and the assembler
 * (assemble.h) keeps events that may still grow for up to a second. A
 * kill -9 or a crash there would lose records auditd already handed over.
 * The intake log keeps a copy of every such record on disk until its event
 * is spooled (or settled in another counted way: dropped by a full spool,
 * filtered out, unmappable), and a restart processes the records that were
 * still waiting before it reads stdin.
 *
 * What is written. Little: at each commit (after every read() from auditd
 * and at the one-second tick) only the records of events still waiting are
 * written, with one write(); records whose event reached the spool before
 * the commit never touch the disk, and when no event waits the log is
 * emptied instead. Under load that is the event a read() cut in two and
 * the few the assembler holds; events that arrive whole cost no intake
 * I/O at all. EOE records are not noted (they carry nothing, and
 * libauparse does not always count them). The window a crash can still hit is the
 * processing of the one read() in progress (at most 64 KiB of input, about
 * a millisecond), besides what auditd wrote into the pipe and was not yet
 * read; both are documented in audispd-zos-remote(8) DURABILITY.
 *
 * Format. Files DIR/NNNNNNNNNNNNNNNN.in (16 hex digits, a segment number
 * that only grows) next to the spool's segments, each a sequence of
 *
 *   u32 magic 0x5a524931 ("ZRI1") | u32 len | u32 crc | len payload bytes
 *
 * little-endian, crc = CRC32C over len (4 bytes) and the payload, framed
 * as the spool's are (segfile.h). Payloads:
 *
 *   'R' | u64 seq | the record's text as fed to libauparse, '\n' included
 *   'D' | u64 upto | i64 sec | u32 milli | u64 serial | u32 node
 *
 * R numbers every record (never reused while older files exist); D says
 * that the records of event (sec.milli:serial on node, node = FNV-1a of the
 * node= name, "" without one) with seq <= upto are in the spool (or were
 * settled otherwise); it is written only for events with records on disk. Recovery (intake_open)
 * reads the files in order, stops a file at the first torn or damaged entry (counting the bytes it
 * skips), and keeps for replay every record no D entry covers. A file is
 * unlinked once every record in it is covered and every older file is
 * gone; the newest (active) one is truncated instead.
 *
 * Counting. Records are tracked per event id: fed (read), emitted (handed
 * out by libauparse, which may hand one event over in parts) and held (the
 * caller says whether its assembler or a suspended queue still holds it).
 * An event with every record emitted and none held is settled. Records
 * libauparse never hands out (it refused them silently) are let go when the
 * parser is idle (it holds nothing, so they will never come), counted and
 * logged (ZRA0512W); never on a timer: libauparse may hold an event a long
 * time (falling timestamps without EOE), and a record must not leave the
 * log while its event is not spooled. The waiting events are kept in a
 * pendset (pendset.h): per record and per settle the cost does not grow
 * with their number.
 *
 * Owner: the reader thread. Not thread-safe. */
#ifndef ZR_INTAKE_H
#define ZR_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "eventid.h"
#include "segfile.h"

#define INTAKE_MAGIC         0x5a524931u
#define INTAKE_SUFFIX        ".in"
#define INTAKE_SEGMENT_BYTES ((uint64_t)1024 * 1024)
#define INTAKE_SEQ_MAX       ((uint64_t)1 << 62) /* a record seq beyond it is damage */

struct intake_opts {
	const char *dir; /* an existing directory (the spool's) */
	/* An open descriptor of dir (the spool's, spool_dirfd), duplicated:
	 * the directory is not opened again by name. 0 (unset) = open dir
	 * here (safefile_opendir: its path checked). */
	int dirfd;
	enum spool_sync sync;
	uint64_t segment_bytes; /* 0 = INTAKE_SEGMENT_BYTES */
	/* Fault injection for tests: used instead of write(2) when set. */
	ssize_t (*write_fn)(int fd, const void *p, size_t n);
};

struct intake_recovery {
	uint64_t records;         /* records found in the files */
	uint64_t replay;          /* of them, not covered: processed again */
	uint64_t replay_bytes;    /* their text */
	uint64_t skipped_bytes;   /* damaged bytes skipped */
	uint64_t damaged_entries; /* places where damage started */
	uint64_t segments;        /* files found */
	char first_damage[512];
};

struct intake_stats {
	uint64_t records;  /* records noted (intake_record) */
	uint64_t settled;  /* D entries made (events, or parts of them) */
	uint64_t orphaned; /* records let go without being emitted */
	uint64_t writes;   /* write() calls that carried entries */
	uint64_t bytes_written;
	uint64_t syncs;
	uint64_t write_errors; /* commits whose write failed (entries not on disk) */
	uint64_t resets;       /* times the log was emptied: nothing waiting */
	size_t pending;        /* events with records waiting now */
	size_t segments;       /* files on disk now */
	uint64_t disk_bytes;   /* their size */
};

struct intake;

/* FNV-1a (32 bits) of a node name; NULL and "" give the same value. */
uint32_t intake_node_hash(const char *node, size_t len);
/* The event id of a record's text ([node=N ]type=T msg=audit(S.M:N): ...).
 * false when it has none. */
bool intake_parse_id(const char *p, size_t n, struct intake_id *id);

/* Open the log in o->dir, recover what an earlier run left. NULL on
 * failure, err saying which path and why. */
struct intake *intake_open(const struct intake_opts *o, struct intake_recovery *rec, char *err,
                           size_t errlen);
/* Commit what is buffered and close. NULL is fine. */
void intake_close(struct intake *ik);
void intake_set_sync(struct intake *ik, enum spool_sync sync);
/* fdatasync what the commits wrote since the last call: with sync =
 * batch the caller's group commit (commit.h) calls it, after the spool's
 * sync; with record every commit syncs itself, with none nothing is
 * synced. 0, or -1 when fdatasync failed. */
int intake_sync(struct intake *ik);

/* The records recovery found uncovered, as one text of whole lines in the
 * order they were read (len 0 when none). Feed them to a string-format
 * input before stdin; they are noted again (intake_record) on the way.
 * intake_replay_free releases the text. */
const char *intake_replay(const struct intake *ik, size_t *len);
void intake_replay_free(struct intake *ik);

/* A record (text ending in '\n') is about to go to libauparse. */
void intake_record(struct intake *ik, const char *p, size_t n, double now);
/* libauparse refused the record just noted: it will never be emitted. */
void intake_refused(struct intake *ik, const char *p, size_t n);
/* libauparse handed out nrec records of event id. */
void intake_emitted(struct intake *ik, const struct intake_id *id, unsigned nrec);

/* Does the caller still hold (not yet spooled) an event with this id? */
typedef bool (*intake_held_fn)(void *arg, const struct intake_id *id);

/* Settle every event whose records were all emitted and that held() says
 * is no longer held; let go of orphans (see above; parser_idle: libauparse
 * holds nothing now). Buffers a D entry for each. Looks only at events
 * whose counts changed or that were held last time, unless parser_idle.
 * now is not used (kept for callers). */
void intake_settle(struct intake *ik, bool parser_idle, intake_held_fn held, void *arg, double now);

/* Write the buffered entries when some event still waits (else empty the
 * log), sync them per the policy, unlink files no longer needed. Call
 * after the spool was synced. 0, or -1 when the write failed (counted; the
 * entries are dropped, the records go on in memory; see intake_error). */
int intake_commit(struct intake *ik);

const char *intake_error(const struct intake *ik);
void intake_stats(const struct intake *ik, struct intake_stats *st);

#endif
