/* soak.c - mutation soak: a million lines built from the sample logs, some
 * mutated, fed through the plugin to the simulator; every unmutated record
 * must reach the journal, the plugin must not crash or hang.
 *
 *   soak --plugin P --sim S --shared DIR --dir D [--lines N] [--seed N]
 *
 * Input: the lines of every sample log (`#` and blank lines dropped), file
 * after file, over and over. Each copy of an event gets a fresh serial
 * (1, 2, ...) so every unmutated record is a unique (serial, type). After
 * a line, with a fixed-seed PRNG, a mutated line may follow: a copy of a
 * random sample line with the time 999.000 and a serial from 3000000000 up
 * (so no mutation can turn it into an unmutated event: their times are
 * real), then byte flips, a cut, NULs, binary junk, or padding to ~100 KB
 * or past 1 MiB. The plugin (--stderr) reads the stream on stdin; at EOF it
 * must exit 0 within drain_timeout + 30 s. Then the journal is read: every
 * smf record whose msg=audit(...) serial is an unmutated one is matched to
 * an expected (serial, type). The figures are printed; the exit status is 0
 * only when nothing is missing, nothing was rejected as a bad item, and the
 * plugin exited 0 without a sanitizer report. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

#define JUNK_SERIAL  3000000000UL
#define JUNK_TIME    "999.000"
#define DRAIN_S      60
#define STALL_S      120 /* no progress writing to the plugin this long: a hang */
#define ONE_MIB      (1024 * 1024)
#define MAX_SRC_LINE (64 * 1024)

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "soak: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: fixed seed, the same stream on every machine. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}
static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* ---- the sample lines ---- */

struct src_line {
	char *text; /* without '\n' */
	size_t len;
	size_t id_at, id_len; /* "SEC.MS:SERIAL" inside msg=audit(...), len 0 = none */
	size_t serial_at;     /* offset of SERIAL */
	char type[40];        /* the type= token, "" when there is none */
	bool eoe;
};

struct src_file {
	struct src_line *lines;
	size_t n;
};

static struct src_file *files;
static size_t nfiles;
static size_t all_lines;

static void parse_line(struct src_line *l)
{
	const char *p = strstr(l->text, "msg=audit(");
	const char *t = strstr(l->text, "type=");

	if (t && (t == l->text || t[-1] == ' ')) {
		size_t n = strcspn(t + 5, " ");
		if (n >= sizeof(l->type))
			n = sizeof(l->type) - 1;
		memcpy(l->type, t + 5, n);
		l->type[n] = '\0';
	}
	l->eoe = strcmp(l->type, "EOE") == 0;
	if (!p)
		return;
	p += 10;
	const char *close = strchr(p, ')');
	const char *colon = memchr(p, ':', close ? (size_t)(close - p) : 0);
	if (!close || !colon)
		return;
	l->id_at = (size_t)(p - l->text);
	l->id_len = (size_t)(close - p);
	l->serial_at = (size_t)(colon + 1 - l->text);
}

