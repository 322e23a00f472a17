/* intake.c - the intake log: records read from auditd and not yet spooled (see intake.h). */
#include <zr-autoconf.h>

#include "intake.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "pendset.h"
#include "safefile.h"
#include "segfile.h"

#define HDR       SEGFILE_HEADER
#define REC_FIXED 9u  /* 'R' + u64 seq */
#define DONE_LEN  33u /* 'D' + u64 + i64 + u32 + u64 + u32 */
#define ENTRY_MAX (64u * 1024 * 1024)

/* A record noted since the last commit: its text in intake.out. */
struct outrec {
	size_t off, len;
	uint64_t seq;
	struct intake_id id;
};

/* A file on disk, oldest first; the last one is active when fd >= 0. */
struct iseg {
	uint64_t no;
	uint64_t max_seq; /* newest record in it (0: none) */
	uint64_t bytes;
};

struct intake {
	struct intake_opts o;
	char *dir; /* a copy of o.dir */
	int dirfd;
	int fd; /* the active (newest) file, -1 when none */
	struct iseg *seg;
	size_t nseg, segcap;
	uint64_t next_no, next_seq;
	struct buf out;        /* record texts noted since the last commit */
	struct outrec *outrec; /* where each one is in out */
	size_t nout, outcap;
	struct buf done;      /* D entries for events with records on disk */
	struct buf wbuf;      /* what one commit writes */
	bool unsynced;        /* written since the last fdatasync (intake_sync) */
	uint64_t failed_upto; /* records up to this seq never reached the disk */
	struct pendset pend;  /* events with records waiting */
	struct buf replay;
	struct intake_stats st;
	char err[512];
};

/* ---- small helpers ---- */

static int id_cmp(const struct intake_id *a, const struct intake_id *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->serial != b->serial)
		return a->serial < b->serial ? -1 : 1;
	if (a->milli != b->milli)
		return a->milli < b->milli ? -1 : 1;
	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	return 0;
}

uint32_t intake_node_hash(const char *node, size_t len)
{
	return eventid_node_hash(node, len);
}

/* Digits at *p (strtoul's reading of them, without its locale and sign
 * rules): false when there is none. */
static bool read_num(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;

	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9')
		*v = *v * 10 + (uint64_t)(*(*p)++ - '0');
	return *p != s;
}

bool intake_parse_id(const char *p, size_t n, struct intake_id *id)
{
	const char *end = p + n, *node = "", *m = p, *sp;
	size_t nodelen = 0;
	uint64_t sec, milli, serial;

	if (n > 5 && memcmp(p, "node=", 5) == 0) {
		sp = memchr(p, ' ', n);
		if (!sp)
			return false;
		node = p + 5;
		nodelen = (size_t)(sp - node);
		m = sp + 1;
	}
	/* The shape auditd writes (input.c checks it): the id after type=T. */
	sp = memchr(m, ' ', (size_t)(end - m));
	if (sp && end - sp > 10 && memcmp(sp + 1, "msg=audit(", 10) == 0)
		m = sp + 1;
	else
		m = memmem(p, n, "msg=audit(", 10);
	if (!m)
		return false;
	m += 10;
	if (!read_num(&m, end, &sec) || m == end || *m++ != '.' || !read_num(&m, end, &milli) ||
	    m == end || *m++ != ':' || !read_num(&m, end, &serial))
		return false;
	id->sec = (int64_t)sec;
	id->milli = (uint32_t)milli;
	id->serial = serial;
	id->node = intake_node_hash(node, nodelen);
	return true;
}

static void set_err(struct intake *ik, const char *what, const char *name, int e)
{
	snprintf(ik->err, sizeof(ik->err), "%s %s/%s: %s", what, ik->dir, name, strerror(e));
}

/* ---- entries ---- */

static int add_entry(struct buf *b, const unsigned char *head, size_t hlen, const void *tail,
                     size_t tlen)
{
	return segfile_append(b, INTAKE_MAGIC, head, hlen, tail, tlen);
}

