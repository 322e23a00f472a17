/* harness.c - child processes, temp files, journal and audit-log readers for
 * the integration tests (contract in harness.h). */
#include <zr-autoconf.h> /* _GNU_SOURCE and friends, before any system header */

#include "harness.h"
#include "launch.h"
#include "shared_logs.h"

#include <auparse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ZR_MAX_CHILDREN 64

/* Processes started by this test process, killed and reaped at exit. */
static pid_t children[ZR_MAX_CHILDREN];
static char base_dir[4096];
static pid_t base_owner;

void *zr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q)
		abort(); /* a test without memory cannot say anything useful */
	return q;
}

static void child_add(pid_t pid)
{
	for (size_t i = 0; i < ZR_MAX_CHILDREN; i++) {
		if (children[i] == 0) {
			children[i] = pid;
			return;
		}
	}
}

static void child_forget(pid_t pid)
{
	for (size_t i = 0; i < ZR_MAX_CHILDREN; i++) {
		if (children[i] == pid)
			children[i] = 0;
	}
}

/* Runs at exit of every forked test (and of main): nothing outlives a test. */
static void zr_reap_all(void)
{
	for (size_t i = 0; i < ZR_MAX_CHILDREN; i++) {
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
	}
}

void zr_harness_init(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(base_dir, sizeof base_dir, "%s/zr-int.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(base_dir)) {
		perror("mkdtemp");
		exit(1);
	}
	base_owner = getpid();
	atexit(zr_reap_all);
	/* Figures must reach the log even when a test dies on an assertion. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A broken pipe to the plugin must fail a write, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void zr_harness_cleanup(void)
{
	zr_reap_all();
	if (base_dir[0] && getpid() == base_owner)
		nftw(base_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int zr_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	zr_harness_init();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	zr_harness_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

TCase *zr_tcase(Suite *s, const char *name, double timeout)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

double zr_scale(void)
{
	return zr_launch_scale();
}

double zr_now(void)
{
	return zr_launch_now();
}

void zr_sleep(double seconds)
{
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

const char *zr_shared(void)
{
	return zr_shared_root();
}

char *zr_path(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

char *zr_tmpdir(void)
{
	char *p = zr_path(base_dir, "t.XXXXXX");

	if (!mkdtemp(p))
		abort();
	return p;
}

char *zr_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = zr_xrealloc(buf, cap + 1);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int zr_write_file(const char *path, const void *p, size_t n, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, (mode_t)mode);
	const char *c = p;

	if (fd < 0)
		return -1;
	fchmod(fd, (mode_t)mode); /* the umask must not decide the mode */
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return close(fd);
}

size_t zr_count(const char *hay, const char *needle)
{
	size_t n = 0, nl = strlen(needle);

	if (!hay || nl == 0)
		return 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + nl, needle))
		n++;
	return n;
}

size_t zr_count_lines(const char *text, const char *const *needles)
{
	size_t n = 0;

	while (text && *text) {
		const char *e = strchr(text, '\n');
		size_t len = e ? (size_t)(e - text) : strlen(text);
		char *line = strndup(text, len);
		bool all = true;

		for (size_t i = 0; needles[i]; i++)
			all = all && strstr(line, needles[i]);
		n += all;
		free(line);
		text += len + (e ? 1 : 0);
	}
	return n;
}

/* ---- processes ---- */

static const char *builddir(void)
{
	const char *b = getenv("ZR_BUILDDIR");

	return b && *b ? b : BUILDDIR;
}

/* zr_launch, remembered for zr_reap_all. */
static pid_t spawn(char *const *argv, int in_fd, int close_fd, const char *out_path)
{
	pid_t pid = zr_launch(argv, in_fd, close_fd, out_path);

	if (pid > 0)
		child_add(pid);
	return pid;
}

static int wait_pid(pid_t pid, double timeout, int *status)
{
	int r = zr_launch_reap(pid, timeout, status);

	if (r == 0)
		child_forget(pid);
	return r;
}

