/* config.c - zos-remote.conf: read it safely, parse and validate every key, fill defaults. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define CONFIG_MAX_FILE  (1024L * 1024) /* a config larger than this is a mistake */
#define CONFIG_MSG_MAX   512
#define CONFIG_SHOW_MAX  40 /* value bytes quoted in a message */
#define CONFIG_SAFE_MODE 0640u

enum key_kind {
	KIND_SERVER,
	KIND_USER,
	KIND_PASSWORD,
	KIND_CLASS,
	KIND_UINT,
	KIND_ENUM,
	KIND_PATH,       /* an absolute file name */
	KIND_TEXT,       /* printable, no blanks (a cipher list) */
	KIND_YESNO,      /* bool */
	KIND_SEND_TYPES, /* record types (filter.h), into struct filter */
	KIND_SKIP_TYPES,
};

struct enum_name {
	const char *name;
	int value;
};

struct key_def {
	const char *name;
	size_t off;       /* of the field in struct config */
	size_t size;      /* of that field (string keys: the buffer) */
	const char *what; /* unit or meaning, for messages */
	const struct enum_name *names;
	enum key_kind kind;
	unsigned min, max;
	bool required;
};

static const struct enum_name format_names[] = {
        {"string", CONFIG_FORMAT_STRING},
        {"binary", CONFIG_FORMAT_BINARY},
        {NULL, 0},
};
static const struct enum_name event_code_names[] = {
        {"authorization", MAP_EVENT_AUTHORIZATION},
        {"by_type", MAP_EVENT_BY_TYPE},
        {NULL, 0},
};
static const struct enum_name violation_names[] = {
        {"never", MAP_VIOLATION_NEVER},
        {"failures", MAP_VIOLATION_FAILURES},
        {NULL, 0},
};
static const struct enum_name link_names[] = {
        {"serial_time", MAP_LINK_SERIAL_TIME},
        {"serial", MAP_LINK_SERIAL},
        {NULL, 0},
};

static const struct enum_name tls_names[] = {
        {"starttls", CONFIG_TLS_STARTTLS},
        {"ldaps", CONFIG_TLS_LDAPS},
        {"none", CONFIG_TLS_NONE},
        {NULL, 0},
};
static const struct enum_name tls_version_names[] = {
        {"1.2", CONFIG_TLS_1_2},
        {"1.3", CONFIG_TLS_1_3},
        {NULL, 0},
};
static const struct enum_name bind_names[] = {
        {"simple", CONFIG_BIND_SIMPLE},
        {"sasl_external", CONFIG_BIND_SASL_EXTERNAL},
        {NULL, 0},
};

static const struct enum_name failback_names[] = {
        {"interval", CONFIG_FAILBACK_INTERVAL},
        {"reconnect", CONFIG_FAILBACK_RECONNECT},
        {"never", CONFIG_FAILBACK_NEVER},
        {NULL, 0},
};
_Static_assert(sizeof(enum config_failback) == sizeof(int), "enum size");

static const struct enum_name spool_sync_names[] = {
        {"none", CONFIG_SPOOL_SYNC_NONE},
        {"batch", CONFIG_SPOOL_SYNC_BATCH},
        {"record", CONFIG_SPOOL_SYNC_RECORD},
        {NULL, 0},
};
static const struct enum_name spool_full_names[] = {
        {"keep_oldest", CONFIG_SPOOL_KEEP_OLDEST},
        {"keep_newest", CONFIG_SPOOL_KEEP_NEWEST},
        {"suspend", CONFIG_SPOOL_SUSPEND},
        {NULL, 0},
};
_Static_assert(sizeof(enum config_spool_sync) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_spool_full) == sizeof(int), "enum size");

/* parse_enum stores through an int pointer */
_Static_assert(sizeof(enum config_format) == sizeof(int), "enum size");
_Static_assert(sizeof(enum map_event_code) == sizeof(int), "enum size");
_Static_assert(sizeof(enum map_violation) == sizeof(int), "enum size");
_Static_assert(sizeof(enum map_link) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_tls) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_tls_version) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_bind) == sizeof(int), "enum size");

#define FIELD(f) .off = offsetof(struct config, f), .size = sizeof(((struct config *)0)->f)