static void add_done(struct intake *ik, const struct pend *pe)
{
	unsigned char d[DONE_LEN];

	d[0] = 'D';
	le_put64(d + 1, pe->last_seq);
	le_put64(d + 9, (uint64_t)pe->id.sec);
	le_put32(d + 17, pe->id.milli);
	le_put64(d + 21, pe->id.serial);
	le_put32(d + 29, pe->id.node);
	ik->st.settled++;
	if (pe->on_disk) /* else no record of it was ever written: nothing to cover */
		add_entry(&ik->done, d, sizeof(d), NULL, 0);
}

/* ---- events waiting ---- */

static struct pend *pend_find(struct intake *ik, const struct intake_id *id)
{
	return pendset_find(&ik->pend, id);
}

/* pend_find for a run of records, most of them of the same event as the
 * one before: *last remembers the previous answer. */
struct pend_memo {
	bool valid;
	struct intake_id id;
	struct pend *pe;
};

static struct pend *pend_find_memo(struct intake *ik, const struct intake_id *id,
                                   struct pend_memo *last)
{
	if (!last->valid || !intake_id_eq(&last->id, id)) {
		last->valid = true;
		last->id = *id;
		last->pe = pend_find(ik, id);
	}
	return last->pe;
}

static struct pend *pend_add(struct intake *ik, const struct intake_id *id)
{
	return pendset_add(&ik->pend, id);
}

/* The EOE record carries nothing (the mapper drops it) and libauparse
 * does not always count it among an event's records: not noted. */
static bool is_eoe(const char *p, size_t n)
{
	if (n > 5 && memcmp(p, "node=", 5) == 0) {
		const char *sp = memchr(p, ' ', n);

		if (!sp)
			return false;
		n -= (size_t)(sp + 1 - p);
		p = sp + 1;
	}
	return n >= 9 && memcmp(p, "type=EOE ", 9) == 0;
}

static int add_outrec(struct intake *ik, size_t off, const struct intake_id *id)
{
	if (array_grow(&ik->outrec, ik->nout, &ik->outcap, sizeof(*ik->outrec), 256) != 0)
		return -1;
	ik->outrec[ik->nout++] = (struct outrec){
	        .off = off, .len = ik->out.len - off, .seq = ik->next_seq, .id = *id};
	return 0;
}

void intake_record(struct intake *ik, const char *p, size_t n, double now)
{
	struct intake_id id;
	struct pend *pe;
	size_t off = ik->out.len;

	if (is_eoe(p, n) || !intake_parse_id(p, n, &id))
		return; /* input.c lets no line without an id through */
	pe = pend_find(ik, &id);
	if (!pe)
		pe = pend_add(ik, &id);
	if (!pe)
		return; /* out of memory: the record goes on unprotected */
	/* The text only: most records are spooled before the commit and never
	 * framed (compose frames the others). */
	if (buf_append(&ik->out, p, n) != 0 || add_outrec(ik, off, &id) != 0) {
		ik->out.len = off;
		ik->st.write_errors++;
		ik->failed_upto = ik->next_seq;
	}
	if (pe->fed == 0)
		pe->first_seq = ik->next_seq;
	pe->last_seq = ik->next_seq++;
	pe->fed++;
	(void)now;
	ik->st.records++;
}

void intake_refused(struct intake *ik, const char *p, size_t n)
{
	struct intake_id id;
	struct pend *pe;

	if (intake_parse_id(p, n, &id) && (pe = pend_find(ik, &id)) != NULL) {
		pe->emitted++;
		pendset_touch(&ik->pend, pe);
	}
}

void intake_emitted(struct intake *ik, const struct intake_id *id, unsigned nrec)
{
	struct pend *pe = pend_find(ik, id);

	if (pe) {
		pe->emitted += nrec;
		pendset_touch(&ik->pend, pe);
	}
}

static void log_orphan(const struct pend *pe)
{
	log_limited("intake-orphan", "ZRA0512W",
	            "%" PRIu32 " record(s) of event %" PRId64 ".%03" PRIu32 ":%" PRIu64
	            " were read but libauparse never handed them out; they are no longer "
	            "kept for a restart",
	            pe->fed - pe->emitted, pe->id.sec, pe->id.milli, pe->id.serial);
}

