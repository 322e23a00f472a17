/* args.c - the command line (contract in args.h). */
#include "args.h"

#include <getopt.h>
#include <string.h>

#include "spoollock.h"

void args_usage(FILE *f)
{
	fprintf(f,
	        "usage: %s [--stderr] [--format string|binary] [--check] [--plugins-dir DIR]\n"
	        "       [--version] [CONFIG]\n"
	        "  Reads audit records from auditd on stdin and sends them to z/OS RACF\n"
	        "  (ICTX remote audit over LDAP). CONFIG defaults to %s\n"
	        "  (or, when that does not exist, %s).\n"
	        "  --stderr   copy every log message to stderr\n"
	        "  --format   input format, overrides the config key `format`\n"
	        "  --check    check the configuration, print every problem, exit 0 or 1\n"
	        "  --plugins-dir  auditd's plugins.d, to find configs that share the spool\n"
	        "             (default " SPOOL_PLUGINS_DIR ")\n"
	        "  --version  print the version\n",
	        ARGS_PROG, CONFIG_DEFAULT_PATH, CONFIG_AUDISP_PATH);
}

/* --format's value; false when it is neither. */
static bool format_arg(const char *v, int *format)
{
	if (strcmp(v, "string") == 0)
		*format = CONFIG_FORMAT_STRING;
	else if (strcmp(v, "binary") == 0)
		*format = CONFIG_FORMAT_BINARY;
	else
		return false;
	return true;
}

int args_parse(int argc, char **argv, const char *root, struct options *o, FILE *err)
{
	static const struct option longopts[] = {
	        {"stderr", no_argument, NULL, 's'},
	        {"format", required_argument, NULL, 'f'},
	        {"check", no_argument, NULL, 'c'},
	        {"version", no_argument, NULL, 'V'},
	        {"help", no_argument, NULL, 'h'},
	        {"plugins-dir", required_argument, NULL, 'p'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){
	        .format = -1, .config_path = CONFIG_DEFAULT_PATH, .plugins_dir = SPOOL_PLUGINS_DIR};
	optind = 0; /* a fresh scan (GNU: 0 also resets getopt's own state) */
	opterr = 0; /* our messages, on err */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->to_stderr = true;
			break;
		case 'f':
			if (!format_arg(optarg, &o->format)) {
				fprintf(err, "%s: --format must be string or binary, not %s\n",
				        ARGS_PROG, optarg);
				return 1;
			}
			break;
		case 'c':
			o->check = true;
			break;
		case 'p':
			o->plugins_dir = optarg;
			break;
		case 'V':
			o->version = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			fprintf(err, "%s: unknown option or missing value: %s\n", ARGS_PROG,
			        argv[optind - 1]);
			args_usage(err);
			return 1;
		}
	}
	if (optind < argc) {
		o->config_path = argv[optind++];
	} else if (config_default_path(root, o->default_path, sizeof(o->default_path)) == 1) {
		o->config_path = o->default_path;
		o->audisp_layout = true;
	}
	if (optind < argc) {
		fprintf(err, "%s: one configuration file at most (extra: %s)\n", ARGS_PROG,
		        argv[optind]);
		return 1;
	}
	return 0;
}

void args_ident(const char *config_path, char *out, size_t len)
{
	const char *name;
	int n = spool_config_name(config_path, &name);

	if (config_path_is_default(config_path))
		snprintf(out, len, "%s", ARGS_PROG);
	else
		snprintf(out, len, "%s/%.*s", ARGS_PROG, n, name);
}
