/* config.h - zos-remote.conf: parse, validate, defaults.
 *
 * Pure but for reading the file and its password_file. Syntax: `key = value` lines, keys
 * case-insensitive, `#` starts a comment line, blank lines ignored, values
 * trimmed. The original plugin's keys (server, port, user, password,
 * timeout, q_depth) keep their meaning. Unknown keys, duplicate keys,
 * out-of-range values and unsafe file permissions are errors; each error
 * message names the file, the line and the key, and says what is allowed.
 *
 * The file must be a regular file (a symlink is refused: it is opened with
 * O_NOFOLLOW and checked with fstat on the same descriptor), owned by root
 * (or by the effective user when the plugin does not run as root, as in
 * tests), with no permission bit outside 0640: 0600 and 0640 are the
 * intended modes, 0400 and 0440 pass as stricter; 0644, 0660 do not.
 *
 * The password never appears in a message ("value hidden"). Values are not
 * quoted and cannot start or end with a blank; a comment cannot follow a
 * value on its line (that is reported as trailing characters).
 *
 * Owner: main (loads it at start and on SIGHUP, then hands copies out). */
#ifndef ZR_CONFIG_H
#define ZR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "filter.h"
#include "mapper.h"

#define CONFIG_DEFAULT_PATH "/etc/audit/zos-remote.conf"
/* Where audit 2.x (audispd, RHEL 7) and the original plugin's documentation
 * kept it: used when CONFIG_DEFAULT_PATH does not exist and this does. */
#define CONFIG_AUDISP_PATH "/etc/audisp/zos-remote.conf"

enum config_format {
	CONFIG_FORMAT_STRING, /* one record per line (auditd format = string) */
	CONFIG_FORMAT_BINARY, /* audit_dispatcher_header frames */
};

/* How the LDAP connection is protected. Secure by default: starttls. */
enum config_tls {
	CONFIG_TLS_STARTTLS, /* ldap:// then the StartTLS extended operation (port 389) */
	CONFIG_TLS_LDAPS,    /* ldaps://: TLS from the first byte (port 636) */
	CONFIG_TLS_NONE,     /* plain ldap://: the explicit, logged choice to go without */
};

enum config_tls_version {
	CONFIG_TLS_1_2, /* `tls_min_version = 1.2` (default) */
	CONFIG_TLS_1_3,
};

enum config_bind {
	CONFIG_BIND_SIMPLE,        /* racfid=USER,cn=ictx and a password */
	CONFIG_BIND_SASL_EXTERNAL, /* the TLS client certificate, mapped to a RACF user */
};

#define CONFIG_PATH_MAX 1024

/* `server` is a list: the primary first, then up to CONFIG_SERVERS_MAX - 1
 * alternates, in the order they are tried. */
#define CONFIG_SERVERS_MAX 8
#define CONFIG_HOST_MAX    255

struct config_server {
	char host[CONFIG_HOST_MAX + 1]; /* name or address; an IPv6 address without brackets */
	unsigned port;                  /* 0 = the `port` key (then the LDAP default) */
};

/* `failback`: when the plugin goes back to the primary from an alternate. */
enum config_failback {
	CONFIG_FAILBACK_INTERVAL,  /* default: try the primary every failback_interval s */
	CONFIG_FAILBACK_RECONNECT, /* every new connection starts at the primary */
	CONFIG_FAILBACK_NEVER,     /* stay where it works */
};

/* `spool_sync`: when spooled events are forced to disk. */
enum config_spool_sync {
	CONFIG_SPOOL_SYNC_NONE,
	CONFIG_SPOOL_SYNC_BATCH, /* default: per read() from auditd, or per tick */
	CONFIG_SPOOL_SYNC_RECORD,
};

/* `spool_full_action`. */
enum config_spool_full {
	CONFIG_SPOOL_KEEP_OLDEST, /* default: new events are dropped and counted */
	CONFIG_SPOOL_KEEP_NEWEST, /* the oldest unsent events make room */
	CONFIG_SPOOL_SUSPEND,     /* stop reading auditd until there is room */
};

