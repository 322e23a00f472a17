/* sim_journal.h: the simulator's journal: one JSON object per line (JSON Lines), appended. */
#ifndef ZR_SIM_JOURNAL_H
#define ZR_SIM_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "sim_ictx.h"

/* Zero-initialised = disabled: every call is then a no-op, so callers need no checks.
 * Lines gather in buf and reach the file only whole, one write() per flush: a
 * simulator killed with SIGKILL (as tests do, to play a crashed server) leaves
 * no half line for the next run to append after. */
struct journal {
	bool on;
	int fd;
	char *buf;
	size_t len, cap;
};

/* Opens path for appending. Returns -1 with "path: reason" in err on failure. */
int journal_open(struct journal *j, const char *path, char *err, size_t errlen);
void journal_close(struct journal *j);
bool journal_enabled(const struct journal *j);

/* A new line object holding "time" (ISO-8601 UTC, milliseconds) and "kind", in that order;
 * NULL when the journal is disabled or out of memory. */
json_t *journal_new(const struct journal *j, const char *kind);

/* Adds obj as one line and releases it (NULL is ignored). Not written yet: see journal_flush. */
void journal_write(struct journal *j, json_t *obj);
/* Writes the lines gathered so far; a write error is reported on stderr once per flush. */
void journal_flush(struct journal *j);

/* "2024-01-02T03:04:05.678Z" for the wall-clock time now; buf must hold 32 bytes. */
void journal_time(char *buf, size_t len);

/* Adds an item's decoded fields (those in it->have) under the journal's names: tag, event,
 * qualifier, violation, link, class, resource, relocates. The log string is the caller's. */
void journal_item_fields(json_t *obj, const struct ictx_item *it);

/* Convenience: sets key to a string (NULL -> JSON null) / integer / bool; ignore failures
 * (only out of memory), a journal line missing a key is better than no line. */
void journal_set_str(json_t *obj, const char *key, const char *val);
void journal_set_int(json_t *obj, const char *key, long long val);

#endif
