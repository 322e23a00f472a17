/* spool.c - the append-only segment log on disk that keeps every event until it is settled. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "safefile.h"
#include "segfile.h"
#include "spool.h"

#define SEG_SUFFIX    ".seg"
#define HEAD_NAME     "head"
#define HEAD_TMP      "head.tmp"
#define SEG_MIN       ((uint64_t)1024 * 1024)
#define SEG_MAX       ((uint64_t)64 * 1024 * 1024)
#define SEG_PER_SPOOL 256 /* default segment size: max_bytes / this, within MIN..MAX */

struct seg {
	uint64_t no;
	uint64_t first_seq, end_seq; /* entries' seqs lie in [first_seq, end_seq) */
	uint64_t bytes;              /* valid bytes (appends stop here; reads too) */
	int fd;      /* the active segment's, or the one sealed segment being read (-1) */
	bool sealed; /* never append: recovered, damaged or rolled */
};

/* Settled events above head: a ring of bits, bit i = seq head + i. */
struct settled_set {
	uint8_t *bits;
	size_t nbits; /* power of two */
	size_t base;  /* bit index of head */
};

struct spool {
	struct spool_opts o;
	char *dir;
	int dirfd;
	struct seg *seg; /* oldest first; the last one takes appends */
	size_t nseg, segcap;
	uint64_t next_seq, head;
	struct settled_set done;
	bool dirty; /* appended since the last sync */
	double head_written_at;
	uint64_t head_written;
	/* the newest entry: where a read-back that starts at the tail begins */
	uint64_t tail_seg_no, tail_off, tail_seq;
	uint64_t open_sealed; /* number of the sealed segment whose fd is open, 0 none */
	/* read cursor: where seq rseq starts */
	uint64_t rseg_no, roff, rseq;
	struct buf wbuf, rbuf;
	struct spool_stats st;
	char errtext[256];
	bool reserve_full; /* the reserve file holds its blocks (see spool_append_reserved) */
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_err(struct spool *sp, const char *fmt, const char *what, int e)
{
	snprintf(sp->errtext, sizeof(sp->errtext), fmt, sp->dir, what, strerror(e));
}

/* ---- the settled set ---- */

static bool done_get(const struct settled_set *d, uint64_t i)
{
	size_t b;

	if (i >= d->nbits)
		return false;
	b = (d->base + (size_t)i) & (d->nbits - 1);
	return d->bits[b / 8] >> (b % 8) & 1;
}

static void done_put(struct settled_set *d, uint64_t i, bool v)
{
	size_t b = (d->base + (size_t)i) & (d->nbits - 1);

	if (v)
		d->bits[b / 8] |= (uint8_t)(1u << (b % 8));
	else
		d->bits[b / 8] &= (uint8_t) ~(1u << (b % 8));
}

/* Room for bit i. -1 on ENOMEM (the settle is then only delayed: the
 * event stays on disk and is resent after a restart). */
static int done_reserve(struct settled_set *d, uint64_t i)
{
	size_t n = d->nbits ? d->nbits : 4096;
	uint8_t *bits;

	if (i < d->nbits)
		return 0;
	while (n <= i)
		n *= 2;
	bits = calloc(n / 8, 1);
	if (!bits)
		return -1;
	for (size_t k = 0; k < d->nbits; k++) {
		size_t b = (d->base + k) & (d->nbits - 1);

		if (d->bits[b / 8] >> (b % 8) & 1)
			bits[k / 8] |= (uint8_t)(1u << (k % 8));
	}
	free(d->bits);
	d->bits = bits;
	d->nbits = n;
	d->base = 0;
	return 0;
}

/* Move head forward by one (its bit is consumed). */
static void done_shift(struct settled_set *d)
{
	if (d->nbits) {
		done_put(d, 0, false);
		d->base = (d->base + 1) & (d->nbits - 1);
	}
}

/* ---- files ---- */

static void write_head(struct spool *sp, bool sync)
{
	char line[96];
	int fd, n;

	if (sp->head == sp->head_written && !sync)
		return;
	n = snprintf(line, sizeof(line), "zos-remote-spool 1 head=%" PRIu64 "\n", sp->head);
	fd = openat(sp->dirfd, HEAD_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	            0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) == n && (!sync || fdatasync(fd) == 0) &&
	    renameat(sp->dirfd, HEAD_TMP, sp->dirfd, HEAD_NAME) == 0) {
		sp->head_written = sp->head;
		sp->head_written_at = now_mono();
	}
	close(fd);
}