/* Settle pe when every record was emitted (or, parser_idle, never will
 * be) and the caller no longer holds it; a held one is looked at again
 * next time. */
static void settle_one(struct intake *ik, struct pend *pe, bool parser_idle, intake_held_fn held,
                       void *arg)
{
	if (pe->emitted < pe->fed && !parser_idle)
		return; /* libauparse may still hand them out: touched then */
	if (held && held(arg, &pe->id)) {
		pendset_touch(&ik->pend, pe);
		return;
	}
	if (pe->emitted < pe->fed) {
		ik->st.orphaned += pe->fed - pe->emitted;
		log_orphan(pe);
	}
	add_done(ik, pe);
	pendset_remove(&ik->pend, pe);
}

void intake_settle(struct intake *ik, bool parser_idle, intake_held_fn held, void *arg, double now)
{
	struct intake_id *ids;
	size_t n = pendset_candidates(&ik->pend, &ids);
	struct pend *pe;

	(void)now;
	/* Only the events whose counts changed, or held last time: the cost
	 * does not grow with the events still waiting in libauparse. */
	for (size_t i = 0; i < n; i++)
		if ((pe = pend_find(ik, &ids[i])) != NULL)
			settle_one(ik, pe, parser_idle, held, arg);
	/* libauparse holds nothing: what it never handed out, it never will. */
	for (size_t i = 0; parser_idle && (pe = pendset_at(&ik->pend, i)) != NULL; i++)
		if (!pe->gone)
			settle_one(ik, pe, true, held, arg);
}

/* ---- files ---- */

static struct iseg *seg_push(struct intake *ik, uint64_t no)
{
	if (array_grow(&ik->seg, ik->nseg, &ik->segcap, sizeof(*ik->seg), 8) != 0)
		return NULL;
	ik->seg[ik->nseg] = (struct iseg){.no = no};
	return &ik->seg[ik->nseg++];
}

/* A new active file, after the ones there are. */
static int seg_new(struct intake *ik)
{
	char name[32];
	uint64_t no = ik->next_no;

	segfile_name(name, sizeof(name), no, INTAKE_SUFFIX);
	if (ik->fd >= 0)
		close(ik->fd);
	/* No O_TRUNC: a planted hard link would be cut before the checks. */
	ik->fd = safefile_openat("intake file", ik->dirfd, ik->dir, name,
	                         O_WRONLY | O_CREAT | O_APPEND, 0600, ik->err, sizeof(ik->err));
	if (ik->fd >= 0 && ftruncate(ik->fd, 0) != 0) {
		close(ik->fd);
		ik->fd = -1;
	}
	if (ik->fd < 0 || !seg_push(ik, no)) {
		int e = ik->fd < 0 ? errno : ENOMEM;

		if (ik->fd >= 0 || !ik->err[0])
			set_err(ik, "cannot create the intake file", name, e);
		if (ik->fd >= 0) {
			close(ik->fd);
			unlinkat(ik->dirfd, name, 0);
		}
		ik->fd = -1;
		errno = e;
		return -1;
	}
	ik->next_no++;
	return 0;
}

static void seg_unlink_first(struct intake *ik)
{
	char name[32];

	segfile_name(name, sizeof(name), ik->seg[0].no, INTAKE_SUFFIX);
	if (unlinkat(ik->dirfd, name, 0) != 0 && errno != ENOENT)
		log_limited("intake-unlink", "ZRA0513W", "cannot remove the intake file %s/%s: %s",
		            ik->dir, name, strerror(errno));
	if (ik->nseg == 1 && ik->fd >= 0) {
		close(ik->fd);
		ik->fd = -1;
	}
	memmove(ik->seg, ik->seg + 1, (ik->nseg - 1) * sizeof(*ik->seg));
	ik->nseg--;
}

