/* log.c - syslog with message ids, a per-key rate limiter and an optional stderr copy. */
#include "log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024 /* longer messages are cut and end in "..." */
#define RL_SLOTS     1024 /* distinct keys remembered; the oldest is evicted */
#define RL_BUCKETS   256
#define RL_KEY_MAX   96 /* keys are compared on this many bytes */
#define RL_NONE      UINT16_MAX

struct rl_entry {
	char key[RL_KEY_MAX];
	double last;         /* when this key last logged */
	unsigned long quiet; /* messages suppressed since then */
	uint16_t next;       /* bucket chain */
	bool used;
};

/* All state of the module; every access holds mu. */
static struct {
	pthread_mutex_t mu;
	const char *ident;
	bool to_stderr;
	bool opened;
	unsigned interval;
	double (*now)(void);
	uint16_t bucket[RL_BUCKETS];
	struct rl_entry slot[RL_SLOTS];
	unsigned next_slot; /* slots are reused in ring order: this one is the oldest */
	bool ready;
} L = {
        .mu = PTHREAD_MUTEX_INITIALIZER,
        .interval = 60,
};

static double log_real_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Caller holds mu. */
static void rl_clear(void)
{
	for (unsigned i = 0; i < RL_BUCKETS; i++)
		L.bucket[i] = RL_NONE;
	memset(L.slot, 0, sizeof(L.slot));
	L.next_slot = 0;
	L.ready = true;
}

void log_open(const char *ident, bool to_stderr)
{
	pthread_mutex_lock(&L.mu);
	if (L.opened)
		closelog();
	L.ident = ident;
	L.to_stderr = to_stderr;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	L.opened = true;
	pthread_mutex_unlock(&L.mu);
}

void log_close(void)
{
	pthread_mutex_lock(&L.mu);
	if (L.opened)
		closelog();
	L.opened = false;
	L.to_stderr = false;
	pthread_mutex_unlock(&L.mu);
}

int log_level(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	switch (n ? id[n - 1] : 'E') {
	case 'I':
		return LOG_INFO;
	case 'W':
		return LOG_WARNING;
	case 'S':
		return LOG_CRIT;
	case 'D':
		return LOG_DEBUG;
	default: /* 'E' and ids that lack a severity: do not hide them */
		return LOG_ERR;
	}
}

/* One write() per line so that lines from two threads never interleave. */
static void log_stderr(const char *id, const char *text)
{
	char line[LOG_LINE_MAX + 128];
	struct timespec ts;
	struct tm tm;
	char when[32];
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ld %s[%ld]: %s %s\n", when, ts.tv_nsec / 1000000L,
	             L.ident ? L.ident : "zos-remote", (long)getpid(), id, text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* Nothing useful can be done when stderr is gone. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

/* Caller holds mu. */
static void log_emit(const char *id, const char *text)
{
	syslog(log_level(id), "%s %s", id, text);
	if (L.to_stderr)
		log_stderr(id, text);
}

/* n: what vsnprintf returned for out. */
static void log_mark_cut(char *out, size_t size, int n)
{
	if (n < 0)
		snprintf(out, size, "(unformattable message)");
	else if ((size_t)n >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
}

static void log_line(const char *id, const char *text)
{
	pthread_mutex_lock(&L.mu);
	log_emit(id, text);
	pthread_mutex_unlock(&L.mu);
}

void log_vmsg(const char *id, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];

	log_mark_cut(text, sizeof(text), vsnprintf(text, sizeof(text), fmt, ap));
	log_line(id, text);
}

void log_msg(const char *id, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_mark_cut(text, sizeof(text), n);
	log_line(id, text);
}

static unsigned rl_hash(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	size_t n = strnlen(key, RL_KEY_MAX - 1);

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h % RL_BUCKETS;
}

/* Caller holds mu. */
static void rl_unlink(unsigned idx)
{
	uint16_t *p = &L.bucket[rl_hash(L.slot[idx].key)];

	while (*p != RL_NONE && *p != idx)
		p = &L.slot[*p].next;
	if (*p == idx)
		*p = L.slot[idx].next;
}

/* Find key, or make an entry for it (evicting the oldest). Caller holds mu. */
static struct rl_entry *rl_lookup(const char *key, bool *fresh)
{
	unsigned h = rl_hash(key);
	unsigned idx;

	for (idx = L.bucket[h]; idx != RL_NONE; idx = L.slot[idx].next)
		if (strncmp(L.slot[idx].key, key, RL_KEY_MAX - 1) == 0) {
			*fresh = false;
			return &L.slot[idx];
		}
	idx = L.next_slot;
	L.next_slot = (L.next_slot + 1) % RL_SLOTS;
	if (L.slot[idx].used)
		rl_unlink(idx);
	memset(&L.slot[idx], 0, sizeof(L.slot[idx]));
	snprintf(L.slot[idx].key, RL_KEY_MAX, "%s", key);
	L.slot[idx].used = true;
	L.slot[idx].next = L.bucket[h];
	L.bucket[h] = (uint16_t)idx;
	*fresh = true;
	return &L.slot[idx];
}

bool log_limited(const char *key, const char *id, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	struct rl_entry *e;
	unsigned long quiet;
	bool fresh;
	int n;
	double now;
	va_list ap;

	pthread_mutex_lock(&L.mu);
	if (!L.ready)
		rl_clear();
	now = L.now ? L.now() : log_real_clock();
	e = rl_lookup(key ? key : "", &fresh);
	if (!fresh && now - e->last < (double)L.interval) {
		e->quiet++;
		pthread_mutex_unlock(&L.mu);
		return false;
	}
	quiet = e->quiet;
	e->quiet = 0;
	e->last = now;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_mark_cut(text, sizeof(text), n);
	if (quiet) {
		size_t used = strlen(text);

		snprintf(text + used, sizeof(text) - used, " (%lu similar message%s suppressed)",
		         quiet, quiet == 1 ? "" : "s");
	}
	log_emit(id, text);
	pthread_mutex_unlock(&L.mu);
	return true;
}

void log_set_interval(unsigned seconds)
{
	pthread_mutex_lock(&L.mu);
	L.interval = seconds;
	pthread_mutex_unlock(&L.mu);
}

void log_reset(void)
{
	pthread_mutex_lock(&L.mu);
	rl_clear();
	pthread_mutex_unlock(&L.mu);
}

void log_set_clock(double (*now)(void))
{
	pthread_mutex_lock(&L.mu);
	L.now = now;
	pthread_mutex_unlock(&L.mu);
}