static uint64_t read_head(int dirfd)
{
	char line[96] = "";
	uint64_t head = 0;
	int fd = openat(dirfd, HEAD_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n > 0) {
		line[n] = '\0';
		if (sscanf(line, "zos-remote-spool 1 head=%" SCNu64, &head) != 1)
			head = 0;
	}
	return head;
}

static struct seg *seg_push(struct spool *sp)
{
	if (array_grow(&sp->seg, sp->nseg, &sp->segcap, sizeof(*sp->seg), 16) != 0)
		return NULL;
	sp->seg[sp->nseg] = (struct seg){.fd = -1, .first_seq = UINT64_MAX};
	return &sp->seg[sp->nseg++];
}

static struct seg *seg_find(struct spool *sp, uint64_t no)
{
	for (size_t i = 0; i < sp->nseg; i++)
		if (sp->seg[i].no == no)
			return &sp->seg[i];
	return NULL;
}

/* A descriptor to read s with. Sealed segments are opened on demand and
 * only one at a time, so a large spool of many segments never runs out of
 * descriptors. -1 when it cannot be opened. */
static int seg_fd(struct spool *sp, struct seg *s)
{
	char name[64];
	struct seg *old;

	if (s->fd >= 0)
		return s->fd;
	if (sp->open_sealed && (old = seg_find(sp, sp->open_sealed)) != NULL && old->sealed &&
	    old->fd >= 0) {
		close(old->fd);
		old->fd = -1;
	}
	segfile_name(name, sizeof(name), s->no, SEG_SUFFIX);
	s->fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	sp->open_sealed = s->fd >= 0 ? s->no : 0;
	return s->fd;
}

/* Remove the oldest segment from disk and the table. */
static void seg_unlink_oldest(struct spool *sp)
{
	char name[64];
	struct seg *s = &sp->seg[0];

	segfile_name(name, sizeof(name), s->no, SEG_SUFFIX);
	if (s->fd >= 0)
		close(s->fd);
	if (sp->open_sealed == s->no)
		sp->open_sealed = 0;
	unlinkat(sp->dirfd, name, 0);
	sp->st.bytes -= s->bytes;
	memmove(&sp->seg[0], &sp->seg[1], (sp->nseg - 1) * sizeof(sp->seg[0]));
	sp->nseg--;
}

