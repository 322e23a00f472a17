/* filter.h - which audit record types are sent (send_types / skip_types).
 *
 * A local complement to RACF profiles, not a replacement: RACF still
 * decides what it logs (NOTREQ, UNDETERMINED) for whatever is sent. The
 * filter only saves the link and both CPUs the cost of records the site
 * knows RACF would answer NOTREQ to anyway. It works per record: the other
 * records of an event are still sent, and the event-wide decisions
 * (qualifier, event code, log string) are still made over all records.
 *
 * A list is `TYPE,TYPE,...` (blanks around commas allowed, case
 * insensitive): a name libaudit knows (audit_name_to_msg_type), UNKNOWN[n]
 * for a number it does not name, or a prefix wildcard such as USER_* that
 * stands for every type libaudit names with that prefix. Types are numbers
 * below FILTER_MAX_TYPE; a record of a higher number is outside every list
 * (skip_types sends it, send_types does not).
 *
 * Pure and small (a bitmap), so it lives inside struct config and is copied
 * with it. Owner: config (parses), the reader thread (reads). */
#ifndef ZR_FILTER_H
#define ZR_FILTER_H

#include <auparse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FILTER_MAX_TYPE 4096

enum filter_mode {
	FILTER_ALL = 0, /* no list: every record is sent (the default) */
	FILTER_SEND,    /* send_types: only the listed types are sent */
	FILTER_SKIP,    /* skip_types: the listed types are not sent */
};

struct filter {
	enum filter_mode mode;
	uint64_t bits[FILTER_MAX_TYPE / 64];
};

/* Parse a list of n bytes at v into f with the given mode (f is cleared
 * first). 0, or -1 with a sentence in err naming the first bad entry and
 * what is allowed. */
int filter_parse(struct filter *f, enum filter_mode mode, const char *v, size_t n, char *err,
                 size_t errlen);

/* true when a record of this type is to be sent. f NULL = every record. */
bool filter_pass(const struct filter *f, int type);

/* Told the type of a record the filter does not pass. */
typedef void (*filter_skip_fn)(void *arg, int type);

/* Every record of the event part auparse is on that f does not pass (EOE
 * records are never counted: they never become items), each told to
 * skipped (NULL: none) with arg. Returns their number. Moves auparse's
 * record cursor. */
size_t filter_count(const struct filter *f, auparse_state_t *au, filter_skip_fn skipped, void *arg);

/* The listed types as a comma-separated list of names (UNKNOWN[n] for
 * numbers libaudit does not name), appended to out NUL-terminated; "" for
 * FILTER_ALL. 0 or -1 (ENOMEM). */
int filter_format(const struct filter *f, struct buf *out);

/* The record type name of a number: libaudit's, else UNKNOWN[n] in tmp. */
const char *filter_type_name(int type, char *tmp, size_t len);

#endif