/* clang-format off */
static const struct key_def keys[] = {
	{.name = "server", FIELD(server), .kind = KIND_SERVER, .required = true,
	 .what = "the z/OS LDAP server's host name or address, then any alternates"},
	{.name = "port", FIELD(port), .kind = KIND_UINT, .min = 0, .max = 65535,
	 .what = "0 = the LDAP default, 389"},
	{.name = "user", FIELD(user), .kind = KIND_USER, .required = true,
	 .what = "the RACF user id the plugin binds as"},
	{.name = "password", FIELD(password), .kind = KIND_PASSWORD,
	 .what = "that user's RACF password"},
	{.name = "timeout", FIELD(timeout), .kind = KIND_UINT, .min = 1, .max = 3600, .what = "seconds"},
	{.name = "q_depth", FIELD(q_depth), .kind = KIND_UINT, .min = 16, .max = 1000000, .what = "events"},
	{.name = "format", FIELD(format), .kind = KIND_ENUM, .names = format_names},
	{.name = "class", FIELD(class_name), .kind = KIND_CLASS, .what = "a RACF class name"},
	{.name = "event_code", FIELD(event_code), .kind = KIND_ENUM, .names = event_code_names},
	{.name = "violation", FIELD(violation), .kind = KIND_ENUM, .names = violation_names},
	{.name = "link_value", FIELD(link_value), .kind = KIND_ENUM, .names = link_names},
	{.name = "link_node", FIELD(link_node), .kind = KIND_YESNO},
	{.name = "max_field_length", FIELD(max_field_length), .kind = KIND_UINT, .min = 64, .max = 16384, .what = "bytes"},
	{.name = "max_item_bytes", FIELD(max_item_bytes), .kind = KIND_UINT, .min = 1024, .max = 30000, .what = "bytes"},
	{.name = "window", FIELD(window), .kind = KIND_UINT, .min = 1, .max = 256, .what = "requests in flight"},
	{.name = "batch_items", FIELD(batch_items), .kind = KIND_UINT, .min = 1, .max = 10000, .what = "items"},
	{.name = "batch_bytes", FIELD(batch_bytes), .kind = KIND_UINT, .min = 4096, .max = 4194304, .what = "bytes"},
	{.name = "linger_ms", FIELD(linger_ms), .kind = KIND_UINT, .min = 0, .max = 1000, .what = "milliseconds"},
	{.name = "read_coalesce_ms", FIELD(read_coalesce_ms), .kind = KIND_UINT, .min = 0, .max = 100, .what = "milliseconds, 0 = read at once"},
	{.name = "linger_max_ms", FIELD(linger_max_ms), .kind = KIND_UINT, .min = 0, .max = 1000, .what = "milliseconds, 0 = linger_ms always"},
	{.name = "drain_timeout", FIELD(drain_timeout), .kind = KIND_UINT, .min = 0, .max = 600, .what = "seconds"},
	{.name = "log_interval", FIELD(log_interval), .kind = KIND_UINT, .min = 1, .max = 86400, .what = "seconds"},
	{.name = "tls", FIELD(tls), .kind = KIND_ENUM, .names = tls_names},
	{.name = "tls_ca_file", FIELD(tls_ca_file), .kind = KIND_PATH, .what = "a PEM file of CA certificates"},
	{.name = "tls_ca_dir", FIELD(tls_ca_dir), .kind = KIND_PATH, .what = "a directory of hashed CA certificates"},
	{.name = "tls_verify", FIELD(tls_verify), .kind = KIND_YESNO},
	{.name = "tls_min_version", FIELD(tls_min_version), .kind = KIND_ENUM, .names = tls_version_names},
	{.name = "tls_ciphers", FIELD(tls_ciphers), .kind = KIND_TEXT, .what = "an OpenSSL cipher list"},
	{.name = "tls_cert_file", FIELD(tls_cert_file), .kind = KIND_PATH, .what = "the client certificate (PEM)"},
	{.name = "tls_key_file", FIELD(tls_key_file), .kind = KIND_PATH, .what = "the client certificate's private key (PEM)"},
	{.name = "bind", FIELD(bind), .kind = KIND_ENUM, .names = bind_names},
	{.name = "password_file", FIELD(password_file), .kind = KIND_PATH, .what = "a file holding the password"},
	{.name = "report_interval", FIELD(report_interval), .kind = KIND_UINT, .min = 0, .max = 1440, .what = "minutes, 0 = no activity report"},
	{.name = "state_file", FIELD(state_file), .kind = KIND_PATH, .what = "the file written on SIGUSR1"},
	{.name = "node_silence", FIELD(node_silence), .kind = KIND_UINT, .min = 0, .max = 604800, .what = "seconds, 0 = never"},
	{.name = "metrics_file", FIELD(metrics_file), .kind = KIND_PATH, .what = "the Prometheus text file (node_exporter's textfile directory)"},
	{.name = "metrics_interval", FIELD(metrics_interval), .kind = KIND_UINT, .min = 1, .max = 3600, .what = "seconds"},
	{.name = "spool_dir", FIELD(spool_dir), .kind = KIND_PATH, .what = "the instance's spool directory"},
	{.name = "spool_max_size", FIELD(spool_max_size), .kind = KIND_UINT, .min = 1, .max = 1048576, .what = "MiB"},
	{.name = "spool_sync", FIELD(spool_sync), .kind = KIND_ENUM, .names = spool_sync_names},
	{.name = "spool_sync_interval_ms", FIELD(spool_sync_interval_ms), .kind = KIND_UINT, .min = 0, .max = 10000, .what = "milliseconds, 0 = at every read"},
	{.name = "spool_sync_bytes", FIELD(spool_sync_bytes), .kind = KIND_UINT, .min = 1, .max = 1073741824, .what = "bytes of input"},
	{.name = "spool_full_action", FIELD(spool_full_action), .kind = KIND_ENUM, .names = spool_full_names},
	{.name = "retry_limit", FIELD(retry_limit), .kind = KIND_UINT, .min = 1, .max = 100, .what = "sends of one item"},
	{.name = "set_aside_file", FIELD(set_aside_file), .kind = KIND_PATH, .what = "the file of items the server refused"},
	{.name = "send_types", FIELD(filter), .kind = KIND_SEND_TYPES, .what = "record types to send"},
	{.name = "skip_types", FIELD(filter), .kind = KIND_SKIP_TYPES, .what = "record types not to send"},
	{.name = "confine", FIELD(confine), .kind = KIND_YESNO},
	{.name = "max_response_size", FIELD(max_response_size), .kind = KIND_UINT, .min = 64, .max = 1048576, .what = "KiB"},
	{.name = "keepalive_idle", FIELD(keepalive_idle), .kind = KIND_UINT, .min = 0, .max = 86400, .what = "seconds, 0 = the system's setting"},
	{.name = "keepalive_interval", FIELD(keepalive_interval), .kind = KIND_UINT, .min = 0, .max = 3600, .what = "seconds, 0 = the system's setting"},
	{.name = "keepalive_probes", FIELD(keepalive_probes), .kind = KIND_UINT, .min = 0, .max = 100, .what = "probes, 0 = the system's setting"},
	{.name = "failback", FIELD(failback), .kind = KIND_ENUM, .names = failback_names},
	{.name = "failback_interval", FIELD(failback_interval), .kind = KIND_UINT, .min = 1, .max = 86400, .what = "seconds"},
	{.name = "self_audit", FIELD(self_audit), .kind = KIND_YESNO},
};
/* clang-format on */
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Where messages go, and how many there were. */
struct report {
	const char *name;
	config_err_fn err;
	void *arg;
	int count;
};

