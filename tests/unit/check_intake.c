/* check_intake.c - the intake log: event ids, what is written and when, recovery after a
 * crash (a forked child that _exits without closing), split events, damage, file removal,
 * orphans, write faults, and the input observer that feeds it. */
#include <zr-autoconf.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "input.h"
#include "intake.h"
#include "segfile.h"

static char dir[256];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_intake.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct intake *open_ik(uint64_t seg, struct intake_recovery *rec)
{
	struct intake_opts o = {.dir = dir, .sync = SPOOL_SYNC_NONE, .segment_bytes = seg};
	struct intake_recovery r;
	char err[512];
	struct intake *ik = intake_open(&o, rec ? rec : &r, err, sizeof(err));

	ck_assert_msg(ik != NULL, "intake_open: %s", err);
	return ik;
}

/* Files named *.in in the directory. */
static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, INTAKE_SUFFIX) != NULL;
	closedir(d);
	return n;
}

/* A record line of event SEC.100:SERIAL. */
static const char *rec_line(char *out, size_t len, const char *type, long sec, unsigned serial,
                            const char *extra)
{
	snprintf(out, len, "type=%s msg=audit(%ld.100:%u): %s\n", type, sec, serial, extra);
	return out;
}

static void note(struct intake *ik, const char *line)
{
	intake_record(ik, line, strlen(line), 100.0);
}

static struct intake_id id_of(const char *line)
{
	struct intake_id id;

	ck_assert(intake_parse_id(line, strlen(line), &id));
	return id;
}

static bool never_held(void *arg, const struct intake_id *id)
{
	(void)arg;
	(void)id;
	return false;
}

/* Holds the one event *arg names. */
static bool holds_one(void *arg, const struct intake_id *id)
{
	const struct intake_id *h = arg;

	return h->sec == id->sec && h->serial == id->serial && h->milli == id->milli &&
	       h->node == id->node;
}

/* Run body in a child that then dies without closing the log: a crash. */
#define IN_CRASHING_CHILD(...)                                                                     \
	do {                                                                                       \
		pid_t pid_ = fork();                                                               \
		int st_;                                                                           \
		ck_assert_int_ge(pid_, 0);                                                         \
		if (pid_ == 0) {                                                                   \
			__VA_ARGS__                                                                \
			_exit(0);                                                                  \
		}                                                                                  \
		ck_assert_int_eq(waitpid(pid_, &st_, 0), pid_);                                    \
		ck_assert(WIFEXITED(st_) && WEXITSTATUS(st_) == 0);                                \
	} while (0)

START_TEST(event_ids_parse_like_libauparse)
{
	struct intake_id a, b, c;
	const char *plain = "type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e\n";
	const char *node = "node=web1 type=SYSCALL msg=audit(1700000000.123:4567): arch=x\n";

	ck_assert(intake_parse_id(plain, strlen(plain), &a));
	ck_assert_int_eq(a.sec, 1700000000);
	ck_assert_uint_eq(a.milli, 123);
	ck_assert_uint_eq(a.serial, 4567);
	ck_assert_uint_eq(a.node, intake_node_hash("", 0));
	ck_assert(intake_parse_id(node, strlen(node), &b));
	ck_assert_uint_eq(b.node, intake_node_hash("web1", 4));
	ck_assert_uint_ne(a.node, b.node); /* same time and serial on two hosts: two events */
	ck_assert_uint_eq(intake_node_hash(NULL, 0), intake_node_hash("", 0));
	ck_assert(!intake_parse_id("type=X msg=audit(17.1)\n", 23, &c));
	ck_assert(!intake_parse_id("type=X msg=(17.1:2)\n", 20, &c));
	ck_assert(!intake_parse_id("node=nospace", 12, &c));
}
END_TEST

START_TEST(whole_events_cost_no_write)
{
	char l1[256], l2[256];
	struct intake_stats st;
	struct intake *ik;
	struct intake_id id;

	make_dir();
	ik = open_ik(0, NULL);
	rec_line(l1, sizeof(l1), "SYSCALL", 1700000000, 1, "a=1");
	rec_line(l2, sizeof(l2), "EOE", 1700000000, 1, "");
	note(ik, l1);
	note(ik, l2);
	id = id_of(l1);
	intake_emitted(ik, &id, 2);
	intake_settle(ik, false, never_held, NULL, 100.0);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.records, 1); /* the EOE is not noted */
	ck_assert_uint_eq(st.settled, 1);
	ck_assert_uint_eq(st.writes, 0);
	ck_assert_uint_eq(st.pending, 0);
	ck_assert_int_eq(count_files(), 0);
	intake_close(ik);
	remove_dir();
}
END_TEST

