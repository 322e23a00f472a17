/* bench-feed.c - feed a plugin's stdin like auditd does: synthetic or real events, burst or closed
 * loop.
 *
 * Usage: bench-feed [-m synth|real] [-n RECORDS] [-w WINDOW] [-r RATE [-W SENDS]] [-j JOURNAL]
 *                   [-q QUIET] [-S STALL] [-T DEADLINE] [-s SERIAL] [-N NODES] [-E] [-R]
 *                   [-o STATS]
 *                   [LOGFILE...]
 *
 * Writes auditd `format = string` lines to stdout (the plugin's stdin):
 *   synth  SYSCALL + PATH + PROCTITLE (+ EOE unless -E) per event, unique
 *          serials from -s, the current time, ENRICHED text (\x1d...) unless -R.
 *   real   the LOGFILEs repeated until RECORDS records were written; every
 *          repetition gets fresh serials and the current time, so each record
 *          is a new one (events keep their records together). An EOE line
 *          follows each kernel event, as auditd sends it (unless -E). With
 *          -N NODES every event is sent as node=host0001..hostNNNN in turn
 *          (replacing the log's own node=), as a central auditd passes on
 *          the records of a fleet.
 * A "record" is a line that becomes an item: every line but EOE.
 *
 * Feeds:
 *   -w 0   burst: everything as fast as the pipe takes it.
 *   -w W   closed loop: never more than W events (W x records per event)
 *          outstanding, where delivered = the JOURNAL's smf + item lines
 *          (the simulator's answers). If nothing arrives for STALL seconds
 *          while the window is full, the outstanding ones are written off
 *          (counted as stalls) so a plugin that drops events cannot hang us.
 *   -r R   trickle, as auditd writes: one write() per line (record or EOE) at
 *          a steady R records per second (record i is due at start + i/R; a
 *          late feeder catches up at once, never skips); an EOE line is
 *          written right after the record it ends, in its own write.
 *          SENDS, if given, gets the epoch microseconds at which each record
 *          was written, one per line in feed order (bench-journal -s reads
 *          it for the latency percentiles).
 * End: after the last write, wait until the journal holds every record or
 * nothing new arrived for QUIET seconds (-q 0: close at once), then close
 * stdout: that is the plugin's EOF. DEADLINE (default 600 s) bounds it all.
 *
 * STATS gets key=value lines: fed_records, fed_events, fed_lines, bytes,
 * first_write_ms/last_write_ms/eof_real_ms (epoch ms), eof_mono_ns, stalls,
 * written_off, journal_items_at_eof, broken (plugin closed its stdin),
 * deadline_hit, records_per_event; in a closed loop also latency_n,
 * latency_p50_ms and latency_p99_ms: from writing an event (a line for real
 * logs) to seeing all its records answered in the journal (1 ms polling). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- small utilities ---- */

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "bench-feed: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 65536;
	while (cap < b->len + more)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		die("realloc");
	b->p = p;
	b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	buf_reserve(b, 512);
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf");
	if ((size_t)n >= b->cap - b->len) {
		buf_reserve(b, (size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* ---- the journal: count the simulator's answers ---- */

struct journal {
	const char *path;
	int fd;
	struct buf part; /* an incomplete last line */
	long long items; /* smf + item lines */
};

/* The value of "kind" in one JSON line, compared without a JSON parser:
 * the simulator writes one flat object per line. An item for an EOE
 * record (the original plugin sends those) is not an audit record: it
 * must not open the window for another event. */
static bool line_is_item(const char *s, size_t n)
{
	const char *k = memmem(s, n, "\"kind\"", 6);
	if (!k || memmem(s, n, "\"resource\":\"EOE\"", 16))
		return false;
	const char *e = s + n;
	k += 6;
	while (k < e && (*k == ' ' || *k == ':'))
		k++;
	if (e - k >= 5 && memcmp(k, "\"smf\"", 5) == 0)
		return true;
	return e - k >= 6 && memcmp(k, "\"item\"", 6) == 0;
}

/* Read what was appended since the last call; returns the item count. */
static long long journal_poll(struct journal *j)
{
	if (!j->path)
		return 0;
	if (j->fd < 0) {
		j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
		if (j->fd < 0)
			return j->items;
	}
	char chunk[65536];
	ssize_t n;
	while ((n = read(j->fd, chunk, sizeof(chunk))) > 0) {
		buf_add(&j->part, chunk, (size_t)n);
		char *start = j->part.p, *end = j->part.p + j->part.len, *nl;
		while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
			if (line_is_item(start, (size_t)(nl - start)))
				j->items++;
			start = nl + 1;
		}
		j->part.len = (size_t)(end - start);
		memmove(j->part.p, start, j->part.len);
	}
	return j->items;
}

/* ---- event sources ---- */

struct line {
	const char *head; /* text before "msg=audit(" */
	size_t head_len;
	const char *tail; /* text after "):" up to the newline (excluded) */
	size_t tail_len;
	unsigned key; /* index of the event (time:serial) within its file */
	bool record;  /* not an EOE */
	bool add_eoe; /* last line of a kernel event: auditd sends an EOE after it */
};

struct logfile {
	struct line *lines;
	size_t nlines;
	unsigned nkeys;
};

struct feed {
	/* options */
	bool real, eoe, enriched;
	long long want_records;
	unsigned long serial;
	/* real logs */
	struct logfile *files;
	size_t nfiles;
	size_t file_i, line_i;
	unsigned long *key_serial; /* per key of the current file repetition */
	long long *key_ms;
	unsigned *key_node; /* -N: the node each event of the repetition is sent as */
	unsigned nodes;     /* -N: events spread over node=host0001.. (0: as in the log) */
	unsigned key_cap;
	/* counts */
	long long records, events, lines;
};

/* Hex of s (with its NUL separators), as the kernel writes proctitle. */
static void add_hex(struct buf *b, const char *s, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";

	buf_reserve(b, 2 * n);
	for (size_t i = 0; i < n; i++) {
		b->p[b->len++] = hx[(unsigned char)s[i] >> 4];
		b->p[b->len++] = hx[(unsigned char)s[i] & 15];
	}
}

/* One synthetic event: an openat of a file named after the serial. */
static void synth_event(struct feed *f, struct buf *b)
{
	long long ms = real_ms();
	unsigned long s = f->serial++;
	char id[64];
	snprintf(id, sizeof(id), "msg=audit(%lld.%03lld:%lu): ", ms / 1000, ms % 1000, s);
	unsigned pid = 1000 + (unsigned)(s % 30000);

	buf_printf(b,
	           "type=SYSCALL %sarch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c "
	           "a1=7ffc9a1e%04lx a2=0 a3=0 items=1 ppid=%u pid=%u auid=1000 uid=1000 gid=1000 "
	           "euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 "
	           "comm=\"cat\" exe=\"/usr/bin/cat\" subj=unconfined key=\"bench\"",
	           id, s & 0xffff, pid - 1, pid);
	if (f->enriched)
		buf_printf(b, "\x1d"
		              "ARCH=x86_64 SYSCALL=openat AUID=\"bench\" UID=\"bench\" "
		              "GID=\"bench\" EUID=\"bench\" SUID=\"bench\" FSUID=\"bench\" "
		              "EGID=\"bench\" SGID=\"bench\" FSGID=\"bench\"");
	buf_printf(b,
	           "\ntype=PATH %sitem=0 name=\"/etc/bench/f%lu\" inode=%lu dev=fd:01 mode=0100644 "
	           "ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
	           "cap_frootid=0",
	           id, s, 100000 + s);
	if (f->enriched)
		buf_printf(b, "\x1d"
		              "OUID=\"root\" OGID=\"root\"");
	char title[64];
	int tn = snprintf(title, sizeof(title), "cat%c/etc/bench/f%lu", 0, s);
	buf_printf(b, "\ntype=PROCTITLE %sproctitle=", id);
	add_hex(b, title, (size_t)tn);
	buf_add(b, "\n", 1);
	f->lines += 3;
	if (f->eoe) {
		buf_printf(b, "type=EOE %s\n", id);
		f->lines++;
	}
	f->records += 3;
	f->events++;
}

/* One line of the real logs, with a new serial and time for its event. */
static void real_line(struct feed *f, struct buf *b)
{
	const struct logfile *lf = &f->files[f->file_i];
	const struct line *l = &lf->lines[f->line_i];

	if (f->line_i == 0)
		for (unsigned k = 0; k < lf->nkeys; k++)
			f->key_serial[k] = 0;
	if (f->key_serial[l->key] == 0) {
		f->key_serial[l->key] = f->serial++;
		f->key_ms[l->key] = real_ms();
		if (f->nodes)
			f->key_node[l->key] = (unsigned)(f->events % f->nodes) + 1;
		f->events++;
	}
	long long ms = f->key_ms[l->key];
	const char *head = l->head;
	size_t head_len = l->head_len;
	if (f->nodes) {
		/* node=hostNNNN instead of the log's own node=, if any */
		if (head_len > 5 && memcmp(head, "node=", 5) == 0) {
			const char *sp = memchr(head, ' ', head_len);
			size_t skip = sp ? (size_t)(sp - head) + 1 : head_len;
			head += skip;
			head_len -= skip;
		}
		buf_printf(b, "node=host%04u ", f->key_node[l->key]);
	}
	buf_add(b, head, head_len);
	buf_printf(b, "msg=audit(%lld.%03lld:%lu):", ms / 1000, ms % 1000, f->key_serial[l->key]);
	buf_add(b, l->tail, l->tail_len);
	buf_add(b, "\n", 1);
	f->lines++;
	if (l->record)
		f->records++;
	if (l->add_eoe && f->eoe) {
		/* Same node= prefix as the record, if any. */
		const char *t = memmem(l->head, l->head_len, "type=", 5);
		if (f->nodes)
			buf_printf(b, "node=host%04u ", f->key_node[l->key]);
		else
			buf_add(b, l->head, t ? (size_t)(t - l->head) : 0);
		buf_printf(b, "type=EOE msg=audit(%lld.%03lld:%lu): \n", ms / 1000, ms % 1000,
		           f->key_serial[l->key]);
		f->lines++;
	}
	if (++f->line_i == lf->nlines) {
		f->line_i = 0;
		f->file_i = (f->file_i + 1) % f->nfiles;
	}
}

/* Append one unit (an event, or a line of a real log); returns its records. */
static long long feed_unit(struct feed *f, struct buf *b)
{
	long long before = f->records;

	if (f->real)
		real_line(f, b);
	else
		synth_event(f, b);
	return f->records - before;
}

/* Real logs stop at the end of a file so no event is cut in two. */
static bool feed_done(const struct feed *f)
{
	if (f->records < f->want_records)
		return false;
	return !f->real || f->line_i == 0;
}

/* ---- loading real logs ---- */

static unsigned key_index(char ***keys, unsigned *nkeys, unsigned *cap, const char *k, size_t n)
{
	for (unsigned i = *nkeys; i-- > 0;)
		if (strlen((*keys)[i]) == n && memcmp((*keys)[i], k, n) == 0)
			return i;
	if (*nkeys == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*keys = realloc(*keys, *cap * sizeof(**keys));
		if (!*keys)
			die("realloc");
	}
	(*keys)[*nkeys] = strndup(k, n);
	return (*nkeys)++;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "bench-feed: cannot read %s: %s\n", path, strerror(errno));
		exit(1);
	}
	struct buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	buf_add(&b, "\n", 1);
	*len = b.len;
	return b.p;
}