static void problem(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct report *r, const char *fmt, ...)
{
	char msg[CONFIG_MSG_MAX], safe[CONFIG_MSG_MAX];
	size_t o = 0;
	va_list ap;

	r->count++;
	if (!r->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages go to syslog and a terminal: a byte of the file that a
	 * helper quoted as is (a control character, an escape sequence) is
	 * written \xHH here, whoever built the message. */
	for (const char *p = msg; *p && o + 5 < sizeof(safe); p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch >= 0x20 && ch < 0x7f)
			safe[o++] = (char)ch;
		else
			o += (size_t)snprintf(safe + o, sizeof(safe) - o, "\\x%02X", ch);
	}
	safe[o] = '\0';
	r->err(r->arg, safe);
}

int config_default_path(const char *root, char *out, size_t len)
{
	struct stat st;
	int n = snprintf(out, len, "%s%s", root, CONFIG_AUDISP_PATH);

	if (n < 0 || (size_t)n >= len)
		return -1;
	if (stat(out, &st) == 0) {
		char audit[4096];

		n = snprintf(audit, sizeof(audit), "%s%s", root, CONFIG_DEFAULT_PATH);
		if (n < 0 || (size_t)n >= sizeof(audit))
			return -1;
		/* Only a file that is not there moves us; one we cannot look
		 * at (EACCES, ...) is still the one config_load reports on. */
		if (lstat(audit, &st) != 0 && errno == ENOENT)
			return 1;
	}
	n = snprintf(out, len, "%s%s", root, CONFIG_DEFAULT_PATH);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

bool config_path_is_default(const char *path)
{
	return strcmp(path, CONFIG_DEFAULT_PATH) == 0 || strcmp(path, CONFIG_AUDISP_PATH) == 0;
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 0;
	c->timeout = 15;
	c->q_depth = 8192;
	c->format = CONFIG_FORMAT_STRING;
	snprintf(c->class_name, sizeof(c->class_name), "@LINUX");
	c->event_code = MAP_EVENT_AUTHORIZATION;
	c->violation = MAP_VIOLATION_NEVER;
	c->link_value = MAP_LINK_SERIAL_TIME;
	c->link_node = true;
	c->node_silence = 300;
	c->metrics_interval = 15;
	c->max_field_length = 1024;
	c->max_item_bytes = 30000;
	c->window = 16;
	c->batch_items = 128;
	c->batch_bytes = 262144;
	c->linger_ms = 5;
	c->linger_max_ms = 250;
	c->read_coalesce_ms = 50;
	c->drain_timeout = 0;
	c->log_interval = 60;
	c->spool_max_size = 1024;
	c->max_response_size = 4096;
	c->confine = true;
	c->spool_sync = CONFIG_SPOOL_SYNC_BATCH;
	c->spool_sync_interval_ms = 100;
	c->spool_sync_bytes = 1048576;
	c->spool_full_action = CONFIG_SPOOL_KEEP_OLDEST;
	c->retry_limit = 3;
	c->tls = CONFIG_TLS_STARTTLS;
	c->tls_verify = true;
	c->tls_min_version = CONFIG_TLS_1_2;
	c->bind = CONFIG_BIND_SIMPLE;
	c->keepalive_idle = 120;
	c->keepalive_interval = 30;
	c->keepalive_probes = 4;
	c->failback = CONFIG_FAILBACK_INTERVAL;
	c->failback_interval = 300;
	c->self_audit = true;
}

/* Quote at most CONFIG_SHOW_MAX bytes of p, escaping what is not printable,
 * so that a message never carries control characters from the file. */
static const char *show(char *out, size_t size, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (i == CONFIG_SHOW_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02X", ch);
	}
	out[o] = '\0';
	return out;
}

static bool is_class_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '@' || ch == '#' ||
	       ch == '$';
}

static bool is_host_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       strchr(".-_:[]%", ch) != NULL;
}

/* "ldap://host": a URI where a host name belongs. */
static bool has_scheme(const char *p, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++)
		if (p[i] == ':' && p[i + 1] == '/' && p[i + 2] == '/')
			return true;
	return false;
}

/* A line of the file: where it is, and its key and value. */
struct line {
	unsigned no;
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
};

static void set_string(struct config *c, const struct key_def *k, const struct line *l)
{
	char *dst = (char *)c + k->off;

	memcpy(dst, l->val, l->vlen);
	dst[l->vlen] = '\0';
}

static bool check_length(struct report *r, const struct key_def *k, const struct line *l,
                         const char *shown)
{
	size_t max = k->size - 1;

	if (l->vlen >= 1 && l->vlen <= max)
		return true;
	problem(r, "%s:%u: key '%s': value '%s' is %s; use 1-%zu characters (%s)", r->name, l->no,
	        k->name, shown, l->vlen ? "too long" : "empty", max, k->what);
	return false;
}

/* One entry of the server list, [p, p + n): host, host:port, an IPv6
 * address alone, or [IPv6]:port. Stored in *e; false after a problem. */
static bool parse_server_entry(struct report *r, const struct line *l, const char *p, size_t n,
                               struct config_server *e)
{
	char shown[CONFIG_MSG_MAX / 2], bad[16];
	const char *host = p, *port = NULL, *colon = memchr(p, ':', n);
	size_t hlen = n, plen = 0;

