/* check_spool.c - the disk spool and the queue over it: append, read back, settle, segments,
 * recovery, damage, full actions, injected write faults. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "item.h"
#include "queue.h"
#include "setaside.h"
#include "spool.h"
#include "test_items.h"

static char dir[256];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_spool.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct spool *open_spool(uint64_t max, uint64_t seg, struct spool_recovery *rec)
{
	struct spool_opts o = {
	        .dir = dir, .max_bytes = max, .segment_bytes = seg, .sync = SPOOL_SYNC_BATCH};
	char err[512];
	struct spool *sp = spool_open(&o, rec, err, sizeof(err));

	ck_assert_msg(sp != NULL, "%s", err);
	return sp;
}

/* Append n one-item events R<base>..; returns the size of one entry. */
static size_t append_n(struct spool *sp, unsigned n, unsigned base, uint32_t *tag)
{
	struct spool_stats st;
	uint64_t before;

	spool_stats(sp, &st);
	before = st.bytes;
	for (unsigned i = 0; i < n; i++) {
		struct qevent *e = test_make_event(1, base + i, tag);

		ck_assert_int_eq(spool_append(sp, e), SPOOL_OK);
		qevent_free(e);
	}
	spool_stats(sp, &st);
	return n ? (size_t)((st.bytes - before) / n) : 0;
}

static unsigned count_segments(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".seg") != NULL;
	closedir(d);
	return n;
}

static char *first_segment(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *best = NULL;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".seg") && (!best || strcmp(de->d_name, best) < 0)) {
			free(best);
			best = strdup(de->d_name);
		}
	closedir(d);
	ck_assert_ptr_nonnull(best);
	return best;
}