/* True for the records of a syscall context (types 1300-1399: SYSCALL,
 * PATH, CWD, SOCKADDR, PROCTITLE, ...), after which the kernel sends EOE. */
static bool syscall_context(const char *head, size_t n)
{
	const char *t = memmem(head, n, "type=", 5);
	if (!t)
		return false;
	t += 5;
	char name[64];
	size_t len = 0;
	while (t + len < head + n && t[len] != ' ' && len < sizeof(name) - 1)
		len++;
	memcpy(name, t, len);
	name[len] = 0;
	int type =
	        strncmp(name, "UNKNOWN[", 8) == 0 ? atoi(name + 8) : audit_name_to_msg_type(name);
	return type >= 1300 && type < 1400;
}

/* audit.log has no EOE lines (auditd writes them only to plugins), so
 * mark where the dispatcher would send one: after the last record of each
 * event that came from a syscall context, unless the log already has its
 * EOE. Without them such events would wait in auparse for the end-of-event
 * timeout (2 s), and a closed loop would measure that timeout. */
static void mark_eoe(struct logfile *lf)
{
	unsigned *count = calloc(lf->nkeys, sizeof(*count));
	size_t *last = calloc(lf->nkeys, sizeof(*last));
	bool *kernel = calloc(lf->nkeys, sizeof(*kernel));
	bool *has_eoe = calloc(lf->nkeys, sizeof(*has_eoe));

	if (!count || !last || !kernel || !has_eoe)
		die("calloc");
	for (size_t i = 0; i < lf->nlines; i++) {
		const struct line *l = &lf->lines[i];
		count[l->key]++;
		last[l->key] = i;
		if (!l->record)
			has_eoe[l->key] = true;
		if (syscall_context(l->head, l->head_len))
			kernel[l->key] = true;
	}
	for (unsigned k = 0; k < lf->nkeys; k++)
		if (kernel[k] && !has_eoe[k])
			lf->lines[last[k]].add_eoe = true;
	free(count);
	free(last);
	free(kernel);
	free(has_eoe);
}

