/* check_config.c - zos-remote.conf parsing, validation, messages and file permission rules. */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/config.h" /* not the autoconf config.h in the build root */

#define MAX_MSGS 32

struct msgs {
	char m[MAX_MSGS][512];
	int n;
};

static void collect(void *arg, const char *msg)
{
	struct msgs *ms = arg;

	if (ms->n < MAX_MSGS)
		snprintf(ms->m[ms->n], sizeof(ms->m[0]), "%s", msg);
	ms->n++;
}

static bool has_msg(const struct msgs *ms, const char *needle)
{
	for (int i = 0; i < ms->n && i < MAX_MSGS; i++)
		if (strstr(ms->m[i], needle))
			return true;
	return false;
}

static void dump(const struct msgs *ms)
{
	for (int i = 0; i < ms->n && i < MAX_MSGS; i++)
		fprintf(stderr, "  msg: %s\n", ms->m[i]);
}

static int parse(const char *text, struct config *c, struct msgs *ms)
{
	memset(ms, 0, sizeof(*ms));
	return config_parse("t.conf", text, strlen(text), c, collect, ms);
}

#define REQ "server = zos.example.com\nuser = ZRUSER\npassword = pw\n"

/* The sample shipped with audit 3.0.9 (audisp/plugins/zos-remote). */
static const char orig_sample[] = "## This is the configuration for the audispd-zos-remote\n"
                                  "## audit dispatcher plugin - See zos-remote.conf(5) for more "
                                  "information\n"
                                  "\n"
                                  "server = zos_server.localdomain\n"
                                  "port = 389\n"
                                  "user = RACF_ID\n"
                                  "password = racf_password\n"
                                  "timeout = 15\n"
                                  "q_depth = 64\n";

START_TEST(original_sample_parses)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(parse(orig_sample, &c, &ms), 0);
	ck_assert_str_eq(c.server, "zos_server.localdomain");
	ck_assert_uint_eq(c.port, 389);
	ck_assert_str_eq(c.user, "RACF_ID");
	ck_assert_str_eq(c.password, "racf_password");
	ck_assert_uint_eq(c.timeout, 15);
	ck_assert_uint_eq(c.q_depth, 64);
	ck_assert_int_eq(ms.n, 0);
}
END_TEST

START_TEST(defaults_apply)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(parse(REQ, &c, &ms), 0);
	ck_assert_uint_eq(c.port, 0);
	ck_assert_uint_eq(c.timeout, 15);
	ck_assert_uint_eq(c.q_depth, 8192);
	ck_assert_int_eq(c.format, CONFIG_FORMAT_STRING);
	ck_assert_str_eq(c.class_name, "@LINUX");
	ck_assert_int_eq(c.event_code, MAP_EVENT_AUTHORIZATION);
	ck_assert_int_eq(c.violation, MAP_VIOLATION_NEVER);
	ck_assert_int_eq(c.link_value, MAP_LINK_SERIAL_TIME);
	ck_assert(c.link_node);
	ck_assert_uint_eq(c.max_field_length, 1024);
	ck_assert_uint_eq(c.max_item_bytes, 30000);
	ck_assert_uint_eq(c.drain_timeout, 0);
	ck_assert_uint_eq(c.log_interval, 60);
	ck_assert_uint_ge(c.window, 1);
	ck_assert_uint_ge(c.batch_items, 1);
	ck_assert_uint_ge(c.batch_bytes, 4096);
	ck_assert_uint_le(c.linger_ms, 1000);
}
END_TEST

START_TEST(keys_case_insensitive_comments_blanks)
{
	struct config c;
	struct msgs ms;
	const char *text = "# comment line\n"
	                   "   # indented comment = with equals\n"
	                   "\n"
	                   "\t \n"
	                   "SERVER=host1\n"
	                   "  User\t=  ABC  \r\n"
	                   "PassWord = two words\n"
	                   "TimeOut=30\n"
	                   "Q_DEPTH = 100\n"
	                   "FORMAT = Binary\n"
	                   "Class = SYS$1\n"
	                   "event_code = BY_TYPE\n"
	                   "violation = failures\n"
	                   "link_value = serial\n"
	                   "link_node = no\n"
	                   "max_field_length = 64\n"
	                   "max_item_bytes = 1024\n"
	                   "window = 256\n"
	                   "batch_items = 10000\n"
	                   "batch_bytes = 4194304\n"
	                   "linger_ms = 0\n"
	                   "drain_timeout = 600\n"
	                   "log_interval = 86400\n"
	                   "port = 065535"; /* no final newline, leading zero */

	ck_assert_int_eq(parse(text, &c, &ms), 0);
	ck_assert_str_eq(c.server, "host1");
	ck_assert_str_eq(c.user, "ABC");
	ck_assert_str_eq(c.password, "two words");
	ck_assert_uint_eq(c.timeout, 30);
	ck_assert_uint_eq(c.q_depth, 100);
	ck_assert_int_eq(c.format, CONFIG_FORMAT_BINARY);
	ck_assert_str_eq(c.class_name, "SYS$1");
	ck_assert_int_eq(c.event_code, MAP_EVENT_BY_TYPE);
	ck_assert_int_eq(c.violation, MAP_VIOLATION_FAILURES);
	ck_assert_int_eq(c.link_value, MAP_LINK_SERIAL);
	ck_assert(!c.link_node);
	ck_assert_uint_eq(c.max_field_length, 64);
	ck_assert_uint_eq(c.max_item_bytes, 1024);
	ck_assert_uint_eq(c.window, 256);
	ck_assert_uint_eq(c.batch_items, 10000);
	ck_assert_uint_eq(c.batch_bytes, 4194304);
	ck_assert_uint_eq(c.linger_ms, 0);
	ck_assert_uint_eq(c.drain_timeout, 600);
	ck_assert_uint_eq(c.log_interval, 86400);
	ck_assert_uint_eq(c.port, 65535);
}
END_TEST