int zr_sim_start(struct zr_sim *s, const char *dir, int port, const char *const *args)
{
	char *program = zr_path(builddir(), "tests/sim/zos-remote-sim");
	char *portfile = zr_path(dir, "sim.port");
	struct zr_sim_launch l = {.program = program,
	                          .port = port,
	                          .port_file = portfile,
	                          .duration = 200,
	                          .args = args};
	int got;

	memset(s, 0, sizeof *s);
	s->dir = strdup(dir);
	s->journal = zr_path(dir, "journal.jsonl");
	s->errlog = zr_path(dir, "sim.log");
	l.journal = s->journal;
	l.log = s->errlog;
	got = zr_sim_launch(&l, &s->pid);
	if (s->pid > 0)
		child_add(s->pid);
	free(program);
	free(portfile);
	if (got < 0) {
		zr_sim_stop(s, SIGKILL);
		return -1;
	}
	s->port = got;
	return 0;
}

void zr_sim_stop(struct zr_sim *s, int sig)
{
	if (s->pid <= 0)
		return;
	zr_launch_stop(s->pid, sig ? sig : SIGTERM, ZR_LAUNCH_STOP_S);
	child_forget(s->pid);
	s->pid = 0;
}

void zr_sim_free(struct zr_sim *s)
{
	zr_sim_stop(s, SIGKILL);
	free(s->dir);
	free(s->journal);
	free(s->errlog);
	memset(s, 0, sizeof *s);
}

/* Does extra set key (at the start of one of its lines)? */
static bool extra_has_key(const char *extra, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = extra; l && *l;) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (strncasecmp(l, key, kl) == 0 && (l[kl] == ' ' || l[kl] == '=' || l[kl] == '\t'))
			return true;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

char *zr_config_write(const char *dir, const char *name, int port, const char *extra)
{
	static const char *const defaults[][2] = {
	        {"server", "127.0.0.1"},
	        {"user", "ZOSAUDIT"},
	        {"password", "zossecret"},
	        {"timeout", "5"},
	        {"drain_timeout", "5"},
	        {"linger_ms", "20"},
	        {"tls", "none"}, /* plain LDAP, as every suite but check_tls tests */
	        /* The suites count the items the Linux records make; the
	         * plugin's own (ZRA_*) are check_selfaudit's. */
	        {"self_audit", "no"},
	};
	char *path = zr_path(dir, name), *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "# written by the integration tests\n");
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		if (!extra_has_key(extra, defaults[i][0]))
			fprintf(f, "%s = %s\n", defaults[i][0], defaults[i][1]);
	}
	if (!extra_has_key(extra, "port"))
		fprintf(f, "port = %d\n", port);
	/* Each test's own spool, never the shared /var/spool/audit default. */
	if (!extra_has_key(extra, "spool_dir"))
		fprintf(f, "spool_dir = %s/spool-%s\n", dir, name);
	if (extra)
		fputs(extra, f);
	fclose(f);
	if (zr_write_file(path, text, len, 0600) != 0)
		abort();
	free(text);
	return path;
}

