/* item.c - storage for the remote audit items of one event, reused across events. */
#include "item.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void item_list_init(struct item_list *l)
{
	memset(l, 0, sizeof(*l));
}

void item_list_clear(struct item_list *l)
{
	l->nitems = 0;
	l->nfields = 0;
	l->text_len = 0;
	l->ev.valid = false;
}

void item_list_free(struct item_list *l)
{
	free(l->items);
	free(l->fields);
	free(l->text);
	buf_free(&l->scratch);
	item_list_init(l);
}

/* Grow *arr (of *cap elements of size sz) to hold at least need elements. */
static int grow(void **arr, size_t *cap, size_t need, size_t sz, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : first;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / sz) {
			errno = ENOMEM;
			return -1;
		}
		ncap *= 2;
	}
	void *p = realloc(*arr, ncap * sz);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	*arr = p;
	*cap = ncap;
	return 0;
}

int item_list_add_str(struct item_list *l, const char *p, size_t n, struct item_str *out)
{
	/* Offsets and lengths are 32-bit to keep items small; an event of
	 * 4 GiB of text is not a real event. */
	if (n >= UINT32_MAX || l->text_len + n + 1 > UINT32_MAX) {
		errno = ENOMEM;
		return -1;
	}
	void *text = l->text;
	if (grow(&text, &l->text_cap, l->text_len + n + 1, 1, 1024) < 0)
		return -1;
	l->text = text;
	if (n)
		memcpy(l->text + l->text_len, p, n);
	l->text[l->text_len + n] = '\0';
	out->off = (uint32_t)l->text_len;
	out->len = (uint32_t)n;
	l->text_len += n + 1;
	return 0;
}

long item_list_new_item(struct item_list *l)
{
	void *items = l->items;
	if (grow(&items, &l->items_cap, l->nitems + 1, sizeof(struct item), 8) < 0)
		return -1;
	l->items = items;
	struct item *it = &l->items[l->nitems];
	memset(it, 0, sizeof(*it));
	it->first_field = (uint32_t)l->nfields;
	return (long)l->nitems++;
}

int item_list_add_field_str(struct item_list *l, uint32_t type, struct item_str s)
{
	if (l->nitems == 0 || l->nfields >= UINT32_MAX) {
		errno = l->nitems == 0 ? EINVAL : ENOMEM;
		return -1;
	}
	void *fields = l->fields;
	if (grow(&fields, &l->fields_cap, l->nfields + 1, sizeof(struct item_field), 32) < 0)
		return -1;
	l->fields = fields;
	l->fields[l->nfields].type = type;
	l->fields[l->nfields].value = s;
	l->nfields++;
	l->items[l->nitems - 1].nfields++;
	return 0;
}

int item_list_add_field(struct item_list *l, uint32_t type, const char *p, size_t n)
{
	struct item_str s;

	if (l->nitems == 0) {
		errno = EINVAL;
		return -1;
	}
	if (item_list_add_str(l, p, n, &s) < 0)
		return -1;
	return item_list_add_field_str(l, type, s);
}
