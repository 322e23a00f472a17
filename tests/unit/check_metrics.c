/* check_metrics.c - the Prometheus text file, read back by a strict parser of the format. */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapper.h"
#include "metrics.h"
#include "nodes.h"

/* ---- a strict reader of the text exposition format (0.0.4) ---- */

#define MAXS 4096

struct sample {
	char name[128];
	char labels[1024]; /* name="unescaped value" pairs joined by \x1f, as read */
	double v;
};

struct expo {
	struct sample s[MAXS];
	size_t n;
	char err[256];
};

static bool name_ok(const char *p, size_t n, bool metric)
{
	if (!n || !(isalpha((unsigned char)p[0]) || p[0] == '_' || (metric && p[0] == ':')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || (metric && p[i] == ':')))
			return false;
	return true;
}

static bool refuse(struct expo *e, int line, const char *why)
{
	snprintf(e->err, sizeof(e->err), "line %d: %s", line, why);
	return false;
}

/* Parse labels at *pp ("{...}"), unescaped into out. */
static bool parse_labels(const char **pp, char *out, size_t outlen)
{
	const char *p = *pp + 1;
	size_t o = 0;

	while (*p != '}') {
		const char *ln = p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		if (!name_ok(ln, (size_t)(p - ln), false) || p[0] != '=' || p[1] != '"')
			return false;
		if (o + (size_t)(p - ln) + 2 >= outlen)
			return false;
		if (o)
			out[o++] = '\x1f';
		memcpy(out + o, ln, (size_t)(p - ln) + 1);
		o += (size_t)(p - ln) + 1;
		p += 2;
		while (*p != '"') {
			char c = *p++;
			if (c == '\n' || c == '\0')
				return false;
			if (c == '\\') {
				c = *p++;
				if (c == 'n')
					c = '\n';
				else if (c != '\\' && c != '"')
					return false;
			}
			if (o + 2 >= outlen)
				return false;
			out[o++] = c;
		}
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return false;
	}
	out[o] = '\0';
	*pp = p + 1;
	return true;
}

/* Every rule the collector's parser applies, and the house rules: prefix,
 * counters end in _total, HELP then TYPE before the samples, a family's
 * samples together, no series twice, no timestamps. */
static bool parse(const char *text, struct expo *e)
{
	char family[128] = "", type[16] = "", help_for[128] = "";
	char seen[256][128];
	size_t nseen = 0;
	int line = 0;

	e->n = 0;
	e->err[0] = '\0';
	if (!*text || text[strlen(text) - 1] != '\n')
		return refuse(e, 0, "does not end in a newline");
	for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
		size_t len = strcspn(p, "\n");
		char buf[2048];
		line++;
		if (len == 0 || len >= sizeof(buf))
			return refuse(e, line, "empty or too long");
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (buf[0] == '#') {
			char kw[8], nm[128];
			int off = 0;
			if (sscanf(buf, "# %7s %127s %n", kw, nm, &off) != 2 || off == 0)
				return refuse(e, line, "bad comment");
			if (!name_ok(nm, strlen(nm), true))
				return refuse(e, line, "bad name");
			if (strcmp(kw, "HELP") == 0) {
				if (!buf[off])
					return refuse(e, line, "empty HELP");
				snprintf(help_for, sizeof(help_for), "%s", nm);
				continue;
			}
			if (strcmp(kw, "TYPE") != 0)
				return refuse(e, line, "unknown comment");
			if (strcmp(help_for, nm) != 0)
				return refuse(e, line, "TYPE without HELP just before");
			for (size_t i = 0; i < nseen; i++)
				if (strcmp(seen[i], nm) == 0)
					return refuse(e, line, "family twice");
			if (nseen == 256)
				return refuse(e, line, "too many families");
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", nm);
			snprintf(type, sizeof(type), "%s", buf + off);
			if (strcmp(type, "counter") != 0 && strcmp(type, "gauge") != 0)
				return refuse(e, line, "type neither counter nor gauge");
			snprintf(family, sizeof(family), "%s", nm);
			if (strncmp(nm, "zos_remote_", 11) != 0)
				return refuse(e, line, "no zos_remote_ prefix");
			size_t nl = strlen(nm);
			bool total = nl > 6 && strcmp(nm + nl - 6, "_total") == 0;
			if (total != (strcmp(type, "counter") == 0))
				return refuse(e, line,
				              "counter without _total, or _total not a counter");
			continue;
		}
		struct sample *s = &e->s[e->n];
		const char *q = buf;
		while (isalnum((unsigned char)*q) || *q == '_' || *q == ':')
			q++;
		if (!name_ok(buf, (size_t)(q - buf), true) || (size_t)(q - buf) >= sizeof(s->name))
			return refuse(e, line, "bad sample name");
		memcpy(s->name, buf, (size_t)(q - buf));
		s->name[q - buf] = '\0';
		if (strcmp(s->name, family) != 0)
			return refuse(e, line, "sample outside its family");
		s->labels[0] = '\0';
		if (*q == '{' && !parse_labels(&q, s->labels, sizeof(s->labels)))
			return refuse(e, line, "bad labels");
		if (*q != ' ' || !q[1])
			return refuse(e, line, "no value");
		char *end;
		s->v = strtod(q + 1, &end);
		if (*end)
			return refuse(e, line, "value not a number alone (a timestamp?)");
		if (strcmp(type, "counter") == 0 && !(s->v >= 0))
			return refuse(e, line, "negative counter");
		for (size_t i = 0; i < e->n; i++)
			if (strcmp(e->s[i].name, s->name) == 0 &&
			    strcmp(e->s[i].labels, s->labels) == 0)
				return refuse(e, line, "series twice");
		if (++e->n == MAXS)
			return refuse(e, line, "too many samples");
	}
	return true;
}