	show(shown, sizeof(shown), p, n);
	if (p[0] == '[') {
		const char *rb = memchr(p, ']', n);

		if (!rb || (rb + 1 < p + n && rb[1] != ':')) {
			problem(r,
			        "%s:%u: key 'server': entry '%s' is not [IPv6-address] or "
			        "[IPv6-address]:port",
			        r->name, l->no, shown);
			return false;
		}
		host = p + 1;
		hlen = (size_t)(rb - host);
		if (rb + 1 < p + n) {
			port = rb + 2;
			plen = (size_t)(p + n - port);
		}
	} else if (colon && !memchr(colon + 1, ':', (size_t)(p + n - colon - 1))) {
		/* One colon: host:port. Two or more: an IPv6 address alone. */
		hlen = (size_t)(colon - p);
		port = colon + 1;
		plen = (size_t)(p + n - port);
	}
	if (hlen == 0 || hlen > CONFIG_HOST_MAX) {
		problem(r, "%s:%u: key 'server': entry '%s' %s; use 1-%d characters per host",
		        r->name, l->no, shown, hlen ? "is too long" : "has no host",
		        CONFIG_HOST_MAX);
		return false;
	}
	for (size_t i = 0; i < hlen; i++)
		if (!is_host_char(host[i]) || host[i] == '[' || host[i] == ']') {
			problem(r,
			        "%s:%u: key 'server': value '%s' has the character '%s'; use a "
			        "host name or an IPv4/IPv6 address, optionally :port",
			        r->name, l->no, shown, show(bad, sizeof(bad), host + i, 1));
			return false;
		}
	memcpy(e->host, host, hlen);
	e->host[hlen] = '\0';
	e->port = 0;
	if (!port)
		return true;
	bool digits = plen >= 1 && plen <= 5;

	for (size_t i = 0; digits && i < plen; i++) {
		digits = port[i] >= '0' && port[i] <= '9';
		e->port = e->port * 10 + (unsigned)(port[i] - '0');
	}
	if (!digits || e->port == 0 || e->port > 65535) {
		problem(r, "%s:%u: key 'server': entry '%s' has a bad port; use host:1-65535",
		        r->name, l->no, shown);
		return false;
	}
	return true;
}

/* server = primary [alternate...]: entries separated by blanks or commas. */
static void parse_server(struct report *r, struct config *c, const struct key_def *k,
                         const struct line *l)
{
	char shown[CONFIG_MSG_MAX / 2];
	struct config_server v[CONFIG_SERVERS_MAX];
	unsigned n = 0;
	size_t i = 0;

	show(shown, sizeof(shown), l->val, l->vlen);
	if (l->vlen == 0) {
		problem(r, "%s:%u: key 'server': value '' is empty; use 1-%d characters", r->name,
		        l->no, CONFIG_HOST_MAX);
		return;
	}
	if (has_scheme(l->val, l->vlen)) {
		problem(r,
		        "%s:%u: key 'server': value '%s' is a URI; use a bare host name or "
		        "address (set the port with 'port' or host:port)",
		        r->name, l->no, shown);
		return;
	}
	while (i < l->vlen) {
		size_t len = 0;

		while (i + len < l->vlen && !strchr(" \t,", l->val[i + len]))
			len++;
		if (len == 0) {
			problem(r,
			        "%s:%u: key 'server': value '%s' has an empty entry; separate "
			        "servers with blanks or one comma",
			        r->name, l->no, shown);
			return;
		}
		if (n == CONFIG_SERVERS_MAX) {
			problem(r,
			        "%s:%u: key 'server': more than %d servers; list the primary and "
			        "at "
			        "most %d alternates",
			        r->name, l->no, CONFIG_SERVERS_MAX, CONFIG_SERVERS_MAX - 1);
			return;
		}
		if (!parse_server_entry(r, l, l->val + i, len, &v[n++]))
			return;
		i += len;
		while (i < l->vlen && (l->val[i] == ' ' || l->val[i] == '\t'))
			i++;
		if (i < l->vlen && l->val[i] == ',') {
			i++;
			while (i < l->vlen && (l->val[i] == ' ' || l->val[i] == '\t'))
				i++;
			if (i == l->vlen)
				i--; /* a trailing comma: an empty entry */
		}
	}
	memcpy(c->servers, v, n * sizeof(v[0]));
	c->nservers = n;
	snprintf(c->server, k->size, "%s", v[0].host);
}

/* The port server i is reached on: its own, else `port`, else the default. */
static unsigned effective_port(const struct config *c, unsigned i)
{
	if (c->servers[i].port)
		return c->servers[i].port;
	if (c->port)
		return c->port;
	return c->tls == CONFIG_TLS_LDAPS ? 636 : 389;
}

/* After every key is read (the defaults depend on port and tls): a server
 * listed twice would only be tried twice in a row. */
static void check_servers(struct report *r, const struct config *c, unsigned line)
{
	for (unsigned i = 1; i < c->nservers; i++)
		for (unsigned j = 0; j < i; j++)
			if (strcasecmp(c->servers[i].host, c->servers[j].host) == 0 &&
			    effective_port(c, i) == effective_port(c, j)) {
				problem(r,
				        "%s:%u: key 'server': %s port %u is listed twice (entries "
				        "%u "
				        "and %u); list each server once",
				        r->name, line, c->servers[i].host, effective_port(c, i),
				        j + 1, i + 1);
				return;
			}
}

/* The user id goes into the bind DN racfid=<user>,cn=ictx: characters that
 * are special in a DN would change the DN, so they are refused. */
static void parse_user(struct report *r, struct config *c, const struct key_def *k,
                       const struct line *l)
{
	char shown[CONFIG_MSG_MAX / 2];

	show(shown, sizeof(shown), l->val, l->vlen);
	if (!check_length(r, k, l, shown))
		return;
	for (size_t i = 0; i < l->vlen; i++) {
		unsigned char ch = (unsigned char)l->val[i];

		if (ch <= 0x20 || ch >= 0x7f || strchr(",+\"\\<>;=#", ch)) {
			problem(r,
			        "%s:%u: key 'user': value '%s' is not a RACF user id; use 1-8 "
			        "characters without blanks or any of , + \" \\ < > ; = #",
			        r->name, l->no, shown);
			return;
		}
	}
	set_string(c, k, l);
}