struct config {
	/* The original's keys. `server` holds the primary's host (what the
	 * original's single `server` meant); servers[] the whole list, each
	 * entry `host[:port]`, IPv6 in brackets when a port follows, entries
	 * separated by blanks or commas, at most CONFIG_SERVERS_MAX, no two
	 * the same. nservers is 0 only in a config not made by the parser:
	 * then server and port are the one server. */
	char server[256]; /* the primary's host; required */
	unsigned port;    /* 0 = the default: 389, or 636 with tls = ldaps; 0-65535 */
	struct config_server servers[CONFIG_SERVERS_MAX];
	unsigned nservers;
	enum config_failback failback; /* default interval */
	unsigned failback_interval;    /* seconds, 1-86400, default 300 */
	char user[9];                  /* RACF user id, 1-8 chars; required */
	char password[129]; /* bind = simple: this or password_file; wiped by config_wipe() */
	unsigned timeout;   /* seconds, 1-3600, default 15: connect, bind, each op */
	unsigned q_depth;   /* events held in memory, 16-1000000, default 8192 */

	/* Input. */
	enum config_format format; /* `format = string|binary`, default string */

	/* Mapping (mapping.md; see struct map_opts). */
	char class_name[9];             /* `class`, default @LINUX */
	enum map_event_code event_code; /* `event_code = authorization|by_type` */
	enum map_violation violation;   /* `violation = never|failures` */
	enum map_link link_value;       /* `link_value = serial_time|serial` */
	bool link_node;                 /* `link_node = yes|no`, default yes (mapper.h) */
	unsigned max_field_length;      /* 64-16384, default 1024 */
	unsigned max_item_bytes;        /* 1024-30000, default 30000 */

	/* Delivery. */
	unsigned window;        /* extended operations in flight, 1-256, default 16 */
	unsigned batch_items;   /* items per request, 1-10000, default 128 */
	unsigned batch_bytes;   /* request size target, 4096-4194304, default 262144 */
	unsigned linger_ms;     /* wait this long to fill a batch, 0-1000, default 5 */
	unsigned drain_timeout; /* seconds to deliver after EOF (stop.h), 0-600, default 0 */
	unsigned log_interval;  /* seconds between repeats of a rate-limited message, 1-86400,
	                           default 60 */

	/* Waits that follow the input rate (pace.h): the longest linger,
	 * 0-1000 ms, default 250 (0 = always linger_ms); how long a trickle
	 * may gather between reads, 0-100 ms, default 20 (0 = read at once). */
	unsigned linger_max_ms;
	unsigned read_coalesce_ms;

	/* Security. Paths are absolute. password_file is read by config_load
	 * and config_parse into password (checked like the config file, but
	 * mode 0600 or 0400). Rules checked after parsing: password and
	 * password_file exclude each other; bind = simple needs one of them;
	 * bind = sasl_external needs tls_cert_file and tls_key_file, TLS, and
	 * neither password key; tls_cert_file and tls_key_file go together. */
	enum config_tls tls;                     /* default starttls */
	char tls_ca_file[CONFIG_PATH_MAX];       /* PEM CA bundle; "" = system store */
	char tls_ca_dir[CONFIG_PATH_MAX];        /* hashed CA directory; "" = none */
	bool tls_verify;                         /* `yes|no`, default yes (cert + host name) */
	enum config_tls_version tls_min_version; /* default 1.2 */
	char tls_ciphers[256];                   /* OpenSSL cipher list; "" = library default */
	char tls_cert_file[CONFIG_PATH_MAX];     /* client certificate (PEM) */
	char tls_key_file[CONFIG_PATH_MAX];      /* its private key (PEM) */
	enum config_bind bind;                   /* default simple */
	char password_file[CONFIG_PATH_MAX];     /* file holding the password alone */

	/* Operation: activity report, state file, record filter, TCP keepalive.
	 * report_interval: minutes between activity reports, 0-1440, 0 = off
	 * (default). state_file: written on SIGUSR1; "" (default) means
	 * /run/audit/zos-remote.state, or zos-remote-NAME.state for NAME.conf.
	 * filter: `send_types` or `skip_types` (they exclude each other);
	 * default: every record is sent. keepalive_idle (0-86400, default
	 * 120), keepalive_interval (0-3600, default 30), keepalive_probes
	 * (0-100, default 4): idle seconds before the first probe, seconds
	 * between probes, probes unanswered before the connection is dropped;
	 * 0 = the system's setting. */
	unsigned report_interval;
	char state_file[CONFIG_PATH_MAX];
	unsigned node_silence;              /* seconds, 0-604800, default 300, 0 = off (nodes.h) */
	char metrics_file[CONFIG_PATH_MAX]; /* Prometheus text file; "" (default) = none */
	unsigned metrics_interval;          /* seconds between writes, 1-3600, default 15 */
	struct filter filter;
	unsigned keepalive_idle;
	unsigned keepalive_interval;
	unsigned keepalive_probes;
	/* KiB of one LDAP message from the server, 64-1048576, default 4096
	 * (session_opts.max_incoming). */
	unsigned max_response_size;
	/* `confine = yes|no`, default yes: NoNewPrivs and Landlock after
	 * start-up (confine.h). */
	bool confine;

