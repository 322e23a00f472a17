/* sim_racf.h: the simulated RACF database: users (bind identities) and @LINUX profiles (pure). */
#ifndef ZR_SIM_RACF_H
#define ZR_SIM_RACF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define RACF_USERID_MAX   8   /* RACF user ids are 1..8 characters */
#define RACF_PASSWORD_MAX 100 /* password phrases are at most 100 characters */
#define RACF_PROFILE_MAX  246 /* general-resource profile names (ictx-protocol.md §8.1) */

/* A profile's AUDIT option, as RACF's AUDIT(NONE|ALL|SUCCESS|FAILURES(READ)). */
enum racf_audit { RACF_AUDIT_NONE, RACF_AUDIT_ALL, RACF_AUDIT_SUCCESS, RACF_AUDIT_FAILURES };

struct racf_user {
	char id[RACF_USERID_MAX + 1]; /* upper case */
	char *password;
	bool remote_audit; /* READ on FACILITY IRR.LDAP.REMOTE.AUDIT */
};

struct racf_profile {
	char *name;
	enum racf_audit audit;
	bool warning;
	bool generic; /* contains %, * or ** */
};

/* Owns its users and profiles. Zero-initialise, then racf_defaults() or the loaders. */
struct racf {
	struct racf_user *users;
	size_t nusers;
	struct racf_profile *profiles;
	size_t nprofiles;
};

/* What the profiles say about one event. */
struct racf_decision {
	int major;                          /* 0, 2, 3 or 4 */
	const struct racf_profile *profile; /* covering profile, NULL for 4 */
	char reason[128];
};

/* Built-in defaults: user ZOSAUDIT/zossecret with remote-audit, and profile "* all". Returns
 * -1 only when out of memory. */
int racf_defaults_users(struct racf *r);
int racf_defaults_profiles(struct racf *r);

/* Parse "RACFUSER PASSWORD [remote-audit]" lines ('#' comments, blank lines ignored) from f,
 * replacing the users. `name` is used in messages. On error returns -1 and writes
 * "name:line: what is wrong" into err. */
int racf_parse_users(struct racf *r, FILE *f, const char *name, char *err, size_t errlen);
int racf_load_users(struct racf *r, const char *path, char *err, size_t errlen);

/* Parse "PROFILE none|all|success|failures [warning]" lines, same conventions. */
int racf_parse_profiles(struct racf *r, FILE *f, const char *name, char *err, size_t errlen);
int racf_load_profiles(struct racf *r, const char *path, char *err, size_t errlen);

void racf_free(struct racf *r);

/* Case-insensitive lookup by RACF id; NULL when unknown. */
const struct racf_user *racf_find_user(const struct racf *r, const char *id);

/* RACF generic matching of one profile name against a resource name (case-sensitive, @LINUX
 * is CASE(ASIS)): % one character, * characters within a qualifier (or anything when last),
 * ** any number of qualifiers. */
bool racf_profile_matches(const char *profile, const char *resource, size_t reslen);

/* The covering profile: the discrete profile equal to the resource, else the most specific
 * matching generic; NULL when none covers it. */
const struct racf_profile *racf_best_profile(const struct racf *r, const char *resource,
                                             size_t reslen);

/* The logging decision for an event on resource with the given violation flag. */
void racf_decide(const struct racf *r, const char *resource, size_t reslen, bool violation,
                 struct racf_decision *out);

const char *racf_audit_name(enum racf_audit a);

#endif