/* Value of the series name{labels} (labels as parse stores them), NAN if absent. */
static double value(const struct expo *e, const char *name, const char *labels)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->s[i].name, name) == 0 && strcmp(e->s[i].labels, labels) == 0)
			return e->s[i].v;
	return NAN;
}

static size_t count(const struct expo *e, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n; i++)
		n += strcmp(e->s[i].name, name) == 0;
	return n;
}

static struct expo ex; /* large: not on the stack */

/* ---- the parser is strict ---- */

START_TEST(test_parser_refuses)
{
	static const char *const bad[] = {
	        "", /* empty */
	        "# HELP zos_remote_a_total x\n# TYPE zos_remote_a_total "
	        "counter\nzos_remote_a_total 1",
	        "zos_remote_a_total 1\n", /* no TYPE */
	        "# HELP zos_remote_a x\n# TYPE zos_remote_a counter\nzos_remote_a 1\n", /* _total */
	        "# HELP zos_remote_a x\n# TYPE zos_remote_a gauge\nzos_remote_a 1 1700000000\n",
	        "# HELP zos_remote_a x\n# TYPE zos_remote_a gauge\nzos_remote_a{l=\"\\x\"} 1\n",
	        "# HELP zos_remote_a x\n# TYPE zos_remote_a gauge\nzos_remote_a{l=\"a\"} 1\n"
	        "zos_remote_a{l=\"a\"} 2\n",
	        "# HELP zos_remote_a x\n# TYPE zos_remote_a gauge\n# HELP zos_remote_b x\n"
	        "# TYPE zos_remote_b gauge\nzos_remote_a 1\n",
	        "# HELP zos_remote_a x\n# TYPE zos_remote_a gauge\nzos_remote_a{1l=\"a\"} 1\n",
	        "# HELP zos_remote_a x\n# TYPE zos_remote_a gauge\nzos_remote_a one\n",
	        "# HELP zos_remote_a x\n# TYPE zos_remote_a gauge\n\nzos_remote_a 1\n",
	        "# TYPE zos_remote_a gauge\nzos_remote_a 1\n", /* no HELP */
	};
	static const char good[] = "# HELP zos_remote_a x y\n# TYPE zos_remote_a gauge\n"
	                           "zos_remote_a{l=\"q\\\"\\\\\\n\",m=\"\"} 1.5\n";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!parse(bad[i], &ex), "accepted case %zu", i);
	ck_assert_msg(parse(good, &ex), "%s", ex.err);
	ck_assert_uint_eq(ex.n, 1);
	ck_assert_str_eq(ex.s[0].labels, "l=q\"\\\n\x1fm=");
	ck_assert(ex.s[0].v == 1.5);
}
END_TEST