static void load_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct src_file sf = {0};

	if (!f)
		die("cannot read %s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#' || n > MAX_SRC_LINE)
			continue;
		sf.lines = xrealloc(sf.lines, (sf.n + 1) * sizeof(*sf.lines));
		struct src_line *l = &sf.lines[sf.n++];
		memset(l, 0, sizeof(*l));
		l->text = strndup(line, (size_t)n);
		l->len = (size_t)n;
		parse_line(l);
	}
	free(line);
	fclose(f);
	if (sf.n) {
		files = xrealloc(files, (nfiles + 1) * sizeof(*files));
		files[nfiles++] = sf;
		all_lines += sf.n;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of every directory under dir, in name order. */
static void load_samples(const char *dir)
{
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		die("cannot open %s: %s (set ZR_SHARED)", dir, strerror(errno));
	while ((e = readdir(d))) {
		char *sub;
		if (e->d_name[0] == '.' || asprintf(&sub, "%s/%s", dir, e->d_name) < 0)
			continue;
		DIR *sd = opendir(sub);
		struct dirent *se;
		while (sd && (se = readdir(sd))) {
			if (se->d_name[0] == '.')
				continue;
			names = xrealloc(names, (n + 1) * sizeof(*names));
			if (asprintf(&names[n], "%s/%s", sub, se->d_name) < 0)
				die("out of memory");
			n++;
		}
		if (sd)
			closedir(sd);
		free(sub);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		load_file(names[i]);
		free(names[i]);
	}
	free(names);
	if (!all_lines)
		die("no sample lines under %s", dir);
}

/* ---- what must arrive ---- */

struct expect {
	char type[40];
	unsigned got;
};

/* Expected records of event serial s, after expect_index():
 * exp_rec[ev_first[s - 1] .. ev_first[s] - 1]. */
static struct expect *exp_rec;
static size_t nexp, exp_cap;
static size_t *ev_first;
static size_t nev;

/* Until expect_index() runs, got holds the record's serial. */
static void expect_add(unsigned long serial, const char *type)
{
	if (nexp == exp_cap) {
		exp_cap = exp_cap ? exp_cap * 2 : 4096;
		exp_rec = xrealloc(exp_rec, exp_cap * sizeof(*exp_rec));
	}
	struct expect *e = &exp_rec[nexp++];
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->got = (unsigned)serial;
}

static int cmp_expect(const void *a, const void *b)
{
	const struct expect *x = a, *y = b;
	return x->got < y->got ? -1 : x->got > y->got ? 1 : strcmp(x->type, y->type);
}

/* Sort by serial and index the events. */
static void expect_index(unsigned long max_serial)
{
	qsort(exp_rec, nexp, sizeof(*exp_rec), cmp_expect);
	nev = max_serial;
	ev_first = xrealloc(NULL, (nev + 1) * sizeof(*ev_first));
	size_t j = 0;
	for (size_t s = 1; s <= nev; s++) {
		ev_first[s - 1] = j;
		while (j < nexp && exp_rec[j].got == s)
			j++;
	}
	ev_first[nev] = j;
	for (size_t i = 0; i < nexp; i++)
		exp_rec[i].got = 0;
}

/* ---- the input stream ---- */

struct out {
	int fd;
	char *buf;
	size_t len, cap;
	unsigned long long bytes;
	bool broken; /* the plugin closed its stdin */
	bool stalled;
};

static void out_flush(struct out *o)
{
	size_t off = 0;

	while (off < o->len && !o->broken) {
		struct pollfd p = {.fd = o->fd, .events = POLLOUT};
		int r = poll(&p, 1, STALL_S * 1000);
		if (r == 0) {
			o->stalled = o->broken = true;
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			o->broken = true;
			break;
		}
		off += (size_t)n;
	}
	o->bytes += off;
	o->len = 0;
}

static void out_put(struct out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		out_flush(o);
		if (n > o->cap) {
			o->cap = n;
			o->buf = xrealloc(o->buf, o->cap);
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* line with its serial replaced (time too when time is not NULL) into b. */
static size_t rewrite(const struct src_line *l, unsigned long serial, const char *time, char *b,
                      size_t cap)
{
	size_t o;

	if (!l->id_len) {
		o = l->len < cap ? l->len : cap - 1;
		memcpy(b, l->text, o);
		return o;
	}
	size_t head = time ? l->id_at : l->serial_at;
	memcpy(b, l->text, head);
	o = head;
	if (time)
		o += (size_t)snprintf(b + o, cap - o, "%s:", time);
	o += (size_t)snprintf(b + o, cap - o, "%lu", serial);
	size_t tail = l->id_at + l->id_len;
	memcpy(b + o, l->text + tail, l->len - tail);
	return o + l->len - tail;
}

enum mutation { M_FLIP, M_CUT, M_NUL, M_JUNK, M_100K, M_1MIB, M_KINDS };
static const char *const mutation_names[] = {"byte flips",  "truncated", "NULs",
                                             "binary junk", "~100 KB",   "> 1 MiB"};

struct figures {
	unsigned long long lines, mutated, unmutated, no_id, eoe;
	unsigned long long by_kind[M_KINDS];
	unsigned long serials;
};

/* One mutated line (with its '\n') from a random sample line. */
static void put_mutated(struct out *o, struct figures *fg, unsigned long *junk)
{
	static char *b;
	static size_t bcap;
	const struct src_file *sf = &files[rnd_below(nfiles)];
	const struct src_line *l = &sf->lines[rnd_below(sf->n)];
	uint64_t r = rnd_below(10000);
	/* per 10000 mutated lines: 800 junk, 800 NULs, 1200 cut, 20 ~100 KB,
	 * 2 > 1 MiB (each costs a megabyte of input), the rest byte flips */
	enum mutation m = r < 800    ? M_JUNK
	                  : r < 1600 ? M_NUL
	                  : r < 2800 ? M_CUT
	                  : r < 2820 ? M_100K
	                  : r < 2822 ? M_1MIB
	                             : M_FLIP;
	size_t want = m == M_1MIB   ? ONE_MIB + 4096 + rnd_below(65536)
	              : m == M_100K ? 100000 + rnd_below(4096)
	                            : l->len + 64;

	if (bcap < want + 64) {
		bcap = want + 64;
		b = xrealloc(b, bcap);
	}
	size_t n = rewrite(l, (*junk)++, JUNK_TIME, b, bcap);
	switch (m) {
	case M_FLIP:
	case M_NUL:
		for (size_t k = 1 + rnd_below(8); k && n; k--)
			b[rnd_below(n)] = m == M_NUL ? '\0' : (char)rnd();
		break;
	case M_CUT:
		n = rnd_below(n + 1);
		break;
	case M_JUNK:
		n = 1 + rnd_below(400);
		for (size_t i = 0; i < n; i++)
			b[i] = (char)rnd();
		break;
	case M_100K:
	case M_1MIB: /* a real record with one long field value */
		b[n++] = ' ';
		memcpy(b + n, "pad=", 4);
		n += 4;
		while (n < want)
			b[n++] = (char)('a' + rnd_below(26));
		break;
	case M_KINDS:
		break;
	}
	/* a flipped byte may be a '\n': then this is several lines */
	for (size_t i = 0; i < n; i++)
		fg->lines += b[i] == '\n';
	b[n++] = '\n';
	out_put(o, b, n);
	fg->lines++;
	fg->mutated++;
	fg->by_kind[m]++;
}

/* Serial of an event id within one copy of a file. */
struct idmap {
	char id[48];
	unsigned long serial;
};

static void generate(struct out *o, unsigned long long lines, unsigned mut_permille,
                     struct figures *fg)
{
	unsigned long next = 1, junk = JUNK_SERIAL;
	struct idmap *map = NULL;
	size_t map_cap = 0;
	char *b = xrealloc(NULL, MAX_SRC_LINE + 64);

	while (fg->lines < lines && !o->broken) {
		for (size_t f = 0; f < nfiles && fg->lines < lines && !o->broken; f++) {
			const struct src_file *sf = &files[f];
			size_t nmap = 0;
			for (size_t i = 0; i < sf->n && fg->lines < lines; i++) {
				const struct src_line *l = &sf->lines[i];
				unsigned long serial = 0;
				if (l->id_len) {
					size_t k;
					for (k = 0; k < nmap; k++)
						if (strlen(map[k].id) == l->id_len &&
						    memcmp(map[k].id, l->text + l->id_at,
						           l->id_len) == 0)
							break;
					if (k == nmap) {
						if (nmap == map_cap) {
							map_cap = map_cap ? map_cap * 2 : 256;
							map = xrealloc(map, map_cap * sizeof(*map));
						}
						snprintf(map[k].id, sizeof(map[k].id), "%.*s",
						         (int)l->id_len, l->text + l->id_at);
						map[k].serial = next++;
						nmap++;
					}
					serial = map[k].serial;
				}
				size_t n = rewrite(l, serial, NULL, b, MAX_SRC_LINE + 64);
				b[n++] = '\n';
				out_put(o, b, n);
				fg->lines++;
				fg->unmutated++;
				if (!l->id_len)
					fg->no_id++;
				else if (l->eoe)
					fg->eoe++;
				else
					expect_add(serial, l->type);
				if (rnd_below(1000) < mut_permille && fg->lines < lines)
					put_mutated(o, fg, &junk);
			}
		}
	}
	out_flush(o);
	fg->serials = next - 1;
	free(map);
	free(b);
}

/* ---- processes ---- */

/* Reap pid within secs; false (and kill it) when it does not exit. */
static bool reap(pid_t pid, double secs, int *status, struct rusage *ru)
{
	double end = now() + secs;

	for (;;) {
		pid_t r = wait4(pid, status, WNOHANG, ru);
		if (r == pid)
			return true;
		if (now() > end) {
			kill(pid, SIGKILL);
			wait4(pid, status, 0, ru);
			return false;
		}
		usleep(20000);
	}
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0, r;

	if (!f)
		return NULL;
	do {
		if (cap - n < 65536)
			p = xrealloc(p, cap = cap ? cap * 2 : 1 << 20);
		r = fread(p + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

/* ---- the journal ---- */

struct verdict {
	unsigned long long smf, items_rejected, other_serial, unexpected, duplicates, missing,
	        delivered, requests;
};

/* The serial of an unmutated event from the msg=audit(SEC.MS:SERIAL)
 * relocate, or -1. Mutated lines have the time 999.000 and a mutation
 * can turn their serial into any number, but not their time into one of
 * the sample logs' (all after 2001): the time tells them apart. */
static long long serial_of(json_t *relocs)
{
	size_t i;
	json_t *r;

	json_array_foreach(relocs, i, r)
	{
		const char *v = json_string_value(json_object_get(r, "value"));
		const char *c;
		if (v && strncmp(v, "msg=audit(", 10) == 0 && (c = strchr(v, ':')))
			return strtoll(v + 10, NULL, 10) >= 1000000000LL ? strtoll(c + 1, NULL, 10)
			                                                 : -1;
	}
	return -1;
}

static void check_journal(const char *path, struct verdict *v, FILE *report)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned long long shown = 0;

	if (!f)
		die("no journal at %s", path);
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		const char *kind = json_string_value(json_object_get(j, "kind"));
		if (!kind) {
			json_decref(j);
			continue;
		}
		if (strcmp(kind, "request") == 0)
			v->requests++;
		if (strcmp(kind, "item") == 0) {
			v->items_rejected++;
			if (shown++ < 5)
				fprintf(report, "  item not written: %s", line);
		}
		if (strcmp(kind, "smf") == 0) {
			long long s = serial_of(json_object_get(j, "relocates"));
			const char *res = json_string_value(json_object_get(j, "resource"));
			v->smf++;
			if (s < 1 || (unsigned long long)s > nev || !res) {
				v->other_serial++;
			} else {
				size_t k, hit = SIZE_MAX, any = SIZE_MAX;
				for (k = ev_first[s - 1]; k < ev_first[s]; k++)
					if (strcmp(exp_rec[k].type, res) == 0) {
						any = k;
						if (!exp_rec[k].got) {
							hit = k;
							break;
						}
					}
				if (hit != SIZE_MAX)
					exp_rec[hit].got = 1;
				else if (any != SIZE_MAX)
					v->duplicates++;
				else if (v->unexpected++ < 5)
					fprintf(report, "  unexpected: serial %lld type %s\n", s,
					        res);
			}
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	for (size_t s = 1; s <= nev; s++)
		for (size_t k = ev_first[s - 1]; k < ev_first[s]; k++) {
			if (exp_rec[k].got) {
				v->delivered++;
			} else if (v->missing++ < 10) {
				fprintf(report, "  missing: serial %zu type %s\n", s,
				        exp_rec[k].type);
			}
		}
}

/* ---- main ---- */

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return def;
}

static bool sanitizer_report(const char *log)
{
	return log && (strstr(log, "AddressSanitizer") || strstr(log, "LeakSanitizer") ||
	               strstr(log, "runtime error:") || strstr(log, "UndefinedBehaviorSanitizer"));
}

int main(int argc, char **argv)
{
	const char *plugin = arg(argc, argv, "--plugin", NULL);
	const char *sim = arg(argc, argv, "--sim", NULL);
	const char *shared = arg(argc, argv, "--shared", NULL);
	const char *dir = arg(argc, argv, "--dir", NULL);
	unsigned long long lines = strtoull(arg(argc, argv, "--lines", "1000000"), NULL, 10);
	unsigned mut = (unsigned)strtoul(arg(argc, argv, "--mutate-permille", "200"), NULL, 10);
	char *samples, *journal, *portf, *conf, *simlog, *plog;
	struct figures fg = {0};
	struct verdict v = {0};
	int st_plugin = 0;
	struct rusage ru;

	if (!plugin || !sim || !shared || !dir)
		die("usage: soak --plugin P --sim S --shared DIR --dir D [--lines N] [--seed N] "
		    "[--mutate-permille N]");
	rng_state = strtoull(arg(argc, argv, "--seed", "20261122"), NULL, 10) | 1;
	signal(SIGPIPE, SIG_IGN);
	if (asprintf(&samples, "%s/data/auditlogs", shared) < 0 ||
	    asprintf(&journal, "%s/journal.jsonl", dir) < 0 ||
	    asprintf(&portf, "%s/port", dir) < 0 ||
	    asprintf(&conf, "%s/zos-remote.conf", dir) < 0 ||
	    asprintf(&simlog, "%s/sim.log", dir) < 0 || asprintf(&plog, "%s/plugin.log", dir) < 0)
		die("out of memory");
	load_samples(samples);
	unlink(journal);

	/* the simulator: bounded life, long enough for the run */
	struct zr_sim_launch sl = {.program = sim,
	                           .port_file = portf,
	                           .journal = journal,
	                           .duration = (unsigned)(600 + lines / 1000),
	                           .quiet = true,
	                           .log = simlog};
	pid_t spid = 0;
	int port = zr_sim_launch(&sl, &spid);
	if (port < 0)
		die("the simulator did not start (see %s)", simlog);

	FILE *cf = fopen(conf, "w");
	if (!cf)
		die("cannot write %s", conf);
	/* a spool of its own: the default is shared by every zos-remote.conf */
	char *spool;
	if (asprintf(&spool, "%s/spool", dir) < 0 || mkdir(spool, 0700) < 0)
		die("cannot make the spool directory in %s", dir);
	fprintf(cf,
	        "server = 127.0.0.1\nport = %d\nuser = ZOSAUDIT\npassword = zossecret\n"
	        "tls = none\nself_audit = no\ndrain_timeout = %d\nq_depth = 65536\nspool_dir = %s\n",
	        port, DRAIN_S, spool);
	fclose(cf);
	chmod(conf, 0600);

	int pfd[2]; /* close-on-exec: the plugin must not hold its own stdin open */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	char *pargv[] = {(char *)plugin, "--stderr", conf, NULL};
	pid_t ppid = zr_launch(pargv, pfd[0], -1, plog);
	if (ppid < 0)
		die("fork: %s", strerror(errno));
	close(pfd[0]);

	struct out o = {.fd = pfd[1], .cap = 1 << 20};
	o.buf = xrealloc(NULL, o.cap);
	double t0 = now();
	generate(&o, lines, mut, &fg);
	close(pfd[1]);
	double t_fed = now();
	bool exited = reap(ppid, DRAIN_S + 30, &st_plugin, &ru);
	double t_end = now();
	zr_launch_stop(spid, SIGTERM, 30);
	expect_index(fg.serials);
	check_journal(journal, &v, stdout);

	char *log = read_all(plog, NULL);
	bool san = sanitizer_report(log);
	bool ok_exit = exited && WIFEXITED(st_plugin) && WEXITSTATUS(st_plugin) == 0;
	const char *last = log ? strstr(log, "ZRA0002I") : NULL; /* the exit summary, if any */

	printf("soak: lines fed          %llu (%llu bytes)\n", fg.lines, o.bytes);
	printf("soak: mutated lines      %llu:", fg.mutated);
	for (int m = 0; m < M_KINDS; m++)
		printf(" %s %llu%s", mutation_names[m], fg.by_kind[m],
		       m + 1 < M_KINDS ? "," : "\n");
	printf("soak: unmutated lines    %llu (%llu EOE, %llu without an event id)\n", fg.unmutated,
	       fg.eoe, fg.no_id);
	printf("soak: unmutated records  %zu in %lu events\n", nexp, fg.serials);
	printf("soak: delivered          %llu\n", v.delivered);
	printf("soak: missing            %llu\n", v.missing);
	printf("soak: duplicates         %llu\n", v.duplicates);
	printf("soak: unexpected         %llu (unmutated serial, type not in that event)\n",
	       v.unexpected);
	printf("soak: from mutated lines %llu records written\n", v.other_serial);
	printf("soak: items not written  %llu (VAL_ERR/ENC_ERR/... in the journal)\n",
	       v.items_rejected);
	printf("soak: requests           %llu\n", v.requests);
	printf("soak: time               %.1f s feeding, %.1f s to exit after EOF, %.1f s total\n",
	       t_fed - t0, t_end - t_fed, t_end - t0);
	printf("soak: plugin peak RSS    %ld KiB\n", ru.ru_maxrss);
	printf("soak: plugin exit        %s%s%s\n",
	       !exited                  ? "HUNG (killed)"
	       : WIFSIGNALED(st_plugin) ? strsignal(WTERMSIG(st_plugin))
	       : WEXITSTATUS(st_plugin) ? "non-zero status"
	                                : "0",
	       o.stalled ? ", stopped reading its input" : "", san ? ", SANITIZER REPORT" : "");
	if (last)
		printf("soak: plugin summary     %.*s\n", (int)strcspn(last, "\n"), last);

	bool ok = ok_exit && !san && !o.broken && v.missing == 0 && v.items_rejected == 0 &&
	          v.unexpected == 0 && v.duplicates == 0;
	if (!ok)
		printf("soak: FAILED (files kept in %s)\n", dir);
	else
		printf("soak: passed\n");
	free(log);
	return ok ? 0 : 1;
}
