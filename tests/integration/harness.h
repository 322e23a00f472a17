/* harness.h - run the simulator and the plugin as child processes, feed them
 * and read what reached the simulator's journal, for the integration tests.
 *
 * Every process the harness starts is registered; zr_reap_all() (run at exit
 * of each forked Check test, pass or fail) kills and reaps them, and children
 * also die with their test (PR_SET_PDEATHSIG). Temp dirs live under one base
 * dir per test program, removed by zr_harness_cleanup(). Ports are always
 * picked by the simulator (port 0, --port-file), so programs run in parallel.
 *
 * Owner: the integration tests (tests/integration/check_*.c). */
#ifndef ZR_HARNESS_H
#define ZR_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- set-up, time, files ---- */

/* Call in main() before srunner_run_all: base temp dir, exit hook. */
void zr_harness_init(void);
/* Call in main() after srunner_run_all: removes every temp dir. */
void zr_harness_cleanup(void);
/* init, run s (CK_NORMAL), cleanup; the exit status for main(). */
int zr_run(Suite *s);
/* Add test t to a new tcase of s named name with a timeout in seconds. */
TCase *zr_tcase(Suite *s, const char *name, double timeout);

/* CK_TIMEOUT_MULTIPLIER (default 1): scales the harness's bounded waits. */
double zr_scale(void);
double zr_now(void);
void zr_sleep(double seconds);

/* $ZR_SHARED, else SRCDIR/../shared. */
const char *zr_shared(void);
/* A fresh private dir (mode 0700) under the base dir; caller frees. */
char *zr_tmpdir(void);
/* realloc that aborts on failure. */
void *zr_xrealloc(void *p, size_t n);
/* dir/name; caller frees. */
char *zr_path(const char *dir, const char *name);
/* Whole file, NUL-terminated (len may be NULL); NULL when it cannot be read. */
char *zr_read_file(const char *path, size_t *len);
/* Create or replace path with n bytes and the given mode. 0 or -1. */
int zr_write_file(const char *path, const void *p, size_t n, unsigned mode);
/* Occurrences of needle in hay. */
size_t zr_count(const char *hay, const char *needle);
/* Lines of text containing every one of the NULL-terminated needles. */
size_t zr_count_lines(const char *text, const char *const *needles);

/* ---- the simulator ---- */

struct zr_sim {
	pid_t pid;
	int port;
	char *dir;     /* where its files live (the caller's dir) */
	char *journal; /* dir/journal.jsonl */
	char *errlog;  /* its stdout + stderr */
};

/* Start tests/sim/zos-remote-sim listening on 127.0.0.1:port (0 = any) with
 * --journal, --port-file, --duration 200 and the extra NULL-terminated args
 * (may be NULL). Waits for the port file. 0, or -1 (message on stderr). */
int zr_sim_start(struct zr_sim *s, const char *dir, int port, const char *const *args);
/* Send sig (0 = SIGTERM) and reap. Keeps the file names for later reads. */
void zr_sim_stop(struct zr_sim *s, int sig);
void zr_sim_free(struct zr_sim *s);

/* ---- the plugin ---- */

/* Write dir/name (mode 0600): server 127.0.0.1, the port, user ZOSAUDIT,
 * password zossecret, timeout 5, drain_timeout 5, linger_ms 20, tls none,
 * self_audit no (the suites count Linux records' items), spool_dir
 * dir/spool-NAME (a spool of its own per config), then extra
 * (`key = value` lines, which replace a default key of the same name).
 * Returns the path (caller frees). */
char *zr_config_write(const char *dir, const char *name, int port, const char *extra);

struct zr_plugin {
	pid_t pid;
	int in;     /* write end of its stdin pipe, -1 when closed or a file */
	char *log;  /* its --stderr output */
	int status; /* wait status once reaped */
	bool reaped;
};

/* Start plugin/audispd-zos-remote --stderr [args...] conf, stdin from
 * input_file, or from a pipe when input_file is NULL; stdout and stderr to
 * dir/<logname>. 0 or -1. */
int zr_plugin_start(struct zr_plugin *p, const char *dir, const char *logname, const char *conf,
                    const char *input_file, const char *const *args);
/* Write all n bytes to the plugin's stdin pipe. 0 or -1. */
int zr_plugin_feed(struct zr_plugin *p, const void *buf, size_t n);
void zr_plugin_close_input(struct zr_plugin *p);
/* The plugin has read all that was written to its stdin pipe (at most 20
 * s, scaled; asserted) and one assembler tick (1.5 s) has passed, so what
 * it read is in the spool. */
void zr_plugin_wait_read(const struct zr_plugin *p);
/* Wait up to timeout seconds (not scaled) for it to exit. true = exited. */
bool zr_plugin_wait(struct zr_plugin *p, double timeout);
/* Exit code when it exited normally, else -1 - signal number. */
int zr_plugin_exit_code(const struct zr_plugin *p);
/* SIGKILL (if still running) and reap, then close its input. */
void zr_plugin_kill(struct zr_plugin *p);
void zr_plugin_free(struct zr_plugin *p);
/* Its log so far (caller frees; "" when empty). */
char *zr_plugin_log(const struct zr_plugin *p);
/* Wait until its log contains needle; true when it does. Timeout scaled. */
bool zr_plugin_wait_log(const struct zr_plugin *p, const char *needle, double timeout);