/* One bad line after the required keys (lines 1-3): the problem count and a
 * substring the message must hold (file, line, key, what is allowed). */
struct bad_case {
	const char *line;
	const char *want;
};

static const struct bad_case bad_cases[] = {
        {"timeout = 0", "t.conf:4: key 'timeout': value '0' is out of range; use 1-3600 (seconds)"},
        {"timeout = 3601", "t.conf:4: key 'timeout': value '3601' is out of range; use 1-3600"},
        {"port = 65536", "t.conf:4: key 'port': value '65536' is out of range; use 0-65535"},
        {"port = 99999999999999999999999", "t.conf:4: key 'port': value '99999999999999999999999' "
                                           "is out of range"},
        {"q_depth = 4294967297", "t.conf:4: key 'q_depth': value '4294967297' is out of range; use "
                                 "16-1000000"},
        {"q_depth = 15", "key 'q_depth': value '15' is out of range; use 16-1000000"},
        {"timeout = 15 # seconds", "t.conf:4: key 'timeout': value '15 # seconds' has trailing "
                                   "characters"},
        {"timeout = 15s", "key 'timeout': value '15s' has trailing characters"},
        {"timeout = -1", "t.conf:4: key 'timeout': value '-1' is not a number; use 1-3600"},
        {"timeout = +5", "key 'timeout': value '+5' is not a number"},
        {"timeout = 0x10", "key 'timeout': value '0x10' has trailing characters"},
        {"timeout =", "t.conf:4: key 'timeout': value '' is not a number"},
        {"max_field_length = 63",
         "key 'max_field_length': value '63' is out of range; use 64-16384"},
        {"max_item_bytes = 30001", "use 1024-30000"},
        {"window = 0", "key 'window': value '0' is out of range; use 1-256"},
        {"batch_items = 10001", "use 1-10000"},
        {"batch_bytes = 4095", "use 4096-4194304"},
        {"linger_ms = 1001", "use 0-1000"},
        {"drain_timeout = 601", "use 0-600"},
        {"log_interval = 0", "key 'log_interval': value '0' is out of range; use 1-86400"},
        {"sevrer = x", "t.conf:4: key 'sevrer' is unknown"},
        {"q depth = 5", "key 'q depth' is unknown"},
        {"= 5", "t.conf:4: key '' is unknown"},
        {"timeout 15", "t.conf:4: no '=' on this line"},
        {"server = other", "t.conf:4: key 'server' is set again (first set on line 1)"},
        {"SERVER = other", "t.conf:4: key 'server' is set again (first set on line 1)"},
        {"class = linux", "t.conf:4: key 'class': value 'linux' is not a RACF class name; use 1-8 "
                          "characters A-Z 0-9 @ # $, not starting with a digit"},
        {"class = 9LINUX", "key 'class': value '9LINUX' is not a RACF class name"},
        {"class = @LINUXHOST", "key 'class': value '@LINUXHOST' is not a RACF class name"},
        {"class = LI-NUX", "key 'class': value 'LI-NUX' is not a RACF class name"},
        {"class =", "key 'class': value '' is not a RACF class name"},
        {"format = json",
         "t.conf:4: key 'format': value 'json' is not allowed; use string or binary"},
        {"event_code = 3",
         "key 'event_code': value '3' is not allowed; use authorization or by_type"},
        {"violation = always", "use never or failures"},
        {"link_value = time", "use serial_time or serial"},
        {"timeout = 1\x01", "key 'timeout': value '1\\x01' has trailing characters"},
};

START_TEST(each_error_named)
{
	const struct bad_case *bc = &bad_cases[_i];
	char text[512];
	struct config c;
	struct msgs ms;
	int n;

	snprintf(text, sizeof(text), REQ "%s\n", bc->line);
	n = parse(text, &c, &ms);
	if (n != 1 || !has_msg(&ms, bc->want)) {
		fprintf(stderr, "case '%s' want '%s'\n", bc->line, bc->want);
		dump(&ms);
	}
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ms.n, 1);
	ck_assert(has_msg(&ms, bc->want));
	/* a refused config is wiped */
	ck_assert_str_eq(c.password, "");
	ck_assert_str_eq(c.server, "");
}
END_TEST

/* Bad values of the string keys, on their own line 1 (other keys follow). */
static const struct bad_case bad_strings[] = {
        {"server =", "t.conf:1: key 'server': value '' is empty; use 1-255 characters"},
        {"server = ldap://zos.example.com", "t.conf:1: key 'server': value "
                                            "'ldap://zos.example.com' is a URI"},
        /* a blank separates servers now (see server_list): ';' is still refused */
        {"server = zos;example",
         "t.conf:1: key 'server': value 'zos;example' has the character ';'"},
        {"server = zos/x", "has the character '/'"},
        {"user =", "t.conf:1: key 'user': value '' is empty; use 1-8 characters"},
        {"user = ABCDEFGHI", "t.conf:1: key 'user': value 'ABCDEFGHI' is too long; use 1-8 "
                             "characters"},
        {"user = A,CN=X", "t.conf:1: key 'user': value 'A,CN=X' is not a RACF user id"},
        {"user = A B", "key 'user': value 'A B' is not a RACF user id"},
        {"password =", "t.conf:1: key 'password': value hidden: it is empty"},
};

