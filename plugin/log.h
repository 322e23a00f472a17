/* log.h - syslog (facility DAEMON) with stable message ids, rate limiting,
 * and an optional copy of every line to stderr.
 *
 * Every message starts with its id, e.g. "ZRA0301E", whose last letter is
 * the severity: I info, W warning, E error, S severe (critical), D debug.
 * The man page's MESSAGES section lists every id.
 *
 * Thread-safe: the reader and sender threads both log. The rate limiter
 * keeps its state behind a mutex; log_reset() clears it for tests. It
 * remembers up to 1024 keys (compared on their first 95 bytes); when full,
 * the oldest key is forgotten, with its count of suppressed messages.
 * Messages longer than about 1000 bytes are cut and end in "...". */
#ifndef ZR_LOG_H
#define ZR_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

/* Open syslog with ident (the caller keeps the string alive). When
 * to_stderr is set, every message is also written to stderr with a
 * timestamp. May be called again (SIGHUP). */
void log_open(const char *ident, bool to_stderr);
void log_close(void);

/* The syslog priority of an id: LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT or
 * LOG_DEBUG from its last letter; an id without a known letter is LOG_ERR. */
int log_level(const char *id);

/* Log a message with id (severity from its last letter). */
void log_msg(const char *id, const char *fmt, ...) LOG_FMT(2, 3);
void log_vmsg(const char *id, const char *fmt, va_list ap) LOG_FMT(2, 0);

/* Log at most once per interval for each distinct key (for example
 * "NOTREQ:SYSCALL"); the next message for a key that was suppressed says
 * how many were suppressed. Returns true when it logged. */
bool log_limited(const char *key, const char *id, const char *fmt, ...) LOG_FMT(3, 4);

/* Seconds between two messages of one key (default 60). */
void log_set_interval(unsigned seconds);

/* Clear the rate limiter (tests; SIGHUP). */
void log_reset(void);

/* Clock used by the rate limiter: tests may replace it (NULL = real). */
void log_set_clock(double (*now)(void));

#endif
