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
	uint64_t bytes;      /* read from auditd */
	uint64_t records;    /* records handed to auparse */
	uint64_t events;     /* events delivered to the callback */
	uint64_t overlong;   /* lines/frames dropped for size */
	uint64_t bad_frames; /* binary: bursts of bytes skipped to resynchronise */
	uint64_t rejected;   /* records auparse refused */
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