START_TEST(string_errors_named)
{
	const struct bad_case *bc = &bad_strings[_i];
	char text[512];
	struct config c;
	struct msgs ms;
	const char *key_end = strchr(bc->line, ' ');
	char key[16] = "";

	/* the required keys, except the one under test */
	snprintf(key, sizeof(key), "%.*s", (int)(key_end ? key_end - bc->line : 0), bc->line);
	snprintf(text, sizeof(text), "%s\n%s%s%s", bc->line,
	         strcmp(key, "server") ? "server = h\n" : "",
	         strcmp(key, "user") ? "user = U\n" : "",
	         strcmp(key, "password") ? "password = p\n" : "");
	ck_assert_int_eq(parse(text, &c, &ms), 1);
	if (!has_msg(&ms, bc->want))
		dump(&ms);
	ck_assert(has_msg(&ms, bc->want));
}
END_TEST

/* server = a list: the primary, then alternates, host[:port], IPv6 in
 * brackets when a port follows; `port` is the default of the others. */
START_TEST(server_list_parsed)
{
	struct config c;
	struct msgs ms;
	const char *host;
	unsigned port;

	ck_assert_int_eq(parse("server = zos1.example.com zos2.example.com:1389,  [fd00::2]:636 ,"
	                       "::1\nport = 1000\nuser = U\npassword = p\n",
	                       &c, &ms),
	                 0);
	ck_assert_uint_eq(c.nservers, 4);
	ck_assert_uint_eq(config_server_count(&c), 4);
	ck_assert_str_eq(c.server, "zos1.example.com"); /* the primary, as the original's key */
	ck_assert_str_eq(c.servers[1].host, "zos2.example.com");
	ck_assert_uint_eq(c.servers[1].port, 1389);
	ck_assert_str_eq(c.servers[2].host, "fd00::2");
	ck_assert_uint_eq(c.servers[2].port, 636);
	ck_assert_str_eq(c.servers[3].host, "::1"); /* several colons: an address, no port */
	ck_assert_uint_eq(c.servers[3].port, 0);
	config_server_at(&c, 0, &host, &port);
	ck_assert_str_eq(host, "zos1.example.com");
	ck_assert_uint_eq(port, 1000); /* `port` fills in */
	config_server_at(&c, 1, &host, &port);
	ck_assert_uint_eq(port, 1389);
	ck_assert_int_eq(c.failback, CONFIG_FAILBACK_INTERVAL); /* the defaults */
	ck_assert_uint_eq(c.failback_interval, 300);
}
END_TEST

static void find_value(void *arg, const char *key, const char *value)
{
	char *out = arg;

	if (strcmp(key, "server") == 0)
		snprintf(out, 256, "%s", value);
}

/* The state file shows the list as it could be written back. */
START_TEST(server_list_shown)
{
	struct config c;
	struct msgs ms;
	char shown[256] = "";

	ck_assert_int_eq(parse("server = a.example, [fd00::2]:636,b:1389\n"
	                       "user = U\npassword = p\nfailback = never\n",
	                       &c, &ms),
	                 0);
	config_each(&c, find_value, shown);
	ck_assert_str_eq(shown, "a.example [fd00::2]:636 b:1389");
	ck_assert_int_eq(c.failback, CONFIG_FAILBACK_NEVER);
	ck_assert_int_eq(parse(REQ, &c, &ms), 0); /* one server: as before */
	ck_assert_uint_eq(c.nservers, 1);
	config_each(&c, find_value, shown);
	ck_assert_str_eq(shown, "zos.example.com");
}
END_TEST

/* ZRA_RELOAD names the keys that changed: values compared as shown, the
 * password by value but named only, send_types/skip_types once. */
START_TEST(changed_keys_named)
{
	struct config a, b;
	struct msgs ms;
	char keys[256];

	ck_assert_int_eq(parse(REQ, &a, &ms), 0);
	ck_assert_int_eq(parse(REQ, &b, &ms), 0);
	ck_assert_uint_eq(config_changed_keys(&a, &b, keys, sizeof(keys)), 0);
	ck_assert_str_eq(keys, "");
	ck_assert_int_eq(parse("server = zos.example.com\nuser = ZRUSER\npassword = other\n"
	                       "timeout = 30\nskip_types = EOE\nself_audit = no\n",
	                       &b, &ms),
	                 0);
	ck_assert(!b.self_audit);
	ck_assert(a.self_audit);
	ck_assert_uint_eq(config_changed_keys(&a, &b, keys, sizeof(keys)), 4);
	ck_assert_str_eq(keys, "password,timeout,skip_types,self_audit");
	ck_assert_ptr_null(strstr(keys, "other"));
	/* A short buffer ends at a key boundary. */
	ck_assert_uint_eq(config_changed_keys(&a, &b, keys, 18), 4);
	ck_assert_str_eq(keys, "password,timeout");
}
END_TEST

static const struct bad_case bad_lists[] = {
        {"server = a,,b", "t.conf:1: key 'server': value 'a,,b' has an empty entry"},
        {"server = a,", "value 'a,' has an empty entry"},
        {"server = a:0", "entry 'a:0' has a bad port; use host:1-65535"},
        {"server = a b:65536", "entry 'b:65536' has a bad port"},
        {"server = a:12x", "entry 'a:12x' has a bad port"},
        {"server = a:", "entry 'a:' has a bad port"},
        {"server = :389", "entry ':389' has no host"},
        {"server = [::1", "entry '[::1' is not [IPv6-address]"},
        {"server = [::1]x", "entry '[::1]x' is not [IPv6-address]"},
        {"server = a b A", "key 'server': A port 389 is listed twice (entries 1 and 3)"},
        {"server = a a:389", "a port 389 is listed twice (entries 1 and 2)"},
        {"server = h1 h2 h3 h4 h5 h6 h7 h8 h9", "more than 8 servers"},
        {"server = a b/c", "value 'b/c' has the character '/'"},
        {"failback = sometimes", "key 'failback': value 'sometimes'"},
        {"failback_interval = 0", "key 'failback_interval': value '0' is out of range"},
};

