/* segfile.c - numbered log files in a directory: names, listing, whole writes (see segfile.h). */
#include "segfile.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
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
