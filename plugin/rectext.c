/* rectext.c - what a record's text says where libauparse cannot say it. */
#include "rectext.h"

#include <string.h>

#define GS '\x1d' /* AUDIT_INTERP_SEPARATOR: interpretations follow */

void rectext_begin(struct rectext_iter *it, const char *text)
{
	const char *gs = strchr(text, GS);

	it->p = text;
	it->end = gs ? gs : text + strlen(text);
}

static bool is(const char *p, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

/* auparse's trim of a value's end, in its order. */
static size_t trim(const char *v, size_t n)
{
	if (n && v[n - 1] == ':')
		n--;
	if (n && v[n - 1] == ',')
		n--;
	if (n && v[n - 1] == '\'')
		n--;
	if (n && v[n - 1] == ')' && !is(v, n, "(none)") && !is(v, n, "(null)"))
		n--;
	return n;
}

/* The token [s, e) as a field; false when auparse would not keep it. */
static bool as_field(const char *s, const char *e, struct rectext_field *f)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));

	if (!eq)
		return false;
	if (eq - s == 3 && memcmp(s, "msg", 3) == 0 && eq + 1 < e) {
		if (eq[1] == 'a')
			return false; /* the msg=audit(...): head */
		if (eq[1] == '\'') {
			s = eq + 2; /* msg='op=... ': the fields inside */
			eq = memchr(s, '=', (size_t)(e - s));
			if (!eq)
				return false;
		}
	}
	if (*s == '(')
		s++;
	if (eq + 1 >= e || s > eq)
		return false;
	f->name = s;
	f->nlen = (size_t)(eq - s);
	f->val = eq + 1;
	f->vlen = trim(eq + 1, (size_t)(e - eq - 1));
	return true;
}

bool rectext_next(struct rectext_iter *it, struct rectext_field *f)
{
	while (it->p < it->end) {
		while (it->p < it->end && *it->p == ' ')
			it->p++;
		const char *s = it->p;
		const char *e = memchr(s, ' ', (size_t)(it->end - s));
		if (!e)
			e = it->end;
		it->p = e;
		if (e > s && as_field(s, e, f))
			return true;
	}
	return false;
}

const char *rectext_type(const char *text, size_t *len)
{
	struct rectext_iter it;
	struct rectext_field f;

	*len = 0;
	rectext_begin(&it, text);
	for (int i = 0; i < 2 && rectext_next(&it, &f); i++) {
		if (is(f.name, f.nlen, "type")) {
			*len = f.vlen;
			return f.vlen ? f.val : NULL;
		}
		if (!is(f.name, f.nlen, "node"))
			break;
	}
	return NULL;
}

bool rectext_skip_past(struct rectext_iter *it, const char *name, size_t count)
{
	struct rectext_iter walk = *it;
	struct rectext_field f;
	const char *after = NULL;
	size_t seen = 0;

	while (seen < count && rectext_next(&walk, &f)) {
		if (is(f.name, f.nlen, name)) {
			after = walk.p;
			seen++;
		}
	}
	if (!after)
		return false;
	it->p = after;
	return true;
}