/* A new, empty active segment. 0 or -1 (errno). */
static int seg_new(struct spool *sp)
{
	uint64_t no = sp->nseg ? sp->seg[sp->nseg - 1].no + 1 : 1;
	char name[64];
	struct seg *s;
	int fd;

	if (sp->nseg) {
		struct seg *last = &sp->seg[sp->nseg - 1];

		/* The rolled segment's data must be on disk before anything in
		 * a later one could be: sync policy permitting. */
		if (sp->dirty && sp->o.sync != SPOOL_SYNC_NONE && fdatasync(last->fd) == 0)
			sp->st.syncs++;
		sp->dirty = false;
		last->sealed = true;
		if (last->fd >= 0 && sp->open_sealed != last->no) {
			close(last->fd);
			last->fd = -1;
		}
	}
	segfile_name(name, sizeof(name), no, SEG_SUFFIX);
	fd = openat(sp->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	s = seg_push(sp);
	if (!s) {
		close(fd);
		unlinkat(sp->dirfd, name, 0);
		errno = ENOMEM;
		return -1;
	}
	s->no = no;
	s->fd = fd;
	/* The new name must survive a crash as well as its data. */
	if (sp->o.sync != SPOOL_SYNC_NONE)
		fsync(sp->dirfd);
	return 0;
}

/* ---- entries ---- */

/* e as one entry, alone in b. */
static int encode_entry(struct buf *b, const struct qevent *e)
{
	size_t plen = qevent_wire_size(e);
	unsigned char *p;

	buf_reset(b);
	p = segfile_frame(b, plen);
	if (!p)
		return -1;
	qevent_serialise(e, p);
	segfile_seal(p, SPOOL_MAGIC, plen);
	return 0;
}

enum rd { RD_OK, RD_END, RD_BAD };

/* Read the entry at off of s into sp->rbuf (payload) and *plen. */
static enum rd read_entry(struct spool *sp, struct seg *s, uint64_t off, size_t *plen)
{
	unsigned char h[SPOOL_ENTRY_HEADER];
	uint32_t len;
	ssize_t n;
	int fd;

	if (off >= s->bytes)
		return RD_END;
	if (s->bytes - off < SPOOL_ENTRY_HEADER || (fd = seg_fd(sp, s)) < 0)
		return RD_BAD;
	n = pread(fd, h, sizeof(h), (off_t)off);
	if (n != (ssize_t)sizeof(h))
		return RD_BAD;
	len = segfile_entry_len(h, SPOOL_MAGIC, QEVENT_WIRE_HEADER, SPOOL_ENTRY_MAX);
	if (len == 0 || s->bytes - off - SPOOL_ENTRY_HEADER < len)
		return RD_BAD;
	buf_reset(&sp->rbuf);
	if (buf_reserve(&sp->rbuf, 4 + (size_t)len) != 0)
		return RD_BAD;
	memcpy(sp->rbuf.data, h + 4, 4);
	n = pread(fd, sp->rbuf.data + 4, len, (off_t)(off + SPOOL_ENTRY_HEADER));
	if (n != (ssize_t)len || !segfile_entry_ok(h, sp->rbuf.data + 4, len))
		return RD_BAD;
	*plen = len;
	return RD_OK;
}

static const unsigned char *rpayload(const struct spool *sp)
{
	return sp->rbuf.data + 4;
}

/* ---- open and recovery ---- */

int spool_mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int open_dir(struct spool *sp, char *err, size_t errlen)
{
	struct stat st;

	if (spool_mkdirs(sp->dir) != 0) {
		snprintf(err, errlen, "spool directory %s: cannot create it: %s", sp->dir,
		         strerror(errno));
		return -1;
	}
	if (safefile_check_parent(sp->dir, err, errlen) != 0)
		return -1;
	sp->dirfd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sp->dirfd < 0) {
		snprintf(err, errlen, "spool directory %s: cannot open it: %s%s", sp->dir,
		         strerror(errno),
		         errno == ELOOP || errno == ENOTDIR
		                 ? " (a symbolic link or not a directory "
		                   "is refused: name a real directory)"
		                 : "");
		return -1;
	}
	if (fstat(sp->dirfd, &st) != 0 || st.st_uid != geteuid()) {
		snprintf(err, errlen,
		         "spool directory %s is owned by uid %u, not by this process (uid %u); "
		         "refusing to keep audit records where another user can change them "
		         "(chown it or choose another spool_dir)",
		         sp->dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & 07777) != 0700 && fchmod(sp->dirfd, 0700) != 0) {
		snprintf(err, errlen, "spool directory %s: cannot set mode 0700: %s", sp->dir,
		         strerror(errno));
		return -1;
	}
	return 0;
}

static void note_damage(struct spool_recovery *rec, const char *dir, uint64_t no, uint64_t off,
                        uint64_t bytes)
{
	rec->damaged_entries++;
	rec->skipped_bytes += bytes;
	if (!rec->first_damage[0])
		snprintf(rec->first_damage, sizeof(rec->first_damage),
		         "%s/%016" PRIx64 SEG_SUFFIX " at byte %" PRIu64 " (%" PRIu64
		         " bytes skipped there)",
		         dir, no, off, bytes);
}