int zr_plugin_start(struct zr_plugin *p, const char *dir, const char *logname, const char *conf,
                    const char *input_file, const char *const *args)
{
	char *argv[32];
	size_t n = 0;
	int fds[2] = {-1, -1}, in_fd;

	memset(p, 0, sizeof *p);
	p->in = -1;
	p->log = zr_path(dir, logname ? logname : "plugin.log");
	if (input_file) {
		in_fd = open(input_file, O_RDONLY);
		if (in_fd < 0)
			return -1;
	} else {
		if (pipe2(fds, O_CLOEXEC) != 0)
			return -1;
		in_fd = fds[0];
	}
	/* ZR_PLUGIN_WRAPPER (e.g. "valgrind -q --error-exitcode=99"): words
	 * put in front of the plugin, so tests/run-valgrind can run the same
	 * suites with the plugin under a checker. */
	char *wrap = getenv("ZR_PLUGIN_WRAPPER") ? strdup(getenv("ZR_PLUGIN_WRAPPER")) : NULL;
	char *save = NULL;
	for (char *w = wrap ? strtok_r(wrap, " ", &save) : NULL; w && n < 16;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	size_t prog = n;
	argv[n++] = zr_path(builddir(), "plugin/audispd-zos-remote");
	argv[n++] = "--stderr";
	for (size_t i = 0; args && args[i] && n < 30; i++)
		argv[n++] = (char *)args[i];
	if (conf)
		argv[n++] = (char *)conf;
	argv[n] = NULL;
	p->pid = spawn(argv, in_fd, fds[1], p->log);
	free(argv[prog]);
	free(wrap);
	close(in_fd);
	p->in = fds[1];
	return p->pid > 0 ? 0 : -1;
}

int zr_plugin_feed(struct zr_plugin *p, const void *buf, size_t n)
{
	const char *c = buf;

	while (n > 0) {
		ssize_t w = write(p->in, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

void zr_plugin_close_input(struct zr_plugin *p)
{
	if (p->in >= 0)
		close(p->in);
	p->in = -1;
}

void zr_plugin_wait_read(const struct zr_plugin *p)
{
	double end = zr_now() + 20 * zr_scale();
	int left = 1;

	while (zr_now() < end && ioctl(p->in, FIONREAD, &left) == 0 && left > 0)
		zr_sleep(0.05);
	ck_assert_int_eq(left, 0);
	zr_sleep(1.5);
}

bool zr_plugin_wait(struct zr_plugin *p, double timeout)
{
	if (p->reaped)
		return true;
	if (p->pid <= 0)
		return false;
	if (wait_pid(p->pid, timeout, &p->status) == 0) {
		p->reaped = true;
		return true;
	}
	return false;
}

int zr_plugin_exit_code(const struct zr_plugin *p)
{
	if (!p->reaped)
		return -1000;
	if (WIFEXITED(p->status))
		return WEXITSTATUS(p->status);
	return -1 - WTERMSIG(p->status);
}

void zr_plugin_kill(struct zr_plugin *p)
{
	/* SIGKILL before the pipe closes: auditd's end stays open under a
	 * kill -9, and an EOF first would let the plugin begin a clean stop
	 * (and remove its running marker) if this process is slow to send
	 * the signal. */
	if (p->pid > 0 && !p->reaped) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &p->status, 0);
		child_forget(p->pid);
		p->reaped = true;
	}
	zr_plugin_close_input(p);
}

void zr_plugin_free(struct zr_plugin *p)
{
	zr_plugin_kill(p);
	free(p->log);
	memset(p, 0, sizeof *p);
	p->in = -1;
}

char *zr_plugin_log(const struct zr_plugin *p)
{
	char *t = zr_read_file(p->log, NULL);

	return t ? t : strdup("");
}

bool zr_plugin_wait_log(const struct zr_plugin *p, const char *needle, double timeout)
{
	double end = zr_now() + timeout * zr_scale();

	for (;;) {
		char *t = zr_plugin_log(p);
		bool found = strstr(t, needle) != NULL;
		free(t);
		if (found)
			return true;
		if (zr_now() >= end)
			return false;
		zr_sleep(0.05);
	}
}

bool zr_plugin_run_file(struct zr_plugin *p, const char *dir, const char *conf,
                        const char *input_file, const char *const *args, double timeout)
{
	if (zr_plugin_start(p, dir, NULL, conf, input_file, args) != 0)
		return false;
	if (zr_plugin_wait(p, timeout * zr_scale()))
		return true;
	zr_plugin_kill(p);
	return false;
}

/* ---- journal ---- */

int zr_journal_load(const char *path, struct zr_journal *j)
{
	size_t len;
	char *text = zr_read_file(path, &len);

	memset(j, 0, sizeof *j);
	if (!text)
		return 0;
	for (char *l = text; *l;) {
		char *e = strchr(l, '\n');
		if (!e)
			break; /* a line still being written */
		*e = '\0';
		json_error_t err;
		json_t *o = json_loads(l, 0, &err);
		if (!o) {
			fprintf(stderr, "%s: bad JSON line: %s\n", path, err.text);
			free(text);
			return -1;
		}
		j->line = zr_xrealloc(j->line, (j->n + 1) * sizeof(json_t *));
		j->line[j->n++] = o;
		l = e + 1;
	}
	free(text);
	return 0;
}

void zr_journal_free(struct zr_journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		json_decref(j->line[i]);
	free(j->line);
	memset(j, 0, sizeof *j);
}

const char *zr_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

long long zr_jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

bool zr_jbool(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

bool zr_is_item(const json_t *o)
{
	const char *k = zr_jstr(o, "kind");

	return strcmp(k, "smf") == 0 || strcmp(k, "item") == 0;
}

size_t zr_journal_count(const struct zr_journal *j, const char *kind)
{
	size_t n = 0;

	for (size_t i = 0; i < j->n; i++) {
		if (kind ? strcmp(zr_jstr(j->line[i], "kind"), kind) == 0 : zr_is_item(j->line[i]))
			n++;
	}
	return n;
}

size_t zr_journal_wait_items(const char *path, size_t n, double timeout)
{
	double end = zr_now() + timeout * zr_scale();
	size_t seen = 0;

	for (;;) {
		struct zr_journal j;
		if (zr_journal_load(path, &j) == 0)
			seen = zr_journal_count(&j, NULL);
		zr_journal_free(&j);
		if (seen >= n || zr_now() >= end)
			return seen;
		zr_sleep(0.05);
	}
}

size_t zr_nrelocs(const json_t *o)
{
	return json_array_size(json_object_get(o, "relocates"));
}

const char *zr_reloc(const json_t *o, size_t i, int *type)
{
	json_t *r = json_array_get(json_object_get(o, "relocates"), i);

	if (type)
		*type = (int)zr_jint(r, "type");
	return zr_jstr(r, "value");
}

bool zr_item_event_id(const json_t *o, char *id, size_t idlen)
{
	for (size_t i = 0; i < zr_nrelocs(o); i++) {
		int t;
		const char *v = zr_reloc(o, i, &t);
		if (t == 114 && strncmp(v, "msg=audit(", 10) == 0) {
			const char *e = strchr(v, ')');
			size_t n = e ? (size_t)(e - v - 10) : 0;
			if (!e || n >= idlen)
				return false;
			memcpy(id, v + 10, n);
			id[n] = '\0';
			return true;
		}
	}
	return false;
}

/* ---- audit logs ---- */

/* Field names of one record, read by auparse from the line alone. */
static void record_names(struct zr_record *r)
{
	char *buf = NULL;

	if (asprintf(&buf, "%s\n", r->line) < 0)
		abort();
	auparse_state_t *au = auparse_init(AUSOURCE_BUFFER, buf);
	if (au && auparse_next_event(au) > 0 && auparse_first_record(au) > 0 &&
	    auparse_first_field(au) > 0) {
		do {
			const char *name = auparse_get_field_name(au);
			r->names = zr_xrealloc(r->names, (r->nnames + 1) * sizeof *r->names);
			r->names[r->nnames++] = strdup(name ? name : "");
		} while (auparse_next_field(au) > 0);
	}
	if (au)
		auparse_destroy(au);
	free(buf);
}

/* Split the header of one line: [node=N ]type=T msg=audit(S.M:N): */
static void record_parse(struct zr_record *r)
{
	const char *p = r->line;

	if (strncmp(p, "node=", 5) == 0) {
		size_t n = strcspn(p + 5, " ");
		snprintf(r->node, sizeof r->node, "%.*s", (int)n, p + 5);
		p += 5 + n;
		while (*p == ' ')
			p++;
	}
	if (strncmp(p, "type=", 5) == 0) {
		size_t n = strcspn(p + 5, " ");
		snprintf(r->type, sizeof r->type, "%.*s", (int)n, p + 5);
		p += 5 + n;
	}
	r->eoe = strcmp(r->type, "EOE") == 0;
	const char *m = strstr(p, "msg=audit(");
	long long sec;
	unsigned msec;
	unsigned long serial;
	int used = 0;
	if (m && sscanf(m + 10, "%lld.%u:%lu)%n", &sec, &msec, &serial, &used) == 3 && used > 0) {
		r->has_id = true;
		r->sec = sec;
		r->serial = serial;
		snprintf(r->id, sizeof r->id, "%.*s", used - 1, m + 10);
	}
	if (r->has_id && !r->eoe)
		record_names(r);
}

int zr_log_parse(const char *text, size_t n, struct zr_log *l)
{
	FILE *out;

	memset(l, 0, sizeof *l);
	out = open_memstream(&l->text, &l->len);
	if (!out)
		return -1;
	for (size_t i = 0; i < n;) {
		const char *e = memchr(text + i, '\n', n - i);
		size_t len = e ? (size_t)(e - (text + i)) : n - i;
		const char *s = text + i;
		i += len + (e ? 1 : 0);
		if (len == 0 || s[0] == '#' || strspn(s, " \t\r") == len)
			continue;
		l->r = zr_xrealloc(l->r, (l->n + 1) * sizeof *l->r);
		struct zr_record *r = &l->r[l->n++];
		memset(r, 0, sizeof *r);
		r->line = strndup(s, len);
		record_parse(r);
		fwrite(s, 1, len, out);
		if (e) /* keep a missing final newline: the plugin must cope */
			fputc('\n', out);
	}
	fclose(out);
	return 0;
}

int zr_log_load(const char *path, struct zr_log *l)
{
	size_t n;
	char *t = zr_read_file(path, &n);
	int rc;

	if (!t) {
		memset(l, 0, sizeof *l);
		return -1;
	}
	rc = zr_log_parse(t, n, l);
	free(t);
	return rc;
}

void zr_log_free(struct zr_log *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->r[i].nnames; k++)
			free(l->r[i].names[k]);
		free(l->r[i].names);
		free(l->r[i].line);
	}
	free(l->r);
	free(l->text);
	memset(l, 0, sizeof *l);
}

size_t zr_log_expected(const struct zr_log *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->r[i].has_id && !l->r[i].eoe;
	return n;
}

int zr_log_write(const struct zr_log *l, const char *path)
{
	return path ? zr_write_file(path, l->text, l->len, 0600) : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **zr_sample_logs(const char *sub)
{
	char *dir = NULL;
	char **v = calloc(1, sizeof *v);
	size_t n = 0;

	if (asprintf(&dir, "%s/data/auditlogs/%s", zr_shared(), sub) < 0 || !v)
		abort();
	DIR *d = opendir(dir);
	for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		v = zr_xrealloc(v, (n + 2) * sizeof *v);
		v[n++] = zr_path(dir, e->d_name);
		v[n] = NULL;
	}
	if (d)
		closedir(d);
	qsort(v, n, sizeof *v, cmp_str);
	free(dir);
	return v;
}

void zr_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char *zr_sample_path(const char *rel)
{
	char *p = NULL;

	if (asprintf(&p, "%s/data/auditlogs/%s", zr_shared(), rel) < 0)
		abort();
	return p;
}

char *zr_gen_records(size_t n, unsigned long first, long long sec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (size_t i = 0; i < n; i++)
		fprintf(f,
		        "type=USER_ACCT msg=audit(%lld.%03zu:%lu): pid=%zu uid=0 auid=1000 ses=7 "
		        "msg='op=PAM:accounting grantors=pam_unix acct=\"zr%zu\" "
		        "exe=\"/usr/bin/sudo\" "
		        "hostname=? addr=? terminal=/dev/pts/0 res=success'\n",
		        sec + (long long)(i / 1000), i % 1000, (unsigned long)(first + i), 1000 + i,
		        i);
	fclose(f);
	return text;
}

int zr_log_sample(const char *rel, const char *extra, struct zr_log *l)
{
	char *path = zr_sample_path(rel), *all = NULL;
	size_t n;
	char *t = zr_read_file(path, &n);
	int rc;

	free(path);
	if (!t) {
		memset(l, 0, sizeof *l);
		return -1;
	}
	if (asprintf(&all, "%s%s%s", t, n && t[n - 1] != '\n' ? "\n" : "", extra ? extra : "") < 0)
		abort();
	rc = zr_log_parse(all, strlen(all), l);
	free(t);
	free(all);
	return rc;
}

void zr_link_hex(unsigned long serial, long long sec, const char *node, bool serial_only,
                 char out[17])
{
	if (node && *node && !serial_only) {
		/* the fleet layout (mapper.h), computed here on its own */
		uint32_t h = 2166136261U;
		for (const char *p = node; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619U;
		snprintf(out, 17, "%04x%06lx%06llx", (unsigned)((h >> 16) ^ (h & 0xffffU)),
		         serial & 0xffffffUL, (unsigned long long)sec & 0xffffffULL);
		return;
	}
	snprintf(out, 17, "%08lx%08llx", serial & 0xffffffffUL,
	         serial_only ? 0ULL : (unsigned long long)sec & 0xffffffffULL);
}

/* ---- items against records ---- */

#define ZR_MAX_PRINTED 25

/* Value of the first `name=` field of line (before any enrichment), unquoted. */
static bool field_value(const char *line, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *end = strchr(line, '\x1d');

	for (const char *p = strstr(line, name); p && (!end || p < end); p = strstr(p + 1, name)) {
		if (p == line || (p[-1] != ' ' && p[-1] != '\'') || p[nl] != '=')
			continue;
		const char *val = p + nl + 1;
		size_t n = strcspn(val, " '\"\x1d");
		snprintf(out, outlen, "%.*s", (int)n, val);
		return true;
	}
	return false;
}

/* mapping.md: first success= of the event, else first res=, else info. */
static int expected_qualifier(const struct zr_log *l, const char *id)
{
	char val[64];
	static const char *const keys[] = {"success", "res"};

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < l->n; i++) {
			const struct zr_record *r = &l->r[i];
			if (!r->has_id || r->eoe || strcmp(r->id, id) != 0)
				continue;
			if (!field_value(r->line, keys[k], val, sizeof val))
				continue;
			if (strcmp(val, k == 0 ? "no" : "failed") == 0 || strcmp(val, "0") == 0)
				return 3;
			return 0;
		}
	}
	return 1;
}