static char *seg_path(const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

START_TEST(crc32c_known_value)
{
	/* The CRC32C check value of "123456789" (RFC 3720 B.4 family). */
	ck_assert_uint_eq(segfile_crc32c(0, "123456789", 9), 0xe3069283u);
	/* Chaining equals one pass. */
	ck_assert_uint_eq(segfile_crc32c(segfile_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
	ck_assert_uint_eq(segfile_crc32c_portable(0, "123456789", 9), 0xe3069283u);
	/* The CPU's crc32 path and the table agree at every length and
	 * alignment (the 8-byte loop and its byte tail). */
	unsigned char buf[300];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 131u + 7u);
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n + off <= sizeof buf; n += 7)
			ck_assert_uint_eq(segfile_crc32c(0x1234u, buf + off, n),
			                  segfile_crc32c_portable(0x1234u, buf + off, n));
}
END_TEST

START_TEST(append_read_settle)
{
	struct spool_recovery rec;
	struct spool *sp;
	uint32_t tag = 0;
	uint64_t seq = 0;
	struct qevent *orig[5], *e;

	make_dir();
	sp = open_spool(1 << 20, 0, &rec);
	ck_assert_uint_eq(rec.events, 0);
	for (unsigned i = 0; i < 5; i++) {
		orig[i] = test_make_event(1 + i % 3, 10 * i, &tag);
		ck_assert_int_eq(spool_append(sp, orig[i]), SPOOL_OK);
		ck_assert_uint_eq(orig[i]->seq, i + 1);
	}
	for (unsigned i = 0; i < 5; i++) {
		seq = i + 1;
		ck_assert_int_eq(spool_read(sp, &seq, &e), 1);
		ck_assert_uint_eq(seq, i + 1);
		ck_assert_uint_eq(e->nitems, orig[i]->nitems);
		ck_assert_uint_eq(e->data_len, orig[i]->data_len);
		ck_assert_mem_eq(e->items, orig[i]->items, e->nitems * sizeof(e->items[0]));
		ck_assert_mem_eq(qevent_data(e), qevent_data(orig[i]), e->data_len);
		ck_assert_str_eq(qitem_resource(e, &e->items[0]),
		                 qitem_resource(orig[i], &orig[i]->items[0]));
		qevent_free(e);
	}
	seq = 6;
	ck_assert_int_eq(spool_read(sp, &seq, &e), 0);
	/* Out of order settles move the head only over the settled prefix. */
	spool_settle(sp, 2);
	spool_settle(sp, 3);
	ck_assert_uint_eq(spool_head(sp), 1);
	spool_settle(sp, 1);
	ck_assert_uint_eq(spool_head(sp), 4);
	spool_settle(sp, 5);
	spool_settle(sp, 4);
	ck_assert_uint_eq(spool_head(sp), 6);
	for (unsigned i = 0; i < 5; i++)
		qevent_free(orig[i]);
	spool_close(sp);
	/* Everything settled: nothing left for the next start. */
	ck_assert_uint_eq(count_segments(), 0);
	sp = open_spool(1 << 20, 0, &rec);
	ck_assert_uint_eq(rec.events, 0);
	ck_assert_uint_eq(rec.head, 6);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(segments_roll_and_go_when_settled)
{
	struct spool_recovery rec;
	struct spool *sp;
	uint32_t tag = 0;
	size_t entry;
	unsigned segs;

	make_dir();
	sp = open_spool(1 << 20, 1024, &rec);
	entry = append_n(sp, 40, 0, &tag);
	ck_assert_uint_gt(entry, 100);
	segs = count_segments();
	ck_assert_uint_ge(segs, 40 * entry / 1024);
	for (uint64_t s = 1; s <= 20; s++)
		spool_settle(sp, s);
	ck_assert_uint_lt(count_segments(), segs);
	ck_assert_uint_ge(count_segments(), segs / 2 - 1);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(recovery_resumes_at_head_with_tags)
{
	struct spool_recovery rec;
	struct spool *sp;
	uint32_t tag = 0;
	uint64_t seq = 1;
	struct qevent *e;

	make_dir();
	sp = open_spool(1 << 20, 0, &rec);
	append_n(sp, 10, 0, &tag);
	for (uint64_t s = 1; s <= 4; s++)
		spool_settle(sp, s);
	spool_close(sp);
	sp = open_spool(1 << 20, 0, &rec);
	ck_assert_uint_eq(rec.head, 5);
	ck_assert_uint_eq(rec.events, 6);
	ck_assert_uint_eq(rec.items, 6);
	ck_assert_uint_eq(rec.skipped_bytes, 0);
	ck_assert_uint_eq(rec.last_tag, tag);
	ck_assert_uint_eq(spool_next_seq(sp), 11);
	ck_assert_int_eq(spool_read(sp, &seq, &e), 1);
	ck_assert_uint_eq(seq, 5);
	ck_assert_str_eq(qitem_resource(e, &e->items[0]), "R4");
	qevent_free(e);
	/* New appends go on after the recovered ones. */
	e = test_make_event(1, 99, &tag);
	ck_assert_int_eq(spool_append(sp, e), SPOOL_OK);
	ck_assert_uint_eq(e->seq, 11);
	qevent_free(e);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(torn_tail_is_skipped_and_counted)
{
	struct spool_recovery rec;
	struct spool *sp;
	uint32_t tag = 0;
	uint64_t seq = 1;
	struct qevent *e;
	size_t entry;
	char *name, *path;
	struct stat st;
	unsigned got = 0;

	make_dir();
	sp = open_spool(1 << 20, 0, &rec);
	entry = append_n(sp, 5, 0, &tag);
	spool_close(sp);
	name = first_segment();
	path = seg_path(name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq((size_t)st.st_size, 5 * entry);
	/* A crash in the middle of the last write. */
	ck_assert_int_eq(truncate(path, st.st_size - 7), 0);
	sp = open_spool(1 << 20, 0, &rec);
	ck_assert_uint_eq(rec.events, 4);
	ck_assert_uint_eq(rec.damaged_entries, 1);
	ck_assert_uint_eq(rec.skipped_bytes, entry - 7);
	ck_assert_ptr_nonnull(strstr(rec.first_damage, name));
	while (spool_read(sp, &seq, &e) == 1) {
		ck_assert_uint_eq(e->seq, ++got);
		qevent_free(e);
		seq++;
	}
	ck_assert_uint_eq(got, 4);
	spool_close(sp);
	free(path);
	free(name);
	remove_dir();
}
END_TEST

START_TEST(bad_crc_stops_that_segment_only)
{
	struct spool_recovery rec;
	struct spool *sp;
	uint32_t tag = 0;
	uint64_t seq = 1;
	struct qevent *e;
	size_t entry;
	char *name, *path;
	unsigned got = 0;
	int fd;
	unsigned char byte;

	make_dir();
	sp = open_spool(1 << 20, 0, &rec);
	entry = append_n(sp, 6, 0, &tag);
	spool_close(sp);
	/* A second run adds a segment of its own. */
	sp = open_spool(1 << 20, 0, &rec);
	append_n(sp, 3, 100, &tag);
	spool_close(sp);
	name = first_segment();
	path = seg_path(name);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	/* Flip a payload byte of the third entry. */
	ck_assert_int_eq(pread(fd, &byte, 1, (off_t)(2 * entry + 30)), 1);
	byte ^= 0x40;
	ck_assert_int_eq(pwrite(fd, &byte, 1, (off_t)(2 * entry + 30)), 1);
	close(fd);
	sp = open_spool(1 << 20, 0, &rec);
	ck_assert_uint_eq(rec.damaged_entries, 1);
	ck_assert_uint_eq(rec.skipped_bytes, 4 * entry);
	ck_assert_uint_eq(rec.events, 2 + 3);
	while (spool_read(sp, &seq, &e) == 1) {
		got++;
		seq = e->seq + 1;
		qevent_free(e);
	}
	ck_assert_uint_eq(got, 5);
	/* The unreadable events count as settled: the head can pass them. */
	for (uint64_t s = 1; s <= 9; s++)
		spool_settle(sp, s);
	ck_assert_uint_eq(spool_head(sp), 10);
	spool_close(sp);
	free(path);
	free(name);
	remove_dir();
}
END_TEST

START_TEST(size_cap_refuses_and_leaves_spool_unchanged)
{
	struct spool_recovery rec;
	struct spool_stats st;
	struct spool *sp;
	uint32_t tag = 0;
	size_t entry;
	unsigned ok = 0;
	struct qevent *e;

	make_dir();
	sp = open_spool(4096, 1024, &rec);
	entry = append_n(sp, 1, 0, &tag);
	ok = 1;
	for (;;) {
		e = test_make_event(1, ok, &tag);
		enum spool_status rc = spool_append(sp, e);

		qevent_free(e);
		if (rc != SPOOL_OK) {
			ck_assert_int_eq(rc, SPOOL_FULL);
			break;
		}
		ok++;
	}
	ck_assert_uint_eq(ok, 4096 / entry);
	spool_stats(sp, &st);
	ck_assert_uint_le(st.bytes, 4096);
	ck_assert_uint_eq(st.appended, ok);
	ck_assert_uint_eq(spool_next_seq(sp), ok + 1);
	spool_close(sp);
	remove_dir();
}
END_TEST

/* ---- injected write faults ---- */

static int fault_mode; /* 0 none, 1 short then ENOSPC, 2 EIO */
/* With fault_mode 3: the first write after this is set fails with ENOSPC,
 * then the disk has room again (the reserve file was emptied). */
static bool reserve_disk_full_once;

static ssize_t faulty_write(int fd, const void *p, size_t n)
{
	if (fault_mode == 1) {
		/* Half the bytes go down, the next call finds the disk full. */
		fault_mode = 3;
		return write(fd, p, n / 2);
	}
	if (fault_mode == 3) {
		if (reserve_disk_full_once) {
			reserve_disk_full_once = false;
			fault_mode = 0;
		}
		errno = ENOSPC;
		return -1;
	}
	if (fault_mode == 2) {
		errno = EIO;
		return -1;
	}
	return write(fd, p, n);
}

START_TEST(short_write_then_enospc_leaves_no_torn_entry)
{
	struct spool_opts o = {.dir = NULL,
	                       .max_bytes = 1 << 20,
	                       .sync = SPOOL_SYNC_RECORD,
	                       .write_fn = faulty_write};
	struct spool_recovery rec;
	struct spool *sp;
	uint32_t tag = 0;
	char err[512];
	struct qevent *e;

	make_dir();
	o.dir = dir;
	fault_mode = 0;
	sp = spool_open(&o, &rec, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	append_n(sp, 3, 0, &tag);
	fault_mode = 1;
	e = test_make_event(1, 50, &tag);
	ck_assert_int_eq(spool_append(sp, e), SPOOL_FULL);
	ck_assert_ptr_nonnull(strstr(spool_error(sp), "No space"));
	fault_mode = 2;
	ck_assert_int_eq(spool_append(sp, e), SPOOL_IOERR);
	fault_mode = 0;
	ck_assert_int_eq(spool_append(sp, e), SPOOL_OK);
	ck_assert_uint_eq(e->seq, 4);
	qevent_free(e);
	spool_close(sp);
	/* No damage: the partial entry was cut off again. */
	sp = spool_open(&o, &rec, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	ck_assert_uint_eq(rec.skipped_bytes, 0);
	ck_assert_uint_eq(rec.events, 4);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(refuses_symlink_and_foreign_owner)
{
	struct spool_opts o = {.max_bytes = 1 << 20};
	struct spool_recovery rec;
	char err[512], link[300], real[300];
	struct stat st;

	make_dir();
	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(mkdir(real, 0755), 0);
	ck_assert_int_eq(symlink(real, link), 0);
	o.dir = link;
	ck_assert_ptr_null(spool_open(&o, &rec, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, link));
	ck_assert_ptr_nonnull(strstr(err, "symbolic link"));
	o.dir = real;
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(real, 4242, 4242), 0);
		ck_assert_ptr_null(spool_open(&o, &rec, err, sizeof(err)));
		ck_assert_ptr_nonnull(strstr(err, "owned by uid 4242"));
		ck_assert_int_eq(chown(real, 0, 0), 0);
	}
	/* Our own directory with loose permissions is tightened to 0700. */
	struct spool *sp = spool_open(&o, &rec, err, sizeof(err));

	ck_assert_msg(sp != NULL, "%s", err);
	ck_assert_int_eq(stat(real, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(set_aside_line_is_complete)
{
	struct set_aside *sa;
	char err[512], path[300];
	uint32_t tag = 0;
	struct qevent *e;
	char *text;
	size_t len = 0;
	FILE *f;
	struct stat st;

	make_dir();
	snprintf(path, sizeof(path), "%s/set-aside", dir);
	sa = set_aside_open(path, err, sizeof(err));
	ck_assert_msg(sa != NULL, "%s", err);
	e = test_make_event(2, 7, &tag);
	ck_assert_int_eq(set_aside_write(sa, e, &e->items[1], "VAL_ERR", 16, 8, 32, 0,
	                                 "field Resource: incorrect length"),
	                 0);
	set_aside_close(sa);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, 8192);
	len = fread(text, 1, 8191, f);
	fclose(f);
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(text[len - 1], '\n');
	ck_assert_ptr_nonnull(strstr(text, "\"reason\":\"VAL_ERR\""));
	ck_assert_ptr_nonnull(strstr(text, "\"major\":16,\"minor1\":8,\"minor2\":32"));
	ck_assert_ptr_nonnull(strstr(text, "\"resource\":\"R8\""));
	ck_assert_ptr_nonnull(strstr(text, "\"serial\":8"));
	/* The complete DER item, in hex. */
	char *hex = strstr(text, "\"der\":\"");

	ck_assert_ptr_nonnull(hex);
	hex += 7;
	ck_assert_uint_eq(strcspn(hex, "\""), 2 * e->items[1].der_len);
	ck_assert_int_eq(hex[0], '3'); /* a SEQUENCE: 0x30 */
	ck_assert_int_eq(hex[1], '0');
	free(text);
	qevent_free(e);
	remove_dir();
}
END_TEST

/* ---- the queue as a window over the spool ---- */

START_TEST(queue_spills_to_disk_and_reads_back_in_order)
{
	struct spool_recovery rec;
	struct spool *sp;
	struct queue *q;
	struct queue_stats st;
	uint32_t tag = 0;
	uint64_t last = 0;
	unsigned got = 0;

	make_dir();
	sp = open_spool(1 << 20, 2048, &rec);
	q = queue_new(4);
	queue_attach_spool(q, sp, QUEUE_KEEP_OLDEST);
	for (unsigned i = 0; i < 30; i++)
		ck_assert_int_eq(queue_append(q, test_make_event(1, i, &tag)), QUEUE_TAKEN);
	queue_stats(q, &st);
	ck_assert_uint_eq(st.pushed, 30);
	ck_assert_uint_eq(st.held, 4);
	ck_assert_uint_eq(st.spilled, 26);
	ck_assert_uint_eq(st.backlog, 26);
	/* More while spilled still go behind, on disk. */
	for (;;) {
		struct qevent *e = queue_pop(q, 0);

		if (!e)
			break;
		ck_assert_uint_eq(e->seq, last + 1);
		last = e->seq;
		got++;
		if (got == 10)
			ck_assert_int_eq(queue_append(q, test_make_event(1, 100, &tag)),
			                 QUEUE_TAKEN);
		queue_settle(q, e);
	}
	ck_assert_uint_eq(got, 31);
	queue_stats(q, &st);
	ck_assert_uint_eq(st.read_back, 27);
	ck_assert_uint_eq(st.held, 0);
	ck_assert_uint_eq(st.backlog, 0);
	ck_assert_uint_eq(spool_head(sp), 32);
	/* Caught up: the next event stays in memory again. */
	ck_assert_int_eq(queue_append(q, test_make_event(1, 200, &tag)), QUEUE_TAKEN);
	queue_stats(q, &st);
	ck_assert_uint_eq(st.spilled, 27);
	ck_assert_uint_eq(st.queued, 1);
	queue_close(q);
	queue_free(q);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(queue_delivers_recovered_events_first)
{
	struct spool_recovery rec;
	struct spool *sp;
	struct queue *q;
	uint32_t tag = 0;
	struct qevent *e;

	make_dir();
	sp = open_spool(1 << 20, 0, &rec);
	append_n(sp, 5, 0, &tag);
	spool_close(sp);
	sp = open_spool(1 << 20, 0, &rec);
	ck_assert_uint_eq(rec.events, 5);
	q = queue_new(100);
	queue_attach_spool(q, sp, QUEUE_KEEP_OLDEST);
	ck_assert_int_eq(queue_append(q, test_make_event(1, 50, &tag)), QUEUE_TAKEN);
	for (unsigned i = 0; i < 6; i++) {
		e = queue_pop(q, 0);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->seq, i + 1);
		char want[32];

		snprintf(want, sizeof(want), "R%u", i < 5 ? i : 50);
		ck_assert_str_eq(qitem_resource(e, &e->items[0]), want);
		queue_settle(q, e);
	}
	ck_assert_ptr_null(queue_pop(q, 0));
	queue_close(q);
	ck_assert(queue_finished(q));
	queue_free(q);
	spool_close(sp);
	remove_dir();
}
END_TEST

/* Fill a queue over a small spool with action a; returns the stats. */
static void fill(enum queue_full_action a, unsigned n, struct queue_stats *st, struct spool **spp,
                 struct queue **qp, unsigned *taken)
{
	struct spool_recovery rec;
	uint32_t tag = 0;

	*spp = open_spool(8192, 1024, &rec);
	*qp = queue_new(2);
	queue_attach_spool(*qp, *spp, a);
	*taken = 0;
	for (unsigned i = 0; i < n; i++) {
		struct qevent *e = test_make_event(1, i, &tag);
		enum queue_put put = queue_append(*qp, e);

		if (put == QUEUE_SUSPENDED)
			qevent_free(e);
		*taken += put == QUEUE_TAKEN;
	}
	queue_stats(*qp, st);
}

START_TEST(full_keep_oldest_drops_new_and_counts)
{
	struct queue_stats st;
	struct spool *sp;
	struct queue *q;
	unsigned taken;
	struct qevent *e;
	uint64_t last = 0;

	make_dir();
	fill(QUEUE_KEEP_OLDEST, 200, &st, &sp, &q, &taken);
	ck_assert_uint_gt(st.full_dropped, 0);
	ck_assert_uint_eq(st.full_dropped + taken, 200);
	ck_assert_uint_eq(st.full_dropped_items, st.full_dropped);
	ck_assert(st.full);
	/* The oldest are the ones kept: seq 1.. without a hole. */
	while ((e = queue_pop(q, 0)) != NULL) {
		ck_assert_uint_eq(e->seq, last + 1);
		char want[32];

		snprintf(want, sizeof(want), "R%u", (unsigned)(e->seq - 1));
		ck_assert_str_eq(qitem_resource(e, &e->items[0]), want);
		last = e->seq;
		queue_settle(q, e);
	}
	ck_assert_uint_eq(last, taken);
	/* Room again: appends work. */
	uint32_t tag = 1000;

	ck_assert_int_eq(queue_append(q, test_make_event(1, 999, &tag)), QUEUE_TAKEN);
	queue_free(q);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(full_keep_newest_discards_oldest_unsent)
{
	struct queue_stats st;
	struct spool *sp;
	struct queue *q;
	unsigned taken, got = 0;
	struct qevent *e, *held;
	uint64_t last = 0;

	make_dir();
	{
		struct spool_recovery rec;
		uint32_t tag = 0;

		sp = open_spool(8192, 1024, &rec);
		q = queue_new(2);
		queue_attach_spool(q, sp, QUEUE_KEEP_NEWEST);
		/* The sender holds the first event (in flight): it is not discarded. */
		ck_assert_int_eq(queue_append(q, test_make_event(1, 0, &tag)), QUEUE_TAKEN);
		held = queue_pop(q, 0);
		ck_assert_ptr_nonnull(held);
		taken = 1;
		for (unsigned i = 1; i < 200; i++)
			taken += queue_append(q, test_make_event(1, i, &tag)) == QUEUE_TAKEN;
		queue_stats(q, &st);
	}
	ck_assert_uint_eq(taken, 200);
	ck_assert_uint_gt(st.discarded, 0);
	ck_assert_uint_eq(st.full_dropped, 0);
	/* Every event is either discarded or still to come, exactly once. */
	while ((e = queue_pop(q, 0)) != NULL) {
		ck_assert_uint_gt(e->seq, last);
		last = e->seq;
		got++;
		queue_settle(q, e);
	}
	ck_assert_uint_eq(last, 200); /* the newest is kept */
	ck_assert_uint_eq(got + st.discarded + 1, 200);
	queue_settle(q, held);
	queue_free(q);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(full_suspend_hands_the_event_back)
{
	struct queue_stats st;
	struct spool *sp;
	struct queue *q;
	unsigned taken;
	struct qevent *e;
	uint32_t tag = 500;

	make_dir();
	fill(QUEUE_SUSPEND, 200, &st, &sp, &q, &taken);
	ck_assert_uint_eq(st.full_dropped, 0);
	ck_assert_uint_eq(st.suspended, 200 - taken);
	ck_assert_uint_eq(st.pushed, taken);
	e = test_make_event(1, 600, &tag);
	ck_assert_int_eq(queue_append(q, e), QUEUE_SUSPENDED);
	/* The sender settles the first segment's worth: room again. */
	for (unsigned i = 0; i < taken / 2; i++) {
		struct qevent *d = queue_pop(q, 0);

		ck_assert_ptr_nonnull(d);
		queue_settle(q, d);
	}
	ck_assert_int_eq(queue_append(q, e), QUEUE_TAKEN);
	queue_free(q);
	spool_close(sp);
	remove_dir();
}
END_TEST

/* The plugin's own items are never the ones lost: past the cap they use the
 * reserve, on a full disk the reserve file, and beyond both they stay in
 * memory. */
START_TEST(reserved_append_uses_the_reserve)
{
	struct queue_stats st;
	struct spool_stats ss;
	struct spool *sp;
	struct queue *q;
	unsigned taken;
	uint32_t tag = 5000;
	struct stat rs;
	char *rpath;

	make_dir();
	fill(QUEUE_KEEP_OLDEST, 200, &st, &sp, &q, &taken);
	ck_assert(st.full);
	rpath = seg_path(SPOOL_RESERVE_FILE);
	ck_assert_int_eq(stat(rpath, &rs), 0); /* set aside at open */
	ck_assert_uint_ge((uint64_t)rs.st_size, SPOOL_RESERVE_BYTES);
	/* An ordinary event is refused; a reserved one of the same size is not. */
	ck_assert_int_eq(queue_append(q, test_make_event(1, 900, &tag)), QUEUE_DROPPED);
	struct qevent *e = test_make_event(1, 901, &tag);
	ck_assert_int_eq(queue_append_reserved(q, e), QUEUE_TAKEN);
	spool_stats(sp, &ss);
	ck_assert_uint_gt(ss.bytes, ss.max_bytes);
	ck_assert_uint_eq(ss.reserve_used, 1);
	/* Fill the reserve too: the next ones are held in memory, none lost. */
	unsigned n = 0;
	do {
		ck_assert_int_eq(queue_append_reserved(q, test_make_event(1, 1000 + n, &tag)),
		                 QUEUE_TAKEN);
		queue_stats(q, &st);
		n++;
	} while (st.reserved_in_memory == 0 && n < 10000);
	ck_assert_uint_eq(st.reserved_in_memory, 1);
	ck_assert_uint_eq(st.full_dropped, 200 - taken + 1);
	/* Every reserved event comes out. */
	unsigned seen = 0;
	while ((e = queue_pop(q, 0)) != NULL) {
		const char *r = qitem_resource(e, &e->items[0]);
		seen += strcmp(r, "R901") == 0 || atoi(r + 1) >= 1000;
		queue_settle(q, e);
	}
	ck_assert_uint_eq(seen, n + 1);
	/* Room came back: the reserve file is allocated again. */
	ck_assert_int_eq(stat(rpath, &rs), 0);
	ck_assert_uint_ge((uint64_t)rs.st_size, SPOOL_RESERVE_BYTES);
	free(rpath);
	queue_free(q);
	spool_close(sp);
	remove_dir();
}
END_TEST

START_TEST(reserved_append_on_a_full_disk_empties_the_reserve_file)
{
	struct spool_opts o = {.dir = NULL,
	                       .max_bytes = 1 << 20,
	                       .sync = SPOOL_SYNC_BATCH,
	                       .write_fn = faulty_write};
	struct spool_recovery rec;
	struct spool_stats ss;
	struct spool *sp;
	uint32_t tag = 0;
	char err[512];
	struct stat rs;

	make_dir();
	o.dir = dir;
	fault_mode = 0;
	sp = spool_open(&o, &rec, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	char *rpath = seg_path(SPOOL_RESERVE_FILE);
	/* The disk is full for one write: the reserve file gives its room. */
	fault_mode = 3;
	struct qevent *e = test_make_event(1, 1, &tag);
	ck_assert_int_eq(spool_append(sp, e), SPOOL_FULL);
	reserve_disk_full_once = true;
	ck_assert_int_eq(spool_append_reserved(sp, e), SPOOL_OK);
	ck_assert_int_eq(stat(rpath, &rs), 0);
	ck_assert_int_eq(rs.st_size, 0);
	spool_stats(sp, &ss);
	ck_assert_uint_eq(ss.reserve_used, 1);
	qevent_free(e);
	free(rpath);
	spool_close(sp);
	remove_dir();
}
END_TEST

static Suite *spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, crc32c_known_value);
	tcase_add_test(tc, append_read_settle);
	tcase_add_test(tc, segments_roll_and_go_when_settled);
	tcase_add_test(tc, recovery_resumes_at_head_with_tags);
	tcase_add_test(tc, torn_tail_is_skipped_and_counted);
	tcase_add_test(tc, bad_crc_stops_that_segment_only);
	tcase_add_test(tc, size_cap_refuses_and_leaves_spool_unchanged);
	tcase_add_test(tc, short_write_then_enospc_leaves_no_torn_entry);
	tcase_add_test(tc, refuses_symlink_and_foreign_owner);
	tcase_add_test(tc, set_aside_line_is_complete);
	tcase_add_test(tc, queue_spills_to_disk_and_reads_back_in_order);
	tcase_add_test(tc, queue_delivers_recovered_events_first);
	tcase_add_test(tc, full_keep_oldest_drops_new_and_counts);
	tcase_add_test(tc, full_keep_newest_discards_oldest_unsent);
	tcase_add_test(tc, full_suspend_hands_the_event_back);
	tcase_add_test(tc, reserved_append_uses_the_reserve);
	tcase_add_test(tc, reserved_append_on_a_full_disk_empties_the_reserve_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(spool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
