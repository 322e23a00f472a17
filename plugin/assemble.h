/* assemble.h - put back together the Linux events that libauparse hands
 * over in parts.
 *
 * libauparse 3.0.x ends an event early at a record type < 1300 (LOGIN),
 * at a PROCTITLE that comes first, and when other events' records come in
 * between (auditd-dispatcher.md 2.7). Mapped one callback at a time, the
 * parts of one Linux event would get different qualifiers and log strings.
 * The assembler keeps the last few mapped events (a small window, oldest
 * first) unencoded; a callback whose event is one of them is appended to
 * it (map_event_continue), any other is mapped into a new slot. An event
 * leaves the window, in arrival order, when the window is full, at the
 * reader's one-second tick, and on flush (end of input, SIGHUP, SIGTERM).
 * So parts up to ASSEMBLE_SLOTS events apart, or within the same second,
 * become one event; the cost is that an event waits for that many newer
 * events or for the tick (at most a second) before it is queued.
 *
 * Owner: the reader thread (auparse state is not thread-safe). */
#ifndef ZR_ASSEMBLE_H
#define ZR_ASSEMBLE_H

#include <auparse.h>
#include <stddef.h>
#include <stdint.h>

#include "item.h"
#include "mapper.h"

#define ASSEMBLE_SLOTS 16

/* Receives each whole event, oldest first; l is cleared after it returns. */
typedef void (*assemble_emit_fn)(struct item_list *l, void *arg);

struct assembler {
	struct item_list slot[ASSEMBLE_SLOTS];
	size_t first, count; /* ring of held events, oldest at first */
	assemble_emit_fn emit;
	void *arg;
	uint64_t parts_joined; /* callbacks appended to an earlier part */
};

void assemble_init(struct assembler *a, assemble_emit_fn emit, void *arg);
void assemble_free(struct assembler *a);

/* Map the event auparse is positioned on (from an AUPARSE_CB_EVENT_READY
 * callback). Returns the number of items it added (0 for an event of
 * nothing but EOE), or -1 (ENOMEM, the part is lost; errno set). */
int assemble_event(struct assembler *a, auparse_state_t *au, const struct map_opts *o);

/* Emit every held event, oldest first (the tick, EOF, SIGHUP, SIGTERM). */
void assemble_flush(struct assembler *a);

#endif