/* Nothing waits: every record read is in the spool. */
static void reset_log(struct intake *ik)
{
	buf_reset(&ik->out);
	buf_reset(&ik->done);
	ik->nout = 0;
	ik->failed_upto = 0;
	if (ik->nseg == 0)
		return;
	ik->st.resets++;
	while (ik->nseg > 1 || (ik->nseg == 1 && ik->fd < 0))
		seg_unlink_first(ik);
	if (ik->nseg == 1 && ik->seg[0].bytes > 0) {
		if (ftruncate(ik->fd, 0) == 0) {
			ik->seg[0].bytes = 0;
			ik->seg[0].max_seq = 0;
		} else {
			seg_unlink_first(ik);
		}
	}
}

static uint64_t min_pending_seq(struct intake *ik)
{
	const struct pend *pe = pendset_oldest(&ik->pend);

	return pe && pe->first_seq < ik->next_seq ? pe->first_seq : ik->next_seq;
}

/* Unlink the oldest files whose every record is settled. */
static void drop_settled_files(struct intake *ik)
{
	uint64_t m = min_pending_seq(ik);

	if (m <= ik->failed_upto)
		return; /* copies of older records may be missing on disk */
	while (ik->nseg > 0 && !(ik->nseg == 1 && ik->fd >= 0) && ik->seg[0].max_seq < m)
		seg_unlink_first(ik);
}

/* Into wbuf: the D entries, and the records noted since the last commit
 * whose event still waits (the others are in the spool already and never
 * need the disk). Their events now have records on disk. *max: the newest
 * record's seq (0: none). 0, or -1 when out of memory. */
static int compose(struct intake *ik, uint64_t *max)
{
	struct pend_memo memo = {0};

	*max = 0;
	buf_reset(&ik->wbuf);
	buf_append(&ik->wbuf, ik->done.data, ik->done.len);
	for (size_t i = 0; i < ik->nout; i++) {
		const struct outrec *r = &ik->outrec[i];
		struct pend *pe = pend_find_memo(ik, &r->id, &memo);

		if (!pe || r->seq < pe->first_seq)
			continue;
		unsigned char h[REC_FIXED];

		h[0] = 'R';
		le_put64(h + 1, r->seq);
		if (add_entry(&ik->wbuf, h, sizeof(h), ik->out.data + r->off, r->len) != 0)
			return -1; /* out of memory: counted as a failed write */
		pe->on_disk = true;
		*max = r->seq;
	}
	return 0;
}

static int write_out(struct intake *ik, uint64_t max_seq)
{
	struct iseg *a = ik->fd >= 0 ? &ik->seg[ik->nseg - 1] : NULL;
	uint64_t limit = ik->o.segment_bytes ? ik->o.segment_bytes : INTAKE_SEGMENT_BYTES;

	/* The file left behind keeps what it holds: sync it before rolling. */
	if (a && a->bytes >= limit)
		intake_sync(ik);
	if ((!a || a->bytes >= limit) && seg_new(ik) != 0)
		return -1;
	a = &ik->seg[ik->nseg - 1];
	if (segfile_write_all(ik->fd, ik->wbuf.data, ik->wbuf.len, ik->o.write_fn) != 0) {
		int e = errno;
		char name[32];

		segfile_name(name, sizeof(name), a->no, INTAKE_SUFFIX);
		set_err(ik, "cannot write the intake file", name, e);
		/* Cut a partial write off again, so the file stays readable. */
		if (ftruncate(ik->fd, (off_t)a->bytes) != 0)
			a->bytes = limit; /* the tail is unknown: roll to a new file next time */
		errno = e;
		return -1;
	}
	a->bytes += ik->wbuf.len;
	if (max_seq > a->max_seq)
		a->max_seq = max_seq;
	ik->st.writes++;
	ik->st.bytes_written += ik->wbuf.len;
	/* batch: the caller's group commit syncs (intake_sync). */
	ik->unsynced = true;
	if (ik->o.sync == SPOOL_SYNC_RECORD)
		intake_sync(ik);
	return 0;
}

int intake_sync(struct intake *ik)
{
	if (!ik->unsynced || ik->fd < 0 || ik->o.sync == SPOOL_SYNC_NONE)
		return 0;
	ik->unsynced = false;
	if (fdatasync(ik->fd) != 0)
		return -1;
	ik->st.syncs++;
	return 0;
}