/* Scan one recovered segment: its seq range and valid length. */
static int recover_segment(struct spool *sp, uint64_t no, struct spool_recovery *rec)
{
	char name[64];
	struct stat st;
	struct seg *s;
	uint64_t off = 0;
	size_t plen;
	enum rd r;
	int fd;

	segfile_name(name, sizeof(name), no, SEG_SUFFIX);
	fd = safefile_openat("spool segment", sp->dirfd, sp->dir, name, O_RDWR, 0, sp->errtext,
	                     sizeof(sp->errtext));
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	s = seg_push(sp);
	if (!s) {
		close(fd);
		return -1;
	}
	*s = (struct seg){.no = no,
	                  .fd = fd,
	                  .bytes = (uint64_t)st.st_size,
	                  .sealed = true,
	                  .first_seq = UINT64_MAX};
	rec->segments++;
	while ((r = read_entry(sp, s, off, &plen)) == RD_OK) {
		const unsigned char *p = rpayload(sp);
		uint64_t seq = le_get64(p);
		uint32_t n = le_get32(p + 8);

		if (s->first_seq == UINT64_MAX)
			s->first_seq = seq;
		s->end_seq = seq + 1;
		if (seq + 1 > sp->next_seq)
			sp->next_seq = seq + 1;
		if (seq >= sp->head) {
			rec->events++;
			rec->items += n;
		}
		/* the newest tag, settled or not: new tags start above it */
		if (n > 0)
			rec->last_tag = le_get32(p + QEVENT_WIRE_HEADER +
			                         (size_t)(n - 1) * QEVENT_WIRE_ITEM);
		off += SPOOL_ENTRY_HEADER + plen;
	}
	if (r == RD_BAD) {
		note_damage(rec, sp->dir, no, off, s->bytes - off);
		s->bytes = off; /* reads stop before the damage */
	}
	sp->st.bytes += (uint64_t)st.st_size;
	close(s->fd); /* reopened read-only when it is read */
	s->fd = -1;
	return 0;
}

static int recover(struct spool *sp, struct spool_recovery *rec, char *err, size_t errlen)
{
	uint64_t *nos = NULL;
	size_t n = 0;

	memset(rec, 0, sizeof(*rec));
	sp->head = rec->head = read_head(sp->dirfd);
	sp->next_seq = sp->head ? sp->head : 1;
	if (segfile_list(sp->dirfd, SEG_SUFFIX, &nos, &n) != 0) {
		snprintf(err, errlen, "spool directory %s: cannot list it: %s", sp->dir,
		         strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (recover_segment(sp, nos[i], rec) != 0) {
			snprintf(err, errlen, "spool %s: cannot open segment %016" PRIx64 ": %s",
			         sp->dir, nos[i], sp->errtext[0] ? sp->errtext : strerror(errno));
			free(nos);
			return -1;
		}
	free(nos);
	if (sp->head < 1)
		sp->head = 1;
	/* Segments holding nothing unsettled go at once. */
	while (sp->nseg && (sp->seg[0].first_seq == UINT64_MAX || sp->seg[0].end_seq <= sp->head))
		seg_unlink_oldest(sp);
	sp->rseq = UINT64_MAX;
	return 0;
}

static void apply_segment_bytes(struct spool *sp)
{
	uint64_t s = sp->o.segment_bytes ? sp->o.segment_bytes : sp->o.max_bytes / SEG_PER_SPOOL;

	if (!sp->o.segment_bytes) {
		if (s > SEG_MAX)
			s = SEG_MAX;
		if (s < SEG_MIN)
			s = SEG_MIN;
	}
	sp->o.segment_bytes = s;
}

/* The reserve file: blocks set aside on the spool's file system so that a
 * self-audit item still fits when the disk is full. Failure to make it is
 * not an error (the cap reserve still works); it is tried again later. */
static void reserve_fill(struct spool *sp)
{
	int fd;

	if (sp->reserve_full || sp->dirfd < 0)
		return;
	fd = openat(sp->dirfd, SPOOL_RESERVE_FILE,
	            O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    posix_fallocate(fd, 0, (off_t)SPOOL_RESERVE_BYTES) == 0)
		sp->reserve_full = true;
	close(fd);
}

/* Give the reserve file's blocks back to the file system. */
static bool reserve_release(struct spool *sp)
{
	int fd;

	if (!sp->reserve_full)
		return false;
	fd = openat(sp->dirfd, SPOOL_RESERVE_FILE, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	sp->reserve_full = false;
	if (fd < 0)
		return false;
	int rc = ftruncate(fd, 0);
	close(fd);
	return rc == 0;
}

struct spool *spool_open(const struct spool_opts *o, struct spool_recovery *rec, char *err,
                         size_t errlen)
{
	struct spool *sp = calloc(1, sizeof(*sp));

	if (!sp || !(sp->dir = strdup(o->dir))) {
		snprintf(err, errlen, "spool %s: out of memory", o->dir);
		free(sp);
		return NULL;
	}
	sp->o = *o;
	sp->o.dir = sp->dir;
	sp->dirfd = -1;
	apply_segment_bytes(sp);
	buf_init(&sp->wbuf);
	buf_init(&sp->rbuf);
	if (o->dir[0] != '/') {
		snprintf(err, errlen, "spool directory %s is not an absolute path", o->dir);
		goto fail;
	}
	if (open_dir(sp, err, errlen) != 0 || recover(sp, rec, err, errlen) != 0)
		goto fail;
	if (seg_new(sp) != 0) {
		snprintf(err, errlen, "spool %s: cannot create a segment: %s", sp->dir,
		         strerror(errno));
		goto fail;
	}
	sp->head_written = UINT64_MAX;
	write_head(sp, false);
	reserve_fill(sp);
	return sp;
fail:
	spool_close(sp);
	return NULL;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->dirfd >= 0 && sp->nseg) {
		spool_sync(sp);
		write_head(sp, sp->o.sync != SPOOL_SYNC_NONE);
	}
	for (size_t i = 0; i < sp->nseg; i++)
		if (sp->seg[i].fd >= 0)
			close(sp->seg[i].fd);
	/* Segments with nothing unsettled (or nothing at all) are of no use
	 * to the next start. */
	for (size_t i = 0; i < sp->nseg && sp->dirfd >= 0; i++) {
		char name[64];

		if (sp->seg[i].bytes && sp->seg[i].end_seq > sp->head)
			continue;
		segfile_name(name, sizeof(name), sp->seg[i].no, SEG_SUFFIX);
		unlinkat(sp->dirfd, name, 0);
	}
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->seg);
	free(sp->done.bits);
	buf_free(&sp->wbuf);
	buf_free(&sp->rbuf);
	free(sp->dir);
	free(sp);
}

void spool_set_limits(struct spool *sp, uint64_t max_bytes, enum spool_sync sync)
{
	sp->o.max_bytes = max_bytes;
	sp->o.sync = sync;
}

/* ---- append ---- */

static bool is_full_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EFBIG;
}

