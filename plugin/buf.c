/* buf.c - a growable byte buffer that keeps its memory between uses. */
#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

int buf_reserve(struct buf *b, size_t extra)
{
	if (extra <= b->cap - b->len)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len) {
		errno = ENOMEM;
		return -1;
	}
	/* Doubling keeps appends amortised O(1); 256 avoids a string of tiny
	 * reallocations for the first few fields. */
	size_t need = b->len + extra;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	unsigned char *p = realloc(b->data, cap);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int array_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
	void *v, *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : first;
	if (nc <= n || nc > SIZE_MAX / size) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(&v, arr, sizeof(v)); /* arr holds a T *: read it as the void * it converts to */
	nv = realloc(v, nc * size);
	if (!nv) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(arr, &nv, sizeof(nv));
	*cap = nc;
	/* cppcheck cannot see that the copy into *arr keeps nv */
	// cppcheck-suppress memleak
	return 0;
}