START_TEST(server_list_errors_named)
{
	const struct bad_case *bc = &bad_lists[_i];
	char text[512];
	struct config c;
	struct msgs ms;
	bool server = strncmp(bc->line, "server", 6) == 0;

	snprintf(text, sizeof(text), "%s\n%suser = U\npassword = p\n", bc->line,
	         server ? "" : "server = h\n");
	ck_assert_int_eq(parse(text, &c, &ms), 1);
	if (!has_msg(&ms, bc->want))
		dump(&ms);
	ck_assert(has_msg(&ms, bc->want));
}
END_TEST

START_TEST(long_values_refused)
{
	char text[2048];
	char big[400];
	struct config c;
	struct msgs ms;

	memset(big, 'a', 300);
	big[300] = '\0';
	snprintf(text, sizeof(text), "server = %s\nuser = U\npassword = %s\n", big, big);
	ck_assert_int_eq(parse(text, &c, &ms), 2);
	ck_assert(has_msg(&ms, "t.conf:1: key 'server'"));
	ck_assert(has_msg(&ms, "is too long; use 1-255 characters"));
	ck_assert(
	        has_msg(&ms, "t.conf:3: key 'password': value hidden: it is too long; use 1-128"));
	/* 255 and 128 characters are fine */
	big[255] = '\0';
	snprintf(text, sizeof(text), "server = %s\nuser = ABCDEFGH\npassword = %.128s\n", big, big);
	ck_assert_int_eq(parse(text, &c, &ms), 0);
	ck_assert_uint_eq(strlen(c.server), 255);
	ck_assert_uint_eq(strlen(c.password), 128);
	ck_assert_str_eq(c.user, "ABCDEFGH");
}
END_TEST

START_TEST(missing_required_keys)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(parse("# nothing\nport = 389\n", &c, &ms), 3);
	ck_assert(has_msg(&ms, "t.conf: key 'server' is missing; it is required"));
	ck_assert(has_msg(&ms, "t.conf: key 'user' is missing"));
	ck_assert(has_msg(&ms, "t.conf: key 'password' is missing"));
	ck_assert_int_eq(parse("server = h\nuser = U\n", &c, &ms), 1);
	ck_assert(has_msg(&ms, "key 'password' is missing"));
	/* an empty file */
	ck_assert_int_eq(config_parse("t.conf", "", 0, &c, collect, &ms), 3);
}
END_TEST

START_TEST(all_problems_reported)
{
	struct config c;
	struct msgs ms;
	const char *text = "server = h\n"
	                   "timeout = 0\n"
	                   "bogus = 1\n"
	                   "port = x\n"
	                   "port = 1\n"
	                   "class = lower\n"
	                   "no equals here\n";

	/* 6 bad lines + user and password missing */
	ck_assert_int_eq(parse(text, &c, &ms), 8);
	ck_assert_int_eq(ms.n, 8);
	ck_assert(has_msg(&ms, "t.conf:2: key 'timeout'"));
	ck_assert(has_msg(&ms, "t.conf:3: key 'bogus' is unknown"));
	ck_assert(has_msg(&ms, "t.conf:4: key 'port': value 'x' is not a number"));
	ck_assert(has_msg(&ms, "t.conf:5: key 'port' is set again (first set on line 4)"));
	ck_assert(has_msg(&ms, "t.conf:6: key 'class'"));
	ck_assert(has_msg(&ms, "t.conf:7: no '='"));
	/* no callback: still counted */
	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, NULL, NULL), 8);
}
END_TEST

START_TEST(nul_byte_refused)
{
	static const char text[] = REQ "time\0out = 5\n";
	struct config c;
	struct msgs ms = {0};

	ck_assert_int_eq(config_parse("t.conf", text, sizeof(text) - 1, &c, collect, &ms), 1);
	ck_assert(has_msg(&ms, "t.conf:4: the line contains a NUL byte"));
}
END_TEST

#define SECRET "S3cr3t-Pw"

/* Every way a password can be wrong: none of the messages may show it. */
START_TEST(password_never_shown)
{
	static const char *const texts[] = {
	        "server = h\nuser = U\npassword = " SECRET "\npassword = " SECRET "\n",
	        "server = h\nuser = U\npassword = " SECRET "\x01\n",
	        "server = h\nuser = U\npassword " SECRET "\n",
	        "server = h\nuser = U\npasword = " SECRET "\n",
	        "server = h\nuser = U\npassword = " SECRET
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "\n",
	        "server = h\nuser = U\nPASSWORD = x\nPassword = " SECRET "\n",
	};
	struct config c;
	struct msgs ms;
	int total = 0;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		int n = parse(texts[i], &c, &ms);

		ck_assert_int_ge(n, 1);
		total += n;
		for (int j = 0; j < ms.n; j++)
			ck_assert_msg(!strstr(ms.m[j], SECRET) && !strstr(ms.m[j], "S3cr3t"),
			              "message shows the password: %s", ms.m[j]);
		/* a refused config is wiped: the secret is not left in c */
		ck_assert(memmem(&c, sizeof(c), SECRET, strlen(SECRET)) == NULL);
	}
	ck_assert_int_ge(total, 6);
	/* the messages still say where and which key */
	parse(texts[1], &c, &ms);
	ck_assert(has_msg(&ms, "t.conf:3: key 'password': value hidden"));
}
END_TEST

