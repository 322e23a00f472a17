/* assemble.c - put back together the Linux events libauparse hands over in parts. */
#include "assemble.h"

#include <errno.h>
#include <libaudit.h>
#include <string.h>

/* A list that once held a huge event keeps its memory for the next one;
 * past this size it is given back instead, so sixteen slots cannot pin
 * sixteen huge events' worth of memory. */
#define ASSEMBLE_KEEP_BYTES ((size_t)1024 * 1024)

void assemble_init(struct assembler *a, assemble_emit_fn emit, void *arg)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < ASSEMBLE_SLOTS; i++)
		item_list_init(&a->slot[i]);
	a->emit = emit;
	a->arg = arg;
}

void assemble_free(struct assembler *a)
{
	for (size_t i = 0; i < ASSEMBLE_SLOTS; i++)
		item_list_free(&a->slot[i]);
	a->count = 0;
}

/* Hand held event i on and close the gap, keeping arrival order. */
static void emit_at(struct assembler *a, size_t i)
{
	struct item_list l = a->slot[i];

	if (l.nitems > 0) /* a slot whose mapping failed holds nothing */
		a->emit(&l, a->arg);
	if (l.text_cap > ASSEMBLE_KEEP_BYTES) {
		item_list_free(&l);
		item_list_init(&l);
	} else {
		item_list_clear(&l);
	}
	memmove(&a->slot[i], &a->slot[i + 1], (a->count - i - 1) * sizeof(a->slot[0]));
	a->count--;
	a->slot[a->count] = l; /* the emptied list's memory is reused */
}

/* Can no later part of the event auparse is on still arrive? Then it
 * need not wait in the window. True when its last record is the EOE, or a
 * PROCTITLE after other records (the kernel writes PROCTITLE last; alone
 * it may be a part that came first). Not for a user-space message: systemd's
 * SERVICE_START is followed by the SYSCALL of the same event (laurel's
 * record-service-start.txt), so those wait for the window or the tick. */
static bool event_complete(auparse_state_t *au)
{
	int type = 0, records = 0;

	if (auparse_first_record(au) <= 0)
		return false;
	do {
		type = auparse_get_type(au);
		records++;
	} while (auparse_next_record(au) > 0);
	auparse_first_record(au);
	if (type == AUDIT_EOE)
		return true;
	return type == AUDIT_PROCTITLE && records > 1;
}

int assemble_event(struct assembler *a, auparse_state_t *au, const struct map_opts *o)
{
	size_t at = a->count;
	int n = -1;

	/* Newest first: a continuation is most likely of a recent event. */
	for (size_t i = a->count; i-- > 0;) {
		n = map_event_continue(au, o, &a->slot[i]);
		if (n >= 0) {
			a->parts_joined++;
			at = i;
			break;
		}
		if (n == -1)
			return -1; /* the mapper cleared the list; it emits nothing */
	}
	if (at == a->count) {
		if (a->count == ASSEMBLE_SLOTS)
			emit_at(a, 0);
		at = a->count;
		n = map_event(au, o, &a->slot[at]);
		if (n < 0)
			return -1;
		if (n == 0) {
			/* Nothing to send (an EOE alone): do not hold a slot. */
			item_list_clear(&a->slot[at]);
			return 0;
		}
		a->count++;
	}
	if (event_complete(au))
		emit_at(a, at);
	return n;
}

void assemble_flush(struct assembler *a)
{
	while (a->count > 0)
		emit_at(a, 0);
}
