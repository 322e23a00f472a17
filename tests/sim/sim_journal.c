/* sim_journal.c: JSON Lines journal of binds, SMF records written, refused items and requests. */
#include "zr-autoconf.h"

#include "sim_journal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int journal_open(struct journal *j, const char *path, char *err, size_t errlen)
{
	j->f = fopen(path, "ae");
	if (!j->f) {
		snprintf(err, errlen, "%s: cannot open journal: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void journal_close(struct journal *j)
{
	if (j->f)
		fclose(j->f);
	j->f = NULL;
}

bool journal_enabled(const struct journal *j)
{
	return j->f != NULL;
}

void journal_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

json_t *journal_new(const struct journal *j, const char *kind)
{
	char now[32];
	if (!j->f)
		return NULL;
	json_t *o = json_object();
	if (!o)
		return NULL;
	journal_time(now, sizeof now);
	journal_set_str(o, "time", now);
	journal_set_str(o, "kind", kind);
	return o;
}

void journal_write(struct journal *j, json_t *obj)
{
	/* One fwrite per line: json_dumpf's many small writes cost more than the JSON itself. */
	char buf[8192];
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	if (!obj)
		return;
	if (!j->f) {
		json_decref(obj);
		return;
	}
	size_t n = json_dumpb(obj, buf, sizeof buf - 1, flags);
	if (n > 0 && n < sizeof buf) {
		buf[n] = '\n';
		fwrite(buf, 1, n + 1, j->f);
	} else if (n > 0) {
		char *big = malloc(n + 1);
		if (big && json_dumpb(obj, big, n, flags) == n) {
			big[n] = '\n';
			fwrite(big, 1, n + 1, j->f);
		}
		free(big);
	}
	json_decref(obj);
}

void journal_flush(struct journal *j)
{
	if (j->f)
		fflush(j->f);
}

void journal_set_str(json_t *obj, const char *key, const char *val)
{
	json_object_set_new(obj, key, val ? json_string(val) : json_null());
}

void journal_set_int(json_t *obj, const char *key, long long val)
{
	json_object_set_new(obj, key, json_integer(val));
}

static void journal_set_span(json_t *obj, const char *key, const struct ictx_span *s)
{
	/* Decoded spans are printable ASCII, hence valid UTF-8 for jansson. */
	json_object_set_new(obj, key, json_stringn(s->p, s->len));
}

static bool journal_has(const struct ictx_item *it, enum ictx_field f)
{
	return (it->have & (1u << f)) != 0;
}

static json_t *journal_relocates(const struct ictx_item *it)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < it->nrelocs; i++) {
		json_t *r = json_object();
		if (!r)
			break;
		journal_set_int(r, "type", it->relocs[i].type);
		journal_set_span(r, "value", &it->relocs[i].value);
		json_array_append_new(a, r);
	}
	return a;
}

void journal_item_fields(json_t *obj, const struct ictx_item *it)
{
	if (journal_has(it, ICTX_F_ITEMTAG))
		journal_set_int(obj, "tag", it->tag);
	if (journal_has(it, ICTX_F_EVENT))
		journal_set_int(obj, "event", it->event);
	if (journal_has(it, ICTX_F_QUALIFIER))
		journal_set_int(obj, "qualifier", it->qualifier);
	if (journal_has(it, ICTX_F_VIOLATION))
		json_object_set_new(obj, "violation", json_boolean(it->violation));
	if (journal_has(it, ICTX_F_LINK)) {
		char hex[17];
		for (size_t i = 0; i < sizeof it->link; i++)
			snprintf(hex + 2 * i, 3, "%02x", it->link[i]);
		journal_set_str(obj, "link", hex);
	}
	if (journal_has(it, ICTX_F_CLASS))
		journal_set_span(obj, "class", &it->cls);
	if (journal_has(it, ICTX_F_RESOURCE))
		journal_set_span(obj, "resource", &it->resource);
	if (it->nrelocs > 0 || journal_has(it, ICTX_F_DFLIST))
		json_object_set_new(obj, "relocates", journal_relocates(it));
}