/* Never quotes the value: the message may end up in syslog. */
static void parse_password(struct report *r, struct config *c, const struct key_def *k,
                           const struct line *l)
{
	if (l->vlen == 0 || l->vlen >= k->size) {
		problem(r, "%s:%u: key 'password': value hidden: it is %s; use 1-%zu characters",
		        r->name, l->no, l->vlen ? "too long" : "empty", k->size - 1);
		return;
	}
	for (size_t i = 0; i < l->vlen; i++)
		if ((unsigned char)l->val[i] < 0x20 || l->val[i] == 0x7f) {
			problem(r,
			        "%s:%u: key 'password': value hidden: it contains a control "
			        "character; use printable characters",
			        r->name, l->no);
			return;
		}
	set_string(c, k, l);
}

static void parse_class(struct report *r, struct config *c, const struct key_def *k,
                        const struct line *l)
{
	char shown[CONFIG_MSG_MAX / 2];
	bool ok = l->vlen >= 1 && l->vlen < k->size && !(l->val[0] >= '0' && l->val[0] <= '9');

	for (size_t i = 0; ok && i < l->vlen; i++)
		ok = is_class_char(l->val[i]);
	if (!ok) {
		problem(r,
		        "%s:%u: key 'class': value '%s' is not a RACF class name; use 1-8 "
		        "characters A-Z 0-9 @ # $, not starting with a digit (e.g. @LINUX)",
		        r->name, l->no, show(shown, sizeof(shown), l->val, l->vlen));
		return;
	}
	set_string(c, k, l);
}

static void parse_uint(struct report *r, struct config *c, const struct key_def *k,
                       const struct line *l)
{
	char shown[CONFIG_MSG_MAX / 2];
	uint64_t v = 0;
	size_t i;

	show(shown, sizeof(shown), l->val, l->vlen);
	for (i = 0; i < l->vlen && l->val[i] >= '0' && l->val[i] <= '9'; i++)
		if (v <= UINT32_MAX) /* saturate: anything above is out of range anyway */
			v = v * 10 + (uint64_t)(l->val[i] - '0');
	if (i == 0) {
		problem(r, "%s:%u: key '%s': value '%s' is not a number; use %u-%u (%s)", r->name,
		        l->no, k->name, shown, k->min, k->max, k->what);
		return;
	}
	if (i < l->vlen) {
		problem(r,
		        "%s:%u: key '%s': value '%s' has trailing characters after the number; "
		        "use %u-%u (%s); comments go on their own line",
		        r->name, l->no, k->name, shown, k->min, k->max, k->what);
		return;
	}
	if (v < k->min || v > k->max) {
		problem(r, "%s:%u: key '%s': value '%s' is out of range; use %u-%u (%s)", r->name,
		        l->no, k->name, shown, k->min, k->max, k->what);
		return;
	}
	*(unsigned *)((char *)c + k->off) = (unsigned)v;
}

static void parse_enum(struct report *r, struct config *c, const struct key_def *k,
                       const struct line *l)
{
	char shown[CONFIG_MSG_MAX / 2];
	char allowed[128] = "";

	for (const struct enum_name *e = k->names; e->name; e++) {
		if (strlen(e->name) == l->vlen && strncasecmp(e->name, l->val, l->vlen) == 0) {
			/* every enum field of struct config is a plain enum */
			*(int *)((char *)c + k->off) = e->value;
			return;
		}
		snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s",
		         e == k->names ? "" : " or ", e->name);
	}
	problem(r, "%s:%u: key '%s': value '%s' is not allowed; use %s", r->name, l->no, k->name,
	        show(shown, sizeof(shown), l->val, l->vlen), allowed);
}

static void parse_path(struct report *r, struct config *c, const struct key_def *k,
                       const struct line *l)
{
	char shown[CONFIG_MSG_MAX / 2];

	show(shown, sizeof(shown), l->val, l->vlen);
	if (!check_length(r, k, l, shown))
		return;
	if (l->val[0] != '/') {
		problem(r,
		        "%s:%u: key '%s': value '%s' is not an absolute path; start it with '/' "
		        "(%s)",
		        r->name, l->no, k->name, shown, k->what);
		return;
	}
	for (size_t i = 0; i < l->vlen; i++)
		if ((unsigned char)l->val[i] < 0x20 || l->val[i] == 0x7f) {
			problem(r, "%s:%u: key '%s': value '%s' contains a control character",
			        r->name, l->no, k->name, shown);
			return;
		}
	set_string(c, k, l);
}

static void parse_text_value(struct report *r, struct config *c, const struct key_def *k,
                             const struct line *l)
{
	char shown[CONFIG_MSG_MAX / 2];

	show(shown, sizeof(shown), l->val, l->vlen);
	if (!check_length(r, k, l, shown))
		return;
	for (size_t i = 0; i < l->vlen; i++)
		if ((unsigned char)l->val[i] <= 0x20 || (unsigned char)l->val[i] >= 0x7f) {
			problem(r,
			        "%s:%u: key '%s': value '%s' contains a blank or a control "
			        "character; use printable characters only (%s)",
			        r->name, l->no, k->name, shown, k->what);
			return;
		}
	set_string(c, k, l);
}