int intake_commit(struct intake *ik)
{
	int rc = 0;

	if (pendset_count(&ik->pend) == 0) {
		reset_log(ik);
		return 0;
	}
	if (ik->nout || ik->done.len) {
		uint64_t max;

		if (compose(ik, &max) != 0) {
			snprintf(ik->err, sizeof(ik->err),
			         "cannot write the intake log in %s: out of "
			         "memory",
			         ik->dir);
			max = ik->next_seq - 1;
			rc = -1;
		} else if (ik->wbuf.len && write_out(ik, max) != 0) {
			rc = -1;
		}
		if (rc != 0) {
			ik->st.write_errors++;
			if (max > ik->failed_upto)
				ik->failed_upto = max;
		}
	}
	buf_reset(&ik->out);
	buf_reset(&ik->done);
	ik->nout = 0;
	if (rc == 0)
		drop_settled_files(ik);
	return rc;
}

/* ---- recovery ---- */

struct mark {
	struct intake_id id;
	uint64_t upto;
};

struct rec_ref {
	uint64_t seq;
	size_t file;     /* which file buffer */
	size_t off, len; /* the text in it */
};

static int mark_cmp(const void *a, const void *b)
{
	return id_cmp(&((const struct mark *)a)->id, &((const struct mark *)b)->id);
}

/* *planted: the name is no intake file of ours (safefile.h: a symbolic
 * link, FIFO, hard link or another user's file) and was removed. */
static char *read_whole(struct intake *ik, const char *name, size_t *len, bool *planted)
{
	int fd = safefile_openat("intake file", ik->dirfd, ik->dir, name, O_RDONLY, 0, ik->err,
	                         sizeof(ik->err));
	struct stat st;
	char why[8];

	*planted = false;
	if (fd < 0 && fstatat(ik->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    safefile_check_stat(&st, "", name, why, sizeof(why)) != 0) {
		/* Only unlinked: the name goes, whatever it points to stays. */
		*planted = unlinkat(ik->dirfd, name, 0) == 0;
		*len = 0;
		return NULL;
	}
	char *b = NULL;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) != 0)
		goto out;
	b = malloc((size_t)st.st_size + 1);
	while (b && got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
out:
	if (fd >= 0)
		close(fd);
	*len = got;
	return b;
}

/* What recovery collects across files. */
struct scan {
	struct mark *mark;
	size_t nmark, markcap;
	struct rec_ref *ref;
	size_t nref, refcap;
	char **file; /* each file's bytes, kept until the replay text is built */
	size_t nfile;
};

static int scan_entry(struct intake *ik, struct scan *s, size_t fi, const unsigned char *p,
                      size_t plen, size_t off, struct iseg *sg)
{
	if (p[0] == 'R' && plen >= REC_FIXED) {
		uint64_t seq = le_get64(p + 1);

		/* Seqs count records from 1; one near 2^64 can only be damage
		 * that kept its CRC, and would wrap the numbering. */
		if (seq == 0 || seq > INTAKE_SEQ_MAX)
			return 1;
		if (array_grow(&s->ref, s->nref, &s->refcap, sizeof(*s->ref), 256) != 0)
			return -1;
		s->ref[s->nref++] = (struct rec_ref){.seq = le_get64(p + 1),
		                                     .file = fi,
		                                     .off = off + HDR + REC_FIXED,
		                                     .len = plen - REC_FIXED};
		if (le_get64(p + 1) > sg->max_seq)
			sg->max_seq = le_get64(p + 1);
		if (le_get64(p + 1) >= ik->next_seq)
			ik->next_seq = le_get64(p + 1) + 1;
		return 0;
	}
	if (p[0] == 'D' && plen == DONE_LEN) {
		if (array_grow(&s->mark, s->nmark, &s->markcap, sizeof(*s->mark), 256) != 0)
			return -1;
		s->mark[s->nmark++] = (struct mark){.id = {.sec = (int64_t)le_get64(p + 9),
		                                           .milli = le_get32(p + 17),
		                                           .serial = le_get64(p + 21),
		                                           .node = le_get32(p + 29)},
		                                    .upto = le_get64(p + 1)};
	}
	return 0; /* an unknown kind from a newer version: skipped */
}