static enum spool_status append(struct spool *sp, struct qevent *e, uint64_t max_bytes)
{
	struct seg *s = &sp->seg[sp->nseg - 1];
	uint64_t len;

	e->seq = sp->next_seq;
	if (encode_entry(&sp->wbuf, e) != 0) {
		set_err(sp, "spool %s: %s: %s", "cannot encode an event", ENOMEM);
		return SPOOL_IOERR;
	}
	len = sp->wbuf.len;
	if (sp->st.bytes + len > max_bytes)
		return SPOOL_FULL;
	if (s->sealed || (s->bytes > 0 && s->bytes + len > sp->o.segment_bytes)) {
		if (seg_new(sp) != 0) {
			int err = errno;

			set_err(sp, "spool %s: %s: %s", "cannot create a segment", err);
			return is_full_errno(err) ? SPOOL_FULL : SPOOL_IOERR;
		}
		s = &sp->seg[sp->nseg - 1];
	}
	if (segfile_write_all(s->fd, sp->wbuf.data, (size_t)len, sp->o.write_fn) != 0) {
		int err = errno;

		/* Cut the partial entry off so the segment stays clean; when
		 * that fails too, seal it: recovery will report the torn tail. */
		if (ftruncate(s->fd, (off_t)s->bytes) != 0)
			s->sealed = true;
		lseek(s->fd, (off_t)s->bytes, SEEK_SET);
		set_err(sp, "spool %s: %s: %s", "cannot write", err);
		errno = err;
		return is_full_errno(err) ? SPOOL_FULL : SPOOL_IOERR;
	}
	if (s->first_seq == UINT64_MAX)
		s->first_seq = e->seq;
	s->end_seq = e->seq + 1;
	sp->tail_seg_no = s->no;
	sp->tail_off = s->bytes;
	sp->tail_seq = e->seq;
	s->bytes += len;
	sp->st.bytes += len;
	sp->next_seq++;
	sp->st.appended++;
	sp->st.appended_items += e->nitems;
	sp->st.appended_bytes += len;
	sp->dirty = true;
	if (sp->o.sync == SPOOL_SYNC_RECORD)
		spool_sync(sp);
	return SPOOL_OK;
}

