/* tlsctx.c - the TLS context cache, keyed by settings and file stamps (see tlsctx.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tlsctx.h"

static bool set(const char *p)
{
	return p && *p;
}

/* A path and what stat says of it. */
static void stamp(FILE *f, const char *what, const char *path)
{
	struct stat st;

	if (!set(path))
		fprintf(f, "%s -\n", what);
	else if (stat(path, &st) != 0)
		fprintf(f, "%s %s ?\n", what, path);
	else
		fprintf(f, "%s %s %ju:%ju %jd %jd.%09ld %jd.%09ld\n", what, path,
		        (uintmax_t)st.st_dev, (uintmax_t)st.st_ino, (intmax_t)st.st_size,
		        (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		        (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

/* What a context for s is built from, as a string to compare; NULL when
 * out of memory. */
static char *make_key(const struct tlsctx_settings *s)
{
	char *key = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&key, &len);

	if (!f)
		return NULL;
	fprintf(f, "verify %d\nmin %d\nciphers %s\n", s->verify, s->min_version,
	        set(s->ciphers) ? s->ciphers : "");
	stamp(f, "ca_file", s->ca_file);
	stamp(f, "ca_dir", s->ca_dir);
	stamp(f, "cert_file", s->cert_file);
	stamp(f, "key_file", s->key_file);
	if (fclose(f) != 0) {
		free(key);
		return NULL;
	}
	return key;
}

void tlsctx_clear(struct tlsctx_slot *slot, tlsctx_free_fn release)
{
	if (slot->ctx)
		release(slot->ctx);
	free(slot->key);
	slot->ctx = NULL;
	slot->key = NULL;
}

void *tlsctx_get(struct tlsctx_slot *slot, const struct tlsctx_settings *s, tlsctx_build_fn build,
                 tlsctx_free_fn release, void *arg, unsigned long *builds, const char *peer,
                 char *err, size_t errlen)
{
	char *key = make_key(s);

	if (!key) {
		snprintf(err, errlen, "%s: cannot build a TLS context: out of memory", peer);
		return NULL;
	}
	if (slot->ctx && strcmp(slot->key, key) == 0) {
		free(key);
		return slot->ctx;
	}
	tlsctx_clear(slot, release);
	slot->ctx = build(arg, err, errlen);
	if (!slot->ctx) {
		free(key);
		return NULL;
	}
	slot->key = key;
	(*builds)++;
	return slot->ctx;
}