START_TEST(wipe_clears_password_only)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(parse(REQ "timeout = 42\n", &c, &ms), 0);
	ck_assert_str_eq(c.password, "pw");
	config_wipe(&c);
	for (size_t i = 0; i < sizeof(c.password); i++)
		ck_assert_int_eq(c.password[i], 0);
	ck_assert_str_eq(c.server, "zos.example.com");
	ck_assert_uint_eq(c.timeout, 42);
}
END_TEST

START_TEST(map_opts_filled)
{
	struct config c;
	struct map_opts o;
	struct msgs ms;

	ck_assert_int_eq(parse(REQ "class = SYS1\nevent_code = by_type\nviolation = failures\n"
	                           "link_value = serial\nmax_field_length = 100\nmax_item_bytes = "
	                           "2000\n",
	                       &c, &ms),
	                 0);
	config_map_opts(&c, &o);
	ck_assert_str_eq(o.class_name, "SYS1");
	ck_assert_ptr_null(o.hostname);
	ck_assert_int_eq(o.event_code, MAP_EVENT_BY_TYPE);
	ck_assert_int_eq(o.violation, MAP_VIOLATION_FAILURES);
	ck_assert_int_eq(o.link, MAP_LINK_SERIAL);
	ck_assert_uint_eq(o.max_field_length, 100);
	ck_assert_uint_eq(o.max_item_bytes, 2000);
}
END_TEST

/* --- the file: permissions, type, owner --------------------------------- */

static char tmpdir[64];

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Without CONFIG: /etc/audit/zos-remote.conf, else the audispd layout's
 * /etc/audisp/zos-remote.conf when only that exists. */