START_TEST(crash_replays_only_unspooled_records)
{
	char a1[256], a2[256], b1[256], c1[256], expect[1024];
	struct intake_recovery rec;
	struct intake *ik;
	size_t len;
	const char *text;

	make_dir();
	rec_line(a1, sizeof(a1), "SYSCALL", 1700000001, 10, "a=1");
	rec_line(a2, sizeof(a2), "EOE", 1700000001, 10, "");
	rec_line(b1, sizeof(b1), "SYSCALL", 1700000001, 11, "b=1");    /* libauparse still has it */
	rec_line(c1, sizeof(c1), "USER_LOGIN", 1700000001, 12, "c=1"); /* the assembler has it */
	IN_CRASHING_CHILD({
		struct intake *k = open_ik(0, NULL);
		struct intake_id a = id_of(a1), c = id_of(c1);

		note(k, a1);
		note(k, a2);
		note(k, b1);
		note(k, c1);
		intake_emitted(k, &a, 2);
		intake_emitted(k, &c, 1);
		intake_settle(k, false, holds_one, &c, 100.0);
		if (intake_commit(k) != 0)
			_exit(1);
	});
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.segments, 1);
	ck_assert_uint_eq(rec.records, 2); /* A was spooled before the commit: never written */
	ck_assert_uint_eq(rec.replay, 2);
	ck_assert_uint_eq(rec.skipped_bytes, 0);
	text = intake_replay(ik, &len);
	snprintf(expect, sizeof(expect), "%s%s", b1, c1);
	ck_assert_uint_eq(len, strlen(expect));
	ck_assert(memcmp(text, expect, len) == 0);
	intake_close(ik);
	remove_dir();
}
END_TEST

/* An event written while it waited and spooled after: a D entry covers it,
 * so a crash after that replays nothing of it; EOE lines are not noted. */
START_TEST(written_then_settled_is_covered)
{
	char a1[256], a2[256], eoe[256], b1[256];
	struct intake_recovery rec;
	struct intake *ik;
	size_t len;

	make_dir();
	rec_line(a1, sizeof(a1), "SYSCALL", 1700000009, 90, "a=1");
	rec_line(a2, sizeof(a2), "CWD", 1700000009, 90, "cwd=\"/\"");
	rec_line(eoe, sizeof(eoe), "EOE", 1700000009, 90, "");
	rec_line(b1, sizeof(b1), "SYSCALL", 1700000009, 91, "b=1");
	IN_CRASHING_CHILD({
		struct intake *k = open_ik(0, NULL);
		struct intake_id a = id_of(a1);
		struct intake_stats st;

		note(k, a1);
		if (intake_commit(k) != 0) /* a1 written: A waits */
			_exit(1);
		note(k, a2);
		note(k, eoe);
		note(k, b1);
		intake_emitted(k, &a, 2);
		intake_settle(k, false, never_held, NULL, 100.0);
		if (intake_commit(k) != 0) /* a D for A, b1 written */
			_exit(1);
		intake_stats(k, &st);
		if (st.records != 3 || st.writes != 2 || st.pending != 1)
			_exit(2);
	});
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.records, 2); /* a1 and b1: a2 never needed the disk */
	ck_assert_uint_eq(rec.replay, 1);
	ck_assert(memcmp(intake_replay(ik, &len), b1, strlen(b1)) == 0);
	ck_assert_uint_eq(len, strlen(b1));
	intake_close(ik);
	remove_dir();
}
END_TEST

