/* setaside.c - the set-aside file: one JSON line per item the server will not take. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "setaside.h"
#include "safefile.h"

struct set_aside {
	char *path;
	int fd;
	struct buf line;
};

struct set_aside *set_aside_open(const char *path, char *err, size_t errlen)
{
	struct set_aside *sa = calloc(1, sizeof(*sa));
	struct stat st;

	if (!sa || !(sa->path = strdup(path))) {
		free(sa);
		snprintf(err, errlen, "set-aside file %s: out of memory", path);
		return NULL;
	}
	buf_init(&sa->line);
	/* Checked as StrictModes would (safefile.h): no FIFO, no hard link, no
	 * symbolic link, no directory on the way that others could change. */
	sa->fd = safefile_open("set-aside file", path, O_WRONLY | O_APPEND | O_CREAT, 0600, err,
	                       errlen);
	if (sa->fd < 0 || fstat(sa->fd, &st) != 0) {
		set_aside_close(sa);
		return NULL;
	}
	if ((st.st_mode & 077) != 0)
		(void)fchmod(sa->fd, 0600);
	return sa;
}

void set_aside_close(struct set_aside *sa)
{
	if (!sa)
		return;
	if (sa->fd >= 0)
		close(sa->fd);
	buf_free(&sa->line);
	free(sa->path);
	free(sa);
}

const char *set_aside_path(const struct set_aside *sa)
{
	return sa->path;
}

/* A JSON string of s: resources and reasons are printable ASCII by
 * construction, but escape anyway. */
static int json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (buf_append(b, "\"", 1) != 0)
		return -1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
			if (buf_append(b, esc, sizeof(esc)) != 0)
				return -1;
		} else if (buf_append(b, s, 1) != 0) {
			return -1;
		}
	}
	return buf_append(b, "\"", 1);
}

static int appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int appendf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return n < 0 ? -1
	             : buf_append(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

int set_aside_write(struct set_aside *sa, const struct qevent *e, const struct qitem *it,
                    const char *reason, int major, int minor1, int minor2, int minor3,
                    const char *detail)
{
	static const char hex[] = "0123456789abcdef";
	struct buf *b = &sa->line;
	const unsigned char *der = qitem_der(e, it);
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	int rc = 0;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_reset(b);
	rc |= appendf(b, "{\"time\":\"%s\",\"reason\":", when);
	rc |= json_str(b, reason);
	rc |= appendf(b,
	              ",\"major\":%d,\"minor1\":%d,\"minor2\":%d,\"minor3\":%d,\"detail\":", major,
	              minor1, minor2, minor3);
	rc |= json_str(b, detail ? detail : "");
	rc |= appendf(b, ",\"serial\":%u,\"tag\":%u,\"attempts\":%u,\"resource\":", it->serial,
	              it->tag, (unsigned)it->attempts);
	rc |= json_str(b, qitem_resource(e, it));
	rc |= appendf(b, ",\"der\":\"");
	if (rc == 0 && buf_reserve(b, (size_t)it->der_len * 2 + 4) == 0) {
		for (uint32_t i = 0; i < it->der_len; i++) {
			b->data[b->len++] = (unsigned char)hex[der[i] >> 4];
			b->data[b->len++] = (unsigned char)hex[der[i] & 15];
		}
		rc |= buf_append(b, "\"}\n", 3);
	} else {
		rc = -1;
	}
	if (rc != 0) {
		errno = ENOMEM;
		return -1;
	}
	/* O_APPEND and one write: a line is never interleaved or split by us. */
	if (write(sa->fd, b->data, b->len) != (ssize_t)b->len)
		return -1;
	return fdatasync(sa->fd);
}
