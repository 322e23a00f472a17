/* safefile.h - the files the plugin writes, opened so that nobody else can
 * redirect them.
 *
 * The plugin runs as root and writes in places an admin names: the spool
 * directory and its files (segments, head, intake log), the set-aside file,
 * the state file. A path another user can influence would let that user
 * point root's writes at any file. The rules, after OpenSSH's StrictModes:
 *
 *  - Directories: every directory from / down to the one written in is a
 *    directory owned by root or by this process's user, and not writable
 *    by group or others, unless its sticky bit is set (as /tmp: others may
 *    add names there but not replace ours). A symbolic link on the way is
 *    accepted only when owned by root or this process's user (only they
 *    could have made it where the checks above hold, e.g. /var/run), and
 *    its target is checked in turn.
 *  - Files: opened with O_NOFOLLOW (a symbolic link is refused) and
 *    O_NONBLOCK (a FIFO cannot block the open: it is refused by the check
 *    that follows), then fstat: a regular file, one link (a hard link to
 *    another file would get our mode and our data), owned by this
 *    process's user. O_NONBLOCK is cleared again once the checks pass.
 *
 * Every function writes a message naming the path and the rule it broke
 * to err; --check (preflight.c) reports the same findings.
 *
 * Pure but for the file system calls; thread-safe (no state). */
#ifndef ZR_SAFEFILE_H
#define ZR_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* dir and every directory above it follow the directory rules. With
 * allow_missing, the check stops at the first component that does not
 * exist yet (the caller creates the rest). 0, or -1 with err. */
int safefile_check_dir(const char *dir, bool allow_missing, char *err, size_t errlen);

/* The directory rules for the directory that holds file. */
int safefile_check_parent(const char *file, char *err, size_t errlen);

/* st (of an open file, or lstat of a name) follows the file rules; what
 * and path name it in err. */
int safefile_check_stat(const struct stat *st, const char *what, const char *path, char *err,
                        size_t errlen);

/* open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
 * mode) after safefile_check_parent, then the file rules. The fd, or -1
 * with err (what names the file: "set-aside file"). */
int safefile_open(const char *what, const char *path, int flags, mode_t mode, char *err,
                  size_t errlen);

/* The same for name in the directory dirfd (dir names it in messages;
 * the directory itself was checked when it was opened). */
int safefile_openat(const char *what, int dirfd, const char *dir, const char *name, int flags,
                    mode_t mode, char *err, size_t errlen);

/* open(dir, O_DIRECTORY | O_NOFOLLOW ...) after safefile_check_dir: the
 * fd, or -1 with err. */
int safefile_opendir(const char *what, const char *dir, char *err, size_t errlen);

#endif
