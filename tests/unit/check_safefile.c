/* check_safefile.c - what the plugin writes cannot be redirected: a FIFO, a hard link, a
 * symbolic link (planted or dangling) or a parent directory others control, at each writer
 * (set-aside file, spool, intake log, state file) and in --check. */
#include <zr-autoconf.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "intake.h"
#include "preflight.h"
#include "report.h"
#include "safefile.h"
#include "setaside.h"
#include "spool.h"

#define NOBODY 65534

static char dir[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_safefile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *at(const char *name)
{
	static char path[4][512];
	static int slot;
	char *p = path[slot++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static char *slurp(const char *path)
{
	static char b[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	b[n] = '\0';
	return b;
}

/* A set-aside file that is a FIFO: the open used to block for good (no O_NONBLOCK, SIGTERM
 * blocked); now refused at once, saying what it is. The Check timeout fails a hang. */
START_TEST(set_aside_fifo_refused)
{
	char err[512];

	ck_assert_int_eq(mkfifo(at("sa"), 0600), 0);
	ck_assert_ptr_null(set_aside_open(at("sa"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "is a FIFO"), "%s", err);
	/* ... also with a reader waiting, which lets the open itself succeed */
	int rd = open(at("sa"), O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rd, 0);
	ck_assert_ptr_null(set_aside_open(at("sa"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "is a FIFO"), "%s", err);
	close(rd);
}
END_TEST

/* A hard link to another file (root's, say) would get mode 0600 and JSON appended. */
START_TEST(set_aside_hard_link_refused)
{
	char err[512];
	struct stat st;

	write_text(at("victim"), "precious\n");
	ck_assert_int_eq(chmod(at("victim"), 0644), 0);
	ck_assert_int_eq(link(at("victim"), at("sa")), 0);
	ck_assert_ptr_null(set_aside_open(at("sa"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "2 hard links"), "%s", err);
	ck_assert_int_eq(stat(at("victim"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_str_eq(slurp(at("victim")), "precious\n");
}
END_TEST

START_TEST(set_aside_symlink_refused)
{
	char err[512];

	write_text(at("victim"), "precious\n");
	ck_assert_int_eq(symlink(at("victim"), at("sa")), 0);
	ck_assert_ptr_null(set_aside_open(at("sa"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "is a symbolic link"), "%s", err);
	ck_assert_str_eq(slurp(at("victim")), "precious\n");
}
END_TEST

/* A parent reached through a symbolic link another user owns, or a parent others may write
 * (no sticky bit): refused for the set-aside file, the spool and the state file. */
START_TEST(parent_symlink_of_another_user_refused)
{
	char err[512];

	if (geteuid() != 0)
		return; /* a link of another user needs root to make */
	ck_assert_int_eq(mkdir(at("real"), 0700), 0);
	ck_assert_int_eq(symlink(at("real"), at("link")), 0);
	ck_assert_int_eq(lchown(at("link"), NOBODY, NOBODY), 0);
	ck_assert_ptr_null(set_aside_open(at("link/sa"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "symbolic link owned by uid 65534"), "%s", err);
	ck_assert_int_eq(access(at("real/sa"), F_OK), -1);

	struct spool_opts o = {.dir = at("link/spool"), .max_bytes = 1 << 20};
	struct spool_recovery rec;
	ck_assert_ptr_null(spool_open(&o, &rec, err, sizeof(err)));
	ck_assert_msg(strstr(err, "symbolic link owned by uid 65534"), "%s", err);

	ck_assert_int_eq(report_write_file(at("link/x.state"), "x", 1, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "symbolic link owned by uid 65534"), "%s", err);
	ck_assert_int_eq(access(at("real/x.state"), F_OK), -1);

	/* The same link owned by root (as /var/run -> /run) is fine. */
	ck_assert_int_eq(lchown(at("link"), 0, 0), 0);
	struct set_aside *sa = set_aside_open(at("link/sa"), err, sizeof(err));
	ck_assert_msg(sa != NULL, "%s", err);
	set_aside_close(sa);
}
END_TEST

START_TEST(parent_writable_by_others_refused)
{
	char err[512];

	ck_assert_int_eq(mkdir(at("open"), 0700), 0);
	ck_assert_int_eq(chmod(at("open"), 0777), 0);
	ck_assert_ptr_null(set_aside_open(at("open/sa"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "writable by group or others (mode 0777, no sticky bit)"), "%s",
	              err);
	ck_assert_int_ne(safefile_check_dir(at("open"), false, err, sizeof(err)), 0);
	/* Sticky, as /tmp: others may add names but not replace ours. */
	ck_assert_int_eq(chmod(at("open"), 01777), 0);
	ck_assert_int_eq(safefile_check_dir(at("open"), false, err, sizeof(err)), 0);
	/* A directory of another user (root only can give it away). */
	if (geteuid() != 0)
		return;
	ck_assert_int_eq(chmod(at("open"), 0755), 0);
	ck_assert_int_eq(chown(at("open"), NOBODY, NOBODY), 0);
	ck_assert_int_ne(safefile_check_dir(at("open/below"), true, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "owned by uid 65534"), "%s", err);
}
END_TEST

/* intake_open with its own directory, as main.c opens it after the spool. */
static struct intake *open_intake(struct intake_recovery *rec, char *err, size_t errlen)
{
	struct intake_opts o = {.dir = at("spool"), .sync = SPOOL_SYNC_NONE};

	return intake_open(&o, rec, err, errlen);
}

/* Use the log once (a record, a commit) and close it; the victim must be as it was. */
static void use_intake_then_check_victim(struct intake *ik)
{
	static const char line[] = "type=USER_ACCT msg=audit(1700000000.000:1): pid=1\n";

	intake_record(ik, line, sizeof(line) - 1, 1.0);
	ck_assert_int_eq(intake_commit(ik), 0);
	intake_close(ik);
	ck_assert_str_eq(slurp(at("victim")), "precious\n");
}

/* A planted .in symbolic link (in a spool directory left 0777) used to be followed; a
 * dangling one stopped the plugin from starting. Now the name is removed, counted as damage,
 * and the start goes on; the target is untouched. */
START_TEST(intake_planted_symlink)
{
	char err[512];
	struct intake_recovery rec;

	ck_assert_int_eq(mkdir(at("spool"), 0700), 0);
	write_text(at("victim"), "precious\n");
	ck_assert_int_eq(symlink(at("victim"), at("spool/0000000000000001.in")), 0);
	ck_assert_int_eq(symlink(at("nowhere"), at("spool/0000000000000002.in")), 0);
	struct intake *ik = open_intake(&rec, err, sizeof(err));
	ck_assert_msg(ik != NULL, "intake_open: %s", err);
	ck_assert_uint_eq(rec.damaged_entries, 2);
	ck_assert_msg(strstr(rec.first_damage, "is a symbolic link"), "%s", rec.first_damage);
	ck_assert_int_eq(access(at("spool/0000000000000001.in"), F_OK), -1);
	ck_assert_int_eq(access(at("spool/0000000000000002.in"), F_OK), -1);
	use_intake_then_check_victim(ik);
	ck_assert_int_eq(access(at("nowhere"), F_OK), -1);
}
END_TEST

/* A planted hard link under the name of the next intake file: never truncated or written. */
START_TEST(intake_planted_hard_link)
{
	char err[512];
	struct intake_recovery rec;

	ck_assert_int_eq(mkdir(at("spool"), 0700), 0);
	write_text(at("victim"), "precious\n");
	ck_assert_int_eq(link(at("victim"), at("spool/0000000000000001.in")), 0);
	struct intake *ik = open_intake(&rec, err, sizeof(err));
	ck_assert_msg(ik != NULL, "intake_open: %s", err);
	ck_assert_uint_eq(rec.damaged_entries, 1);
	use_intake_then_check_victim(ik);
}
END_TEST

static void collect(void *arg, const char *msg)
{
	char *out = arg;

	strncat(out, msg, 4095 - strlen(out));
	strncat(out, "\n", 4095 - strlen(out));
}

/* --check reports the same findings, with the file and line of the key. */
START_TEST(check_reports_them)
{
	char text[1024], out[4096] = "";
	struct config c;

	ck_assert_int_eq(mkfifo(at("sa"), 0600), 0);
	ck_assert_int_eq(mkdir(at("open"), 0777), 0);
	ck_assert_int_eq(chmod(at("open"), 0777), 0);
	snprintf(text, sizeof(text),
	         "server = 127.0.0.1\nuser = U\npassword = p\nspool_dir = %s\n"
	         "set_aside_file = %s\n",
	         at("open/spool"), at("sa"));
	write_text(at("c.conf"), text);
	config_defaults(&c);
	snprintf(c.server, sizeof(c.server), "127.0.0.1");
	snprintf(c.spool_dir, sizeof(c.spool_dir), "%s", at("open/spool"));
	snprintf(c.set_aside_file, sizeof(c.set_aside_file), "%s", at("sa"));
	ck_assert_int_eq(preflight_check(at("c.conf"), &c, collect, out), 2);
	ck_assert_msg(strstr(out, ":4: key 'spool_dir': directory ") &&
	                      strstr(out, "writable by group or others"),
	              "%s", out);
	ck_assert_msg(strstr(out, ":5: key 'set_aside_file': set-aside file ") &&
	                      strstr(out, "is a FIFO"),
	              "%s", out);
}
END_TEST

static Suite *safefile_suite(void)
{
	Suite *s = suite_create("safefile");
	TCase *tc = tcase_create("writers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, set_aside_fifo_refused);
	tcase_add_test(tc, set_aside_hard_link_refused);
	tcase_add_test(tc, set_aside_symlink_refused);
	tcase_add_test(tc, parent_symlink_of_another_user_refused);
	tcase_add_test(tc, parent_writable_by_others_refused);
	tcase_add_test(tc, intake_planted_symlink);
	tcase_add_test(tc, intake_planted_hard_link);
	tcase_add_test(tc, check_reports_them);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(safefile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