enum spool_status spool_append(struct spool *sp, struct qevent *e)
{
	return append(sp, e, sp->o.max_bytes);
}

enum spool_status spool_append_reserved(struct spool *sp, struct qevent *e)
{
	enum spool_status rc = append(sp, e, sp->o.max_bytes + SPOOL_RESERVE_BYTES);

	if (rc == SPOOL_FULL && reserve_release(sp)) {
		sp->st.reserve_used++;
		rc = append(sp, e, sp->o.max_bytes + SPOOL_RESERVE_BYTES);
	}
	if (rc == SPOOL_OK && sp->st.bytes > sp->o.max_bytes)
		sp->st.reserve_used++;
	return rc;
}

int spool_sync_fd(struct spool *sp)
{
	if (!sp->dirty || sp->o.sync == SPOOL_SYNC_NONE)
		return -1;
	sp->dirty = false;
	sp->st.syncs++;
	return sp->seg[sp->nseg - 1].fd;
}

int spool_sync(struct spool *sp)
{
	int fd = spool_sync_fd(sp);

	return fd < 0 ? 0 : fdatasync(fd);
}

/* ---- settle ---- */

/* Everything is settled: the active segment starts over, so its space
 * returns too (on a small or full file system the active segment may be
 * all there is). */
static void reset_active(struct spool *sp)
{
	struct seg *s = &sp->seg[sp->nseg - 1];

	if (s->sealed || s->bytes == 0 || ftruncate(s->fd, 0) != 0)
		return;
	lseek(s->fd, 0, SEEK_SET);
	sp->st.bytes -= s->bytes;
	s->bytes = 0;
	s->first_seq = UINT64_MAX;
	s->end_seq = 0;
	sp->tail_seq = 0;
	sp->rseq = UINT64_MAX;
}

static void drop_settled_segments(struct spool *sp)
{
	bool dropped = false;

	while (sp->nseg > 1 && sp->seg[0].end_seq <= sp->head) {
		seg_unlink_oldest(sp);
		dropped = true;
	}
	if (sp->head >= sp->next_seq)
		reset_active(sp);
	if (dropped || sp->head >= sp->next_seq)
		reserve_fill(sp); /* room came back: set the reserve aside again */
	/* A removed segment with a head file still pointing into it would
	 * only cost resends; write it now anyway, it is cheap here. */
	if (dropped || now_mono() - sp->head_written_at >= SPOOL_HEAD_INTERVAL)
		write_head(sp, false);
}

static void advance_head(struct spool *sp)
{
	while (sp->head < sp->next_seq && done_get(&sp->done, 0)) {
		done_shift(&sp->done);
		sp->head++;
	}
	drop_settled_segments(sp);
}

/* Treat every seq below end as settled. */
static void settle_below(struct spool *sp, uint64_t end)
{
	while (sp->head < end) {
		done_shift(&sp->done);
		sp->head++;
	}
	advance_head(sp);
}

void spool_settle(struct spool *sp, uint64_t seq)
{
	if (seq < sp->head || seq >= sp->next_seq)
		return;
	sp->st.settled++;
	if (done_reserve(&sp->done, seq - sp->head) != 0)
		return;
	done_put(&sp->done, seq - sp->head, true);
	advance_head(sp);
}

/* ---- read back ---- */

/* Position the cursor at the first entry with seq >= want. false: none. */
static bool seek_seq(struct spool *sp, uint64_t want)
{
	/* Reading back usually starts at the event just appended (the
	 * memory window filled up): no scan for that. */
	if (want == sp->tail_seq && seg_find(sp, sp->tail_seg_no)) {
		sp->rseg_no = sp->tail_seg_no;
		sp->roff = sp->tail_off;
		sp->rseq = want;
		return true;
	}
	for (size_t i = 0; i < sp->nseg; i++) {
		struct seg *s = &sp->seg[i];
		uint64_t off = 0;
		size_t plen;

		if (s->first_seq == UINT64_MAX || s->end_seq <= want)
			continue;
		while (read_entry(sp, s, off, &plen) == RD_OK) {
			if (le_get64(rpayload(sp)) >= want) {
				sp->rseg_no = s->no;
				sp->roff = off;
				sp->rseq = le_get64(rpayload(sp));
				return true;
			}
			off += SPOOL_ENTRY_HEADER + plen;
		}
	}
	return false;
}