/* Split a log into lines with an audit id; others (blank, foreign) are skipped. */
static void load_log(struct logfile *lf, const char *path)
{
	size_t len;
	char *text = slurp(path, &len);
	char **keys = NULL;
	unsigned nkeys = 0, cap = 0;
	size_t lcap = 0;

	memset(lf, 0, sizeof(*lf));
	for (char *s = text, *nl; s < text + len; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(text + len - s));
		char *m = memmem(s, (size_t)(nl - s), "msg=audit(", 10);
		char *close = m ? memmem(m, (size_t)(nl - m), "):", 2) : NULL;
		if (!close)
			continue;
		if (lf->nlines == lcap) {
			lcap = lcap ? lcap * 2 : 256;
			lf->lines = realloc(lf->lines, lcap * sizeof(*lf->lines));
			if (!lf->lines)
				die("realloc");
		}
		struct line *l = &lf->lines[lf->nlines++];
		l->head = s;
		l->head_len = (size_t)(m - s);
		l->tail = close + 2;
		l->tail_len = (size_t)(nl - close - 2);
		l->key = key_index(&keys, &nkeys, &cap, m + 10, (size_t)(close - m - 10));
		l->record = memmem(s, (size_t)(m - s), "type=EOE ", 9) == NULL;
	}
	for (unsigned i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	lf->nkeys = nkeys;
	mark_eoe(lf);
}

