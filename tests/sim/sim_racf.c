/* sim_racf.c: users and @LINUX profiles of the simulated RACF: file parsing, generic matching. */
#include "zr-autoconf.h"

#include "sim_racf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RACF_MAX_TOKENS 4

static void racf_free_users(struct racf *r)
{
	for (size_t i = 0; i < r->nusers; i++)
		free(r->users[i].password);
	free(r->users);
	r->users = NULL;
	r->nusers = 0;
}

static void racf_free_profiles(struct racf *r)
{
	for (size_t i = 0; i < r->nprofiles; i++)
		free(r->profiles[i].name);
	free(r->profiles);
	r->profiles = NULL;
	r->nprofiles = 0;
}

void racf_free(struct racf *r)
{
	racf_free_users(r);
	racf_free_profiles(r);
}

__attribute__((format(printf, 5, 6))) static int
racf_fail(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	/* clang-analyzer 14 false positive: ap was just started (plugin/config.c too) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (line)
		snprintf(err, errlen, "%s:%u: %s", name, line, what);
	else
		snprintf(err, errlen, "%s: %s", name, what);
	return -1;
}

/* Splits a line in place into whitespace-separated tokens; returns their count, or
 * RACF_MAX_TOKENS + 1 when there are too many. Blank and '#' lines give 0. */
static size_t racf_tokens(char *line, char **tok)
{
	size_t n = 0;
	char *save = NULL;
	char *s = line + strspn(line, " \t");
	if (*s == '#')
		return 0;
	for (char *t = strtok_r(s, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == RACF_MAX_TOKENS)
			return RACF_MAX_TOKENS + 1;
		tok[n++] = t;
	}
	return n;
}

/* RACF user ids: 1-8 characters, alphanumeric or national (@ # $), not starting with a digit. */
static bool racf_valid_userid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > RACF_USERID_MAX || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("@#$", s[i]))
			return false;
	return true;
}

static const struct racf_user *racf_find_in(const struct racf_user *u, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(u[i].id, id) == 0)
			return &u[i];
	return NULL;
}

const struct racf_user *racf_find_user(const struct racf *r, const char *id)
{
	return racf_find_in(r->users, r->nusers, id);
}

/* Checks one users-file line and appends it to (users, n). */
static int racf_add_user(struct racf *r, char **tok, size_t ntok, const char *name, unsigned line,
                         char *err, size_t errlen)
{
	if (ntok < 2 || ntok > 3)
		return racf_fail(err, errlen, name, line,
		                 "expected \"RACFUSER PASSWORD [remote-audit]\", got %zu fields",
		                 ntok);
	if (!racf_valid_userid(tok[0]))
		return racf_fail(err, errlen, name, line,
		                 "user id \"%.40s\" is not 1-8 characters A-Z 0-9 @ # $ "
		                 "starting with a non-digit",
		                 tok[0]);
	if (strlen(tok[1]) > RACF_PASSWORD_MAX)
		return racf_fail(err, errlen, name, line, "password longer than %d characters",
		                 RACF_PASSWORD_MAX);
	if (ntok == 3 && strcasecmp(tok[2], "remote-audit") != 0)
		return racf_fail(err, errlen, name, line,
		                 "third field \"%.40s\" is not \"remote-audit\"", tok[2]);
	for (char *c = tok[0]; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	if (racf_find_in(r->users, r->nusers, tok[0]))
		return racf_fail(err, errlen, name, line, "user %s defined twice", tok[0]);
	struct racf_user *nu = realloc(r->users, (r->nusers + 1) * sizeof *r->users);
	if (!nu)
		return racf_fail(err, errlen, name, line, "out of memory");
	r->users = nu;
	struct racf_user *u = &nu[r->nusers];
	memset(u, 0, sizeof *u);
	memcpy(u->id, tok[0], strlen(tok[0]));
	u->password = strdup(tok[1]);
	if (!u->password)
		return racf_fail(err, errlen, name, line, "out of memory");
	u->remote_audit = ntok == 3;
	r->nusers++;
	return 0;
}

/* One definition per line (users or profiles) into r. */
typedef int (*racf_line_fn)(struct racf *r, char **tok, size_t ntok, const char *name,
                            unsigned line, char *err, size_t errlen);

/* Read f line by line, tokenise, hand each non-empty line to add; stops at
 * the first problem. Both files share this so both report the same way. */
static int racf_read_lines(struct racf *r, FILE *f, const char *name, racf_line_fn add, char *err,
                           size_t errlen)
{
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;
	int rc = 0;

	while (rc == 0 && getline(&buf, &cap, f) >= 0) {
		char *tok[RACF_MAX_TOKENS];
		line++;
		size_t ntok = racf_tokens(buf, tok);
		if (ntok > 0)
			rc = add(r, tok, ntok, name, line, err, errlen);
	}
	free(buf);
	if (rc == 0 && ferror(f))
		rc = racf_fail(err, errlen, name, 0, "read error: %s", strerror(errno));
	return rc;
}

int racf_parse_users(struct racf *r, FILE *f, const char *name, char *err, size_t errlen)
{
	struct racf tmp = {0};
	int rc = racf_read_lines(&tmp, f, name, racf_add_user, err, errlen);
	if (rc == 0 && tmp.nusers == 0)
		rc = racf_fail(err, errlen, name, 0, "no users defined");
	if (rc != 0) {
		racf_free_users(&tmp);
		return -1;
	}
	racf_free_users(r);
	r->users = tmp.users;
	r->nusers = tmp.nusers;
	return 0;
}

/* ** is only meaningful as a whole qualifier; anything else is a typo worth reporting. */
static const char *racf_profile_problem(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > RACF_PROFILE_MAX)
		return "profile name must be 1-246 characters";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e)
			return "profile name has a character outside printable ASCII";
		if (c == '*' && s[i + 1] == '*') {
			if (s[i + 2] == '*')
				return "*** is not a RACF generic character";
			if ((i > 0 && s[i - 1] != '.') || (s[i + 2] != '\0' && s[i + 2] != '.'))
				return "** must be a whole qualifier (A.**.B, A.**, **)";
			i++;
		}
	}
	return NULL;
}