/* ---- metrics_format ---- */

START_TEST(test_label_escape)
{
	struct buf b;

	buf_init(&b);
	ck_assert_int_eq(metrics_label_escape("a\"b\\c\nd", 7, &b), 0);
	ck_assert_str_eq((const char *)b.data, "a\\\"b\\\\c\\nd");
	buf_free(&b);
}
END_TEST

START_TEST(test_empty_snapshot)
{
	static struct stats_snap s;
	struct buf b;
	struct metrics_input in = {.s = &s, .instance = "zos-remote", .version = "0.1.0"};

	memset(&s, 0, sizeof(s));
	buf_init(&b);
	ck_assert_int_eq(metrics_format(&in, &b), 0);
	ck_assert_msg(parse((const char *)b.data, &ex), "%s\n%s", ex.err, (const char *)b.data);
	ck_assert(value(&ex, "zos_remote_info", "instance=zos-remote\x1fversion=0.1.0") == 1);
	ck_assert(value(&ex, "zos_remote_records_read_total", "") == 0);
	ck_assert(value(&ex, "zos_remote_outcomes_total", "major=0\x1fname=SUCCESS") == 0);
	ck_assert(value(&ex, "zos_remote_items_dropped_total", "reason=queue_full") == 0);
	ck_assert_uint_eq(count(&ex, "zos_remote_server_connects_total"), 0);
	ck_assert_uint_eq(count(&ex, "zos_remote_node_records_total"), 0);
	ck_assert(isnan(value(&ex, "zos_remote_spool_bytes", ""))); /* no spool: none */
	buf_free(&b);
}
END_TEST