static void note_damage(struct intake *ik, struct intake_recovery *rec, const char *name,
                        size_t off, size_t bytes)
{
	if (rec->damaged_entries++ == 0)
		snprintf(rec->first_damage, sizeof(rec->first_damage),
		         "%s/%s at byte %zu (%zu bytes to its end)", ik->dir, name, off, bytes);
	rec->skipped_bytes += bytes;
}

static int scan_file(struct intake *ik, struct scan *s, uint64_t no, struct intake_recovery *rec)
{
	char name[32];
	size_t len, off = 0;
	char *b;
	struct iseg *sg;
	bool planted;
	int rc;

	segfile_name(name, sizeof(name), no, INTAKE_SUFFIX);
	b = read_whole(ik, name, &len, &planted);
	if (!b && planted) {
		/* Nothing of ours: counted as damage, the start goes on. */
		if (rec->damaged_entries++ == 0)
			snprintf(rec->first_damage, sizeof(rec->first_damage), "%.400s (removed)",
			         ik->err);
		ik->err[0] = '\0';
		return 0;
	}
	if (!b)
		return -1;
	sg = seg_push(ik, no);
	if (!sg) {
		free(b);
		return -1;
	}
	sg->bytes = len;
	s->file[s->nfile++] = b;
	while (off < len) {
		const unsigned char *h = (const unsigned char *)b + off;
		uint32_t plen;

		if (len - off < HDR ||
		    (plen = segfile_entry_len(h, INTAKE_MAGIC, 1, ENTRY_MAX)) == 0 ||
		    len - off - HDR < plen || !segfile_entry_ok(h, h + HDR, plen)) {
			note_damage(ik, rec, name, off, len - off);
			break;
		}
		rc = scan_entry(ik, s, s->nfile - 1, h + HDR, plen, off, sg);
		if (rc < 0)
			return -1;
		if (rc > 0) /* framed well, but not a possible entry: skipped, counted */
			note_damage(ik, rec, name, off, HDR + plen);
		off += HDR + plen;
	}
	return 0;
}

static uint64_t mark_for(const struct scan *s, const struct intake_id *id)
{
	struct mark key = {.id = *id};
	const struct mark *m;

	if (s->nmark == 0)
		return 0;
	m = bsearch(&key, s->mark, s->nmark, sizeof(key), mark_cmp);

	return m ? m->upto : 0;
}

/* The uncovered records, in file order, into ik->replay. */
static int build_replay(struct intake *ik, struct scan *s, struct intake_recovery *rec)
{
	size_t keep = 0;

	/* One mark per event: the highest upto. */
	if (s->nmark)
		qsort(s->mark, s->nmark, sizeof(*s->mark), mark_cmp);
	for (size_t i = 0; i < s->nmark; i++) {
		if (keep && intake_id_eq(&s->mark[keep - 1].id, &s->mark[i].id)) {
			if (s->mark[i].upto > s->mark[keep - 1].upto)
				s->mark[keep - 1].upto = s->mark[i].upto;
			continue;
		}
		s->mark[keep++] = s->mark[i];
	}
	s->nmark = keep;
	for (size_t i = 0; i < s->nref; i++) {
		const char *text = s->file[s->ref[i].file] + s->ref[i].off;
		struct intake_id id;

		rec->records++;
		if (intake_parse_id(text, s->ref[i].len, &id) && mark_for(s, &id) >= s->ref[i].seq)
			continue;
		if (buf_append(&ik->replay, text, s->ref[i].len) != 0)
			return -1;
		/* Written records end in one (intake_record); a damaged file
		 * whose CRC still fits must not glue two records together. */
		if ((s->ref[i].len == 0 || text[s->ref[i].len - 1] != '\n') &&
		    buf_append(&ik->replay, "\n", 1) != 0)
			return -1;
		rec->replay++;
		rec->replay_bytes = ik->replay.len;
	}
	return 0;
}

