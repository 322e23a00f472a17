/* check_report.c - the activity line and the state file from known figures; the atomic 0600 writer;
 * the default paths. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ictx.h"
#include "plugin/config.h" /* not the autoconf config.h in the build root */
#include "report.h"
#include "stats.h"

static struct stats_snap *known_interval(void)
{
	struct stats_snap *d = calloc(1, sizeof(*d));
	const char *nr[] = {"SYSCALL", "PATH", "CWD", "PROCTITLE"};
	const unsigned nn[] = {7, 9, 2, 1};

	d->mono = 300.2;
	d->cpu = 1.256;
	d->in.records = 1200;
	d->skipped_total = 20;
	d->snd.items_sent = 1100;
	d->snd.requests = 12;
	d->major[ICTX_SUCCESS] = 1000;
	d->major[ICTX_NOTREQ] = 19;
	d->major[ICTX_UNDETERMINED] = 3;
	d->major[62] = 1;
	d->major[STATS_MAJOR_MAX] = 2;
	for (int i = 0; i < 4; i++) {
		snprintf(d->notreq.v[i].name, sizeof(d->notreq.v[i].name), "%s", nr[i]);
		d->notreq.v[i].n = nn[i];
	}
	d->notreq.len = 4;
	d->snd.set_aside = 4;
	d->q.dropped_items = 5;
	d->snd.dropped[DROPPED_VAL_ERR] = 1;
	d->snd.resent = 6;
	d->snd.connects = 2;
	d->snd.connection_losses = 1;
	d->snd.connected = true;
	snprintf(d->server, sizeof(d->server), "zos.example.com:389");
	d->q.held = 17;
	d->q.limit = 8192;
	return d;
}

START_TEST(activity_line_exact)
{
	struct stats_snap *d = known_interval();
	struct buf b;

	buf_init(&b);
	ck_assert_int_eq(report_line(d, &b), 0);
	ck_assert_str_eq((char *)b.data,
	                 "activity in the last 300 s: records=1200 skipped=20 items_sent=1100 "
	                 "requests=12 outcomes=SUCCESS:1000,NOTREQ:19,UNDETERMINED:3,"
	                 "INVALID_VER[62]:1,other:2 notreq_top=PATH:9,SYSCALL:7,CWD:2 "
	                 "undetermined_top=- set_aside=4 dropped=6 retries=6 connects=2 "
	                 "disconnects=1 server=zos.example.com:389 connected=yes queue=17/8192 "
	                 "cpu=1.26");
	ck_assert_uint_eq(strlen((char *)b.data), b.len);
	buf_free(&b);
	free(d);
}
END_TEST

START_TEST(activity_line_quiet_interval)
{
	struct stats_snap *d = calloc(1, sizeof(*d));
	struct buf b;

	d->mono = 60;
	d->snd.paused = true;
	buf_init(&b);
	ck_assert_int_eq(report_line(d, &b), 0);
	ck_assert_str_eq((char *)b.data,
	                 "activity in the last 60 s: records=0 skipped=0 items_sent=0 requests=0 "
	                 "outcomes=- notreq_top=- undetermined_top=- set_aside=0 dropped=0 "
	                 "retries=0 connects=0 disconnects=0 server=- connected=paused queue=0/0 "
	                 "cpu=0.00");
	buf_free(&b);
	free(d);
}
END_TEST

START_TEST(activity_line_stays_short)
{
	struct stats_snap *d = known_interval();
	struct buf b;

	/* Longest possible resource names: cut, so the line stays under log.h's limit. */
	for (int i = 0; i < 3; i++) {
		memset(d->undetermined.v[i].name, 'A' + i, ITEM_RESOURCE_MAX);
		d->undetermined.v[i].name[ITEM_RESOURCE_MAX] = '\0';
		memset(d->notreq.v[i].name, 'a' + i, ITEM_RESOURCE_MAX);
		d->notreq.v[i].name[ITEM_RESOURCE_MAX] = '\0';
		d->undetermined.v[i].n = (uint64_t)i + 1;
	}
	d->undetermined.len = 3;
	buf_init(&b);
	ck_assert_int_eq(report_line(d, &b), 0);
	ck_assert_uint_lt(b.len, 900);
	ck_assert_ptr_nonnull(strstr((char *)b.data,
	                             " undetermined_top=CCCCCCCCCCCCCCCCCCCCCCCCCCCC"
	                             "CCCCCCCCCCCC...:3,BBBB"));
	buf_free(&b);
	free(d);
}
END_TEST

static struct config *test_config(void)
{
	static const char text[] = "server = zos.example.com\nuser = AUDIT\npassword = s3cr3tpw\n"
	                           "tls = none\nskip_types = PATH,CWD\nreport_interval = 5\n";
	struct config *c = malloc(sizeof(*c));

	ck_assert_int_eq(config_parse("t.conf", text, sizeof(text) - 1, c, NULL, NULL), 0);
	return c;
}

