/* segfile.h - what the spool (spool.h) and the intake log (intake.h) share:
 * numbered files of an append-only log in one directory, named
 * NNNNNNNNNNNNNNNN.SUFFIX (16 hex digits), listed in number order, written
 * whole, and the little-endian fields of their entries.
 *
 * No state: every function works on what it is given. */
#ifndef ZR_SEGFILE_H
#define ZR_SEGFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Room for a name: 16 digits, a suffix of up to 14 bytes, the NUL. */
#define SEGFILE_NAME_MAX 32

static inline void le_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void le_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t le_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le_get64(const unsigned char *p)
{
	return (uint64_t)le_get32(p) | (uint64_t)le_get32(p + 4) << 32;
}

/* "%016x" of no, then suffix (with its dot, e.g. ".seg"). */
void segfile_name(char *out, size_t len, uint64_t no, const char *suffix);

/* The numbers of the files in dirfd named as above with this suffix,
 * ascending, in a new array (*out NULL when none). 0, or -1 with errno. */
int segfile_list(int dirfd, const char *suffix, uint64_t **out, size_t *n);

/* Write all n bytes: retried on EINTR and short writes; a write that
 * makes no progress is ENOSPC. write_fn replaces write(2) when set (tests
 * inject faults with it). 0, or -1 with errno. */
int segfile_write_all(int fd, const void *p, size_t n,
                      ssize_t (*write_fn)(int fd, const void *p, size_t n));

#endif
