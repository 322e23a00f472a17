/* bench-journal.c - summarise a simulator journal: records received, duplicates, rate.
 *
 * Usage: bench-journal JOURNAL [SENDS]
 *
 * Prints key=value lines:
 *   received   smf + item lines (every item the server answered), except
 *              eoe_items: items whose resource is EOE, which are not audit
 *              records (the original plugin sends one for every event that
 *              ends without PROCTITLE); they are counted apart
 *   smf, notwritten, notwritten_names (NAME:count,...)
 *   unique     distinct records; dup = received - unique. A record is
 *              identified by link + class + resource + logstring + relocates,
 *              which a resend repeats and two different records never share
 *              (the feeder gives every event its own serial).
 *   requests, items_per_request (mean), ldap_errors (requests whose
 *   ldap_result is not 0), binds, bind_failures, conns, faults
 *   first_ms, last_ms (epoch ms of the first and last received item),
 *   span_ms, rate (received records per second between them; 0 when
 *   span_ms is 0); span99_ms and rate99, the same up to the 99th percentile
 *   record (in journal order).
 *   With SENDS (bench-feed -W: the epoch microseconds each record was
 *   written, in feed order): latency_n, latency_p50_ms, latency_p90_ms,
 *   latency_p99_ms, latency_max_ms: the journal time of the i-th record
 *   received minus the write time of the i-th record fed (both plugins
 *   deliver in order; the journal has millisecond times, so figures below
 *   1 ms are noise).
 * Lines that are not JSON are counted as bad_lines (a broken journal). */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Open-addressing set of 64-bit hashes (0 is reserved for empty). */
struct hset {
	uint64_t *slot;
	size_t cap, n;
};

static int hset_add(struct hset *s, uint64_t h);

static void hset_grow(struct hset *s)
{
	struct hset bigger = {calloc(s->cap ? s->cap * 2 : 1 << 16, sizeof(uint64_t)),
	                      s->cap ? s->cap * 2 : 1 << 16, 0};
	if (!bigger.slot) {
		perror("bench-journal: calloc");
		exit(1);
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			hset_add(&bigger, s->slot[i]);
	free(s->slot);
	*s = bigger;
}

/* Returns 1 when h was new. */
static int hset_add(struct hset *s, uint64_t h)
{
	if (h == 0)
		h = 1;
	if ((s->n + 1) * 2 > s->cap)
		hset_grow(s);
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i] == h)
			return 0;
		if (s->slot[i] == 0) {
			s->slot[i] = h;
			s->n++;
			return 1;
		}
	}
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h * 1099511628211ULL; /* separates "ab"+"c" from "a"+"bc" */
}