static void parse_yesno(struct report *r, struct config *c, const struct key_def *k,
                        const struct line *l)
{
	char shown[CONFIG_MSG_MAX / 2];
	bool *dst = (bool *)((char *)c + k->off);

	if (l->vlen == 3 && strncasecmp(l->val, "yes", 3) == 0)
		*dst = true;
	else if (l->vlen == 2 && strncasecmp(l->val, "no", 2) == 0)
		*dst = false;
	else
		problem(r, "%s:%u: key '%s': value '%s' is not allowed; use yes or no", r->name,
		        l->no, k->name, show(shown, sizeof(shown), l->val, l->vlen));
}

/* send_types / skip_types: the list is checked against libaudit's names. */
static void parse_types(struct report *r, struct config *c, const struct key_def *k,
                        const struct line *l)
{
	char err[CONFIG_MSG_MAX / 2];
	enum filter_mode mode = k->kind == KIND_SEND_TYPES ? FILTER_SEND : FILTER_SKIP;

	if (filter_parse(&c->filter, mode, l->val, l->vlen, err, sizeof(err)) != 0)
		problem(r, "%s:%u: key '%s': %s", r->name, l->no, k->name, err);
}

static void parse_value(struct report *r, struct config *c, const struct key_def *k,
                        const struct line *l)
{
	switch (k->kind) {
	case KIND_SERVER:
		parse_server(r, c, k, l);
		break;
	case KIND_USER:
		parse_user(r, c, k, l);
		break;
	case KIND_PASSWORD:
		parse_password(r, c, k, l);
		break;
	case KIND_CLASS:
		parse_class(r, c, k, l);
		break;
	case KIND_UINT:
		parse_uint(r, c, k, l);
		break;
	case KIND_ENUM:
		parse_enum(r, c, k, l);
		break;
	case KIND_PATH:
		parse_path(r, c, k, l);
		break;
	case KIND_TEXT:
		parse_text_value(r, c, k, l);
		break;
	case KIND_YESNO:
		parse_yesno(r, c, k, l);
		break;
	case KIND_SEND_TYPES:
	case KIND_SKIP_TYPES:
		parse_types(r, c, k, l);
		break;
	}
}

static const struct key_def *find_key(const char *p, size_t n)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == n && strncasecmp(keys[i].name, p, n) == 0)
			return &keys[i];
	return NULL;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void trim(const char **p, size_t *n)
{
	while (*n && is_blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_blank((*p)[*n - 1]))
		(*n)--;
}

/* One line: comment, blank, or key = value. seen[] holds the line each key
 * was first set on. */
static void parse_line(struct report *r, struct config *c, const char *p, size_t n, unsigned no,
                       unsigned seen[NKEYS])
{
	char shown[CONFIG_MSG_MAX / 2];
	const struct key_def *k;
	struct line l = {.no = no};
	const char *eq;

	trim(&p, &n);
	if (n == 0 || p[0] == '#')
		return;
	if (memchr(p, '\0', n)) {
		problem(r, "%s:%u: the line contains a NUL byte; the file must be plain text",
		        r->name, no);
		return;
	}
	eq = memchr(p, '=', n);
	if (!eq) {
		problem(r,
		        "%s:%u: no '=' on this line; write 'key = value', or start a comment "
		        "with '#'",
		        r->name, no);
		return;
	}
	l.key = p;
	l.klen = (size_t)(eq - p);
	l.val = eq + 1;
	l.vlen = n - l.klen - 1;
	trim(&l.key, &l.klen);
	trim(&l.val, &l.vlen);
	k = find_key(l.key, l.klen);
	if (!k) {
		/* the value is not quoted: the unknown key may be a misspelt "password" */
		problem(r, "%s:%u: key '%s' is unknown; see zos-remote.conf(5) for the keys",
		        r->name, no, show(shown, sizeof(shown), l.key, l.klen));
		return;
	}
	if (seen[k - keys]) {
		problem(r, "%s:%u: key '%s' is set again (first set on line %u); keep one of them",
		        r->name, no, k->name, seen[k - keys]);
		return;
	}
	seen[k - keys] = no;
	parse_value(r, c, k, &l);
}

static unsigned seen_line(const unsigned seen[NKEYS], const char *name)
{
	const struct key_def *k = find_key(name, strlen(name));

	return k ? seen[k - keys] : 0;
}

/* The rules between the security keys, stated in config.h. */
static void check_security(struct report *r, const struct config *c, const unsigned seen[NKEYS])
{
	unsigned pw = seen_line(seen, "password"), pwf = seen_line(seen, "password_file");
	unsigned cert = seen_line(seen, "tls_cert_file"), key = seen_line(seen, "tls_key_file");

	if (pw && pwf)
		problem(r,
		        "%s:%u: key 'password_file': 'password' is also set (line %u); keep one "
		        "of them (password_file keeps the password out of this file)",
		        r->name, pwf, pw);
	if (c->bind == CONFIG_BIND_SIMPLE && !pw && !pwf)
		problem(r,
		        "%s: key 'password' is missing; bind = simple needs the RACF user's "
		        "password, here or in password_file (or use bind = sasl_external with "
		        "tls_cert_file and tls_key_file)",
		        r->name);
	if (c->bind == CONFIG_BIND_SASL_EXTERNAL) {
		unsigned b = seen_line(seen, "bind");

		if (pw || pwf)
			problem(r,
			        "%s:%u: key '%s' is not used with bind = sasl_external (the client "
			        "certificate authenticates); remove it",
			        r->name, pw ? pw : pwf, pw ? "password" : "password_file");
		if (!cert || !key)
			problem(r,
			        "%s:%u: key 'bind': sasl_external needs tls_cert_file and "
			        "tls_key_file (the client certificate the server maps to a RACF "
			        "user)",
			        r->name, b);
		if (c->tls == CONFIG_TLS_NONE)
			problem(r,
			        "%s:%u: key 'tls': bind = sasl_external needs TLS; use tls = "
			        "starttls "
			        "or tls = ldaps",
			        r->name, seen_line(seen, "tls"));
	}
	if (!cert != !key)
		problem(r,
		        "%s:%u: key '%s' is set but '%s' is not; a client certificate needs both",
		        r->name, cert ? cert : key, cert ? "tls_cert_file" : "tls_key_file",
		        cert ? "tls_key_file" : "tls_cert_file");
}