START_TEST(default_path_layouts)
{
	char root[128], audit[192], audisp[192], out[256];

	snprintf(root, sizeof(root), "%s/root", tmpdir);
	snprintf(audit, sizeof(audit), "%s%s", root, CONFIG_DEFAULT_PATH);
	snprintf(audisp, sizeof(audisp), "%s%s", root, CONFIG_AUDISP_PATH);
	/* neither: the default, whose absence config_load reports */
	ck_assert_int_eq(config_default_path(root, out, sizeof(out)), 0);
	ck_assert_str_eq(out, audit);
	/* only the audispd one */
	ck_assert_int_eq(mkdir(root, 0700), 0);
	snprintf(out, sizeof(out), "%s/etc", root);
	ck_assert_int_eq(mkdir(out, 0700), 0);
	snprintf(out, sizeof(out), "%s/etc/audisp", root);
	ck_assert_int_eq(mkdir(out, 0700), 0);
	snprintf(out, sizeof(out), "%s/etc/audit", root);
	ck_assert_int_eq(mkdir(out, 0700), 0);
	int fd = open(audisp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(config_default_path(root, out, sizeof(out)), 1);
	ck_assert_str_eq(out, audisp);
	/* both: the audit 3.x one wins */
	fd = open(audit, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(config_default_path(root, out, sizeof(out)), 0);
	ck_assert_str_eq(out, audit);
	/* a path that does not fit is refused, not cut */
	ck_assert_int_eq(config_default_path(root, out, 10), -1);
	/* either is the unnamed instance; any other file is a named one */
	ck_assert(config_path_is_default(CONFIG_DEFAULT_PATH));
	ck_assert(config_path_is_default(CONFIG_AUDISP_PATH));
	ck_assert(!config_path_is_default("/etc/audit/sysa.conf"));
	ck_assert(!config_path_is_default(audisp));
}
END_TEST

static const char *write_conf(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static int load_mode(mode_t mode, struct config *c, struct msgs *ms)
{
	const char *path = write_conf("z.conf", orig_sample, mode);

	memset(ms, 0, sizeof(*ms));
	return config_load(path, c, collect, ms);
}

START_TEST(mode_0600_0640_accepted)
{
	static const mode_t ok[] = {0600, 0640, 0400, 0440};
	struct config c;
	struct msgs ms;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int n = load_mode(ok[i], &c, &ms);

		if (n)
			dump(&ms);
		ck_assert_int_eq(n, 0);
		ck_assert_str_eq(c.server, "zos_server.localdomain");
		ck_assert_str_eq(c.password, "racf_password");
		ck_assert_uint_eq(c.q_depth, 64);
	}
}
END_TEST

START_TEST(loose_modes_refused)
{
	static const mode_t bad[] = {0644, 0660, 0604, 0666, 0700, 0610, 04600, 01600};
	char want[64];
	struct config c;
	struct msgs ms;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(load_mode(bad[i], &c, &ms), 1);
		snprintf(want, sizeof(want), "z.conf: mode %04o is unsafe", (unsigned)bad[i]);
		if (!has_msg(&ms, want))
			dump(&ms);
		ck_assert(has_msg(&ms, want));
		ck_assert(has_msg(&ms, "use 0600 or 0640"));
		ck_assert_str_eq(c.password, "");
	}
}
END_TEST

START_TEST(symlink_refused)
{
	char link[160];
	const char *path = write_conf("real.conf", orig_sample, 0600);
	struct config c;
	struct msgs ms = {0};

	snprintf(link, sizeof(link), "%s/link.conf", tmpdir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(config_load(link, &c, collect, &ms), 1);
	ck_assert(has_msg(&ms, "link.conf: the file is a symbolic link"));
	ck_assert_str_eq(c.server, "");
}
END_TEST

START_TEST(directory_and_fifo_refused)
{
	char path[160];
	struct config c;
	struct msgs ms = {0};

	ck_assert_int_eq(config_load(tmpdir, &c, collect, &ms), 1);
	ck_assert(has_msg(&ms, "not a regular file"));
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	memset(&ms, 0, sizeof(ms));
	ck_assert_int_eq(config_load(path, &c, collect, &ms), 1);
	ck_assert(has_msg(&ms, "fifo: not a regular file"));
}
END_TEST

/* No message carries a raw byte of the file that is not printable ASCII:
 * the messages go to syslog and terminals. Found by tests/fuzz/fuzz_config:
 * send_types quoted a bad type name as is (here ESC [31m, VT, 0xFF). */
START_TEST(messages_escape_file_bytes)
{
	static const char *const bad[] = {
	        "send_types = Ser\x1b[31m\x0b\xff\n",
	        "skip_types = SYSCALL,\x1b]0;x\x07\n",
	        "class = \x1b[2J\n",
	        "w\x1bndow = 1\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];
		struct config c;
		struct msgs ms;
		snprintf(text, sizeof(text), REQ "%s", bad[i]);
		ck_assert_int_ge(parse(text, &c, &ms), 1);
		for (int m = 0; m < ms.n && m < MAX_MSGS; m++)
			for (const char *p = ms.m[m]; *p; p++)
				ck_assert_msg((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
				              "config %zu: raw byte 0x%02X in: %s", i,
				              (unsigned char)*p, ms.m[m]);
		ck_assert_msg(has_msg(&ms, "\\x1B"), "config %zu: ESC not shown as \\x1B", i);
		if (i == 0)
			ck_assert_msg(has_msg(&ms, "'Ser\\x1B[31m\\x0B\\xFF'"), "%s", ms.m[0]);
	}
}
END_TEST

START_TEST(missing_file_named)
{
	char path[160];
	struct config c;
	struct msgs ms = {0};

	snprintf(path, sizeof(path), "%s/absent.conf", tmpdir);
	ck_assert_int_eq(config_load(path, &c, collect, &ms), 1);
	ck_assert(has_msg(&ms, "absent.conf: cannot open: No such file or directory"));
}
END_TEST

START_TEST(owner_checked)
{
	const char *path = write_conf("z.conf", orig_sample, 0600);
	struct config c;
	struct msgs ms = {0};

	if (geteuid() != 0) {
		/* our own file is accepted when we are not root */
		ck_assert_int_eq(config_load(path, &c, collect, &ms), 0);
		return;
	}
	ck_assert_int_eq(chown(path, 12345, 12345), 0);
	ck_assert_int_eq(config_load(path, &c, collect, &ms), 1);
	ck_assert(has_msg(&ms, "z.conf: the file is owned by uid 12345; it must be owned by root"));
}
END_TEST

START_TEST(file_and_content_problems_together)
{
	const char *path = write_conf("z.conf", REQ "timeout = 0\n", 0644);
	struct config c;
	struct msgs ms = {0};

	ck_assert_int_eq(config_load(path, &c, collect, &ms), 2);
	ck_assert(has_msg(&ms, "mode 0644 is unsafe"));
	ck_assert(has_msg(&ms, "z.conf:4: key 'timeout'"));
}
END_TEST

/* --- the shipped sample ------------------------------------------------- */

static char *read_sample(size_t *len)
{
	char path[512];
	const char *src = getenv("ZR_SRCDIR");
	FILE *f;
	char *text = calloc(1, 65536);

	snprintf(path, sizeof(path), "%s/conf/zos-remote.conf", src ? src : SRCDIR);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	*len = fread(text, 1, 65535, f);
	fclose(f);
	ck_assert_uint_gt(*len, 0);
	return text;
}

/* As shipped, only the three placeholders (commented out) are missing. */
START_TEST(shipped_sample_valid)
{
	size_t len;
	char *text = read_sample(&len);
	struct config c;
	struct msgs ms = {0};

	ck_assert_int_eq(config_parse("zos-remote.conf", text, len, &c, collect, &ms), 3);
	ck_assert(has_msg(&ms, "key 'server' is missing"));
	ck_assert(has_msg(&ms, "key 'user' is missing"));
	ck_assert(has_msg(&ms, "key 'password' is missing"));
	free(text);
}
END_TEST

/* Uncommenting every "# key = value" line gives a valid config whose values
 * are the built-in defaults: the sample documents the real defaults. */
START_TEST(shipped_sample_documents_defaults)
{
	size_t len, o = 0;
	char *text = read_sample(&len);
	char *out = calloc(1, len + 1);
	struct config c, d;
	struct msgs ms = {0};
	int keys = 0;

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		const char *p = line;

		if (p[0] != '#' || p[1] != ' ' || p[2] < 'a' || p[2] > 'z' || !strstr(p, " = "))
			continue;
		p += 2;
		o += (size_t)sprintf(out + o, "%s\n", p);
		keys++;
	}
	ck_assert_int_eq(keys, 43);
	if (config_parse("sample", out, o, &c, collect, &ms))
		dump(&ms);
	ck_assert_int_eq(ms.n, 0);
	config_defaults(&d);
	ck_assert_uint_eq(c.port, d.port);
	ck_assert_uint_eq(c.timeout, d.timeout);
	ck_assert_uint_eq(c.q_depth, d.q_depth);
	ck_assert_int_eq(c.format, d.format);
	ck_assert_str_eq(c.class_name, d.class_name);
	ck_assert_int_eq(c.event_code, d.event_code);
	ck_assert_int_eq(c.self_audit, d.self_audit);
	ck_assert_int_eq(c.violation, d.violation);
	ck_assert_int_eq(c.link_value, d.link_value);
	ck_assert_int_eq(c.link_node, d.link_node);
	ck_assert_uint_eq(c.max_field_length, d.max_field_length);
	ck_assert_uint_eq(c.max_item_bytes, d.max_item_bytes);
	ck_assert_uint_eq(c.window, d.window);
	ck_assert_uint_eq(c.batch_items, d.batch_items);
	ck_assert_uint_eq(c.batch_bytes, d.batch_bytes);
	ck_assert_uint_eq(c.linger_ms, d.linger_ms);
	ck_assert_uint_eq(c.linger_max_ms, d.linger_max_ms);
	ck_assert_uint_eq(c.read_coalesce_ms, d.read_coalesce_ms);
	ck_assert_uint_eq(c.spool_sync_interval_ms, d.spool_sync_interval_ms);
	ck_assert_uint_eq(c.spool_sync_bytes, d.spool_sync_bytes);
	ck_assert_uint_eq(c.drain_timeout, d.drain_timeout);
	ck_assert_uint_eq(c.log_interval, d.log_interval);
	ck_assert_int_eq(c.tls, d.tls);
	ck_assert_int_eq(c.tls_verify, d.tls_verify);
	ck_assert_int_eq(c.tls_min_version, d.tls_min_version);
	ck_assert_int_eq(c.bind, d.bind);
	ck_assert_uint_eq(c.spool_max_size, d.spool_max_size);
	ck_assert_int_eq(c.spool_sync, d.spool_sync);
	ck_assert_int_eq(c.spool_full_action, d.spool_full_action);
	ck_assert_uint_eq(c.retry_limit, d.retry_limit);
	ck_assert_uint_eq(c.report_interval, d.report_interval);
	ck_assert_uint_eq(c.node_silence, d.node_silence);
	ck_assert_uint_eq(c.metrics_interval, d.metrics_interval);
	ck_assert_uint_eq(c.keepalive_idle, d.keepalive_idle);
	ck_assert_uint_eq(c.keepalive_interval, d.keepalive_interval);
	ck_assert_uint_eq(c.keepalive_probes, d.keepalive_probes);
	ck_assert_uint_eq(c.max_response_size, d.max_response_size);
	ck_assert_int_eq(c.confine, d.confine);
	ck_assert_int_eq(c.failback, d.failback);
	ck_assert_uint_eq(c.failback_interval, d.failback_interval);
	free(out);
	free(text);
}
END_TEST

/* ---- security keys: TLS, bind, password_file ---- */

START_TEST(tls_secure_defaults)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(parse(REQ, &c, &ms), 0);
	ck_assert_int_eq(c.tls, CONFIG_TLS_STARTTLS);
	ck_assert(c.tls_verify);
	ck_assert_int_eq(c.tls_min_version, CONFIG_TLS_1_2);
	ck_assert_int_eq(c.bind, CONFIG_BIND_SIMPLE);
	ck_assert_str_eq(c.tls_ca_file, "");
}
END_TEST

START_TEST(tls_keys_parse)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(
	        parse("server = h\nuser = U\ntls = ldaps\ntls_ca_file = /etc/ca.pem\n"
	              "tls_ca_dir = /etc/ssl/certs\ntls_verify = NO\ntls_min_version = 1.3\n"
	              "tls_ciphers = HIGH:!aNULL\ntls_cert_file = /c.pem\n"
	              "tls_key_file = /c.key\nbind = sasl_external\n",
	              &c, &ms),
	        0);
	ck_assert_int_eq(c.tls, CONFIG_TLS_LDAPS);
	ck_assert_str_eq(c.tls_ca_file, "/etc/ca.pem");
	ck_assert_str_eq(c.tls_ca_dir, "/etc/ssl/certs");
	ck_assert(!c.tls_verify);
	ck_assert_int_eq(c.tls_min_version, CONFIG_TLS_1_3);
	ck_assert_str_eq(c.tls_ciphers, "HIGH:!aNULL");
	ck_assert_int_eq(c.bind, CONFIG_BIND_SASL_EXTERNAL);
	ck_assert_str_eq(c.password, "");
}
END_TEST