/* Type of the event's first record in input order. */
static const char *first_type(const struct zr_log *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->r[i].has_id && !l->r[i].eoe && strcmp(l->r[i].id, id) == 0)
			return l->r[i].type;
	}
	return "?";
}

/* Does the event have a record of this type? */
static bool event_has_type(const struct zr_log *l, const char *id, const char *type)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->r[i].has_id && !l->r[i].eoe && strcmp(l->r[i].id, id) == 0 &&
		    strcmp(l->r[i].type, type) == 0)
			return true;
	}
	return false;
}

static bool printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return false;
	}
	return true;
}

struct vctx {
	bool quiet;
	const char *label;
	struct zr_verdict *v;
	long long tag;
	const char *resource;
};

static void problem(struct vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct vctx *c, const char *fmt, ...)
{
	va_list ap;
	bool print = !c->quiet && c->v->problems < ZR_MAX_PRINTED;

	c->v->problems++;
	if (!print)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: item tag %lld (%s): ", c->label, c->tag, c->resource);
	/* va_start is two lines up; the analyzer loses track of it here. */
	vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	fputc('\n', stderr);
}

/* Does relocate value rv name a field? 0 no, 1 yes (name=... or the last
 * part name[n/n]=...), 2 a part of a split value that more parts follow. */