/* Replayed records are noted again; once spooled, the old files go. */
START_TEST(replayed_records_retire_the_old_files)
{
	char b1[256], path[512];
	struct intake_recovery rec;
	struct intake *ik;
	struct intake_id b;
	size_t len;
	const char *text;

	make_dir();
	rec_line(b1, sizeof(b1), "SYSCALL", 1700000002, 20, "b=1");
	IN_CRASHING_CHILD({
		struct intake *k = open_ik(0, NULL);

		note(k, b1);
		if (intake_commit(k) != 0)
			_exit(1);
	});
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.replay, 1);
	text = intake_replay(ik, &len);
	ck_assert_uint_eq(len, strlen(b1));
	intake_record(ik, text, len, 100.0); /* as the replay input does */
	intake_replay_free(ik);
	ck_assert_int_eq(intake_commit(ik), 0);
	/* The copy is written, so the old file is no longer needed. */
	ck_assert_int_eq(count_files(), 1);
	snprintf(path, sizeof(path), "%s/0000000000000001%s", dir, INTAKE_SUFFIX);
	ck_assert_int_ne(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/0000000000000002%s", dir, INTAKE_SUFFIX);
	ck_assert_int_eq(access(path, F_OK), 0);
	b = id_of(b1);
	intake_emitted(ik, &b, 1);
	intake_settle(ik, false, never_held, NULL, 100.0);
	ck_assert_int_eq(intake_commit(ik), 0);
	ck_assert_int_eq(count_files(), 1); /* the active file stays, emptied */
	intake_close(ik);
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.replay, 0);
	intake_close(ik);
	remove_dir();
}
END_TEST

/* libauparse hands one event over in two parts, the second read later: a
 * crash after the first part was spooled replays the second part only. */
START_TEST(split_event_replays_the_later_part_only)
{
	char p1[256], p2[256];
	struct intake_recovery rec;
	struct intake *ik;
	size_t len;
	const char *text;

	make_dir();
	rec_line(p1, sizeof(p1), "LOGIN", 1700000003, 30, "part=1");
	rec_line(p2, sizeof(p2), "SYSCALL", 1700000003, 30, "part=2");
	IN_CRASHING_CHILD({
		struct intake *k = open_ik(0, NULL);
		struct intake_id id = id_of(p1);

		note(k, p1);
		intake_emitted(k, &id, 1);
		intake_settle(k, false, never_held, NULL, 100.0);
		note(k, p2); /* same event id, after its first part was settled */
		if (intake_commit(k) != 0)
			_exit(1);
	});
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.replay, 1);
	text = intake_replay(ik, &len);
	ck_assert_uint_eq(len, strlen(p2));
	ck_assert(memcmp(text, p2, len) == 0);
	intake_close(ik);
	remove_dir();
}
END_TEST

START_TEST(torn_tail_is_skipped_and_counted)
{
	char l[256], path[512];
	struct intake_recovery rec;
	struct intake *ik;
	struct stat sb;
	size_t len;

	make_dir();
	IN_CRASHING_CHILD({
		struct intake *k = open_ik(0, NULL);

		for (unsigned i = 0; i < 3; i++) {
			rec_line(l, sizeof(l), "SYSCALL", 1700000004, 40 + i, "x=1");
			note(k, l);
		}
		if (intake_commit(k) != 0)
			_exit(1);
	});
	snprintf(path, sizeof(path), "%s/0000000000000001%s", dir, INTAKE_SUFFIX);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(truncate(path, sb.st_size - 5), 0); /* the last entry torn */
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.records, 2);
	ck_assert_uint_eq(rec.replay, 2);
	ck_assert_uint_eq(rec.damaged_entries, 1);
	ck_assert_uint_gt(rec.skipped_bytes, 0);
	ck_assert_uint_lt(rec.skipped_bytes, 200);
	ck_assert_ptr_nonnull(strstr(rec.first_damage, path));
	intake_replay(ik, &len);
	ck_assert_uint_gt(len, 0);
	intake_close(ik);
	remove_dir();
}
END_TEST

START_TEST(bad_crc_is_damage)
{
	char l[256], path[512];
	struct intake_recovery rec;
	struct intake *ik;
	int fd;

	make_dir();
	IN_CRASHING_CHILD({
		struct intake *k = open_ik(0, NULL);

		rec_line(l, sizeof(l), "SYSCALL", 1700000005, 50, "x=1");
		note(k, l);
		if (intake_commit(k) != 0)
			_exit(1);
	});
	snprintf(path, sizeof(path), "%s/0000000000000001%s", dir, INTAKE_SUFFIX);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "Z", 1, 30), 1); /* inside the record's text */
	close(fd);
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.records, 0);
	ck_assert_uint_eq(rec.damaged_entries, 1);
	intake_close(ik);
	remove_dir();
}
END_TEST

