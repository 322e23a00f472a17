/* idcache.c - what libauparse said a uid or gid field means, remembered for a few seconds. */
#include "idcache.h"

#include <libaudit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WAYS 4 /* entries per set: a few ids that hash alike do not evict each other */

/* libauparse 3.0.9's typetab.h: the names of type AUPARSE_TYPE_UID and
 * AUPARSE_TYPE_GID (checked against the library by tests/unit). "id" is a
 * gid in group records, a uid elsewhere: the record type is in the key.
 * Sorted by strcmp() for bsearch(): a SYSCALL record has a dozen names
 * ending in "id" (pid, ppid, ...), and a linear scan of the 22 for each
 * was 2% of the CPU of a burst (perf, issue 14). */
static const char *const fields[] = {
        "auid",      "egid",      "euid",  "fsgid",   "fsuid", "gid",     "id",      "igid",
        "inode_gid", "inode_uid", "iuid",  "new_gid", "oauid", "obj_gid", "obj_uid", "ogid",
        "old-auid",  "ouid",      "sauid", "sgid",    "suid",  "uid",
};

struct entry {
	double expires;
	uint32_t hash;
	int rtype;
	unsigned char field; /* index in fields[] */
	bool used;
	char raw[IDCACHE_RAW_MAX + 1];
	char text[IDCACHE_TEXT_MAX + 1];
};

struct idcache {
	struct entry *e;
	size_t nsets;
	double ttl;
	double now;
	struct idcache_stats st;
};

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(*(const char *const *)key, *(const char *const *)elem);
}

static int field_index(int rtype, const char *name)
{
	size_t n = strlen(name);

	/* Every name above ends in "id": most fields are out in two compares. */
	if (n < 2 || name[n - 1] != 'd' || name[n - 2] != 'i' || rtype == AUDIT_EXECVE)
		return -1;
	const char *const *hit = bsearch(&name, fields, sizeof(fields) / sizeof(fields[0]),
	                                 sizeof(fields[0]), cmp_name);
	if (hit)
		return (int)(hit - fields);
	return -1;
}

bool idcache_field(int rtype, const char *name)
{
	return name && field_index(rtype, name) >= 0;
}

static uint32_t key_hash(int rtype, int field, const char *raw)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)raw; *p; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ (uint32_t)rtype) * 16777619u;
	return (h ^ (uint32_t)field) * 16777619u;
}

struct idcache *idcache_new(size_t capacity, double ttl)
{
	struct idcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nsets = capacity / WAYS + (capacity % WAYS != 0);
	if (c->nsets == 0)
		c->nsets = 1;
	if (c->nsets > SIZE_MAX / WAYS / sizeof(*c->e)) {
		free(c);
		return NULL;
	}
	c->e = calloc(c->nsets * WAYS, sizeof(*c->e));
	if (!c->e) {
		free(c);
		return NULL;
	}
	c->ttl = ttl;
	return c;
}

void idcache_free(struct idcache *c)
{
	if (!c)
		return;
	free(c->e);
	free(c);
}

void idcache_set_now(struct idcache *c, double now)
{
	c->now = now;
}

static struct entry *set_of(const struct idcache *c, uint32_t h)
{
	return &c->e[(h % c->nsets) * WAYS];
}

const char *idcache_get(struct idcache *c, int rtype, const char *name, const char *raw)
{
	int f = name && raw ? field_index(rtype, name) : -1;

	if (f < 0)
		return NULL;
	uint32_t h = key_hash(rtype, f, raw);
	struct entry *s = set_of(c, h);
	for (int w = 0; w < WAYS; w++) {
		struct entry *e = &s[w];
		if (e->used && e->hash == h && e->rtype == rtype && e->field == f &&
		    c->now < e->expires && strcmp(e->raw, raw) == 0) {
			c->st.hits++;
			return e->text;
		}
	}
	c->st.misses++;
	return NULL;
}

void idcache_put(struct idcache *c, int rtype, const char *name, const char *raw, const char *text)
{
	int f = name && raw && text ? field_index(rtype, name) : -1;

	if (f < 0)
		return;
	size_t rl = strlen(raw), tl = strlen(text);
	if (rl > IDCACHE_RAW_MAX || tl > IDCACHE_TEXT_MAX)
		return;
	uint32_t h = key_hash(rtype, f, raw);
	struct entry *s = set_of(c, h);
	struct entry *victim = NULL;
	for (int w = 0; w < WAYS && !victim; w++) {
		struct entry *e = &s[w];
		if (!e->used || (e->hash == h && e->rtype == rtype && e->field == f &&
		                 strcmp(e->raw, raw) == 0))
			victim = e; /* free, or this key's old entry */
	}
	if (!victim) {
		/* Full: the one stored first (all have the same ttl). */
		victim = &s[0];
		for (int w = 1; w < WAYS; w++)
			if (s[w].expires < victim->expires)
				victim = &s[w];
		if (c->now < victim->expires)
			c->st.replaced++;
	}
	victim->used = true;
	victim->hash = h;
	victim->rtype = rtype;
	victim->field = (unsigned char)f;
	victim->expires = c->now + c->ttl;
	memcpy(victim->raw, raw, rl + 1);
	memcpy(victim->text, text, tl + 1);
	c->st.stored++;
}

void idcache_get_stats(const struct idcache *c, struct idcache_stats *out)
{
	*out = c->st;
}