static int racf_parse_audit(const char *s, enum racf_audit *a)
{
	static const char *const names[] = {"none", "all", "success", "failures"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*a = (enum racf_audit)i;
			return 0;
		}
	return -1;
}

static int racf_add_profile(struct racf *r, char **tok, size_t ntok, const char *name,
                            unsigned line, char *err, size_t errlen)
{
	enum racf_audit audit;
	if (ntok < 2 || ntok > 3)
		return racf_fail(err, errlen, name, line,
		                 "expected \"PROFILE none|all|success|failures [warning]\", got "
		                 "%zu fields",
		                 ntok);
	const char *problem = racf_profile_problem(tok[0]);
	if (problem)
		return racf_fail(err, errlen, name, line, "%s: \"%.60s\"", problem, tok[0]);
	if (racf_parse_audit(tok[1], &audit) != 0)
		return racf_fail(err, errlen, name, line,
		                 "audit option \"%.40s\" is not none, all, success or failures",
		                 tok[1]);
	if (ntok == 3 && strcasecmp(tok[2], "warning") != 0)
		return racf_fail(err, errlen, name, line,
		                 "third field \"%.40s\" is not \"warning\"", tok[2]);
	for (size_t i = 0; i < r->nprofiles; i++)
		if (strcmp(r->profiles[i].name, tok[0]) == 0)
			return racf_fail(err, errlen, name, line, "profile %.60s defined twice",
			                 tok[0]);
	struct racf_profile *np = realloc(r->profiles, (r->nprofiles + 1) * sizeof *np);
	if (!np)
		return racf_fail(err, errlen, name, line, "out of memory");
	r->profiles = np;
	struct racf_profile *p = &np[r->nprofiles];
	p->name = strdup(tok[0]);
	if (!p->name)
		return racf_fail(err, errlen, name, line, "out of memory");
	p->audit = audit;
	p->warning = ntok == 3;
	p->generic = strpbrk(tok[0], "%*") != NULL;
	r->nprofiles++;
	return 0;
}

int racf_parse_profiles(struct racf *r, FILE *f, const char *name, char *err, size_t errlen)
{
	struct racf tmp = {0};
	int rc = racf_read_lines(&tmp, f, name, racf_add_profile, err, errlen);
	if (rc != 0) {
		racf_free_profiles(&tmp);
		return -1;
	}
	racf_free_profiles(r);
	r->profiles = tmp.profiles;
	r->nprofiles = tmp.nprofiles;
	return 0;
}

typedef int (*racf_parser)(struct racf *, FILE *, const char *, char *, size_t);

static int racf_load(struct racf *r, const char *path, racf_parser parse, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return racf_fail(err, errlen, path, 0, "cannot open: %s", strerror(errno));
	int rc = parse(r, f, path, err, errlen);
	fclose(f);
	return rc;
}

int racf_load_users(struct racf *r, const char *path, char *err, size_t errlen)
{
	return racf_load(r, path, racf_parse_users, err, errlen);
}

int racf_load_profiles(struct racf *r, const char *path, char *err, size_t errlen)
{
	return racf_load(r, path, racf_parse_profiles, err, errlen);
}

int racf_defaults_users(struct racf *r)
{
	char line[] = "ZOSAUDIT zossecret remote-audit";
	FILE *f = fmemopen(line, strlen(line), "r");
	char err[64];
	if (!f)
		return -1;
	int rc = racf_parse_users(r, f, "built-in users", err, sizeof err);
	fclose(f);
	return rc;
}

