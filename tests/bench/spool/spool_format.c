/* spool_format.c - measure SQLite (WAL) against an append-only segment log
 * as the on-disk spool format, for the workload the spool has: append
 * every record as it is read, sync per batch or per record, and delete
 * records in order once the server has settled them.
 *
 * Build: cc -O2 spool_format.c -lsqlite3 -lz -o spool_format
 * Run:   ./spool_format DIR [records] [record_bytes]
 * Prints records/s and CPU microseconds per record for each variant. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

enum sync_policy { SYNC_NONE, SYNC_BATCH, SYNC_RECORD };
static const char *sync_name[] = {"none", "per batch (256)", "per record"};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "spool_format: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* SQLite: one row per record; settle = DELETE of the oldest rows. */
static void run_sqlite(const char *dir, long n, size_t sz, enum sync_policy sp, const char *rec)
{
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *ins, *del;
	snprintf(path, sizeof path, "%s/spool.db", dir);
	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("sqlite3_open");
	sqlite3_exec(db, "PRAGMA journal_mode=WAL", 0, 0, 0);
	sqlite3_exec(db, sp == SYNC_NONE ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=FULL", 0, 0, 0);
	sqlite3_exec(db, "CREATE TABLE spool(id INTEGER PRIMARY KEY, data BLOB)", 0, 0, 0);
	sqlite3_prepare_v2(db, "INSERT INTO spool(id, data) VALUES(?, ?)", -1, &ins, 0);
	sqlite3_prepare_v2(db, "DELETE FROM spool WHERE id <= ?", -1, &del, 0);
	double t0 = now(), c0 = cpu();
	long batch = sp == SYNC_RECORD ? 1 : 256;
	for (long i = 0; i < n; i += batch) {
		sqlite3_exec(db, "BEGIN", 0, 0, 0);
		for (long j = i; j < i + batch && j < n; j++) {
			sqlite3_bind_int64(ins, 1, j + 1);
			sqlite3_bind_blob(ins, 2, rec, (int)sz, SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				die("insert");
			sqlite3_reset(ins);
		}
		sqlite3_exec(db, "COMMIT", 0, 0, 0);
		/* The server settles what was sent a window earlier. */
		if (i >= 1024) {
			sqlite3_bind_int64(del, 1, i - 1024);
			sqlite3_step(del);
			sqlite3_reset(del);
		}
	}
	double t = now() - t0, c = cpu() - c0;
	printf("%-10s %-16s %10.0f rec/s %8.1f us CPU/rec\n", "sqlite-wal", sync_name[sp], n / t,
	       c * 1e6 / n);
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	sqlite3_close(db);
}

/* Segment log: [u32 length][u32 crc32][bytes] appended to 64 MiB segment
 * files; settle = a small head file rewritten per batch, segments unlinked
 * when fully settled. */
static void run_log(const char *dir, long n, size_t sz, enum sync_policy sp, const char *rec)
{
	char path[512], hpath[512];
	snprintf(path, sizeof path, "%s/seg.000001", dir);
	snprintf(hpath, sizeof hpath, "%s/head", dir);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (fd < 0)
		die("open segment");
	unsigned char *buf = malloc((sz + 8) * 256);
	double t0 = now(), c0 = cpu();
	long batch = sp == SYNC_RECORD ? 1 : 256;
	for (long i = 0; i < n; i += batch) {
		size_t off = 0;
		for (long j = i; j < i + batch && j < n; j++) {
			uint32_t len = (uint32_t)sz, crc = (uint32_t)crc32(0, (const Bytef *)rec, (uInt)sz);
			memcpy(buf + off, &len, 4);
			memcpy(buf + off + 4, &crc, 4);
			memcpy(buf + off + 8, rec, sz);
			off += sz + 8;
		}
		if (write(fd, buf, off) != (ssize_t)off)
			die("write");
		if (sp != SYNC_NONE && fdatasync(fd) != 0)
			die("fdatasync");
		if (i >= 1024) {
			/* Head: offset of the first unsettled record. */
			char h[32];
			int hl = snprintf(h, sizeof h, "%ld\n", (i - 1024) * (long)(sz + 8));
			int hfd = open(hpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (hfd < 0 || write(hfd, h, (size_t)hl) != hl)
				die("head");
			if (sp != SYNC_NONE)
				fdatasync(hfd);
			close(hfd);
		}
	}
	double t = now() - t0, c = cpu() - c0;
	printf("%-10s %-16s %10.0f rec/s %8.1f us CPU/rec\n", "segment", sync_name[sp], n / t,
	       c * 1e6 / n);
	close(fd);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: spool_format DIR [records] [record_bytes]\n");
		return 2;
	}
	long n = argc > 2 ? atol(argv[2]) : 100000;
	size_t sz = argc > 3 ? (size_t)atol(argv[3]) : 600;
	char *rec = malloc(sz);
	for (size_t i = 0; i < sz; i++)
		rec[i] = (char)('a' + i % 26);
	printf("%ld records of %zu bytes in %s\n", n, sz, argv[1]);
	for (int sp = SYNC_NONE; sp <= SYNC_RECORD; sp++) {
		long m = sp == SYNC_RECORD ? n / 20 : n; /* per-record sync is slow: fewer */
		run_sqlite(argv[1], m, sz, (enum sync_policy)sp, rec);
		run_log(argv[1], m, sz, (enum sync_policy)sp, rec);
	}
	free(rec);
	return 0;
}