static int reloc_names(const char *rv, const char *name)
{
	size_t nl = strlen(name);
	unsigned a, b;
	int used = 0;

	if (strncmp(rv, name, nl) != 0)
		return 0;
	if (rv[nl] == '=')
		return 1;
	if (sscanf(rv + nl, "[%u/%u]=%n", &a, &b, &used) == 2 && used > 0)
		return a < b ? 2 : 1;
	return 0;
}

static void check_relocs(struct vctx *c, const struct zr_record *r, const json_t *o)
{
	char want[160], tbuf[64];
	time_t t = (time_t)r->sec;
	size_t nr = zr_nrelocs(o), k = 0;
	bool seen113 = false, seen_msg = false;

	snprintf(want, sizeof want, "msg=audit(%s)", r->id);
	ctime_r(&t, tbuf);
	tbuf[strcspn(tbuf, "\n")] = '\0';
	for (size_t i = 0; i < nr; i++) {
		int type;
		const char *rv = zr_reloc(o, i, &type);
		if (!printable(rv))
			problem(c, "relocate %zu is not printable ASCII: %.60s", i, rv);
		if (type == 113) {
			if (strcmp(rv, tbuf) != 0)
				problem(c, "relocate 113 is \"%s\", expected \"%s\"", rv, tbuf);
			seen113 = true;
			continue;
		}
		if (type != 114)
			problem(c, "relocate %zu has type %d", i, type);
		if (!seen_msg && strcmp(rv, want) == 0) {
			seen_msg = true;
			continue;
		}
		while (k < r->nnames && !r->names[k][0])
			k++;
		/* a split value repeats its name; move on after its last part */
		if (k < r->nnames && reloc_names(rv, r->names[k]) == 1)
			k++;
	}
	if (!seen113)
		problem(c, "no relocate 113");
	if (!seen_msg)
		problem(c, "no relocate 114 \"%s\"", want);
	if (k < r->nnames)
		problem(c, "field %zu of %zu (\"%s\") of record %s has no name= relocate in order",
		        k + 1, r->nnames, r->names[k], r->id);
}

