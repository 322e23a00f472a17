/* buf.h - a growable byte buffer, reused across records so the hot path
 * does not allocate once it has reached its working size.
 *
 * Contract: data is NULL or points to cap bytes; len <= cap. buf_* functions
 * return 0, or -1 with errno = ENOMEM (the buffer is then unchanged).
 * Owner: whoever declared it. Not thread-safe. */
#ifndef ZR_BUF_H
#define ZR_BUF_H

#include <stddef.h>

struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Make room for at least extra more bytes after len. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
/* Room for element n of the array *arr points to (arr: the address of a
 * T * holding *cap elements of size bytes; doubling, first allocation
 * `first`). 0, or -1 with errno ENOMEM, the array unchanged. For the
 * growing arrays that are not byte buffers (spool segments, intake
 * events), so each does not carry its own realloc loop. */
int array_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first);

static inline void buf_reset(struct buf *b)
{
	b->len = 0;
}

#endif