static const struct {
	const char *text, *msg;
} security_cases[] = {
        {REQ "password_file = /p\n",
         "t.conf:4: key 'password_file': 'password' is also set (line 3)"},
        {"server = h\nuser = U\nbind = sasl_external\n", "sasl_external needs tls_cert_file"},
        {REQ "bind = sasl_external\ntls_cert_file = /c\ntls_key_file = /k\n",
         "t.conf:3: key 'password' is not used with bind = sasl_external"},
        {"server = h\nuser = U\nbind = sasl_external\ntls_cert_file = /c\ntls_key_file = /k\n"
         "tls = none\n",
         "t.conf:6: key 'tls': bind = sasl_external needs TLS"},
        {REQ "tls_cert_file = /c\n", "key 'tls_cert_file' is set but 'tls_key_file' is not"},
        {REQ "tls_ca_file = ca.pem\n", "key 'tls_ca_file': value 'ca.pem' is not an absolute path"},
        {REQ "tls_verify = maybe\n",
         "key 'tls_verify': value 'maybe' is not allowed; use yes or no"},
        {REQ "tls = ssl\n", "use starttls or ldaps or none"},
        {REQ "tls_min_version = 1.1\n", "use 1.2 or 1.3"},
        {REQ "tls_ciphers = HIGH MEDIUM\n", "contains a blank"},
        {"server = h\nuser = U\n", "key 'password' is missing"},
};

START_TEST(security_rules_named)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_gt(parse(security_cases[_i].text, &c, &ms), 0);
	if (!has_msg(&ms, security_cases[_i].msg))
		dump(&ms);
	ck_assert(has_msg(&ms, security_cases[_i].msg));
}
END_TEST

struct warns {
	char ids[4][16];
	int n;
};

static void collect_warning(void *arg, const char *id, const char *msg)
{
	struct warns *w = arg;

	ck_assert_ptr_nonnull(strstr(msg, "h")); /* names the server */
	if (w->n < 4)
		snprintf(w->ids[w->n], sizeof(w->ids[0]), "%s", id);
	w->n++;
}

