/* args.h - the command line of audispd-zos-remote: options, the config
 * path (with the audispd layout's fallback) and the syslog ident.
 *
 * Pure but for getopt's global state (optind is reset by args_parse) and
 * the one stat() config_default_path makes. Prints only the messages a
 * person at a terminal needs (to the stream given). Owner: main. */
#ifndef ZR_ARGS_H
#define ZR_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define ARGS_PROG "audispd-zos-remote"

struct options {
	bool to_stderr;
	bool check;
	bool version;
	bool help;
	int format; /* -1: from the config file */
	const char *config_path;
	const char *plugins_dir; /* auditd's, for configs sharing our spool */
	bool audisp_layout;      /* no CONFIG given, and CONFIG_AUDISP_PATH chosen */
	char default_path[CONFIG_PATH_MAX];
};

/* Parse argv into *o. root prefixes the default config paths looked at
 * when no CONFIG is given ("" on a live system; a directory in tests).
 * 0 to go on (o->help: the caller prints the usage to stdout and exits 0),
 * 1 on a usage error (said on err, with the usage). */
int args_parse(int argc, char **argv, const char *root, struct options *o, FILE *err);

/* The usage text. */
void args_usage(FILE *f);

/* Several instances (one per z/OS system) share syslog: a config other
 * than the default one names the instance, e.g. audispd-zos-remote/sysa. */
void args_ident(const char *config_path, char *out, size_t len);

#endif