/* Small files: the oldest go as their records are settled, and the active
 * one is emptied when nothing waits. */
START_TEST(files_go_when_their_records_are_settled)
{
	char l[256];
	struct intake_stats st;
	struct intake *ik;
	struct intake_id ids[40];

	make_dir();
	ik = open_ik(300, NULL);
	for (unsigned i = 0; i < 40; i++) {
		rec_line(l, sizeof(l), "SYSCALL", 1700000006, 60 + i, "pad=0123456789012345678901");
		note(ik, l);
		ids[i] = id_of(l);
		ck_assert_int_eq(intake_commit(ik), 0); /* one write per record */
	}
	intake_stats(ik, &st);
	ck_assert_uint_ge(st.segments, 10);
	ck_assert_int_eq(count_files(), (int)st.segments);
	/* The first 30 are spooled: only files holding the last 10 stay. */
	for (unsigned i = 0; i < 30; i++)
		intake_emitted(ik, &ids[i], 1);
	intake_settle(ik, false, never_held, NULL, 100.0);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.pending, 10);
	ck_assert_uint_le(st.segments, 6);
	ck_assert_uint_ge(st.segments, 3);
	ck_assert_int_eq(count_files(), (int)st.segments);
	for (unsigned i = 30; i < 40; i++)
		intake_emitted(ik, &ids[i], 1);
	intake_settle(ik, false, never_held, NULL, 100.0);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.pending, 0);
	ck_assert_uint_eq(st.segments, 1);
	ck_assert_uint_eq(st.disk_bytes, 0);
	ck_assert_uint_ge(st.resets, 1);
	intake_close(ik);
	ck_assert_int_eq(count_files(), 0);
	remove_dir();
}
END_TEST

START_TEST(orphans_go_only_when_the_parser_is_idle)
{
	char a[256], b[256];
	struct intake_stats st;
	struct intake *ik;

	make_dir();
	ik = open_ik(0, NULL);
	rec_line(a, sizeof(a), "SYSCALL", 1700000007, 70, "x=1");
	rec_line(b, sizeof(b), "SYSCALL", 1700000007, 71, "x=1");
	intake_record(ik, a, strlen(a), 100.0);
	intake_record(ik, b, strlen(b), 150.0);
	intake_settle(ik, false, never_held, NULL, 130.0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.pending, 2); /* libauparse may still hand them out */
	/* An hour later, libauparse still holding something: still kept (they
	 * used to go after 60 s, and a crash then lost them). */
	intake_settle(ik, false, never_held, NULL, 3700.0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.pending, 2);
	ck_assert_uint_eq(st.orphaned, 0);
	intake_settle(ik, true, never_held, NULL, 3701.0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.pending, 0); /* the parser holds nothing: b will never come */
	ck_assert_uint_eq(st.orphaned, 2);
	intake_close(ik);
	remove_dir();
}
END_TEST

/* Falling timestamps without EOE: libauparse keeps every event waiting, so tens of thousands
 * pend at once. Every record stays in the log however long it waits (a crash loses none),
 * the bookkeeping finds each event by its id (a linear search made this quadratic: 20,000
 * events took 6 s, 300,000 never finished), and every event settles exactly once when it is
 * handed out, in whatever order. */
