/* idcache.h - what libauparse said a uid or gid field means, remembered for a few seconds.
 *
 * Why: libauparse 3.0.9 interprets uid and gid fields with getpwuid() and
 * getgrgid(), and keeps only the names it finds. An id this host does not
 * know (logs forwarded from other hosts, containers) costs a full NSS walk
 * (/etc/passwd, /etc/group, systemd's userdb directories) for every field,
 * about 60 file opens and 190 us per record on real logs.
 *
 * What it keeps: the text auparse_interpret_field() returned, keyed by the
 * record type, the field name and the raw value: everything that text
 * depends on for the fields idcache_field() accepts, but the host's user
 * database, which changes; hence the expiry. The caller must only use it
 * where auparse would ask NSS, that is for records with no interpretations
 * of their own (log_format = ENRICHED puts them after a \x1d; auparse then
 * takes the names from the record, and records of other nodes may name an
 * id differently), and with AUPARSE_ESC_RAW (mapper.c does both).
 *
 * Promises: a lookup returns either NULL or the exact text stored for that
 * key no longer than IDCACHE_TTL seconds before (measured with the time
 * the caller last gave idcache_set_now); so a user created or renamed
 * shows up within that time. Memory is fixed at creation (capacity
 * entries); when a set is full the entry stored first is replaced. Values
 * and texts longer than the limits below are not kept (looked up anew).
 *
 * Pure: no I/O, no clock. Owner: the reader thread, with auparse. */
#ifndef ZR_IDCACHE_H
#define ZR_IDCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seconds an entry is used: like nscd's negative-time-to-live, short
 * enough that a new user appears almost at once, long enough that an id
 * seen on every record is looked up once in thousands of records. */
#define IDCACHE_TTL 5.0
/* Entries: keys are per record type and field name (uid, euid, suid, ...
 * of one id are separate), so a few hundred ids fit; about 110 KB. */
#define IDCACHE_CAPACITY 1024
#define IDCACHE_RAW_MAX  23 /* longest raw value kept: a 32-bit id has 10 digits */
#define IDCACHE_TEXT_MAX 79 /* longest text kept: user names are at most 32 */

struct idcache;

struct idcache_stats {
	uint64_t hits;
	uint64_t misses;   /* looked up, absent or expired */
	uint64_t stored;   /* entries written by idcache_put */
	uint64_t replaced; /* live entries pushed out by a full set */
};

/* A cache of capacity entries (rounded up to a multiple of the set size)
 * that keeps entries ttl seconds. NULL when out of memory (or capacity
 * too large to allocate). */
struct idcache *idcache_new(size_t capacity, double ttl);
void idcache_free(struct idcache *c);

/* The caller's clock (any monotonic seconds): the time lookups and stores
 * are made at from now on. Starts at 0. */
void idcache_set_now(struct idcache *c, double now);

/* Whether the field name of a record of type rtype is one whose
 * interpretation libauparse 3.0.9 makes from the value alone and the user
 * database: the uid and gid names of its type table (auid, uid, euid,
 * suid, fsuid, ouid, oauid, old-auid, iuid, id, inode_uid, sauid, obj_uid,
 * gid, egid, sgid, fsgid, ogid, obj_gid, igid, inode_gid, new_gid), but
 * not in EXECVE records, where a field starting with 'a' is an argument. */
bool idcache_field(int rtype, const char *name);

/* The text stored for (rtype, name, raw), or NULL (not a field of
 * idcache_field, never stored, expired, or replaced). Valid until the next
 * idcache_put or idcache_free. */
const char *idcache_get(struct idcache *c, int rtype, const char *name, const char *raw);

/* Remember text for (rtype, name, raw) until now + ttl. Ignored for a field
 * idcache_field rejects, or a raw value or text over the limits. */
void idcache_put(struct idcache *c, int rtype, const char *name, const char *raw, const char *text);

void idcache_get_stats(const struct idcache *c, struct idcache_stats *out);

#endif