START_TEST(test_full_snapshot)
{
	static struct stats_snap s;
	struct buf b;
	struct nodes *t = nodes_new();
	struct metrics_input in = {.s = &s,
	                           .nodes = t,
	                           .mono_now = 1000,
	                           .wall_now = 1796212800,
	                           .uptime_seconds = 42.5,
	                           .spool_bytes = 4096,
	                           .spool_max_bytes = 1 << 20,
	                           .instance = "zos-remote-\"x\"",
	                           .version = "0.1.0"};

	memset(&s, 0, sizeof(s));
	s.in.records = 123;
	s.in.events = 45;
	s.in.rejected = 2;
	s.major[0] = 100;
	s.major[3] = 20;
	s.major[62] = 1;
	s.major[STATS_MAJOR_MAX] = 3;
	s.snd.settled[SETTLED_NOTREQ] = 20;
	s.snd.dropped[DROPPED_VAL_ERR] = 4;
	s.q.dropped_items = 6;
	s.q.held = 17;
	s.q.backlog = 9;
	s.q.discarded = 5;
	s.snd.connected = true;
	s.snd.nservers = 2;
	s.snd.current = 1;
	snprintf(s.snd.server[0].peer, SENDER_PEER_LEN, "zos1.example.com:389");
	snprintf(s.snd.server[1].peer, SENDER_PEER_LEN, "[2001:db8::1]:636");
	s.snd.server[0].failures = 3;
	s.snd.server[1].items_sent = 77;
	s.cpu = 1.25;
	nodes_seen(t, "host1", 5, 10, true, 900, NULL);
	nodes_seen(t, "we\"ird\\ \n\xc3\xa9", 11, 2, true, 400, NULL);
	nodes_seen(t, NULL, 0, 3, true, 990, NULL);
	nodes_check(t, 1000, 300, NULL, NULL);

	buf_init(&b);
	ck_assert_int_eq(metrics_format(&in, &b), 0);
	ck_assert_msg(parse((const char *)b.data, &ex), "%s\n%s", ex.err, (const char *)b.data);
	ck_assert(value(&ex, "zos_remote_info", "instance=zos-remote-\"x\"\x1fversion=0.1.0") == 1);
	ck_assert(value(&ex, "zos_remote_records_read_total", "") == 123);
	ck_assert(value(&ex, "zos_remote_events_read_total", "") == 45);
	ck_assert(value(&ex, "zos_remote_input_errors_total", "kind=rejected") == 2);
	ck_assert(value(&ex, "zos_remote_outcomes_total", "major=0\x1fname=SUCCESS") == 100);
	ck_assert(value(&ex, "zos_remote_outcomes_total", "major=3\x1fname=NOTREQ") == 20);
	ck_assert(value(&ex, "zos_remote_outcomes_total", "major=other\x1fname=other") == 3);
	ck_assert_uint_eq(count(&ex, "zos_remote_outcomes_total"), 4);
	ck_assert(value(&ex, "zos_remote_items_settled_total", "outcome=NOTREQ") == 20);
	ck_assert(value(&ex, "zos_remote_items_dropped_total", "reason=queue_full") == 6);
	ck_assert(value(&ex, "zos_remote_items_dropped_total", "reason=VAL_ERR") == 4);
	ck_assert(value(&ex, "zos_remote_connected", "") == 1);
	ck_assert(value(&ex, "zos_remote_server_failures_total",
	                "server=zos1.example.com:389\x1frole=primary") == 3);
	ck_assert(value(&ex, "zos_remote_server_items_sent_total",
	                "server=[2001:db8::1]:636\x1frole=alternate") == 77);
	ck_assert(value(&ex, "zos_remote_server_in_use",
	                "server=[2001:db8::1]:636\x1frole=alternate") == 1);
	ck_assert(value(&ex, "zos_remote_server_in_use",
	                "server=zos1.example.com:389\x1frole=primary") == 0);
	ck_assert(value(&ex, "zos_remote_queue_events", "") == 17);
	ck_assert(value(&ex, "zos_remote_spool_backlog_events", "") == 9);
	ck_assert(value(&ex, "zos_remote_spool_bytes", "") == 4096);
	ck_assert(value(&ex, "zos_remote_spool_max_bytes", "") == 1 << 20);
	ck_assert(value(&ex, "zos_remote_spool_full_total", "action=keep_newest") == 5);
	ck_assert(value(&ex, "zos_remote_cpu_seconds_total", "") == 1.25);
	ck_assert(value(&ex, "zos_remote_uptime_seconds", "") == 42.5);
	/* Per node; a name made printable first (map_escape), then escaped
	 * for the format, reads back as the printable name. */
	ck_assert(value(&ex, "zos_remote_nodes_known", "") == 3);
	ck_assert(value(&ex, "zos_remote_nodes_silent", "") == 1);
	ck_assert(value(&ex, "zos_remote_node_records_total", "node=host1") == 10);
	ck_assert(value(&ex, "zos_remote_node_events_total", "node=host1") == 1);
	ck_assert(value(&ex, "zos_remote_node_last_seen_timestamp_seconds", "node=host1") ==
	          1796212800 - 100);
	ck_assert(value(&ex, "zos_remote_node_silent", "node=host1") == 0);
	ck_assert(value(&ex, "zos_remote_node_records_total", "node=we\"ird\\\\ \\x0A\\xC3\\xA9") ==
	          2);
	ck_assert(value(&ex, "zos_remote_node_silent", "node=we\"ird\\\\ \\x0A\\xC3\\xA9") == 1);
	ck_assert(value(&ex, "zos_remote_node_records_total", "node=-") == 3);
	ck_assert(value(&ex, "zos_remote_node_other_records_total", "") == 0);
	buf_free(&b);
	nodes_free(t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_parser_refuses);
	tcase_add_test(tc, test_label_escape);
	tcase_add_test(tc, test_empty_snapshot);
	tcase_add_test(tc, test_full_snapshot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