START_TEST(falling_timestamps_many_events)
{
	enum { N = 40000 };
	char line[256];
	struct intake_stats st;
	struct intake_recovery rec;
	struct intake *ik;

	/* A crash after they waited far beyond a minute: every record comes back. */
	make_dir();
	IN_CRASHING_CHILD({
		ik = open_ik(0, NULL);
		for (unsigned i = 0; i < N; i++) {
			rec_line(line, sizeof(line), "SYSCALL", 1700100000L - (long)i, i + 1,
			         "x=1");
			intake_record(ik, line, strlen(line), 100.0);
		}
		intake_settle(ik, false, never_held, NULL, 100.0);
		if (intake_commit(ik) != 0)
			_exit(1);
		intake_settle(ik, false, never_held, NULL, 100000.0);
		if (intake_commit(ik) != 0)
			_exit(1);
	});
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.replay, N);
	intake_close(ik);
	remove_dir();

	make_dir();
	ik = open_ik(0, NULL);
	for (unsigned i = 0; i < N; i++) {
		/* two records per event, the seconds falling */
		rec_line(line, sizeof(line), "SYSCALL", 1700100000L - (long)i, i + 1, "x=1");
		intake_record(ik, line, strlen(line), 100.0 + i / 1000.0);
		rec_line(line, sizeof(line), "PATH", 1700100000L - (long)i, i + 1, "item=0");
		intake_record(ik, line, strlen(line), 100.0 + i / 1000.0);
		if (i % 500 == 0) {
			intake_settle(ik, false, never_held, NULL, 100.0 + i);
			ck_assert_int_eq(intake_commit(ik), 0);
		}
	}
	intake_settle(ik, false, never_held, NULL, 100000.0);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.pending, N);
	ck_assert_uint_eq(st.orphaned, 0);
	ck_assert_uint_eq(st.records, 2 * N);
	/* Handed out newest first, one record of each now and one later. */
	for (unsigned i = N; i-- > 0;) {
		rec_line(line, sizeof(line), "SYSCALL", 1700100000L - (long)i, i + 1, "x=1");
		struct intake_id id = id_of(line);
		intake_emitted(ik, &id, 1);
	}
	intake_settle(ik, false, never_held, NULL, 100001.0);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.pending, N);
	ck_assert_uint_eq(st.settled, 0);
	for (unsigned i = 0; i < N; i++) {
		rec_line(line, sizeof(line), "PATH", 1700100000L - (long)i, i + 1, "item=0");
		struct intake_id id = id_of(line);
		intake_emitted(ik, &id, 1);
		if (i == N / 2) {
			intake_settle(ik, false, never_held, NULL, 100002.0);
			intake_stats(ik, &st);
			ck_assert_uint_eq(st.pending, N - N / 2 - 1);
		}
	}
	intake_settle(ik, false, never_held, NULL, 100003.0);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.pending, 0);
	ck_assert_uint_eq(st.settled, N);
	ck_assert_uint_eq(st.orphaned, 0);
	intake_close(ik);
	/* Nothing is left to replay. */
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.replay, 0);
	intake_close(ik);
	remove_dir();
}
END_TEST

/* A record entry with any seq and a valid CRC, written as file 1. */
static void write_raw_record(uint64_t seq, const char *text)
{
	unsigned char e[512];
	size_t n = strlen(text), plen = 9 + n;
	char path[512];
	FILE *f;

	ck_assert_uint_lt(12 + plen, sizeof(e));
	le_put32(e, INTAKE_MAGIC);
	le_put32(e + 4, (uint32_t)plen);
	e[12] = 'R';
	le_put64(e + 13, seq);
	memcpy(e + 21, text, n);
	le_put32(e + 8, segfile_crc32c(segfile_crc32c(0, e + 4, 4), e + 12, plen));
	snprintf(path, sizeof(path), "%s/0000000000000001%s", dir, INTAKE_SUFFIX);
	f = fopen(path, "ab");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(e, 1, 12 + plen, f), 12 + plen);
	fclose(f);
}

/* fuzz_intake found it: a seq near 2^64 kept its CRC; the numbering must
 * neither wrap nor make every later commit fail. */
START_TEST(absurd_seq_is_damage)
{
	char l[256];
	struct intake_recovery rec;
	struct intake *ik;
	size_t len;

	make_dir();
	rec_line(l, sizeof(l), "SYSCALL", 1700000010, 100, "x=1");
	write_raw_record(UINT64_MAX - 1, l);
	write_raw_record(5, l);
	ik = open_ik(0, &rec);
	ck_assert_uint_eq(rec.damaged_entries, 1);
	ck_assert_uint_gt(rec.skipped_bytes, 0);
	ck_assert_uint_eq(rec.records, 1); /* the sane one */
	ck_assert_uint_eq(rec.replay, 1);
	intake_replay(ik, &len);
	ck_assert_uint_eq(len, strlen(l));
	intake_replay_free(ik);
	note(ik, l);
	ck_assert_int_eq(intake_commit(ik), 0);
	note(ik, l);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_close(ik);
	remove_dir();
}
END_TEST

static int fail_writes;

static ssize_t faulty_write(int fd, const void *p, size_t n)
{
	if (fail_writes > 0) {
		fail_writes--;
		errno = ENOSPC;
		return -1;
	}
	return write(fd, p, n);
}

