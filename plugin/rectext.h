/* rectext.h - what a record's text says where libauparse cannot say it.
 *
 * Why. Two libauparse releases our users run lose parts of a record that
 * its text still holds (tests/matrix/RESULTS.md):
 * - before 3.1 it keeps at most 36 fields of a record (NFIELDS in its
 *   rnode.h; nvlist_append drops the rest without a word), so an EXECVE of
 *   35 or more arguments would reach RACF without its last ones;
 * - a libaudit older than the record type has no name for it (URINGOP
 *   with 3.0.6) and auparse reports type -1.
 * The mapper asks this module for the rest of the record, taken from the
 * text as auparse would have split it: fields separated by spaces, each a
 * name=value token; the `msg=audit(...):` head is skipped and a
 * `msg='...'` wrapper is opened; what follows a \x1d (the ENRICHED
 * interpretations) is not fields. Values are the raw text, not
 * interpretations, with the trailing punctuation auparse trims
 * (`:` `,` `'` and `)` but of "(none)" and "(null)").
 *
 * Pure: no allocation, no I/O. Pointers point into the text given. */
#ifndef ZR_RECTEXT_H
#define ZR_RECTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* libauparse < 3.1 stops at this many fields per record. */
#define RECTEXT_OLD_AUPARSE_FIELDS 36

struct rectext_field {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

struct rectext_iter {
	const char *p;   /* next byte to look at */
	const char *end; /* the end of the fields: a \x1d or the end of text */
};

void rectext_begin(struct rectext_iter *it, const char *text);
/* The next field; false at the end. */
bool rectext_next(struct rectext_iter *it, struct rectext_field *f);

/* The value of the record's type= field (the first field, or the second
 * after node=), *len bytes; NULL (and *len 0) when it has none or an empty one. */
const char *rectext_type(const char *text, size_t *len);

/* Position it after the count-th field named name (count >= 1), or after
 * the last one when the text has fewer (auparse makes several fields of
 * one key= token); false, it unchanged, when the text has none. */
bool rectext_skip_past(struct rectext_iter *it, const char *name, size_t count);

#endif