START_TEST(security_warnings)
{
	struct config c;
	struct msgs ms;
	struct warns w = {0};

	ck_assert_int_eq(parse(REQ, &c, &ms), 0);
	ck_assert_int_eq(config_warnings(&c, collect_warning, &w), 0);
	ck_assert_int_eq(parse(REQ "tls = none\n", &c, &ms), 0);
	ck_assert_int_eq(config_warnings(&c, collect_warning, &w), 1);
	ck_assert_str_eq(w.ids[0], "ZRA0101W");
	ck_assert_int_eq(parse(REQ "tls_verify = no\n", &c, &ms), 0);
	ck_assert_int_eq(config_warnings(&c, collect_warning, &w), 1);
	ck_assert_str_eq(w.ids[1], "ZRA0102W");
}
END_TEST

/* A password file: root's (or ours), 0600 or 0400, one line; its content never shown. */
static int load_pwfile(const char *content, mode_t mode, struct config *c, struct msgs *ms)
{
	char text[512], pw[160];

	snprintf(pw, sizeof(pw), "%s", write_conf("racf.pw", content, mode));
	snprintf(text, sizeof(text), "server = h\nuser = U\npassword_file = %s\n", pw);
	memset(ms, 0, sizeof(*ms));
	return config_load(write_conf("p.conf", text, 0600), c, collect, ms);
}

START_TEST(password_file_read)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(load_pwfile("Se cret!\n", 0600, &c, &ms), 0);
	ck_assert_str_eq(c.password, "Se cret!");
	ck_assert_int_eq(load_pwfile("NoNewline", 0400, &c, &ms), 0);
	ck_assert_str_eq(c.password, "NoNewline");
	config_wipe(&c);
	ck_assert_str_eq(c.password, "");
}
END_TEST

START_TEST(password_file_unsafe_refused)
{
	struct config c;
	struct msgs ms;

	ck_assert_int_eq(load_pwfile("Hidden1\n", 0640, &c, &ms), 1);
	ck_assert(has_msg(&ms, "has mode 0640; a password file must be 0600 or 0400 (chmod 0600"));
	ck_assert_int_eq(load_pwfile("Hidden1\n", 0644, &c, &ms), 1);
	ck_assert(has_msg(&ms, "has mode 0644"));
	ck_assert_str_eq(c.password, ""); /* wiped on error */
	ck_assert_int_eq(load_pwfile("", 0600, &c, &ms), 1);
	ck_assert(has_msg(&ms, "is empty"));
	ck_assert_int_eq(load_pwfile("Hidden1\nHidden2\n", 0600, &c, &ms), 1);
	ck_assert(has_msg(&ms, "has more than one line"));
	for (int i = 0; i < ms.n && i < MAX_MSGS; i++)
		ck_assert_ptr_null(strstr(ms.m[i], "Hidden"));
}
END_TEST

START_TEST(password_file_missing_named)
{
	struct config c;
	struct msgs ms;
	char text[256];

	snprintf(text, sizeof(text), "server = h\nuser = U\npassword_file = %s/none\n", tmpdir);
	memset(&ms, 0, sizeof(ms));
	ck_assert_int_eq(config_load(write_conf("p.conf", text, 0600), &c, collect, &ms), 1);
	ck_assert(has_msg(&ms, "p.conf:3: key 'password_file': cannot open"));
	ck_assert(has_msg(&ms, "No such file"));
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *t = tcase_create("parse");
	TCase *f = tcase_create("file");

	tcase_add_test(t, original_sample_parses);
	tcase_add_test(t, defaults_apply);
	tcase_add_test(t, keys_case_insensitive_comments_blanks);
	tcase_add_loop_test(t, each_error_named, 0,
	                    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_loop_test(t, string_errors_named, 0,
	                    (int)(sizeof(bad_strings) / sizeof(bad_strings[0])));
	tcase_add_test(t, long_values_refused);
	tcase_add_test(t, server_list_parsed);
	tcase_add_test(t, server_list_shown);
	tcase_add_loop_test(t, server_list_errors_named, 0,
	                    (int)(sizeof(bad_lists) / sizeof(bad_lists[0])));
	tcase_add_test(t, missing_required_keys);
	tcase_add_test(t, all_problems_reported);
	tcase_add_test(t, nul_byte_refused);
	tcase_add_test(t, password_never_shown);
	tcase_add_test(t, wipe_clears_password_only);
	tcase_add_test(t, map_opts_filled);
	tcase_add_test(t, shipped_sample_valid);
	tcase_add_test(t, shipped_sample_documents_defaults);
	tcase_add_test(t, messages_escape_file_bytes);
	suite_add_tcase(s, t);

	tcase_add_checked_fixture(f, tmp_setup, tmp_teardown);
	tcase_add_test(t, tls_secure_defaults);
	tcase_add_test(t, tls_keys_parse);
	tcase_add_loop_test(t, security_rules_named, 0,
	                    (int)(sizeof(security_cases) / sizeof(security_cases[0])));
	tcase_add_test(t, security_warnings);
	tcase_add_test(f, password_file_read);
	tcase_add_test(f, password_file_unsafe_refused);
	tcase_add_test(f, password_file_missing_named);
	tcase_add_test(f, mode_0600_0640_accepted);
	tcase_add_test(f, loose_modes_refused);
	tcase_add_test(f, symlink_refused);
	tcase_add_test(f, directory_and_fifo_refused);
	tcase_add_test(f, missing_file_named);
	tcase_add_test(f, changed_keys_named);
	tcase_add_test(f, owner_checked);
	tcase_add_test(f, file_and_content_problems_together);
	tcase_add_test(f, default_path_layouts);
	suite_add_tcase(s, f);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(config_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