static double load_logs(struct feed *f, char **paths, int n)
{
	long long recs = 0, keys = 0;

	f->files = calloc((size_t)n, sizeof(*f->files));
	if (!f->files)
		die("calloc");
	for (int i = 0; i < n; i++) {
		struct logfile *lf = &f->files[f->nfiles];
		load_log(lf, paths[i]);
		if (lf->nlines == 0)
			continue;
		for (size_t k = 0; k < lf->nlines; k++)
			recs += lf->lines[k].record;
		keys += lf->nkeys;
		if (lf->nkeys > f->key_cap)
			f->key_cap = lf->nkeys;
		f->nfiles++;
	}
	if (f->nfiles == 0 || recs == 0) {
		fprintf(stderr, "bench-feed: no audit records in the given logs\n");
		exit(1);
	}
	f->key_serial = calloc(f->key_cap, sizeof(*f->key_serial));
	f->key_ms = calloc(f->key_cap, sizeof(*f->key_ms));
	f->key_node = calloc(f->key_cap, sizeof(*f->key_node));
	if (!f->key_serial || !f->key_ms || !f->key_node)
		die("calloc");
	return (double)recs / (double)keys;
}

/* ---- delivery latency (closed loop) ---- */

/* Units written and not yet seen in the journal, oldest first: when the
 * journal's item count reaches a unit's cumulative record count, the unit
 * was delivered, and now - its write time is its latency. */