static void check_item(struct vctx *c, const struct zr_log *l, const struct zr_record *r,
                       const json_t *o, const struct zr_expect *e, const char *host)
{
	char link[17], want[512];
	const char *cls = e->class_name ? e->class_name : "@LINUX";

	zr_link_hex(r->serial, r->sec, r->node, e->serial_only, link);
	if (strcmp(zr_jstr(o, "link"), link) != 0)
		problem(c, "link %s, expected %s for %s", zr_jstr(o, "link"), link, r->id);
	if (strcmp(zr_jstr(o, "class"), cls) != 0)
		problem(c, "class %s, expected %s", zr_jstr(o, "class"), cls);
	if (zr_jint(o, "event") != 2)
		problem(c, "event %lld, expected 2", zr_jint(o, "event"));
	if (zr_jbool(o, "violation"))
		problem(c, "violation true, expected false");
	if (!e->per_part) {
		if (zr_jint(o, "qualifier") != expected_qualifier(l, r->id))
			problem(c, "qualifier %lld, expected %d for event %s",
			        zr_jint(o, "qualifier"), expected_qualifier(l, r->id), r->id);
		snprintf(want, sizeof want, "Remote audit request from %s. Linux (%s): type: %s",
		         e->user ? e->user : "ZOSAUDIT", r->node[0] ? r->node : host,
		         first_type(l, r->id));
		if (strcmp(zr_jstr(o, "logstring"), want) != 0)
			problem(c, "logstring \"%s\", expected \"%s\"", zr_jstr(o, "logstring"),
			        want);
	} else {
		/* Only the part of the event auparse handed over together is
		 * known to the plugin: the type must be one of the event's. */
		int n = snprintf(want, sizeof want,
		                 "Remote audit request from %s. Linux (%s): type: ",
		                 e->user ? e->user : "ZOSAUDIT", r->node[0] ? r->node : host);
		const char *ls = zr_jstr(o, "logstring");
		if (strncmp(ls, want, (size_t)n) != 0 || !event_has_type(l, r->id, ls + n))
			problem(c, "logstring \"%s\", expected \"%s<a type of event %s>\"", ls,
			        want, r->id);
		if (zr_jint(o, "qualifier") != 0 && zr_jint(o, "qualifier") != 1 &&
		    zr_jint(o, "qualifier") != 3)
			problem(c, "qualifier %lld", zr_jint(o, "qualifier"));
	}
	check_relocs(c, r, o);
}

