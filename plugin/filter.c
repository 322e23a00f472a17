/* filter.c - which audit record types are sent: parse the lists, test a record, count skips. */
#include "filter.h"

#include <ctype.h>
#include <errno.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_NAME_MAX 64 /* longest entry accepted (type names are < 32) */

static void set_bit(struct filter *f, int t)
{
	f->bits[(unsigned)t / 64] |= (uint64_t)1 << ((unsigned)t % 64);
}

static bool has_bit(const struct filter *f, int t)
{
	return t >= 0 && t < FILTER_MAX_TYPE &&
	       (f->bits[(unsigned)t / 64] >> ((unsigned)t % 64) & 1) != 0;
}

const char *filter_type_name(int type, char *tmp, size_t len)
{
	const char *n = audit_msg_type_to_name(type);

	if (n)
		return n;
	snprintf(tmp, len, "UNKNOWN[%d]", type);
	return tmp;
}

/* UNKNOWN[n]: the number, or -1 when name is not of that form. */
static long unknown_number(const char *name)
{
	char *end;
	long v;

	if (strncmp(name, "UNKNOWN[", 8) != 0 || !isdigit((unsigned char)name[8]))
		return -1;
	errno = 0;
	v = strtol(name + 8, &end, 10);
	if (errno || strcmp(end, "]") != 0)
		return -1;
	return v;
}

/* Every type libaudit names with this prefix. The number of matches. */
static int add_prefix(struct filter *f, const char *prefix)
{
	size_t plen = strlen(prefix);
	int n = 0;

	for (int t = 0; t < FILTER_MAX_TYPE; t++) {
		const char *name = audit_msg_type_to_name(t);

		if (name && strncmp(name, prefix, plen) == 0) {
			set_bit(f, t);
			n++;
		}
	}
	return n;
}

/* One entry, upper-cased, NUL-terminated. 0 or -1 with err. */
static int add_entry(struct filter *f, const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);
	long num;
	int t;

	if (len && name[len - 1] == '*') {
		char prefix[FILTER_NAME_MAX];

		memcpy(prefix, name, len - 1);
		prefix[len - 1] = '\0';
		if (strchr(prefix, '*') || add_prefix(f, prefix) == 0) {
			snprintf(err, errlen,
			         "'%s' matches no record type; a wildcard is a prefix of type "
			         "names followed by one '*', e.g. USER_*",
			         name);
			return -1;
		}
		return 0;
	}
	num = unknown_number(name);
	if (num >= 0) {
		if (num >= FILTER_MAX_TYPE) {
			snprintf(err, errlen,
			         "'%s' is out of range; use UNKNOWN[n] with n below %d", name,
			         FILTER_MAX_TYPE);
			return -1;
		}
		set_bit(f, (int)num);
		return 0;
	}
	t = audit_name_to_msg_type(name);
	if (t < 0 || t >= FILTER_MAX_TYPE) {
		snprintf(err, errlen,
		         "'%s' is not a record type libaudit knows; use names as ausearch -m "
		         "takes them (SYSCALL, USER_LOGIN), UNKNOWN[n], or a prefix wildcard "
		         "such as USER_*",
		         name);
		return -1;
	}
	set_bit(f, t);
	return 0;
}

/* Copy entry [p, p+n) trimmed and upper-cased into out. false when empty,
 * too long or holding a character no type name has. */
static bool take_entry(const char *p, size_t n, char *out, size_t outlen)
{
	while (n && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0 || n >= outlen)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (!isalnum(ch) && !strchr("_[]*", ch))
			return false;
		out[i] = (char)toupper(ch);
	}
	out[n] = '\0';
	return true;
}

static void bad_entry(const char *p, size_t n, char *err, size_t errlen)
{
	int shown = n > 40 ? 40 : (int)n;

	if (n == 0)
		snprintf(err, errlen,
		         "an entry is empty (two commas, or a comma at either end); "
		         "write TYPE,TYPE,...");
	else
		snprintf(err, errlen,
		         "'%.*s' is not a record type name; write TYPE,TYPE,... with names such "
		         "as SYSCALL, UNKNOWN[1329] or USER_*",
		         shown, p);
}

int filter_parse(struct filter *f, enum filter_mode mode, const char *v, size_t n, char *err,
                 size_t errlen)
{
	size_t pos = 0;

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	if (mode == FILTER_ALL)
		return 0;
	while (pos <= n) {
		const char *comma = memchr(v + pos, ',', n - pos);
		size_t end = comma ? (size_t)(comma - v) : n;
		char name[FILTER_NAME_MAX] = "";

		if (!take_entry(v + pos, end - pos, name, sizeof(name))) {
			bad_entry(v + pos, end - pos, err, errlen);
			memset(f, 0, sizeof(*f));
			return -1;
		}
		if (add_entry(f, name, err, errlen) != 0) {
			memset(f, 0, sizeof(*f));
			return -1;
		}
		pos = end + 1;
	}
	return 0;
}

bool filter_pass(const struct filter *f, int type)
{
	if (!f || f->mode == FILTER_ALL)
		return true;
	return f->mode == FILTER_SEND ? has_bit(f, type) : !has_bit(f, type);
}

size_t filter_count(const struct filter *f, auparse_state_t *au, filter_skip_fn skipped, void *arg)
{
	size_t n = 0;

	if (!f || f->mode == FILTER_ALL || auparse_first_record(au) <= 0)
		return 0;
	do {
		int t = auparse_get_type(au);

		if (t != AUDIT_EOE && !filter_pass(f, t)) {
			if (skipped)
				skipped(arg, t);
			n++;
		}
	} while (auparse_next_record(au) > 0);
	return n;
}

int filter_format(const struct filter *f, struct buf *out)
{
	char tmp[32];
	bool first = true;

	for (int t = 0; f->mode != FILTER_ALL && t < FILTER_MAX_TYPE; t++) {
		const char *name;

		if (!has_bit(f, t))
			continue;
		name = filter_type_name(t, tmp, sizeof(tmp));
		if ((!first && buf_append(out, ",", 1) != 0) ||
		    buf_append(out, name, strlen(name)) != 0)
			return -1;
		first = false;
	}
	/* NUL-terminate without counting the NUL, so later appends continue the text. */
	if (buf_append(out, "", 1) != 0)
		return -1;
	out->len--;
	return 0;
}
