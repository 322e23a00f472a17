/* preflight.c - --check beyond syntax: names resolve, certificates readable, dirs usable. */
#include <zr-autoconf.h> /* _GNU_SOURCE: memmem */

#include "preflight.h"
#include "spoollock.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"

#define CHECK_MSG_MAX  1024
#define CHECK_PEM_SCAN 65536 /* bytes searched for a PEM header */

struct ctx {
	const char *path;
	config_err_fn err;
	void *arg;
	int count;
};

static void problem(struct ctx *x, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void problem(struct ctx *x, const char *key, const char *fmt, ...)
{
	char msg[CHECK_MSG_MAX], where[64] = "";
	unsigned line = preflight_key_line(x->path, key);
	size_t n;
	va_list ap;

	x->count++;
	if (line)
		snprintf(where, sizeof(where), "%u:", line);
	n = (size_t)snprintf(msg, sizeof(msg), "%s:%s key '%s': ", x->path, where, key);
	va_start(ap, fmt);
	if (n < sizeof(msg))
		vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	x->err(x->arg, msg);
}

unsigned preflight_key_line(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, klen = strlen(key);
	unsigned no = 0, found = 0;

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) >= 0) {
		const char *p = line;
		size_t n;

		no++;
		p += strspn(p, " \t");
		n = strcspn(p, " \t=");
		if (n == klen && strncasecmp(p, key, klen) == 0 &&
		    p[n + strspn(p + n, " \t")] == '=')
			found = no;
	}
	free(line);
	fclose(f);
	return found;
}

static void check_server(struct ctx *x, const struct config *c)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(c->server, NULL, &hints, &res);

	if (rc == 0) {
		freeaddrinfo(res);
		return;
	}
	problem(x, "server", "cannot resolve %s: %s; check the name, DNS and /etc/hosts", c->server,
	        rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
}

/* A readable regular file with a PEM block; a key must also be private. */
static void check_pem(struct ctx *x, const char *key, const char *file, bool secret)
{
	char *buf;
	struct stat st;
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		problem(x, key, "cannot open %s: %s", file, strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		problem(x, key, "%s is not a regular file", file);
		close(fd);
		return;
	}
	if (secret && (st.st_mode & 077))
		problem(x, key,
		        "%s has mode %04o; a private key must be 0600 or 0400 (chmod 0600 %s)",
		        file, (unsigned)st.st_mode & 07777, file);
	buf = malloc(CHECK_PEM_SCAN);
	n = buf ? read(fd, buf, CHECK_PEM_SCAN) : -1;
	close(fd);
	if (n < 0)
		problem(x, key, "cannot read %s: %s", file,
		        buf ? strerror(errno) : "out of memory");
	else if (!memmem(buf, (size_t)n, "-----BEGIN ", 11))
		problem(x, key, "%s holds no PEM block (-----BEGIN ...); give the file in PEM form",
		        file);
	if (buf)
		explicit_bzero(buf, CHECK_PEM_SCAN); /* it may have held a private key */
	free(buf);
}

static void check_tls(struct ctx *x, const struct config *c)
{
	struct stat st;

	if (c->tls_ca_file[0])
		check_pem(x, "tls_ca_file", c->tls_ca_file, false);
	if (c->tls_cert_file[0])
		check_pem(x, "tls_cert_file", c->tls_cert_file, false);
	if (c->tls_key_file[0])
		check_pem(x, "tls_key_file", c->tls_key_file, true);
	if (!c->tls_ca_dir[0])
		return;
	if (stat(c->tls_ca_dir, &st) != 0)
		problem(x, "tls_ca_dir", "cannot use %s: %s", c->tls_ca_dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode) || access(c->tls_ca_dir, R_OK | X_OK) != 0)
		problem(x, "tls_ca_dir", "%s is not a readable directory", c->tls_ca_dir);
}

/* The rules the plugin applies when it writes there (safefile.h). */
static void check_safe_dir(struct ctx *x, const char *key, const char *dir, bool create)
{
	char why[CHECK_MSG_MAX / 2];

	if (safefile_check_dir(dir, create, why, sizeof(why)) != 0)
		problem(x, key, "%s", why);
}

/* A file the plugin appends to, when it exists already. */
static void check_safe_file(struct ctx *x, const char *key, const char *what, const char *file)
{
	char why[CHECK_MSG_MAX / 2];
	struct stat st;

	if (lstat(file, &st) == 0 && safefile_check_stat(&st, what, file, why, sizeof(why)) != 0)
		problem(x, key, "%s", why);
}

/* dir exists and is writable; with create, the nearest existing ancestor
 * is enough (the plugin makes the rest). */
static void check_dir(struct ctx *x, const char *key, const char *dir, bool create)
{
	char *d = strdup(dir);
	struct stat st;

	while (d && stat(d, &st) != 0 && errno == ENOENT && create && strcmp(d, "/") != 0) {
		char *up = strdup(dirname(d));

		free(d);
		d = up;
	}
	if (!d)
		problem(x, key, "out of memory checking %s", dir);
	else if (stat(d, &st) != 0)
		problem(x, key, "directory %s: %s", d, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		problem(x, key, "%s is not a directory", d);
	else if (access(d, W_OK | X_OK) != 0)
		problem(x, key, "directory %s is not writable: %s", d, strerror(errno));
	else
		check_safe_dir(x, key, dir, create);
	free(d);
}

static void check_file_dir(struct ctx *x, const char *key, const char *file)
{
	char *copy = strdup(file);

	if (!copy) {
		problem(x, key, "out of memory checking %s", file);
		return;
	}
	check_dir(x, key, dirname(copy), false);
	free(copy);
}

int preflight_check(const char *path, const struct config *c, config_err_fn err, void *arg)
{
	struct ctx x = {.path = path, .err = err, .arg = arg};

	check_server(&x, c);
	check_tls(&x, c);
	if (c->spool_dir[0])
		check_dir(&x, "spool_dir", c->spool_dir, true);
	if (c->set_aside_file[0]) {
		check_file_dir(&x, "set_aside_file", c->set_aside_file);
		check_safe_file(&x, "set_aside_file", "set-aside file", c->set_aside_file);
	}
	if (c->state_file[0])
		check_file_dir(&x, "state_file", c->state_file);
	return x.count;
}

static void print_problem(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static void print_warning(void *arg, const char *id, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s %s\n", id, msg);
}

int preflight_main(const char *prog, const char *path, const char *plugins_dir)
{
	struct config c;
	int n = config_load(path, &c, print_problem, NULL);

	if (n == 0) {
		char dir[CONFIG_PATH_MAX];

		config_warnings(&c, print_warning, NULL);
		n = preflight_check(path, &c, print_problem, NULL);
		/* Two configs on one spool (spoollock.h): both named. */
		spool_dir_of(path, c.spool_dir, dir, sizeof(dir));
		n += spool_conflicts(plugins_dir, path, dir, print_problem, NULL);
	}
	config_wipe(&c);
	if (n) {
		fprintf(stderr, "%s: %d problem(s) in %s\n", prog, n, path);
		return 1;
	}
	printf("%s: %s is valid\n", prog, path);
	return 0;
}