/* Qualifier of the first item seen of each event: all must agree. */
static void check_event_consistency(struct vctx *c, const struct zr_journal *j, bool link_only)
{
	for (size_t a = 0; a < j->n; a++) {
		char ida[64], idb[64];
		if (!zr_is_item(j->line[a]) || !zr_item_event_id(j->line[a], ida, sizeof ida))
			continue;
		for (size_t b = a + 1; b < j->n; b++) {
			if (!zr_is_item(j->line[b]) ||
			    !zr_item_event_id(j->line[b], idb, sizeof idb) || strcmp(ida, idb) != 0)
				continue;
			c->tag = zr_jint(j->line[b], "tag");
			c->resource = zr_jstr(j->line[b], "resource");
			if (strcmp(zr_jstr(j->line[a], "link"), zr_jstr(j->line[b], "link")) != 0 ||
			    (!link_only &&
			     zr_jint(j->line[a], "qualifier") != zr_jint(j->line[b], "qualifier")))
				problem(c, "event %s: link/qualifier %s/%lld differ from %s/%lld",
				        ida, zr_jstr(j->line[b], "link"),
				        zr_jint(j->line[b], "qualifier"),
				        zr_jstr(j->line[a], "link"),
				        zr_jint(j->line[a], "qualifier"));
			break; /* compare each with the next of its event: a chain */
		}
	}
}

