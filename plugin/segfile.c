/* segfile.c - numbered log files in a directory: names, listing, whole writes (see segfile.h). */
#include "segfile.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

void segfile_name(char *out, size_t len, uint64_t no, const char *suffix)
{
	snprintf(out, len, "%016" PRIx64 "%s", no, suffix);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The number in name when it is 16 hex digits and the suffix. */
static int parse_name(const char *name, const char *suffix, uint64_t *no)
{
	size_t len = strlen(name), sl = strlen(suffix);
	char *end;

	if (len != 16 + sl || strcmp(name + 16, suffix) != 0)
		return -1;
	*no = strtoull(name, &end, 16);
	return end == name + 16 ? 0 : -1;
}

static int push(uint64_t **v, size_t *n, size_t *cap, uint64_t no)
{
	if (array_grow(v, *n, cap, sizeof(**v), 16) != 0)
		return -1;
	(*v)[(*n)++] = no;
	return 0;
}

int segfile_list(int dirfd, const char *suffix, uint64_t **out, size_t *n)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	uint64_t *v = NULL, no;
	size_t cap = 0;

	*n = 0;
	*out = NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d); /* the dup shares its position with dirfd */
	while ((de = readdir(d)) != NULL) {
		if (parse_name(de->d_name, suffix, &no) != 0)
			continue;
		if (push(&v, n, &cap, no) != 0) {
			free(v);
			*n = 0;
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_u64);
	*out = v;
	return 0;
}

int segfile_write_all(int fd, const void *p, size_t n,
                      ssize_t (*write_fn)(int fd, const void *p, size_t n))
{
	const unsigned char *b = p;

	while (n) {
		ssize_t w = write_fn ? write_fn(fd, b, n) : write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- CRC32C (Castagnoli), table driven ---- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32c_table(uint32_t crc, const unsigned char *b, size_t n)
{
	/* Built once, and seen whole by every thread (a lazy build without
	 * this could be read half done). */
	pthread_once(&crc_once, crc_init);
	for (size_t i = 0; i < n; i++)
		crc = crc_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* SSE4.2's crc32 instruction computes this same CRC (Castagnoli) eight
 * bytes at a time: the checksum was 5% of the plugin's instructions per
 * record with the table. Chosen at run time, so one binary runs anywhere. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const unsigned char *b,
                                                               size_t n)
{
	uint64_t c = crc;

	for (; n >= 8; n -= 8, b += 8) {
		uint64_t v;

		memcpy(&v, b, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	crc = (uint32_t)c;
	for (; n > 0; n--)
		crc = __builtin_ia32_crc32qi(crc, *b++);
	return crc;
}

static bool have_sse42(void)
{
	static int known = -1; /* a race stores the same answer */

	if (known < 0)
		known = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	return known == 1;
}
#endif

uint32_t segfile_crc32c_portable(uint32_t crc, const void *p, size_t n)
{
	return ~crc32c_table(~crc, p, n);
}

uint32_t segfile_crc32c(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;

#if defined(__x86_64__) && defined(__GNUC__)
	if (have_sse42())
		return ~crc32c_sse42(~crc, b, n);
#endif
	return ~crc32c_table(~crc, b, n);
}

unsigned char *segfile_frame(struct buf *b, size_t plen)
{
	unsigned char *p;

	if (buf_reserve(b, SEGFILE_HEADER + plen) != 0)
		return NULL;
	p = b->data + b->len + SEGFILE_HEADER;
	b->len += SEGFILE_HEADER + plen;
	return p;
}

void segfile_seal(unsigned char *payload, uint32_t magic, size_t plen)
{
	unsigned char *h = payload - SEGFILE_HEADER;

	le_put32(h, magic);
	le_put32(h + 4, (uint32_t)plen);
	/* crc over the length field, then the payload (CRC32C chains) */
	le_put32(h + 8, segfile_crc32c(segfile_crc32c(0, h + 4, 4), payload, plen));
}

int segfile_append(struct buf *b, uint32_t magic, const void *head, size_t hlen, const void *tail,
                   size_t tlen)
{
	unsigned char *p = segfile_frame(b, hlen + tlen);

	if (!p)
		return -1;
	if (hlen)
		memcpy(p, head, hlen);
	if (tlen)
		memcpy(p + hlen, tail, tlen);
	segfile_seal(p, magic, hlen + tlen);
	return 0;
}

uint32_t segfile_entry_len(const unsigned char *h, uint32_t magic, uint32_t min, uint32_t max)
{
	uint32_t len = le_get32(h + 4);

	if (le_get32(h) != magic || len < min || len > max)
		return 0;
	return len;
}

bool segfile_entry_ok(const unsigned char *h, const unsigned char *payload, size_t plen)
{
	return segfile_crc32c(segfile_crc32c(0, h + 4, 4), payload, plen) == le_get32(h + 8);
}