static const char *sval(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* "2026-11-22T13:50:01.123Z" -> epoch ms; -1 when it does not parse. */
static long long iso_ms(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return -1;
	long long ms = (long long)timegm(&tm) * 1000;
	if (*rest == '.') {
		int digits = 0, frac = 0;
		for (rest++; *rest >= '0' && *rest <= '9'; rest++)
			if (digits++ < 3)
				frac = frac * 10 + (*rest - '0');
		while (digits++ < 3)
			frac *= 10;
		ms += frac;
	}
	return ms;
}

static uint64_t record_key(json_t *o)
{
	uint64_t h = 14695981039346656037ULL;
	h = fnv(h, sval(o, "link"));
	h = fnv(h, sval(o, "class"));
	h = fnv(h, sval(o, "resource"));
	h = fnv(h, sval(o, "logstring"));
	char *rel = json_dumps(json_object_get(o, "relocates"), JSON_COMPACT | JSON_ENCODE_ANY);
	h = fnv(h, rel);
	free(rel);
	return h;
}

struct names {
	char name[32];
	long long n;
};

struct summary {
	long long lines, bad, smf, notwritten, requests, req_items, ldap_errors;
	long long binds, bind_failures, faults, conns, unique, eoe_items;
	long long first_ms, last_ms;
	long long *times; /* arrival time of each received item, in journal order */
	size_t ntimes, times_cap;
	struct names names[16];
	int nnames;
	struct hset seen;
};

static void count_name(struct summary *s, const char *name)
{
	for (int i = 0; i < s->nnames; i++)
		if (strcmp(s->names[i].name, name) == 0) {
			s->names[i].n++;
			return;
		}
	if (s->nnames < 16) {
		snprintf(s->names[s->nnames].name, sizeof(s->names[0].name), "%s", name);
		s->names[s->nnames++].n = 1;
	}
}

static void take_item(struct summary *s, json_t *o, int written)
{
	long long t = iso_ms(sval(o, "time"));
	if (t >= 0 && (s->first_ms < 0 || t < s->first_ms))
		s->first_ms = t;
	if (t > s->last_ms)
		s->last_ms = t;
	if (s->ntimes == s->times_cap) {
		s->times_cap = s->times_cap ? s->times_cap * 2 : 4096;
		s->times = realloc(s->times, s->times_cap * sizeof(*s->times));
		if (!s->times) {
			perror("bench-journal: realloc");
			exit(1);
		}
	}
	s->times[s->ntimes++] = t;
	if (written)
		s->smf++;
	else {
		s->notwritten++;
		count_name(s, sval(o, "name"));
	}
	s->unique += hset_add(&s->seen, record_key(o));
}

static void take_line(struct summary *s, const char *line)
{
	json_error_t err;
	json_t *o = json_loads(line, 0, &err);
	if (!json_is_object(o)) {
		s->bad++;
		json_decref(o);
		return;
	}
	const char *kind = sval(o, "kind");
	json_t *conn = json_object_get(o, "conn");
	if (json_is_integer(conn) && json_integer_value(conn) > s->conns)
		s->conns = json_integer_value(conn);
	if ((strcmp(kind, "smf") == 0 || strcmp(kind, "item") == 0) &&
	    strcmp(sval(o, "resource"), "EOE") == 0) {
		s->eoe_items++;
	} else if (strcmp(kind, "smf") == 0 || strcmp(kind, "item") == 0) {
		take_item(s, o, kind[0] == 's');
	} else if (strcmp(kind, "request") == 0) {
		s->requests++;
		s->req_items += json_integer_value(json_object_get(o, "items"));
		if (json_integer_value(json_object_get(o, "ldap_result")) != 0)
			s->ldap_errors++;
	} else if (strcmp(kind, "bind") == 0) {
		s->binds++;
		if (json_integer_value(json_object_get(o, "result")) != 0)
			s->bind_failures++;
	} else if (strcmp(kind, "fault") == 0) {
		s->faults++;
	}
	json_decref(o);
}

static void print_summary(const struct summary *s)
{
	long long received = s->smf + s->notwritten;
	long long span = received > 0 ? s->last_ms - s->first_ms : 0;

	printf("lines=%lld\nbad_lines=%lld\nreceived=%lld\nsmf=%lld\nnotwritten=%lld\n", s->lines,
	       s->bad, received, s->smf, s->notwritten);
	printf("notwritten_names=");
	for (int i = 0; i < s->nnames; i++)
		printf("%s%s:%lld", i ? "," : "", s->names[i].name, s->names[i].n);
	printf("\nunique=%lld\ndup=%lld\neoe_items=%lld\n", s->unique, received - s->unique,
	       s->eoe_items);
	printf("requests=%lld\nitems_per_request=%.1f\nldap_errors=%lld\n", s->requests,
	       s->requests ? (double)s->req_items / (double)s->requests : 0.0, s->ldap_errors);
	printf("binds=%lld\nbind_failures=%lld\nconns=%lld\nfaults=%lld\n", s->binds,
	       s->bind_failures, s->conns, s->faults);
	printf("first_ms=%lld\nlast_ms=%lld\nspan_ms=%lld\nrate=%.0f\n", s->first_ms, s->last_ms,
	       span, span > 0 ? (double)(received - 1) * 1000.0 / (double)span : 0.0);
	/* The same rate without the last 1% of records: a plugin that holds
	 * its last event for seconds (the original does) would otherwise look
	 * slower than it is when N is small. */
	size_t k = s->ntimes * 99 / 100;
	long long span99 = k > 1 ? s->times[k - 1] - s->first_ms : 0;
	printf("span99_ms=%lld\nrate99=%.0f\n", span99,
	       span99 > 0 ? (double)(k - 1) * 1000.0 / (double)span99 : 0.0);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* Latency percentiles: i-th record received against i-th record written. */
static void print_latency(const struct summary *s, const char *sends)
{
	FILE *fp = fopen(sends, "r");
	long long *lat = malloc((s->ntimes + 1) * sizeof(*lat)), us;
	size_t n = 0;

	if (!fp || !lat) {
		perror(sends);
		exit(1);
	}
	while (n < s->ntimes && fscanf(fp, "%lld", &us) == 1)
		if (s->times[n] >= 0) {
			lat[n] = s->times[n] * 1000 - us;
			n++;
		}
	fclose(fp);
	qsort(lat, n, sizeof(*lat), cmp_ll);
	printf("latency_n=%zu\n", n);
	static const struct {
		const char *name;
		double q;
	} qs[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"max", 1.0}};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		printf("latency_%s_ms=%.1f\n", qs[i].name,
		       n ? (double)lat[(size_t)(qs[i].q * (double)(n - 1) + 0.5)] / 1000.0 : -1.0);
	free(lat);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: bench-journal JOURNAL [SENDS]\n");
		return 2;
	}
	FILE *fp = fopen(argv[1], "r");
	struct summary s;
	memset(&s, 0, sizeof(s));
	s.first_ms = -1;
	if (fp) {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, fp) > 0) {
			s.lines++;
			take_line(&s, line);
		}
		free(line);
		fclose(fp);
	}
	print_summary(&s);
	if (argc == 3)
		print_latency(&s, argv[2]);
	free(s.seen.slot);
	free(s.times);
	return 0;
}
