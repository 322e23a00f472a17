/* assemble.c - put back together the Linux events libauparse hands over in parts. */
#include "assemble.h"

#include <errno.h>

/* A list that once held a huge event keeps its memory for the next one;
 * past this size it is given back instead, so sixteen slots cannot pin
 * sixteen huge events' worth of memory. */
#define ASSEMBLE_KEEP_BYTES ((size_t)1024 * 1024)

void assemble_init(struct assembler *a, assemble_emit_fn emit, void *arg)
{
	for (size_t i = 0; i < ASSEMBLE_SLOTS; i++)
		item_list_init(&a->slot[i]);
	a->first = 0;
	a->count = 0;
	a->emit = emit;
	a->arg = arg;
	a->parts_joined = 0;
}

void assemble_free(struct assembler *a)
{
	for (size_t i = 0; i < ASSEMBLE_SLOTS; i++)
		item_list_free(&a->slot[i]);
	a->count = 0;
}

static struct item_list *held(struct assembler *a, size_t i)
{
	return &a->slot[(a->first + i) % ASSEMBLE_SLOTS];
}

/* Hand the oldest held event on and free its slot. */
static void emit_oldest(struct assembler *a)
{
	struct item_list *l = held(a, 0);

	if (l->nitems > 0) /* a slot whose mapping failed holds nothing */
		a->emit(l, a->arg);
	if (l->text_cap > ASSEMBLE_KEEP_BYTES) {
		item_list_free(l);
		item_list_init(l);
	} else {
		item_list_clear(l);
	}
	a->first = (a->first + 1) % ASSEMBLE_SLOTS;
	a->count--;
}

int assemble_event(struct assembler *a, auparse_state_t *au, const struct map_opts *o)
{
	/* Newest first: a continuation is most likely of a recent event. */
	for (size_t i = a->count; i-- > 0;) {
		int n = map_event_continue(au, o, held(a, i));

		if (n >= 0) {
			a->parts_joined++;
			return n;
		}
		if (n == -1) {
			/* The mapper cleared the list: its earlier parts are
			 * gone too. Keep the slot (empty lists emit nothing). */
			return -1;
		}
	}
	if (a->count == ASSEMBLE_SLOTS)
		emit_oldest(a);
	struct item_list *l = held(a, a->count);
	int n = map_event(au, o, l);
	if (n < 0)
		return -1;
	if (n == 0) {
		/* Nothing to send (an EOE alone): do not hold a slot. */
		item_list_clear(l);
		return 0;
	}
	a->count++;
	return n;
}

void assemble_flush(struct assembler *a)
{
	while (a->count > 0)
		emit_oldest(a);
}