	/* Durability (spool.h; zos-remote.conf(5), DURABILITY). spool_dir ""
	 * (default) = /var/spool/audit/zos-remote/NAME for NAME.conf;
	 * spool_max_size MiB, 1-1048576, default 1024; spool_sync default
	 * batch; spool_full_action default keep_oldest; retry_limit: sends of
	 * an item answered RACROUTE/INTERNAL_ERR/not at all before it is set
	 * aside, 1-100, default 3; set_aside_file "" (default) =
	 * SPOOL_DIR/set-aside. */
	char spool_dir[CONFIG_PATH_MAX];
	unsigned spool_max_size;
	enum config_spool_sync spool_sync;
	/* Group commit under batch (commit.h): sync at most this long after
	 * the first unsynced input, 0-10000 ms, default 100, or once this much
	 * input was read, 1-1073741824 bytes, default 1048576. */
	unsigned spool_sync_interval_ms;
	unsigned spool_sync_bytes;
	enum config_spool_full spool_full_action;
	unsigned retry_limit;
	char set_aside_file[CONFIG_PATH_MAX];

	/* Self-audit (selfaudit.h): the plugin's own ZRA_ items, default yes. */
	bool self_audit;
};

/* Called once per problem found; msg is a complete sentence. */
typedef void (*config_err_fn)(void *arg, const char *msg);

void config_defaults(struct config *c);

/* The configuration file to read when none is named on the command line,
 * below root ("" for the running system, a directory in tests): root +
 * CONFIG_DEFAULT_PATH, or, when that does not exist and root +
 * CONFIG_AUDISP_PATH does (the audispd layout), the latter. Writes the path
 * to out. Returns 1 when it chose the audispd file, 0 when the default one,
 * -1 when the path does not fit in len bytes. */
int config_default_path(const char *root, char *out, size_t len);

/* Whether path is one of the two default files: the instance they
 * configure is the unnamed one (log ident, state file). */
bool config_path_is_default(const char *path);

/* Parse path into c (which is first set to defaults). Returns the number
 * of problems found and reported through err (0 = c is usable). When the
 * result is not 0, c is wiped. */
int config_load(const char *path, struct config *c, config_err_fn err, void *arg);

/* Parse a config held in memory; name is used in messages. Same result as
 * config_load but without the file-permission checks. */
int config_parse(const char *name, const char *text, size_t len, struct config *c,
                 config_err_fn err, void *arg);

/* Settings that work but weaken security (tls = none with a password,
 * tls_verify = no). fn gets each warning's message id and a sentence;
 * main logs them at every start and reload. Returns the number of warnings. */
typedef void (*config_warn_fn)(void *arg, const char *id, const char *msg);
int config_warnings(const struct config *c, config_warn_fn fn, void *arg);

/* Every key of the table, in its order, with the value in effect as text
 * ("" when unset). The password is given as "(set)" or "(not set)", never
 * its value; password_file as its path (never its contents). */
typedef void (*config_each_fn)(void *arg, const char *key, const char *value);
void config_each(const struct config *c, config_each_fn fn, void *arg);

/* The keys whose values differ between a and b, comma-separated into out
 * (cut at a key boundary when len is short), for the ZRA_RELOAD item and
 * its message. A changed password is named, never shown. Returns how
 * many keys differ. */
size_t config_changed_keys(const struct config *a, const struct config *b, char *out, size_t len);

/* The number of servers (at least 1), and server i's host and port (its
 * own, else `port`; 0 = the LDAP default) for i < config_server_count. */
unsigned config_server_count(const struct config *c);
void config_server_at(const struct config *c, unsigned i, const char **host, unsigned *port);

/* Fill mapper options from c (hostname left NULL for the caller).
 * o->class_name points into c: keep c alive while o is used. */
void config_map_opts(const struct config *c, struct map_opts *o);

/* Overwrite the secret parts of c (the password, also when it came from
 * password_file) in a way the compiler cannot optimise away. */
void config_wipe(struct config *c);

#endif