void zr_verify(const struct zr_log *l, const struct zr_journal *j, const struct zr_expect *e,
               const char *label, struct zr_verdict *v)
{
	size_t *hits = calloc(l->n + 1, sizeof *hits);
	char host[256] = "";

	memset(v, 0, sizeof *v);
	struct vctx c = {e->quiet, label, v, 0, ""};
	v->expected = zr_log_expected(l);
	gethostname(host, sizeof host - 1);
	for (size_t i = 0; i < j->n; i++) {
		const json_t *o = j->line[i];
		char id[64];
		if (!zr_is_item(o))
			continue;
		v->items++;
		c.tag = zr_jint(o, "tag");
		c.resource = zr_jstr(o, "resource");
		if (!zr_item_event_id(o, id, sizeof id)) {
			v->unmatched++;
			problem(&c, "no msg=audit(...) relocate");
			continue;
		}
		long k = -1, first = -1;
		for (size_t r = 0; r < l->n; r++) {
			const struct zr_record *rec = &l->r[r];
			if (!rec->has_id || rec->eoe || strcmp(rec->id, id) != 0 ||
			    strcmp(rec->type, c.resource) != 0)
				continue;
			if (first < 0)
				first = (long)r;
			if (hits[r] == 0) {
				k = (long)r;
				break;
			}
		}
		if (first < 0) {
			v->unmatched++;
			problem(&c, "matches no record of the input (event %s)", id);
			continue;
		}
		if (k < 0) {
			k = first;
			v->duplicates++;
		} else {
			v->delivered++;
		}
		hits[k]++;
		if (e->major >= 0 && zr_jint(o, "major") != e->major)
			problem(&c, "major %lld (%s minor %lld/%lld: %s), expected %d",
			        zr_jint(o, "major"), zr_jstr(o, "name"), zr_jint(o, "minor1"),
			        zr_jint(o, "minor2"), zr_jstr(o, "reason"), e->major);
		if (e->check_content)
			check_item(&c, l, &l->r[k], o, e, host);
	}
	if (e->check_content)
		check_event_consistency(&c, j, e->per_part);
	for (size_t r = 0; r < l->n; r++) {
		if (l->r[r].has_id && !l->r[r].eoe && hits[r] == 0 && !e->quiet &&
		    v->problems++ < ZR_MAX_PRINTED)
			fprintf(stderr, "%s: record %s %s never arrived: %.100s\n", label,
			        l->r[r].type, l->r[r].id, l->r[r].line);
	}
	if (v->problems > ZR_MAX_PRINTED && !e->quiet)
		fprintf(stderr, "%s: ... %zu problems in all\n", label, v->problems);
	free(hits);
}

bool zr_wait_delivered(const struct zr_log *l, const char *path, double timeout,
                       struct zr_verdict *v)
{
	const struct zr_expect e = {.major = -1, .quiet = true};
	double end = zr_now() + timeout * zr_scale();

	for (;;) {
		struct zr_journal j;
		if (zr_journal_load(path, &j) == 0)
			zr_verify(l, &j, &e, "wait", v);
		zr_journal_free(&j);
		if (v->delivered >= v->expected)
			return true;
		if (zr_now() >= end)
			return false;
		zr_sleep(0.1);
	}
}