/* Run plugin with stdin from the file input: start, wait for exit (at most
 * timeout, scaled), kill on timeout. Returns true when it exited. */
bool zr_plugin_run_file(struct zr_plugin *p, const char *dir, const char *conf,
                        const char *input_file, const char *const *args, double timeout);

/* ---- the journal ---- */

struct zr_journal {
	json_t **line; /* one JSON object per complete line */
	size_t n;
};

/* Load every complete line of path (missing file = empty). 0 or -1. */
int zr_journal_load(const char *path, struct zr_journal *j);
void zr_journal_free(struct zr_journal *j);
/* Entries of kind (NULL = "smf" and "item", the items the server saw). */
size_t zr_journal_count(const struct zr_journal *j, const char *kind);
/* Wait until the journal holds at least n items (smf + item); returns the
 * count seen last. Timeout scaled. */
size_t zr_journal_wait_items(const char *path, size_t n, double timeout);

/* Accessors that never crash on a missing key: "" / -1 / false. */
const char *zr_jstr(const json_t *o, const char *key);
long long zr_jint(const json_t *o, const char *key);
bool zr_jbool(const json_t *o, const char *key);
bool zr_is_item(const json_t *o);
/* The value of the i-th relocate of an item, its type in *type. */
size_t zr_nrelocs(const json_t *o);
const char *zr_reloc(const json_t *o, size_t i, int *type);
/* The item's msg=audit(...) event id ("SEC.MSEC:SERIAL"), copied to id. */
bool zr_item_event_id(const json_t *o, char *id, size_t idlen);

/* ---- audit logs (the oracle side) ---- */

struct zr_record {
	char *line;     /* the record, without newline */
	char type[64];  /* text after type= (e.g. UNKNOWN[1420]) */
	char node[128]; /* node= prefix or "" */
	char id[64];    /* SEC.MSEC:SERIAL as written */
	long long sec;
	unsigned long serial;
	bool has_id; /* msg=audit(...) parsed */
	bool eoe;
	char **names; /* field names as auparse sees them (type, node, ...) */
	size_t nnames;
};

struct zr_log {
	struct zr_record *r;
	size_t n;
	char *text; /* the lines as fed: comments and blank lines stripped */
	size_t len;
};

/* Parse text (n bytes) into records; '#' lines and blank lines dropped. */
int zr_log_parse(const char *text, size_t n, struct zr_log *l);
/* Read path and parse it. 0 or -1. */
int zr_log_load(const char *path, struct zr_log *l);
void zr_log_free(struct zr_log *l);
/* Records that must become items: non-EOE with an event id. */
size_t zr_log_expected(const struct zr_log *l);
/* Write l->text to path; returns path == NULL ? -1 : 0. */
int zr_log_write(const struct zr_log *l, const char *path);

/* Sample log files under $ZR_SHARED/data/auditlogs/<sub>, sorted; NULL
 * terminated, caller frees with zr_strv_free. */
char **zr_sample_logs(const char *sub);
void zr_strv_free(char **v);

/* $ZR_SHARED/data/auditlogs/rel; caller frees. */
char *zr_sample_path(const char *rel);
/* Text of n one-record events (USER_ACCT, terminal in every auparse),
 * serials first.., time sec + i ms; caller frees. */
char *zr_gen_records(size_t n, unsigned long first, long long sec);
/* Load a sample (rel to auditlogs) followed by extra text (may be NULL). */
int zr_log_sample(const char *rel, const char *extra, struct zr_log *l);

/* Expected 16-hex-digit link value of an event. */
void zr_link_hex(unsigned long serial, long long sec, const char *node, bool serial_only,
                 char out[17]);

/* ---- items against records (the checks every delivery test shares) ---- */

struct zr_expect {
	const char *user;       /* bind user in the log string, default ZOSAUDIT */
	const char *class_name; /* default @LINUX */
	bool serial_only;       /* link_value = serial */
	int major;              /* expected MajorCode of every item; -1 = any */
	bool check_content;     /* fields, log string, relocates (not only counts) */
	bool quiet;             /* count problems without printing them */
	/* Check qualifier and log-string type per part of an event that
	 * auparse hands over on its own (see check_logs.c test_split_events),
	 * not per Linux event. */
	bool per_part;
};

struct zr_verdict {
	size_t expected;   /* records that must arrive */
	size_t items;      /* items in the journal */
	size_t delivered;  /* records that arrived at least once */
	size_t duplicates; /* items beyond the first for one record */
	size_t unmatched;  /* items that match no record */
	size_t problems;   /* content problems (each printed, up to a limit) */
};

/* Match the journal's items to the log's records by event id, type and
 * order, and check each as mapping.md says. Problems are printed to stderr
 * prefixed with label. */
void zr_verify(const struct zr_log *l, const struct zr_journal *j, const struct zr_expect *e,
               const char *label, struct zr_verdict *v);
/* Poll the journal at path until every record of l arrived (or timeout,
 * scaled); the last verdict in v (quiet). true when all arrived. */
bool zr_wait_delivered(const struct zr_log *l, const char *path, double timeout,
                       struct zr_verdict *v);

#endif