int spool_read(struct spool *sp, uint64_t *seq, struct qevent **out)
{
	/* Below head everything is settled, though a segment may still hold it. */
	if (*seq < sp->head)
		*seq = sp->head;
	for (;;) {
		struct seg *s = sp->rseq == *seq ? seg_find(sp, sp->rseg_no) : NULL;
		size_t plen;
		enum rd r;

		if (!s) {
			if (!seek_seq(sp, *seq))
				return 0;
			s = seg_find(sp, sp->rseg_no);
		}
		r = read_entry(sp, s, sp->roff, &plen);
		if (r == RD_END) {
			/* The active segment may still grow: keep the cursor. */
			if (s == &sp->seg[sp->nseg - 1])
				return 0;
			sp->rseq = UINT64_MAX;
			if (!seek_seq(sp, *seq))
				return 0;
			continue;
		}
		struct qevent *e = r == RD_OK ? qevent_deserialise(rpayload(sp), plen) : NULL;

		if (!e) {
			/* Damaged since it was written: skip the rest of this segment. */
			sp->st.read_damaged++;
			snprintf(sp->errtext, sizeof(sp->errtext),
			         "spool %s: segment %016" PRIx64 " damaged at byte %" PRIu64
			         "; %" PRIu64 " bytes skipped",
			         sp->dir, s->no, sp->roff, s->bytes - sp->roff);
			s->bytes = sp->roff;
			s->sealed = true;
			sp->rseq = UINT64_MAX;
			*seq = s->end_seq;
			if (!seek_seq(sp, *seq))
				return 0;
			continue;
		}
		/* seqs skipped over (gaps, damage) are settled: nothing to send */
		for (uint64_t g = *seq; g < e->seq; g++)
			spool_settle(sp, g);
		*seq = e->seq;
		sp->roff += SPOOL_ENTRY_HEADER + plen;
		sp->rseq = e->seq + 1;
		*out = e;
		return 1;
	}
}

bool spool_drop_oldest(struct spool *sp, uint64_t from, uint64_t *end, uint64_t *events,
                       uint64_t *items)
{
	struct seg *s;
	uint64_t off = 0;
	size_t plen;

	if (sp->nseg < 2)
		return false;
	s = &sp->seg[0];
	while (read_entry(sp, s, off, &plen) == RD_OK) {
		const unsigned char *p = rpayload(sp);

		if (le_get64(p) >= from && le_get64(p) >= sp->head) {
			*events += 1;
			*items += le_get32(p + 8);
			sp->st.discarded++;
			sp->st.discarded_items += le_get32(p + 8);
		}
		off += SPOOL_ENTRY_HEADER + plen;
	}
	*end = s->end_seq > s->first_seq && s->first_seq != UINT64_MAX ? s->end_seq : sp->head;
	if (sp->rseg_no == s->no)
		sp->rseq = UINT64_MAX;
	seg_unlink_oldest(sp);
	if (*end > sp->head)
		settle_below(sp, *end);
	write_head(sp, false);
	return true;
}

uint64_t spool_next_seq(const struct spool *sp)
{
	return sp->next_seq;
}

uint64_t spool_head(const struct spool *sp)
{
	return sp->head;
}

const char *spool_dir(const struct spool *sp)
{
	return sp->dir;
}

int spool_dirfd(const struct spool *sp)
{
	return sp->dirfd;
}

const char *spool_error(const struct spool *sp)
{
	return sp->errtext;
}

void spool_stats(const struct spool *sp, struct spool_stats *st)
{
	*st = sp->st;
	st->max_bytes = sp->o.max_bytes;
	st->head = sp->head;
	st->next_seq = sp->next_seq;
	st->segments = sp->nseg;
}
