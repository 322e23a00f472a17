/* segfile.h - what the spool (spool.h) and the intake log (intake.h) share:
 * numbered files of an append-only log in one directory, named
 * NNNNNNNNNNNNNNNN.SUFFIX (16 hex digits), listed in number order, written
 * whole; their sync policy; and their entries, each framed as
 *
 *   u32 magic | u32 len | u32 crc | len payload bytes
 *
 * little-endian, crc = CRC32C (Castagnoli) over the len field (4 bytes)
 * and the payload.
 *
 * No state but the CRC table (built once, pthread_once): every function
 * works on what it is given and is thread-safe. */
#ifndef ZR_SEGFILE_H
#define ZR_SEGFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"

#define SEGFILE_HEADER 12u /* magic, len, crc */

/* When the files are synced (config key spool_sync; the intake log follows
 * the spool). */
enum spool_sync {
	SPOOL_SYNC_NONE,   /* the kernel writes back when it likes */
	SPOOL_SYNC_BATCH,  /* fdatasync per read() from auditd, or a tick */
	SPOOL_SYNC_RECORD, /* fdatasync after every event */
};

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

/* CRC32C of n bytes, continuing from crc (start with 0). Uses the CPU's
 * crc32 instruction where there is one (x86-64 with SSE4.2). */
uint32_t segfile_crc32c(uint32_t crc, const void *p, size_t n);
/* The same CRC from the table (what every other host computes). */
uint32_t segfile_crc32c_portable(uint32_t crc, const void *p, size_t n);

/* Append to b an entry of plen payload bytes and return where its payload
 * goes (the caller writes it, then calls segfile_seal). NULL on ENOMEM. */
unsigned char *segfile_frame(struct buf *b, size_t plen);
/* Write the header of the entry whose payload segfile_frame returned. */
void segfile_seal(unsigned char *payload, uint32_t magic, size_t plen);
/* Append a whole entry whose payload is head then tail. 0 or -1 (ENOMEM). */
int segfile_append(struct buf *b, uint32_t magic, const void *head, size_t hlen, const void *tail,
                   size_t tlen);

/* The payload length an entry header h claims: 0 when its magic is not
 * magic or the length is outside [min, max]. */
uint32_t segfile_entry_len(const unsigned char *h, uint32_t magic, uint32_t min, uint32_t max);
/* Does the crc in header h match payload (plen bytes)? */
bool segfile_entry_ok(const unsigned char *h, const unsigned char *payload, size_t plen);

#endif