struct lat {
	long long *cum, *t_ns; /* ring of pending units */
	size_t head, tail, cap;
	long long *done; /* latencies, ns */
	size_t ndone, done_cap;
};

static void lat_push(struct lat *l, long long cum, long long t)
{
	if (l->tail - l->head == l->cap || l->cap == 0) {
		size_t n = l->tail - l->head, cap = l->cap ? l->cap * 2 : 4096;
		long long *c = malloc(cap * sizeof(*c)), *tt = malloc(cap * sizeof(*tt));
		if (!c || !tt)
			die("malloc");
		for (size_t i = 0; i < n; i++) {
			c[i] = l->cum[(l->head + i) % l->cap];
			tt[i] = l->t_ns[(l->head + i) % l->cap];
		}
		free(l->cum);
		free(l->t_ns);
		l->cum = c;
		l->t_ns = tt;
		l->head = 0;
		l->tail = n;
		l->cap = cap;
	}
	l->cum[l->tail % l->cap] = cum;
	l->t_ns[l->tail % l->cap] = t;
	l->tail++;
}

/* Settle the units covered by `items` answers (written-off ones included,
 * without a latency). */
static void lat_settle(struct lat *l, long long items, long long written_off, long long now)
{
	while (l->head < l->tail && l->cum[l->head % l->cap] <= items + written_off) {
		if (l->cum[l->head % l->cap] <= items) {
			if (l->ndone == l->done_cap) {
				l->done_cap = l->done_cap ? l->done_cap * 2 : 4096;
				l->done = realloc(l->done, l->done_cap * sizeof(*l->done));
				if (!l->done)
					die("realloc");
			}
			l->done[l->ndone++] = now - l->t_ns[l->head % l->cap];
		}
		l->head++;
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* Latency quantile q (0..1) in ms; -1 without data. */
static double lat_ms(struct lat *l, double q)
{
	if (l->ndone == 0)
		return -1;
	qsort(l->done, l->ndone, sizeof(*l->done), cmp_ll);
	size_t i = (size_t)(q * (double)(l->ndone - 1) + 0.5);
	return (double)l->done[i] / 1e6;
}

/* ---- the feed loop ---- */

struct run {
	struct feed feed;
	struct journal j;
	long long window_records; /* 0 = burst */
	unsigned quiet_s, stall_s, deadline_s;
	long long t_end_ns; /* deadline */
	long long written_off;
	unsigned stalls;
	bool broken, deadline_hit;
	long long first_write_ms, last_write_ms;
	long long bytes;
	struct lat lat;
	long long rate; /* trickle: records per second; 0 = not a trickle */
	long long sent; /* trickle: records written */
	FILE *sends;    /* trickle: write times, epoch us, one per record */
};

static bool past_deadline(struct run *r)
{
	if (mono_ns() < r->t_end_ns)
		return false;
	r->deadline_hit = true;
	return true;
}

static void write_all(struct run *r, const struct buf *b)
{
	size_t off = 0;

	if (r->first_write_ms == 0)
		r->first_write_ms = real_ms();
	while (off < b->len && !r->broken) {
		ssize_t n = write(STDOUT_FILENO, b->p + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->broken = true; /* EPIPE: the plugin is gone */
			break;
		}
		off += (size_t)n;
	}
	r->bytes += (long long)off;
	r->last_write_ms = real_ms();
}

/* Burst: write 256 KiB chunks as fast as the plugin reads. */
static void run_burst(struct run *r)
{
	struct buf b = {0};

	while (!feed_done(&r->feed) && !r->broken && !past_deadline(r)) {
		b.len = 0;
		while (b.len < 262144 && !feed_done(&r->feed))
			feed_unit(&r->feed, &b);
		write_all(r, &b);
	}
	free(b.p);
}

/* Closed loop: keep outstanding records (fed - answered - written off)
 * within the window; write off a full window that made no progress. */
static void run_closed(struct run *r)
{
	struct buf b = {0};
	long long seen = -1, last_progress = mono_ns();

	while (!feed_done(&r->feed) && !r->broken && !past_deadline(r)) {
		long long items = journal_poll(&r->j);
		lat_settle(&r->lat, items, r->written_off, mono_ns());
		if (items != seen) {
			seen = items;
			last_progress = mono_ns();
		}
		long long room = r->window_records - (r->feed.records - items - r->written_off);
		if (room <= 0) {
			if (mono_ns() - last_progress > (long long)r->stall_s * 1000000000LL) {
				r->written_off = r->feed.records - items;
				r->stalls++;
				last_progress = mono_ns();
			} else {
				sleep_ms(1);
			}
			continue;
		}
		b.len = 0;
		long long t = mono_ns();
		while (room > 0 && !feed_done(&r->feed)) {
			room -= feed_unit(&r->feed, &b);
			lat_push(&r->lat, r->feed.records, t);
		}
		write_all(r, &b);
	}
	free(b.p);
}

/* Trickle: one write per line, records paced at `rate` per second. */
static void run_trickle(struct run *r)
{
	struct buf b = {0}, one = {0};
	long long t0 = mono_ns(), period_ns = 1000000000LL / r->rate;

	if (period_ns < 1)
		period_ns = 1;
	while (!feed_done(&r->feed) && !r->broken && !past_deadline(r)) {
		b.len = 0;
		feed_unit(&r->feed, &b);
		for (char *s = b.p, *nl; s < b.p + b.len && !r->broken; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(b.p + b.len - s));
			bool record = memmem(s, (size_t)(nl - s), "type=EOE ", 9) == NULL;
			if (record) {
				long long due = t0 + r->sent * period_ns, now = mono_ns();
				if (due > now) {
					struct timespec ts = {(time_t)(due / 1000000000LL), due % 1000000000LL};
					clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
				}
			}
			one.len = 0;
			buf_add(&one, s, (size_t)(nl - s) + 1);
			write_all(r, &one);
			if (record) {
				r->sent++;
				if (r->sends) {
					struct timespec ts;
					clock_gettime(CLOCK_REALTIME, &ts);
					fprintf(r->sends, "%lld\n",
					        (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000);
				}
			}
		}
	}
	free(b.p);
	free(one.p);
}

/* Hold stdin open until every record was answered or QUIET s passed without news. */
static void wait_quiet(struct run *r)
{
	long long seen = -1, last_progress = mono_ns();

	if (r->quiet_s == 0 || !r->j.path)
		return;
	while (!r->broken && !past_deadline(r)) {
		long long items = journal_poll(&r->j);
		lat_settle(&r->lat, items, r->written_off, mono_ns());
		if (items >= r->feed.records)
			return;
		if (items != seen) {
			seen = items;
			last_progress = mono_ns();
		}
		if (mono_ns() - last_progress > (long long)r->quiet_s * 1000000000LL)
			return;
		sleep_ms(1);
	}
}

static void write_stats(struct run *r, const char *path, double rpe, long long eof_mono,
                        long long eof_ms)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		die(path);
	fprintf(fp, "fed_records=%lld\nfed_events=%lld\nfed_lines=%lld\nbytes=%lld\n",
	        r->feed.records, r->feed.events, r->feed.lines, r->bytes);
	fprintf(fp, "first_write_ms=%lld\nlast_write_ms=%lld\neof_real_ms=%lld\neof_mono_ns=%lld\n",
	        r->first_write_ms, r->last_write_ms, eof_ms, eof_mono);
	fprintf(fp, "stalls=%u\nwritten_off=%lld\njournal_items_at_eof=%lld\n", r->stalls,
	        r->written_off, r->j.items);
	fprintf(fp, "broken=%d\ndeadline_hit=%d\nrecords_per_event=%.3f\n", r->broken,
	        r->deadline_hit, rpe);
	fprintf(fp, "latency_n=%zu\nlatency_p50_ms=%.1f\nlatency_p99_ms=%.1f\n", r->lat.ndone,
	        lat_ms(&r->lat, 0.5), lat_ms(&r->lat, 0.99));
	fclose(fp);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-feed [-m synth|real] [-n RECORDS] [-w WINDOW_EVENTS] "
	                "[-r RATE [-W SENDS]] [-j JOURNAL] [-q QUIET_S] [-S STALL_S] [-T DEADLINE_S] [-s SERIAL] [-N NODES] [-E] "
	                "[-R] [-o STATS] [LOGFILE...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct run r;
	const char *stats = NULL;
	long long window = 0;
	int opt;

	memset(&r, 0, sizeof(r));
	r.feed.eoe = true;
	r.feed.enriched = true;
	r.feed.want_records = 60000;
	r.feed.serial = 1000;
	r.j.fd = -1;
	r.quiet_s = 8;
	r.stall_s = 8;
	r.deadline_s = 600;
	while ((opt = getopt(argc, argv, "m:n:w:r:W:j:q:S:T:s:N:ERo:")) != -1) {
		switch (opt) {
		case 'm':
			r.feed.real = strcmp(optarg, "real") == 0;
			if (!r.feed.real && strcmp(optarg, "synth") != 0)
				usage();
			break;
		case 'n':
			r.feed.want_records = strtoll(optarg, NULL, 10);
			break;
		case 'w':
			window = strtoll(optarg, NULL, 10);
			break;
		case 'r':
			r.rate = strtoll(optarg, NULL, 10);
			break;
		case 'W':
			r.sends = fopen(optarg, "w");
			if (!r.sends)
				die(optarg);
			break;
		case 'j':
			r.j.path = optarg;
			break;
		case 'q':
			r.quiet_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			r.stall_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			r.deadline_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			r.feed.serial = strtoul(optarg, NULL, 10);
			break;
		case 'N':
			r.feed.nodes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'E':
			r.feed.eoe = false;
			break;
		case 'R':
			r.feed.enriched = false;
			break;
		case 'o':
			stats = optarg;
			break;
		default:
			usage();
		}
	}
	if (r.feed.want_records <= 0 || window < 0 || (window > 0 && !r.j.path) || r.rate < 0 ||
	    (r.rate > 0 && window > 0))
		usage();
	if (r.feed.real && optind >= argc)
		usage();

	signal(SIGPIPE, SIG_IGN);
	double rpe = 3.0;
	if (r.feed.real)
		rpe = load_logs(&r.feed, argv + optind, argc - optind);
	r.window_records = window > 0 ? (long long)((double)window * rpe + 0.5) : 0;
	if (window > 0 && r.window_records < 1)
		r.window_records = 1;
	r.t_end_ns = mono_ns() + (long long)r.deadline_s * 1000000000LL;

	if (r.rate > 0)
		run_trickle(&r);
	else if (window > 0)
		run_closed(&r);
	else
		run_burst(&r);
	wait_quiet(&r);
	journal_poll(&r.j);
	if (r.sends)
		fclose(r.sends);
	long long eof_mono = mono_ns(), eof_ms = real_ms();
	close(STDOUT_FILENO);
	if (stats)
		write_stats(&r, stats, rpe, eof_mono, eof_ms);
	return r.broken ? 3 : 0;
}