START_TEST(state_file_text)
{
	struct stats_snap *s = known_interval();
	struct config *c = test_config();
	struct report_info info = {.program = "audispd-zos-remote 9.9",
	                           .ident = "audispd-zos-remote/t",
	                           .config_path = "/etc/audit/t.conf",
	                           .pid = 4321,
	                           .written = 86400,
	                           .uptime_seconds = 59.6};
	struct buf b;
	const char *t;

	s->in.events = 400;
	s->snd.settled[SETTLED_NOTREQ] = 19;
	snprintf(s->skipped.v[0].name, sizeof(s->skipped.v[0].name), "PATH");
	s->skipped.v[0].n = 15;
	snprintf(s->skipped.v[1].name, sizeof(s->skipped.v[1].name), "CWD");
	s->skipped.v[1].n = 5;
	s->skipped.len = 2;
	s->notreq.other = 3;
	buf_init(&b);
	ck_assert_int_eq(report_state(s, c, &info, &b), 0);
	t = (const char *)b.data;
	const char *want[] = {
	        "program: audispd-zos-remote 9.9\n",
	        "\ninstance: audispd-zos-remote/t\n",
	        "\npid: 4321\n",
	        "\nwritten: 1970-01-02T00:00:00Z\n",
	        "\nuptime_seconds: 60\n",
	        "\nconfig_file: /etc/audit/t.conf\n",
	        "\nconfig.server: zos.example.com\n",
	        "\nconfig.password: (set)\n",
	        "\nconfig.skip_types: PATH,CWD\n",
	        "\nconfig.send_types: \n",
	        "\nconfig.report_interval: 5\n",
	        "\nconfig.keepalive_idle: 120\n",
	        "\nconfig.tls: none\n",
	        "\nrecords_read: 1200\n",
	        "\nevents_read: 400\n",
	        "\nrecords_skipped: 20\n",
	        "\nskipped.PATH: 15\n",
	        "\nskipped.CWD: 5\n",
	        "\nqueue_depth: 17\n",
	        "\nqueue_limit: 8192\n",
	        "\nconnected: yes\n",
	        "\ncurrent_server: zos.example.com:389\n",
	        "\nitems_sent: 1100\n",
	        "\nretries: 6\n",
	        "\nitems_set_aside: 4\n",
	        "\nitems_dropped: 6\n",
	        "\nsettled.NOTREQ: 19\n",
	        "\ndropped.queue_full: 5\n",
	        "\ndropped.VAL_ERR: 1\n",
	        "\noutcome.SUCCESS: 1000\n",
	        "\noutcome.NOTREQ: 19\n",
	        "\noutcome.INVALID_VER[62]: 1\n",
	        "\nnotreq.SYSCALL: 7\n",
	        "\nnotreq.PROCTITLE: 1\n",
	        "\nnotreq.(other): 3\n",
	        "\ncpu_seconds: 1.26\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(t, want[i]), "state file lacks %s", want[i]);
	ck_assert_ptr_null(strstr(t, "s3cr3tpw"));
	ck_assert_ptr_null(strstr(t, "outcome.WARNINGMODE")); /* zero counts are left out */
	/* Every line but the comments is `key: value`. */
	for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
		const char *nl = strchr(l, '\n');
		const char *colon = strstr(l, ": ");

		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(*l == '#' || (colon && colon < nl), "line without key: %.*s",
		              (int)(nl - l), l);
	}
	buf_free(&b);
	free(c);
	free(s);
}
END_TEST

START_TEST(state_paths)
{
	struct config c;
	char p[256];

	config_defaults(&c);
	report_state_path(&c, CONFIG_DEFAULT_PATH, p, sizeof(p));
	ck_assert_str_eq(p, "/run/audit/zos-remote.state");
	report_state_path(&c, "/etc/audit/sysa.conf", p, sizeof(p));
	ck_assert_str_eq(p, "/run/audit/zos-remote-sysa.state");
	report_state_path(&c, "plain", p, sizeof(p));
	ck_assert_str_eq(p, "/run/audit/zos-remote-plain.state");
	snprintf(c.state_file, sizeof(c.state_file), "/var/tmp/x.state");
	report_state_path(&c, "/etc/audit/sysa.conf", p, sizeof(p));
	ck_assert_str_eq(p, "/var/tmp/x.state");
}
END_TEST

static char *temp_dir(void)
{
	char *d = strdup("/tmp/check_report.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(writer_replaces_with_0600)
{
	char *dir = temp_dir();
	char path[512], err[512], got[64] = "";
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/s.state", dir);
	ck_assert_int_eq(report_write_file(path, "first\n", 6, err, sizeof(err)), 0);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(report_write_file(path, "second\n", 7, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(got, 1, sizeof(got) - 1, f), 7);
	fclose(f);
	ck_assert_str_eq(got, "second\n");
	ck_assert_uint_eq(dir_entries(dir), 1); /* no temporary file left behind */
	unlink(path);
	rmdir(dir);
	free(dir);
}
END_TEST

START_TEST(writer_error_names_the_file)
{
	char err[512];

	ck_assert_int_eq(report_write_file("/nonexistent-dir/s.state", "x", 1, err, sizeof(err)),
	                 -1);
	ck_assert_str_eq(err, "cannot write /nonexistent-dir/s.state: /nonexistent-dir: No such "
	                      "file or directory");
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *t = tcase_create("report");

	tcase_add_test(t, activity_line_exact);
	tcase_add_test(t, activity_line_quiet_interval);
	tcase_add_test(t, activity_line_stays_short);
	tcase_add_test(t, state_file_text);
	tcase_add_test(t, state_paths);
	tcase_add_test(t, writer_replaces_with_0600);
	tcase_add_test(t, writer_error_names_the_file);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(report_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