/* The password file: root's (or ours), 0600 or 0400, the password alone on
 * its one line. The content is never quoted. */
static void read_password_file(struct report *r, struct config *c, unsigned line)
{
	char buf[sizeof(c->password) + 2];
	const char *path = c->password_file;
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		problem(r, "%s:%u: key 'password_file': cannot open %s: %s", r->name, line, path,
		        errno == ELOOP ? "it is a symbolic link; name the file itself"
		                       : strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		problem(r, "%s:%u: key 'password_file': %s is not a regular file", r->name, line,
		        path);
		close(fd);
		return;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid())
		problem(r,
		        "%s:%u: key 'password_file': %s is owned by uid %u; it must be owned by "
		        "root (chown root %s)",
		        r->name, line, path, (unsigned)st.st_uid, path);
	if (st.st_mode & 07177)
		problem(r,
		        "%s:%u: key 'password_file': %s has mode %04o; a password file must be "
		        "0600 or 0400 (chmod 0600 %s)",
		        r->name, line, path, (unsigned)st.st_mode & 07777, path);
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	len = n > 0 ? (size_t)n : 0;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	if (n < 0)
		problem(r, "%s:%u: key 'password_file': cannot read %s: %s", r->name, line, path,
		        strerror(errno));
	else if (len == 0 || len >= sizeof(c->password))
		problem(r,
		        "%s:%u: key 'password_file': %s is %s; it must hold the password (1-%zu "
		        "characters) on one line",
		        r->name, line, path, len ? "too long" : "empty", sizeof(c->password) - 1);
	else if (memchr(buf, '\n', len) || memchr(buf, '\0', len))
		problem(r,
		        "%s:%u: key 'password_file': %s has more than one line; it must hold the "
		        "password alone",
		        r->name, line, path);
	else {
		bool ok = true;

		for (size_t i = 0; i < len; i++)
			ok = ok && (unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f;
		if (ok) {
			memcpy(c->password, buf, len);
			c->password[len] = '\0';
		} else
			problem(r,
			        "%s:%u: key 'password_file': %s contains a control character; "
			        "use printable characters",
			        r->name, line, path);
	}
	explicit_bzero(buf, sizeof(buf));
}

static void parse_text(struct report *r, const char *text, size_t len, struct config *c)
{
	unsigned seen[NKEYS] = {0};
	unsigned no = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		parse_line(r, c, text + pos, end - pos, ++no, seen);
		pos = end + 1;
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].required && !seen[i])
			problem(r, "%s: key '%s' is missing; it is required (%s)", r->name,
			        keys[i].name, keys[i].what);
	check_security(r, c, seen);
	check_servers(r, c, seen_line(seen, "server"));
	if (seen_line(seen, "send_types") && seen_line(seen, "skip_types"))
		problem(r,
		        "%s:%u: key 'skip_types': 'send_types' is also set (line %u); use one of "
		        "them (send_types lists what is sent, skip_types what is not)",
		        r->name, seen_line(seen, "skip_types"), seen_line(seen, "send_types"));
	if (c->password_file[0] && !c->password[0])
		read_password_file(r, c, seen_line(seen, "password_file"));
}

int config_parse(const char *name, const char *text, size_t len, struct config *c,
                 config_err_fn err, void *arg)
{
	struct report r = {.name = name, .err = err, .arg = arg};

	config_defaults(c);
	parse_text(&r, text, len, c);
	if (r.count)
		explicit_bzero(c, sizeof(*c));
	return r.count;
}

/* The file holds a password: it must be root's (or ours) and closed to others. */
static void check_file(struct report *r, const struct stat *st)
{
	unsigned mode = (unsigned)st->st_mode & 07777;

	if (st->st_uid != 0 && st->st_uid != geteuid())
		problem(r,
		        "%s: the file is owned by uid %u; it must be owned by root (chown root %s)",
		        r->name, (unsigned)st->st_uid, r->name);
	if (mode & ~CONFIG_SAFE_MODE)
		problem(r,
		        "%s: mode %04o is unsafe for a file that holds a password; use 0600 or "
		        "0640 (chmod 0600 %s)",
		        r->name, mode, r->name);
}

/* Read the whole file through one descriptor: open without following a
 * symlink, then fstat that descriptor, so nothing can be swapped between
 * the check and the read. Returns the text (caller wipes and frees) or NULL. */