int racf_defaults_profiles(struct racf *r)
{
	char line[] = "* all";
	FILE *f = fmemopen(line, strlen(line), "r");
	char err[64];
	if (!f)
		return -1;
	int rc = racf_parse_profiles(r, f, "built-in profiles", err, sizeof err);
	fclose(f);
	return rc;
}

static bool racf_match(const char *p, const char *r, const char *end);

/* "**" as a qualifier: zero or more whole qualifiers. p points just after the "**". */
static bool racf_match_qualifiers(const char *p, const char *r, const char *end)
{
	if (*p == '\0')
		return true;
	p++; /* the '.' after ** */
	if (racf_match(p, r, end))
		return true;
	for (const char *q = r; q < end; q++)
		if (*q == '.' && racf_match(p, q + 1, end))
			return true;
	return false;
}

static bool racf_match(const char *p, const char *r, const char *end)
{
	for (; *p; p++) {
		if (p[0] == '*' && p[1] == '*')
			return racf_match_qualifiers(p + 2, r, end);
		if (*p == '*') {
			if (p[1] == '\0')
				return true; /* trailing *: the rest of the name, any qualifiers */
			for (const char *q = r;; q++) {
				if (racf_match(p + 1, q, end))
					return true;
				if (q == end || *q == '.')
					return false;
			}
		}
		if (*p == '.' && r == end && strcmp(p, ".**") == 0)
			return true; /* A.** covers A itself: zero qualifiers */
		if (r == end || (*p == '%' ? *r == '.' : *r != *p))
			return false;
		r++;
	}
	return r == end;
}

bool racf_profile_matches(const char *profile, const char *resource, size_t reslen)
{
	return racf_match(profile, resource, resource + reslen);
}

/* Rank of the generic token at *s (advancing s): literal 3, % 2, * 1, ** 0; -1 at the end. */
static int racf_token_rank(const char **s)
{
	const char *p = *s;
	if (*p == '\0')
		return -1;
	if (p[0] == '*' && p[1] == '*') {
		*s = p + 2;
		return 0;
	}
	*s = p + 1;
	return *p == '*' ? 1 : *p == '%' ? 2 : 3;
}

/* > 0 when a is more specific than b: at the first position where their generic tokens
 * differ in kind, the more literal one wins; a longer name wins a tie. */
static int racf_specificity_cmp(const char *a, const char *b)
{
	for (;;) {
		int ra = racf_token_rank(&a);
		int rb = racf_token_rank(&b);
		if (ra != rb)
			return ra - rb;
		if (ra < 0)
			return 0;
	}
}

const struct racf_profile *racf_best_profile(const struct racf *r, const char *resource,
                                             size_t reslen)
{
	const struct racf_profile *best = NULL;
	for (size_t i = 0; i < r->nprofiles; i++) {
		const struct racf_profile *p = &r->profiles[i];
		if (!p->generic) {
			if (strlen(p->name) == reslen && memcmp(p->name, resource, reslen) == 0)
				return p; /* a discrete profile always wins */
			continue;
		}
		if (!racf_profile_matches(p->name, resource, reslen))
			continue;
		if (!best || racf_specificity_cmp(p->name, best->name) > 0)
			best = p;
	}
	return best;
}

const char *racf_audit_name(enum racf_audit a)
{
	switch (a) {
	case RACF_AUDIT_NONE:
		return "NONE";
	case RACF_AUDIT_ALL:
		return "ALL(READ)";
	case RACF_AUDIT_SUCCESS:
		return "SUCCESS(READ)";
	case RACF_AUDIT_FAILURES:
		return "FAILURES(READ)";
	}
	return "?";
}

void racf_decide(const struct racf *r, const char *resource, size_t reslen, bool violation,
                 struct racf_decision *out)
{
	const struct racf_profile *p = racf_best_profile(r, resource, reslen);
	out->profile = p;
	if (!p) {
		out->major = 4;
		snprintf(out->reason, sizeof out->reason, "no profile covers resource %.*s",
		         (int)(reslen > 80 ? 80 : reslen), resource);
		return;
	}
	bool wanted = p->audit == RACF_AUDIT_ALL ||
	              (p->audit == RACF_AUDIT_SUCCESS && !violation) ||
	              (p->audit == RACF_AUDIT_FAILURES && violation);
	if (!wanted) {
		out->major = 3;
		snprintf(out->reason, sizeof out->reason, "profile %.60s has AUDIT(%s)%s", p->name,
		         racf_audit_name(p->audit),
		         p->audit == RACF_AUDIT_NONE ? ""
		         : violation                 ? " and the event is a violation"
		                                     : " and the event is not a violation");
		return;
	}
	out->major = p->warning ? 2 : 0;
	snprintf(out->reason, sizeof out->reason, "profile %.60s has AUDIT(%s)%s", p->name,
	         racf_audit_name(p->audit), p->warning ? " WARNING" : "");
}
