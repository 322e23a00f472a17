/* safefile.c - open what the plugin writes so that nobody else can redirect it (StrictModes). */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAFEFILE_LINK_DEPTH 8 /* symbolic links followed on one path */

static const char *kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

static bool owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* The directory rules for one directory (st from lstat or stat). */
static int dir_ok(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (!S_ISDIR(st->st_mode)) {
		snprintf(err, errlen, "%s is %s, not a directory", path, kind_of(st->st_mode));
		return -1;
	}
	if (!owner_ok(st->st_uid)) {
		snprintf(err, errlen,
		         "directory %s is owned by uid %u, neither root nor this process (uid "
		         "%u): its owner could redirect what the plugin writes below it",
		         path, (unsigned)st->st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX)) {
		snprintf(err, errlen,
		         "directory %s is writable by group or others (mode %04o, no sticky "
		         "bit): they could replace what the plugin writes below it (chmod go-w "
		         "%s)",
		         path, (unsigned)st->st_mode & 07777, path);
		return -1;
	}
	return 0;
}

static int check_dir_depth(const char *dir, bool allow_missing, int depth, char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t n;
	struct stat st;

	if (dir[0] == '/') {
		n = (size_t)snprintf(path, sizeof(path), "%s", dir);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd))) {
			snprintf(err, errlen, "%s: cannot know the current directory: %s", dir,
			         strerror(errno));
			return -1;
		}
		n = (size_t)snprintf(path, sizeof(path), "%s/%s", cwd, dir);
	}
	if (n >= sizeof(path)) {
		snprintf(err, errlen, "%.60s...: path too long", dir);
		return -1;
	}
	if (lstat("/", &st) != 0 || dir_ok("/", &st, err, errlen) != 0)
		return -1;
	/* Each prefix ending before a '/' (and the whole), from the root down. */
	for (size_t i = 1; i <= n; i++) {
		char save = path[i];

		if (i < n && save != '/')
			continue;
		if (i > 1 && path[i - 1] == '/')
			continue; /* "//" or a trailing '/' */
		path[i] = '\0';
		int rc = lstat(path, &st);
		if (rc != 0 && errno == ENOENT && allow_missing) {
			path[i] = save;
			return 0;
		}
		if (rc != 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (S_ISLNK(st.st_mode)) {
			char real[PATH_MAX];

			if (!owner_ok(st.st_uid)) {
				snprintf(
				        err, errlen,
				        "%s is a symbolic link owned by uid %u, neither root nor "
				        "this process (uid %u): it could point the plugin's writes "
				        "anywhere",
				        path, (unsigned)st.st_uid, (unsigned)geteuid());
				return -1;
			}
			if (depth >= SAFEFILE_LINK_DEPTH) {
				snprintf(err, errlen, "%s: too many symbolic links", path);
				return -1;
			}
			if (!realpath(path, real)) {
				if (errno == ENOENT && allow_missing)
					return 0;
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				return -1;
			}
			if (check_dir_depth(real, false, depth + 1, err, errlen) != 0)
				return -1;
		} else if (dir_ok(path, &st, err, errlen) != 0) {
			return -1;
		}
		path[i] = save;
	}
	return 0;
}

int safefile_check_dir(const char *dir, bool allow_missing, char *err, size_t errlen)
{
	return check_dir_depth(dir, allow_missing, 0, err, errlen);
}

int safefile_check_parent(const char *file, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');

	if (!slash)
		return safefile_check_dir(".", false, err, errlen);
	if (slash == file)
		return safefile_check_dir("/", false, err, errlen);
	if ((size_t)(slash - file) >= sizeof(dir)) {
		snprintf(err, errlen, "%.60s...: path too long", file);
		return -1;
	}
	memcpy(dir, file, (size_t)(slash - file));
	dir[slash - file] = '\0';
	return safefile_check_dir(dir, false, err, errlen);
}

int safefile_check_stat(const struct stat *st, const char *what, const char *path, char *err,
                        size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s %s is %s; it must be a regular file", what, path,
		         kind_of(st->st_mode));
		return -1;
	}
	if (st->st_nlink != 1) {
		snprintf(err, errlen,
		         "%s %s has %lu hard links: the plugin would write into every file it "
		         "is linked to; remove the other links (or this name) and start again",
		         what, path, (unsigned long)st->st_nlink);
		return -1;
	}
	if (st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s %s is owned by uid %u, not by this process (uid %u)",
		         what, path, (unsigned)st->st_uid, (unsigned)geteuid());
		return -1;
	}
	return 0;
}

/* After open: the file rules, then blocking I/O again. fd is closed on failure. */
static int opened(int fd, int dirfd, const char *what, const char *path, const char *name,
                  char *err, size_t errlen)
{
	struct stat st;
	int e = errno;

	if (fd < 0) {
		/* Say what is there: O_NOFOLLOW and O_NONBLOCK refuse a link
		 * (ELOOP) and a FIFO without a reader (ENXIO) by errno alone. */
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
			snprintf(err, errlen, "%s %s is %s; it must be a regular file", what, path,
			         kind_of(st.st_mode));
		else
			snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (safefile_check_stat(&st, what, path, err, errlen) != 0 || fl < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		if (fl < 0 || !err[0])
			snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

#define SAFE_FLAGS (O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

int safefile_open(const char *what, const char *path, int flags, mode_t mode, char *err,
                  size_t errlen)
{
	err[0] = '\0';
	if (safefile_check_parent(path, err, errlen) != 0)
		return -1;
	return opened(open(path, flags | SAFE_FLAGS, mode), AT_FDCWD, what, path, path, err,
	              errlen);
}

int safefile_openat(const char *what, int dirfd, const char *dir, const char *name, int flags,
                    mode_t mode, char *err, size_t errlen)
{
	char path[PATH_MAX];

	err[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return opened(openat(dirfd, name, flags | SAFE_FLAGS, mode), dirfd, what, path, name, err,
	              errlen);
}

int safefile_opendir(const char *what, const char *dir, char *err, size_t errlen)
{
	int fd;

	if (safefile_check_dir(dir, false, err, errlen) != 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(errno));
	return fd;
}