static char *read_file(struct report *r, size_t *len)
{
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	int fd;

	fd = open(r->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			problem(r, "%s: the file is a symbolic link; name the file itself",
			        r->name);
		else
			problem(r, "%s: cannot open: %s", r->name, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		problem(r, "%s: not a regular file; the configuration must be a plain file",
		        r->name);
		close(fd);
		return NULL;
	}
	check_file(r, &st);
	if (st.st_size > CONFIG_MAX_FILE) {
		problem(r, "%s: the file is %lld bytes; a configuration is at most %ld bytes",
		        r->name, (long long)st.st_size, CONFIG_MAX_FILE);
		close(fd);
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	while (text && got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!text || got < (size_t)st.st_size) {
		problem(r, "%s: cannot read: %s", r->name,
		        text ? strerror(errno) : "out of memory");
		if (text)
			explicit_bzero(text, (size_t)st.st_size);
		free(text);
		return NULL;
	}
	*len = got;
	return text;
}

int config_load(const char *path, struct config *c, config_err_fn err, void *arg)
{
	struct report r = {.name = path, .err = err, .arg = arg};
	size_t len = 0;
	char *text;

	config_defaults(c);
	text = read_file(&r, &len);
	if (text) {
		parse_text(&r, text, len, c);
		explicit_bzero(text, len);
		free(text);
	}
	if (r.count)
		explicit_bzero(c, sizeof(*c));
	return r.count;
}

int config_warnings(const struct config *c, config_warn_fn fn, void *arg)
{
	char msg[CONFIG_MSG_MAX];
	int n = 0;

	if (c->tls == CONFIG_TLS_NONE) {
		snprintf(msg, sizeof(msg),
		         "tls = none: the connection to %s is not encrypted and the RACF password "
		         "of %s travels in clear text; set tls = starttls or tls = ldaps (with "
		         "tls_ca_file) once the server has a TLS listener",
		         c->server, c->user);
		fn(arg, "ZRA0101W", msg);
		n++;
	}
	if (c->tls != CONFIG_TLS_NONE && !c->tls_verify) {
		snprintf(msg, sizeof(msg),
		         "tls_verify = no: the certificate and host name of %s are not checked, so "
		         "whoever sits between here and the server can read the %s; set tls_verify "
		         "= yes and tls_ca_file",
		         c->server, c->bind == CONFIG_BIND_SIMPLE ? "password" : "audit records");
		fn(arg, "ZRA0102W", msg);
		n++;
	}
	return n;
}

void config_map_opts(const struct config *c, struct map_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->class_name = c->class_name;
	o->hostname = NULL;
	o->event_code = c->event_code;
	o->violation = c->violation;
	o->link = c->link_value;
	o->link_node = c->link_node;
	o->max_field_length = c->max_field_length;
	o->max_item_bytes = c->max_item_bytes;
	o->filter = &c->filter;
}

unsigned config_server_count(const struct config *c)
{
	return c->nservers ? c->nservers : 1;
}

void config_server_at(const struct config *c, unsigned i, const char **host, unsigned *port)
{
	if (c->nservers == 0 || i >= c->nservers) {
		*host = c->server;
		*port = c->port;
		return;
	}
	*host = c->servers[i].host;
	*port = c->servers[i].port ? c->servers[i].port : c->port;
}

/* The server list as it could be written back: host, host:port, [v6]:port. */
static const char *servers_text(const struct config *c, struct buf *out)
{
	char one[CONFIG_HOST_MAX + 16];

	if (c->nservers == 0)
		return c->server;
	for (unsigned i = 0; i < c->nservers; i++) {
		const struct config_server *e = &c->servers[i];
		bool v6 = strchr(e->host, ':') != NULL;
		int n = e->port ? snprintf(one, sizeof(one), "%s%s%s%s:%u", i ? " " : "",
		                           v6 ? "[" : "", e->host, v6 ? "]" : "", e->port)
		                : snprintf(one, sizeof(one), "%s%s", i ? " " : "", e->host);

		if (n < 0 || buf_append(out, one, (size_t)n) != 0)
			return "?";
	}
	return buf_append(out, "", 1) == 0 ? (const char *)out->data : "?";
}

/* The value of key k in c as text, into out (types may need a long buffer). */
static const char *value_text(const struct config *c, const struct key_def *k, struct buf *out)
{
	const char *p = (const char *)c + k->off;
	char num[16];

	buf_reset(out);
	switch (k->kind) {
	case KIND_PASSWORD:
		return *p ? "(set)" : "(not set)";
	case KIND_UINT:
		snprintf(num, sizeof(num), "%u", *(const unsigned *)(const void *)p);
		return buf_append(out, num, strlen(num) + 1) == 0 ? (const char *)out->data : "?";
	case KIND_YESNO:
		return *(const bool *)(const void *)p ? "yes" : "no";
	case KIND_ENUM:
		for (const struct enum_name *e = k->names; e->name; e++)
			if (e->value == *(const int *)(const void *)p)
				return e->name;
		return "?";
	case KIND_SERVER:
		return servers_text(c, out);
	case KIND_SEND_TYPES:
	case KIND_SKIP_TYPES:
		if (c->filter.mode != (k->kind == KIND_SEND_TYPES ? FILTER_SEND : FILTER_SKIP))
			return "";
		return filter_format(&c->filter, out) == 0 ? (const char *)out->data : "?";
	default: /* the string kinds */
		return p;
	}
}

void config_each(const struct config *c, config_each_fn fn, void *arg)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < NKEYS; i++)
		fn(arg, keys[i].name, value_text(c, &keys[i], &b));
	buf_free(&b);
}

size_t config_changed_keys(const struct config *a, const struct config *b, char *out, size_t len)
{
	struct buf va, vb;
	size_t n = 0, o = 0, named_off = 0;

	buf_init(&va);
	buf_init(&vb);
	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < NKEYS; i++) {
		const char *x = value_text(a, &keys[i], &va);
		const char *y = value_text(b, &keys[i], &vb);
		bool differs = strcmp(x, y) != 0;

		/* value_text hides the password; compare the values themselves
		 * (the name goes out, never the value). */
		if (keys[i].kind == KIND_PASSWORD)
			differs = differs || strcmp(a->password, b->password) != 0;
		/* send_types and skip_types share one field: say it once. */
		if (!differs || (n > 0 && keys[i].off == named_off))
			continue;
		named_off = keys[i].off;
		n++;
		size_t need = strlen(keys[i].name) + (o ? 1 : 0);
		if (o + need < len) {
			snprintf(out + o, len - o, "%s%s", o ? "," : "", keys[i].name);
			o += need;
		}
	}
	buf_free(&va);
	buf_free(&vb);
	return n;
}

void config_wipe(struct config *c)
{
	explicit_bzero(c->password, sizeof(c->password));
}