static int recover(struct intake *ik, struct intake_recovery *rec)
{
	struct scan s = {0};
	uint64_t *nos = NULL;
	size_t n = 0;
	int rc = -1;

	if (segfile_list(ik->dirfd, INTAKE_SUFFIX, &nos, &n) != 0)
		return -1;
	rec->segments = n;
	s.file = calloc(n ? n : 1, sizeof(*s.file));
	if (!s.file)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (scan_file(ik, &s, nos[i], rec) != 0)
			goto out;
	if (n)
		ik->next_no = nos[n - 1] + 1;
	rc = build_replay(ik, &s, rec);
out:
	if (rc != 0 && !ik->err[0])
		snprintf(ik->err, sizeof(ik->err), "cannot read the intake files in %s: %s",
		         ik->dir, strerror(errno ? errno : ENOMEM));
	for (size_t i = 0; i < s.nfile; i++)
		free(s.file[i]);
	free(s.file);
	free(s.mark);
	free(s.ref);
	free(nos);
	return rc;
}

struct intake *intake_open(const struct intake_opts *o, struct intake_recovery *rec, char *err,
                           size_t errlen)
{
	struct intake *ik = calloc(1, sizeof(*ik));

	memset(rec, 0, sizeof(*rec));
	if (!ik) {
		snprintf(err, errlen, "cannot open the intake log in %s: out of memory", o->dir);
		return NULL;
	}
	ik->o = *o;
	ik->fd = -1;
	ik->dirfd = -1;
	ik->next_no = 1;
	ik->next_seq = 1;
	pendset_init(&ik->pend);
	buf_init(&ik->out);
	buf_init(&ik->done);
	buf_init(&ik->wbuf);
	buf_init(&ik->replay);
	ik->dir = strdup(o->dir);
	ik->o.dir = ik->dir;
	err[0] = '\0';
	if (ik->dir)
		ik->dirfd = o->dirfd > 0
		                    ? fcntl(o->dirfd, F_DUPFD_CLOEXEC, 0)
		                    : safefile_opendir("intake log directory", o->dir, err, errlen);
	if (ik->dirfd < 0) {
		if (!err[0])
			snprintf(err, errlen, "cannot open the intake log directory %s: %s", o->dir,
			         strerror(errno));
		intake_close(ik);
		return NULL;
	}
	if (recover(ik, rec) != 0) {
		snprintf(err, errlen, "%s", ik->err);
		intake_close(ik);
		return NULL;
	}
	return ik;
}

void intake_close(struct intake *ik)
{
	if (!ik)
		return;
	if (ik->dirfd >= 0 && (ik->nout || ik->done.len || pendset_count(&ik->pend) == 0))
		intake_commit(ik);
	intake_sync(ik);
	if (ik->fd >= 0)
		close(ik->fd);
	ik->fd = -1;
	/* Nothing waits: no file is left behind (the active one is empty). */
	while (ik->dirfd >= 0 && pendset_count(&ik->pend) == 0 && ik->nseg > 0)
		seg_unlink_first(ik);
	if (ik->dirfd >= 0)
		close(ik->dirfd);
	buf_free(&ik->out);
	buf_free(&ik->done);
	buf_free(&ik->wbuf);
	free(ik->outrec);
	buf_free(&ik->replay);
	pendset_free(&ik->pend);
	free(ik->seg);
	free(ik->dir);
	free(ik);
}

void intake_set_sync(struct intake *ik, enum spool_sync sync)
{
	ik->o.sync = sync;
}

const char *intake_replay(const struct intake *ik, size_t *len)
{
	*len = ik->replay.len;
	return (const char *)ik->replay.data;
}

void intake_replay_free(struct intake *ik)
{
	buf_free(&ik->replay);
	buf_init(&ik->replay);
}

const char *intake_error(const struct intake *ik)
{
	return ik->err;
}

void intake_stats(const struct intake *ik, struct intake_stats *st)
{
	*st = ik->st;
	st->pending = pendset_count(&ik->pend);
	st->segments = ik->nseg;
	st->disk_bytes = 0;
	for (size_t i = 0; i < ik->nseg; i++)
		st->disk_bytes += ik->seg[i].bytes;
}
