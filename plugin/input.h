/* input.h - bytes from auditd (stdin) into auparse; whole events out.
 *
 * Framing:
 *  - string: one record per line, an optional `node=` prefix, an optional
 *    \x1d and enrichment after the fields. Partial lines are kept until the
 *    rest arrives. A line longer than INPUT_MAX_LINE is dropped (counted
 *    and logged with its first bytes); the next line is read normally.
 *  - binary: 16-byte struct audit_dispatcher_header frames (native byte
 *    order). ver 0 (AUDISP_PROTOCOL_VER) carries the raw kernel text, whose
 *    type comes from hdr.type; ver 1 (AUDISP_PROTOCOL_VER2) a formatted
 *    line. Frames are 16 + 8970 bytes (auditd <= 4.1.0) or 16 + hdr.size
 *    (>= 4.1.1); which one is detected from the stream and then kept.
 *    A header that cannot be valid makes the reader resynchronise on the
 *    next plausible header (counted, logged).
 * The format is the stream's, whatever the configuration says: the first
 * byte tells a frame header (0 or 1) from a text record (t or n); a
 * configured format that disagrees is logged once (ZRA0208W). Anything
 * else first keeps the configured format.
 * Cut records: auditd 4.2 and 4.2.1 hand plugins every kernel record 16
 * bytes short when log_format = RAW and no node name is set, in both
 * formats. A cut EOE ("audit(1796" instead of "audit(1796225404.234:80): ")
 * gives it away: reported once with the reason and the remedy (ZRA0207E),
 * the cut records counted, cut EOEs skipped, the others delivered.
 * Events are assembled by the auparse feed API and handed to the callback
 * one by one, with auparse positioned on the event. Empty lines are
 * skipped; an embedded newline in a binary payload becomes a space. A NUL
 * byte inside a record is data, not its end: it reaches auparse hidden
 * (mapper.h, map_hide) and the mapper restores it as \x00.
 *
 * libauparse 3.0.9 keeps an event that ends in EOE (no PROCTITLE) until
 * the next record arrives or the event ages (input_age), and then hands the
 * EOE over as a record of the event: the mapper drops it.
 * The end-of-event timeout is a libauparse global, set to 1 s by input_new.
 *
 * Whole events only: libauparse hands events out in time order and scans
 * every event it holds per record, so one event that never ends held up
 * all later ones for its timeout and made every record cost a scan of a
 * second's worth of events. Records are therefore held here, per event id
 * (node + time + serial), until a record libauparse takes as the end of an
 * event (EOE, PROCTITLE, a one-record type) arrives, and the event is then
 * fed whole; an event that never ends is fed when libauparse would end it
 * by time (a record a timeout newer, input_age, input_flush). Events come
 * out in the order they end. The observer still sees every record when it
 * is read; input_idle is false while records are held.
 *
 * Hot path: no allocation or syscall per record once warm (one reusable
 * line buffer; whole lines are fed straight from the caller's buffer).
 *
 * Owner: the reader thread. Not thread-safe (auparse is not). */
#ifndef ZR_INPUT_H
#define ZR_INPUT_H

#include <auparse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define INPUT_MAX_LINE     ((size_t)1024 * 1024)
#define INPUT_BINARY_FIXED 8970 /* MAX_AUDIT_MESSAGE_LENGTH */

typedef void (*input_event_fn)(auparse_state_t *au, void *arg);

struct input_stats {
	uint64_t bytes;       /* read from auditd */
	uint64_t records;     /* records handed to auparse */
	uint64_t events;      /* events delivered to the callback */
	uint64_t overlong;    /* lines/frames dropped for size */
	uint64_t bad_frames;  /* binary: bursts of bytes skipped to resynchronise */
	uint64_t rejected;    /* records auparse refused */
	uint64_t cut;         /* records auditd 4.2/4.2.1 cut 16 bytes short (ZRA0207E) */
	uint64_t cut_eoe;     /* of them, EOE records skipped */
	bool format_mismatch; /* the stream is not in the configured format (ZRA0208W) */
};

/* Sees every record on its way to libauparse (main.c hands them to the
 * intake log, intake.h): record() just before auparse_feed, refused() when
 * auparse_feed refused that record. Lines that are no record never get
 * here. */
struct input_observer {
	void (*record)(void *arg, const char *p, size_t n);
	void (*refused)(void *arg, const char *p, size_t n);
	void *arg;
};

struct input;

/* NULL on ENOMEM. input_free does not flush: call input_flush first. */
struct input *input_new(enum config_format fmt, input_event_fn cb, void *arg);
void input_free(struct input *in);

/* Feed n bytes as read from stdin. Calls the callback for every event that
 * completes. Never fails: bad input is counted and logged. */
void input_feed(struct input *in, const char *p, size_t n);

/* Age pending events: call at least once a second. Completes events that
 * have waited long enough (auparse's end-of-event timeout, set to 1 s). */
void input_age(struct input *in);

/* Force every pending event out (EOF, SIGHUP, SIGTERM). A partial last
 * line is fed as a whole record. */
void input_flush(struct input *in);

const struct input_stats *input_stats(const struct input *in);

/* Set (or with NULL clear) the observer; obs is copied. */
void input_observe(struct input *in, const struct input_observer *obs);

/* libauparse holds no record of an unfinished event. */
bool input_idle(const struct input *in);

#endif
