/* sim_journal.c: JSON Lines journal of binds, SMF records written, refused items and requests. */
#include "zr-autoconf.h"

#include "sim_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int journal_open(struct journal *j, const char *path, char *err, size_t errlen)
{
	*j = (struct journal){0};
	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0) {
		snprintf(err, errlen, "%s: cannot open journal: %s", path, strerror(errno));
		return -1;
	}
	j->on = true;
	return 0;
}

void journal_close(struct journal *j)
{
	if (!j->on)
		return;
	journal_flush(j);
	close(j->fd);
	free(j->buf);
	*j = (struct journal){0};
}

bool journal_enabled(const struct journal *j)
{
	return j->on;
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
	if (!j->on)
		return NULL;
	json_t *o = json_object();
	if (!o)
		return NULL;
	journal_time(now, sizeof now);
	journal_set_str(o, "time", now);
	journal_set_str(o, "kind", kind);
	return o;
}

/* Room for need more bytes; false when out of memory. */
static bool journal_room(struct journal *j, size_t need)
{
	if (j->cap - j->len >= need)
		return true;
	size_t cap = j->cap ? j->cap : 65536;
	while (cap - j->len < need)
		cap *= 2;
	char *nb = realloc(j->buf, cap);
	if (!nb)
		return false;
	j->buf = nb;
	j->cap = cap;
	return true;
}

void journal_write(struct journal *j, json_t *obj)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	if (!obj)
		return;
	if (!j->on) {
		json_decref(obj);
		return;
	}
	/* json_dumpb straight into the buffer: json_dumpf's many small writes cost more
	 * than the JSON itself. A first try with the room there is; the exact size if
	 * the line is longer. */
	if (!journal_room(j, 8192)) {
		json_decref(obj);
		return;
	}
	size_t room = j->cap - j->len - 1; /* one byte kept for the newline */
	size_t n = json_dumpb(obj, j->buf + j->len, room, flags);
	if (n > room &&
	    (!journal_room(j, n + 1) || json_dumpb(obj, j->buf + j->len, n, flags) != n))
		n = 0;
	if (n > 0) {
		j->buf[j->len + n] = '\n';
		j->len += n + 1;
	}
	json_decref(obj);
}

void journal_flush(struct journal *j)
{
	size_t off = 0;

	if (!j->on)
		return;
	while (off < j->len) {
		ssize_t w = write(j->fd, j->buf + off, j->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr,
			        "zos-remote-sim: journal: write failed: %s; %zu bytes of lines "
			        "lost\n",
			        w < 0 ? strerror(errno) : "no progress", j->len - off);
			break;
		}
		off += (size_t)w;
	}
	j->len = 0;
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
