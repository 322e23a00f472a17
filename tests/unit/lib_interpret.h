/* lib_interpret.h - what libauparse itself says a field of a record means:
 * the oracle tests compare the plugin with, whatever the audit release
 * (they differ: 3.0.6 leaves openat's a0 as 0xffffff9c, later ones say
 * AT_FDCWD). For Check tests: a failure to parse fails the test. */
#ifndef ZR_TEST_LIB_INTERPRET_H
#define ZR_TEST_LIB_INTERPRET_H

#include <auparse.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The interpretation (AUPARSE_ESC_RAW) of the field name of the first
 * record of text, malloc'ed. */
static inline char *lib_interpret(const char *text, const char *name)
{
	auparse_state_t *au = auparse_init(AUSOURCE_BUFFER, text);

	ck_assert_ptr_nonnull(au);
	auparse_set_escape_mode(au, AUPARSE_ESC_RAW);
	ck_assert_int_eq(auparse_next_event(au), 1);
	ck_assert_ptr_nonnull(auparse_find_field(au, name));
	const char *v = auparse_interpret_field(au);
	ck_assert_ptr_nonnull(v);
	char *out = strdup(v);
	ck_assert_ptr_nonnull(out);
	auparse_destroy(au);
	return out;
}

#endif