START_TEST(write_failure_is_counted_and_named)
{
	struct intake_opts o = {.dir = NULL, .sync = SPOOL_SYNC_BATCH, .write_fn = faulty_write};
	struct intake_recovery rec;
	struct intake_stats st;
	struct intake *ik;
	char l[256], err[512];

	make_dir();
	o.dir = dir;
	ik = intake_open(&o, &rec, err, sizeof(err));
	ck_assert_ptr_nonnull(ik);
	rec_line(l, sizeof(l), "SYSCALL", 1700000008, 80, "x=1");
	note(ik, l);
	fail_writes = 1;
	ck_assert_int_eq(intake_commit(ik), -1);
	ck_assert_ptr_nonnull(strstr(intake_error(ik), dir));
	ck_assert_ptr_nonnull(strstr(intake_error(ik), strerror(ENOSPC)));
	rec_line(l, sizeof(l), "SYSCALL", 1700000008, 81, "x=1");
	note(ik, l);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.write_errors, 1);
	ck_assert_uint_eq(st.writes, 1);
	/* batch: the commit writes, the caller's group commit syncs. */
	ck_assert_uint_eq(st.syncs, 0);
	ck_assert_int_eq(intake_sync(ik), 0);
	ck_assert_int_eq(intake_sync(ik), 0); /* nothing new written: no second sync */
	intake_stats(ik, &st);
	ck_assert_uint_eq(st.syncs, 1);
	intake_close(ik);
	remove_dir();
}
END_TEST

/* ---- the input observer: what reaches libauparse is what is noted ---- */

struct seen {
	int records, refused, events;
};

static void obs_record(void *arg, const char *p, size_t n)
{
	(void)p;
	(void)n;
	((struct seen *)arg)->records++;
}

static void obs_refused(void *arg, const char *p, size_t n)
{
	(void)p;
	(void)n;
	((struct seen *)arg)->refused++;
}

static void on_event(auparse_state_t *au, void *arg)
{
	(void)au;
	((struct seen *)arg)->events++;
}

START_TEST(observer_sees_records_and_idle_reports_held_events)
{
	struct seen s = {0};
	struct input_observer obs = {.record = obs_record, .refused = obs_refused, .arg = &s};
	struct input *in = input_new(CONFIG_FORMAT_STRING, on_event, &s);
	const char *text = "type=SYSCALL msg=audit(4102444800.001:1): arch=c000003e syscall=2\n"
	                   "not a record at all\n"
	                   "type=CWD msg=audit(4102444800.001:1): cwd=\"/\"\n";

	ck_assert_ptr_nonnull(in);
	input_observe(in, &obs);
	ck_assert(input_idle(in));
	input_feed(in, text, strlen(text));
	ck_assert_int_eq(s.records, 2); /* the line that is no record is not noted */
	ck_assert_int_eq(s.events, 0);
	ck_assert(!input_idle(in)); /* an event of 2100 never ages: libauparse holds it */
	input_flush(in);
	ck_assert_int_eq(s.events, 1);
	ck_assert(input_idle(in));
	input_observe(in, NULL);
	input_feed(in, text, strlen(text));
	ck_assert_int_eq(s.records, 2);
	input_flush(in);
	input_free(in);
}
END_TEST

static Suite *intake_suite(void)
{
	Suite *s = suite_create("intake");
	TCase *tc = tcase_create("intake");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, event_ids_parse_like_libauparse);
	tcase_add_test(tc, whole_events_cost_no_write);
	tcase_add_test(tc, crash_replays_only_unspooled_records);
	tcase_add_test(tc, written_then_settled_is_covered);
	tcase_add_test(tc, replayed_records_retire_the_old_files);
	tcase_add_test(tc, split_event_replays_the_later_part_only);
	tcase_add_test(tc, torn_tail_is_skipped_and_counted);
	tcase_add_test(tc, bad_crc_is_damage);
	tcase_add_test(tc, absurd_seq_is_damage);
	tcase_add_test(tc, files_go_when_their_records_are_settled);
	tcase_add_test(tc, orphans_go_only_when_the_parser_is_idle);
	tcase_add_test(tc, falling_timestamps_many_events);
	tcase_add_test(tc, write_failure_is_counted_and_named);
	tcase_add_test(tc, observer_sees_records_and_idle_reports_held_events);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(intake_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
