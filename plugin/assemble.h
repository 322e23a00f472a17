/* assemble.h - put back together the Linux events that libauparse hands
 * over in parts.
 *
 * libauparse 3.0.x ends an event early at a record type < 1300 (LOGIN),
 * at a PROCTITLE that comes first, and when other events' records come in
 * between (auditd-dispatcher.md 2.7). Mapped one callback at a time, the
 * parts of one Linux event would get different qualifiers and log strings.
 * The assembler keeps the last few mapped events that may still grow (a
 * small window, oldest first) unencoded; a callback whose event is one of
 * them is appended to it (map_event_continue), any other is mapped into a
 * new slot. An event that cannot grow any more (its last record is the
 * EOE, or a PROCTITLE after other records) is handed on at once, so the
 * usual kernel events wait for nothing; user-space messages can be
 * followed by kernel records of the same event, so they wait. The others leave the window in
 * arrival order when it is full, at the reader's one-second tick, and on flush (end of input,
 * SIGHUP, SIGTERM): parts up to ASSEMBLE_SLOTS events apart, or within the same second, become one
 * event.
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
	size_t count; /* held events: slot[0] is the oldest */
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
