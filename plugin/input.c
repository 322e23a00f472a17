/* input.c - frame the bytes auditd writes (string lines or binary frames) into auparse records. */
#include <zr-autoconf.h> /* _GNU_SOURCE: memmem */

#include "input.h"

#include <errno.h>
#include <inttypes.h>
#include <libaudit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "mapper.h"

#define HDR_LEN        16 /* sizeof(struct audit_dispatcher_header) */
#define FIXED_FRAME    (HDR_LEN + INPUT_BINARY_FIXED)
#define FRAME_BUF      ((size_t)4 * FIXED_FRAME) /* two frames and a header always fit */
#define LINE_START     ((size_t)16 * 1024)       /* holds any binary record (8970 + prefix) */
#define QUOTE_BYTES    60                        /* bytes of bad input quoted in a message */
#define EOE_TIMEOUT_S  1
#define HELD_MAX       16384 /* events held back at most; beyond, one goes on unended */
#define KEY_MAX        400   /* node word + event id: within libauparse's 340-byte window */
#define EMPTY_NODE     "node= "
#define EMPTY_NODE_LEN (sizeof(EMPTY_NODE) - 1)

/* An event held back from libauparse until it is whole (input.h). */
struct held {
	uint64_t hash;
	long long sec;   /* the event's time (seconds) */
	double since;    /* monotonic time of its first record */
	size_t key_len;  /* the key is the first key_len bytes of recs.data */
	struct buf recs; /* key, then its records ('\n'-ended) back to back */
};

_Static_assert(sizeof(struct audit_dispatcher_header) == HDR_LEN, "dispatcher header size");

enum framing {
	FRAMING_UNKNOWN,
	FRAMING_FIXED, /* 16 + 8970 per frame: auditd <= 4.1.0 */
	FRAMING_EXACT, /* 16 + hdr.size: auditd >= 4.1.1 */
};

struct input {
	enum config_format fmt;  /* what the stream is (decided from its first byte) */
	enum config_format want; /* what the configuration says */
	bool decided;            /* the first byte was seen */
	bool cut;                /* records arrive cut short (auditd 4.2/4.2.1, RAW) */
	uint64_t kernel_records; /* records auditd got from the kernel (not DAEMON_*) */
	auparse_state_t *au;
	input_event_fn cb;
	void *arg;
	struct input_observer obs;
	struct input_stats st;

	/* A partial string line, or the record a binary frame becomes. Reused:
	 * it only grows, up to INPUT_MAX_LINE + 2. */
	char *line;
	size_t len, cap;
	bool dropping; /* inside an over-long line: skip to its end */

	/* A record with a NUL byte, as auparse gets it (map_hide). Reused. */
	char *hid;
	size_t hid_cap;

	/* Binary frames not yet complete. */
	unsigned char *fb;
	size_t flen;
	enum framing framing;
	bool resyncing;
	uint64_t fb_offset; /* stream offset of fb[0], for messages */

	/* Events not yet whole: held[0..nheld); slots up to heldcap keep their
	 * buffers for reuse. */
	struct held *held;
	size_t nheld, heldcap;
	long long held_min_sec; /* the oldest held event's time (valid when nheld) */
};

/* Quote n bytes of input for a log message: printable ASCII as is, the rest
 * (and the backslash) as \xHH, at most QUOTE_BYTES of input. */
static const char *input_quote(char *out, size_t size, const char *p, size_t n)
{
	size_t o = 0;

	if (n > QUOTE_BYTES)
		n = QUOTE_BYTES;
	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02X", ch);
	}
	out[o] = '\0';
	return out;
}

static void input_auparse_cb(auparse_state_t *au, auparse_cb_event_t type, void *arg)
{
	struct input *in = arg;

	if (type != AUPARSE_CB_EVENT_READY)
		return;
	in->st.events++;
	if (in->cb)
		in->cb(au, in->arg);
}

struct input *input_new(enum config_format fmt, input_event_fn cb, void *arg)
{
	struct input *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->fmt = fmt;
	in->want = fmt;
	in->cb = cb;
	in->arg = arg;
	in->cap = LINE_START;
	in->line = malloc(in->cap);
	in->fb = malloc(FRAME_BUF); /* whatever the config says: the stream decides */
	in->au = auparse_init(AUSOURCE_FEED, 0);
	if (!in->line || !in->fb || !in->au) {
		input_free(in);
		return NULL;
	}
	/* A global of libauparse (>= 2.x): events without a terminating record
	 * complete after 1 s instead of auditd.conf's 2 s default. */
	auparse_set_eoe_timeout(EOE_TIMEOUT_S);
	auparse_add_callback(in->au, input_auparse_cb, in, NULL);
	return in;
}

void input_free(struct input *in)
{
	if (!in)
		return;
	if (in->au)
		auparse_destroy(in->au);
	for (size_t i = 0; i < in->heldcap; i++)
		buf_free(&in->held[i].recs);
	free(in->held);
	free(in->line);
	free(in->hid);
	free(in->fb);
	free(in);
}

/* Skip the word at *p and the blank after it: false when no blank follows
 * or the word has a byte that is not printable ASCII (a \x1d in the node
 * or type word makes libauparse see an empty one, and it then leaks as
 * for a line without type=; found by tests/fuzz). */
static bool skip_word(const char **p, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		unsigned char ch = (unsigned char)(*p)[i];

		if (ch == ' ') {
			*n -= i + 1;
			*p += i + 1;
			return true;
		}
		if (ch < 0x21 || ch > 0x7e)
			return false;
	}
	return false;
}

/* 1 to 19 digits at p (at most n bytes) up to stop, which is skipped too:
 * 19 digits always fit the unsigned long libauparse reads them into. */
static bool digits_until(const char **p, size_t *n, char stop, bool *nonzero)
{
	size_t i = 0;

	for (; i < *n && (*p)[i] >= '0' && (*p)[i] <= '9'; i++)
		*nonzero |= (*p)[i] != '0';
	if (i == 0 || i > 19 || i >= *n || (*p)[i] != stop)
		return false;
	*p += i + 1;
	*n -= i + 1;
	return true;
}

/* SECONDS.MILLISECONDS:SERIAL) as auditd writes it, seconds not 0, ending
 * before byte `window` of the line at `line`: libauparse 3.0.9 reads the
 * id from a copy of the first 80 bytes (340 after node=), so an id that
 * ends later is cut. For anything else it drops the line without a word
 * or hands over an event without a time (auparse_get_timestamp gives
 * NULL), which nothing can map (found by tests/soak and tests/fuzz). */
static bool event_id_ok(const char *line, size_t window, const char *p, size_t n)
{
	bool sec = false, rest = false;

	return digits_until(&p, &n, '.', &sec) && sec && digits_until(&p, &n, ':', &rest) &&
	       digits_until(&p, &n, ')', &rest) && (size_t)(p - line) <= window;
}

/* libauparse 3.0.9 keeps the cwd= of a CWD record in the event and
 * overwrites it without freeing on a second cwd= (found by tests/fuzz).
 * The kernel writes one; no record has two, whatever its type (libaudit
 * reads type=cWD or type=1307 as CWD too), so a second means damage. */
static bool cwd_twice(const char *p, size_t n)
{
	/* memmem, not a memcmp at every byte: this runs for every record, and
	 * the byte loop was 2,000 instructions of a 250-byte one (callgrind). */
	const char *a = memmem(p, n, " cwd=", 5);

	return a && memmem(a + 5, n - (size_t)(a + 5 - p), " cwd=", 5) != NULL;
}

/* Why the line is not an audit record, or NULL when it has the shape
 * auditd writes: `[node=NAME ]type=TYPE msg=audit(`. libauparse 3.0.9
 * assumes that shape before it checks anything: it reads the type 5 bytes
 * into the first word whatever it is, and a line whose first word is not
 * type= (e.g. "X m(1700000000xx") leaks 1152 bytes inside auparse_feed
 * (found by tests/fuzz). Such a line is no record, so it never gets there. */
static const char *record_shape_problem(const char *p, size_t n)
{
	const char *line = p;
	size_t window = 80;

	if (n >= 5 && memcmp(p, "node=", 5) == 0) {
		window = 340;
		if (!skip_word(&p, &n))
			return "node=NAME is not one printable word followed by the record";
	}
	if (n < 6 || memcmp(p, "type=", 5) != 0 || p[5] == ' ')
		return "it does not start with type=TYPE (or node=NAME type=TYPE)";
	if (!skip_word(&p, &n))
		return "type=TYPE is not one printable word";
	if (n < 10 || memcmp(p, "msg=audit(", 10) != 0)
		return "no msg=audit( after its type";
	if (!event_id_ok(line, window, p + 10, n - 10))
		return "its event id is not msg=audit(SECONDS.MILLISECONDS:SERIAL) within its "
		       "first "
		       "80 bytes (340 with node=)";
	if (cwd_twice(p, n))
		return "two cwd= fields";
	return NULL;
}

static const char *format_word(enum config_format f)
{
	return f == CONFIG_FORMAT_BINARY ? "binary" : "string";
}

/* auditd 4.2 and 4.2.1 subtract the netlink header length twice from
 * every record they got from the kernel when they hand it to plugins as a
 * version-0 record (log_format = RAW and no node name): in both formats
 * the record arrives without its last 16 bytes (upstream bug, fixed after
 * 4.2.1). Only the EOE record shows it for sure: it is nothing but
 * "audit(SEC.MSEC:SERIAL): ", and cut it lacks the closing parenthesis.
 * text: the record from audit( on. */
static bool eoe_cut(const char *text, size_t n)
{
	const char *p = text + 6;
	bool any = false;

	if (n < 6 || memcmp(text, "audit(", 6) != 0)
		return false;
	n -= 6;
	return !(digits_until(&p, &n, '.', &any) && digits_until(&p, &n, ':', &any) &&
	         digits_until(&p, &n, ')', &any));
}

/* A cut EOE: say once why and what to do, count, and skip it (the event's
 * other records go on, each without its last 16 bytes). */
static void cut_seen(struct input *in)
{
	if (!in->cut)
		log_msg("ZRA0207E",
		        "auditd cuts the records it hands to this plugin 16 bytes short: auditd "
		        "4.2 and 4.2.1 do so for every kernel record when log_format = RAW and "
		        "no node name is set (name_format = none), in both plugin formats "
		        "(upstream bug, fixed after 4.2.1). %" PRIu64 " records so far lack "
		        "their end (key=, proctitle=, path names can be cut); they are delivered "
		        "as they came, the cut EOE records are skipped and counted. Remedy: "
		        "log_format = ENRICHED or name_format = hostname in auditd.conf, or "
		        "auditd 4.2.2 or later",
		        in->kernel_records);
	in->cut = true;
	in->st.cut_eoe++;
}

/* Counts the kernel's records (all but DAEMON_*, which auditd makes
 * itself and never cuts); true when the record is a cut EOE (consumed). */
static bool cut_record(struct input *in, unsigned type, const char *text, size_t n)
{
	if (type < AUDIT_FIRST_DAEMON || type > AUDIT_LAST_DAEMON) {
		in->kernel_records++;
		if (in->cut)
			in->st.cut++;
	}
	if (type != AUDIT_EOE || !eoe_cut(text, n))
		return false;
	if (!in->cut)
		in->st.cut += in->kernel_records; /* all of them were */
	cut_seen(in);
	return true;
}

/* The same for a text line "type=NAME msg=audit(...": no type lookup per
 * record (this runs for every one), only the two prefixes that matter. */
static bool cut_line(struct input *in, const char *p, size_t n)
{
	static const char eoe[] = "type=EOE msg=";
	unsigned type = AUDIT_EOE;

	if (n >= 12 && memcmp(p, "type=DAEMON_", 12) == 0)
		type = AUDIT_FIRST_DAEMON;
	else if (n < sizeof(eoe) - 1 || memcmp(p, eoe, sizeof(eoe) - 1) != 0)
		type = 0; /* some kernel record, not EOE */
	while (n && (p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	if (type != AUDIT_EOE)
		return cut_record(in, type, p, 0);
	return cut_record(in, type, p + sizeof(eoe) - 1, n - (sizeof(eoe) - 1));
}

static void input_drop_line(struct input *in, const char *start, size_t n, bool nomem);

/* The record as auparse must get it: as it is, or with NUL bytes hidden
 * (mapper.h, map_hide) so that libauparse, which keeps C strings, does not
 * cut it there. *n is updated; NULL when out of memory. */
static const char *input_hide(struct input *in, const char *p, size_t *n)
{
	if (!map_needs_hide(p, *n))
		return p;
	if (in->hid_cap < 2 * *n) {
		char *h = realloc(in->hid, 2 * *n);

		if (!h)
			return NULL;
		in->hid = h;
		in->hid_cap = 2 * *n;
	}
	*n = map_hide(p, *n, in->hid);
	return in->hid;
}

/* Hand one whole record (ending in '\n') to auparse. libauparse before 4.2
 * returns -1 without errno, hence the clear. An empty node= means no node
 * (the mapper and the log string treat it so), but libauparse 4.2 takes
 * "node=" for the type and skips the record as malformed (EBADMSG; found
 * by tests/run-matrix): it is fed without it. */
static void feed_auparse(struct input *in, const char *p, size_t n)
{
	char quoted[QUOTE_BYTES * 4 + 1];
	const char *orig = p;
	size_t orig_n = n;

	if (n > EMPTY_NODE_LEN && memcmp(p, EMPTY_NODE, EMPTY_NODE_LEN) == 0) {
		p += EMPTY_NODE_LEN;
		n -= EMPTY_NODE_LEN;
	}
	size_t hn = n;
	const char *hp = input_hide(in, p, &hn);

	if (!hp) {
		if (in->obs.refused)
			in->obs.refused(in->obs.arg, orig, orig_n); /* noted, never handed out */
		input_drop_line(in, orig, orig_n, true);
		return;
	}
	errno = 0;
	if (auparse_feed(in->au, hp, hn) < 0) {
		if (in->obs.refused)
			in->obs.refused(in->obs.arg, orig, orig_n);
		in->st.rejected++;
		log_limited("input:rejected", "ZRA0203W",
		            "auparse rejected a record (%s); it began '%s'",
		            errno ? strerror(errno) : "no reason given",
		            input_quote(quoted, sizeof(quoted), orig, orig_n));
	}
}

/* ---- events held back until whole ----
 *
 * libauparse 3.0.9 hands events out in time order only, and looks through
 * every event it holds for each record it is fed: one event that never
 * gets its last record (a fragment, an AVC outside a system call) holds up
 * all later ones until its 1 s timeout, and meanwhile every record costs a
 * scan of a second's worth of events (real logs: 73 us per record against
 * 7 for whole events; tests/bench/RESULTS.md). So records are kept here,
 * per event, until a record arrives that libauparse itself takes as the
 * end of an event, and then the whole event is fed at once: libauparse
 * holds almost nothing. An event that never ends is fed when libauparse
 * would have ended it by time (a record EOE_TIMEOUT_S newer, or input_age),
 * and libauparse ends it then. Events come out in the order they end, not
 * in time order. */

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The record type of a line that passed record_shape_problem, and its key
 * (`node=NAME ` if any, then `SECONDS.MILLI:SERIAL`): false when the key
 * does not fit KEY_MAX (then the record goes to libauparse at once). */
static bool record_key(const char *p, size_t n, int *type, char *key, size_t *klen, long long *sec)
{
	const char *t = p, *id, *end;
	char name[64];
	size_t node = 0, tl;

	if (memcmp(p, "node=", 5) == 0) {
		t = memchr(p, ' ', n);
		node = (size_t)(t - p) + 1;
		t++;
	}
	t += 5; /* type= */
	for (tl = 0; t + tl < p + n && t[tl] != ' '; tl++)
		;
	if (tl >= sizeof(name))
		return false;
	memcpy(name, t, tl);
	name[tl] = '\0';
	*type = strncmp(name, "UNKNOWN[", 8) == 0 ? atoi(name + 8) : audit_name_to_msg_type(name);
	id = t + tl + 1 + 10; /* " msg=audit(" */
	end = memchr(id, ')', (size_t)(p + n - id));
	if (!end || node + (size_t)(end - id) > KEY_MAX)
		return false;
	memcpy(key, p, node);
	memcpy(key + node, id, (size_t)(end - id));
	*klen = node + (size_t)(end - id);
	*sec = strtoll(id, NULL, 10);
	return true;
}

/* libauparse 3.0.9 (au_check_events) ends an event at a record of these
 * types; any other waits for one of them or for its timeout. */
static bool ends_event(int type)
{
	return type == AUDIT_PROCTITLE || type == AUDIT_EOE || type < AUDIT_FIRST_EVENT ||
	       type >= AUDIT_FIRST_ANOM_MSG || type == AUDIT_KERNEL ||
	       (type >= AUDIT_MAC_UNLBL_ALLOW && type <= AUDIT_MAC_CALIPSO_DEL);
}

static uint64_t key_hash(const char *k, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
	return h;
}

/* The held event with this key (the newest first: records of one event
 * arrive together), or NULL. */
static struct held *held_find(struct input *in, const char *key, size_t klen, uint64_t h)
{
	for (size_t i = in->nheld; i-- > 0;) {
		struct held *e = &in->held[i];

		if (e->hash == h && e->key_len == klen && memcmp(e->recs.data, key, klen) == 0)
			return e;
	}
	return NULL;
}

/* Feed the records of held event i and free its slot (the last one moves
 * in; the buffer stays for reuse). */
static void held_release(struct input *in, size_t i)
{
	struct held *e = &in->held[i];
	const char *p = (const char *)e->recs.data + e->key_len;
	const char *end = (const char *)e->recs.data + e->recs.len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		feed_auparse(in, p, (size_t)(nl - p) + 1);
		p = nl + 1;
	}
	struct buf keep = e->recs;

	*e = in->held[--in->nheld];
	in->held[in->nheld].recs = keep;
	buf_reset(&in->held[in->nheld].recs);
}

/* Feed the held events libauparse would end by time: EOE_TIMEOUT_S older
 * than sec (a newer record's time, or the clock), or, with mono, held
 * that long (a time far ahead of the clock); all of them with all. */
static void held_expire(struct input *in, long long sec, bool mono, bool all)
{
	double now = mono ? mono_now() : 0;
	long long min = 0;

	for (size_t i = in->nheld; i-- > 0;) {
		const struct held *e = &in->held[i];

		if (all || e->sec + EOE_TIMEOUT_S <= sec ||
		    (mono && now - e->since >= EOE_TIMEOUT_S))
			held_release(in, i);
	}
	for (size_t i = 0; i < in->nheld; i++)
		if (i == 0 || in->held[i].sec < min)
			min = in->held[i].sec;
	in->held_min_sec = min;
}

/* Keep a record of an event that is not whole yet. false: out of memory
 * (the caller feeds it at once). */
static bool held_add(struct input *in, struct held *e, const char *key, size_t klen, uint64_t h,
                     long long sec, const char *p, size_t n)
{
	if (!e) {
		if (in->nheld == HELD_MAX)
			held_release(in, 0);
		if (in->nheld == in->heldcap) {
			size_t cap = in->heldcap ? in->heldcap * 2 : 64;
			struct held *a = realloc(in->held, cap * sizeof(*a));

			if (!a)
				return false;
			for (size_t i = in->heldcap; i < cap; i++)
				buf_init(&a[i].recs);
			in->held = a;
			in->heldcap = cap;
		}
		e = &in->held[in->nheld];
		buf_reset(&e->recs);
		if (buf_append(&e->recs, key, klen) != 0)
			return false;
		e->hash = h;
		e->key_len = klen;
		e->sec = sec;
		e->since = mono_now();
		if (in->nheld == 0 || sec < in->held_min_sec)
			in->held_min_sec = sec;
		in->nheld++;
	}
	return buf_append(&e->recs, p, n) == 0;
}

/* One record of the stream: held until its event is whole, then fed. */
static void route_record(struct input *in, const char *p, size_t n)
{
	char key[KEY_MAX];
	size_t klen;
	long long sec;
	int type;

	if (!record_key(p, n, &type, key, &klen, &sec)) {
		feed_auparse(in, p, n);
		return;
	}
	/* What libauparse would end by this record's time goes first, so it
	 * ends it as it would have (rare: a held event a second old). */
	if (in->nheld && sec >= in->held_min_sec + EOE_TIMEOUT_S)
		held_expire(in, sec, false, false);
	uint64_t h = key_hash(key, klen);
	struct held *e = held_find(in, key, klen, h);

	if (ends_event(type)) {
		if (e && held_add(in, e, key, klen, h, sec, p, n)) {
			held_release(in, (size_t)(e - in->held));
			return;
		}
		if (e)
			held_release(in, (size_t)(e - in->held));
		feed_auparse(in, p, n);
		return;
	}
	if (!held_add(in, e, key, klen, h, sec, p, n))
		feed_auparse(in, p, n);
}

static void input_record(struct input *in, const char *p, size_t n)
{
	char quoted[QUOTE_BYTES * 4 + 1];
	const char *why = record_shape_problem(p, n);

	in->st.records++;
	if (in->fmt == CONFIG_FORMAT_STRING && cut_line(in, p, n))
		return;
	if (why) {
		in->st.rejected++;
		log_limited("input:notrecord", "ZRA0203W",
		            "skipped a line that is not an audit record (%s); it began '%s'", why,
		            input_quote(quoted, sizeof(quoted), p, n));
		return;
	}
	if (in->obs.record)
		in->obs.record(in->obs.arg, p, n);
	route_record(in, p, n);
}

static bool input_grow(struct input *in, size_t need)
{
	size_t cap = in->cap;
	char *p;

	if (need <= in->cap)
		return true;
	while (cap < need)
		cap *= 2;
	if (cap > INPUT_MAX_LINE + 2)
		cap = INPUT_MAX_LINE + 2;
	p = realloc(in->line, cap);
	if (!p)
		return false;
	in->line = p;
	in->cap = cap;
	return true;
}

/* start: the line's first bytes, for the message. */
static void input_drop_line(struct input *in, const char *start, size_t n, bool nomem)
{
	char quoted[QUOTE_BYTES * 4 + 1];

	in->st.overlong++;
	input_quote(quoted, sizeof(quoted), start, n);
	if (nomem)
		log_limited("input:nomem", "ZRA0205E",
		            "out of memory holding a record; it was dropped; it began '%s'",
		            quoted);
	else
		log_limited("input:overlong", "ZRA0201W",
		            "dropped a record longer than %zu bytes; it began '%s'", INPUT_MAX_LINE,
		            quoted);
}

/* Take the bytes of one line (up to and including its '\n' when nl). */
static void string_take(struct input *in, const char *p, size_t take, bool nl)
{
	size_t content = take - (nl ? 1 : 0);

	if (in->dropping) {
		in->dropping = !nl;
		return;
	}
	if (in->len + content > INPUT_MAX_LINE) {
		input_drop_line(in, in->len ? in->line : p, in->len ? in->len : content, false);
		in->len = 0;
		in->dropping = !nl;
		return;
	}
	if (nl && in->len == 0) {
		/* the common case: a whole line in this read, fed without a copy */
		if (content)
			input_record(in, p, take);
		return;
	}
	/* + 1: input_flush may add the '\n' a last line lacks */
	if (!input_grow(in, in->len + take + 1)) {
		input_drop_line(in, in->len ? in->line : p, in->len ? in->len : content, true);
		in->len = 0;
		in->dropping = !nl;
		return;
	}
	memcpy(in->line + in->len, p, take);
	in->len += take;
	if (nl) {
		if (in->len > 1)
			input_record(in, in->line, in->len);
		in->len = 0;
	}
}

static void string_feed(struct input *in, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) + 1 : n;

		string_take(in, p, take, nl != NULL);
		p += take;
		n -= take;
	}
}

static bool hdr_valid(const struct audit_dispatcher_header *h)
{
	return h->ver <= AUDISP_PROTOCOL_VER2 && h->hlen == HDR_LEN &&
	       h->size <= INPUT_BINARY_FIXED;
}

/* Stricter: also an audit message type, as auditd sends nothing else. Used
 * where a wrong guess costs data (resynchronising, telling the framings
 * apart). */
static bool hdr_plausible(const struct audit_dispatcher_header *h)
{
	return hdr_valid(h) && h->type >= 1000 && h->type <= 2999;
}

static void hdr_at(const struct input *in, size_t pos, struct audit_dispatcher_header *h)
{
	memcpy(h, in->fb + pos, HDR_LEN);
}

/* Build the text record of a frame in in->line and feed it. */
static void binary_record(struct input *in, const struct audit_dispatcher_header *h,
                          const unsigned char *payload)
{
	size_t n = h->size;
	size_t o = 0;

	/* NUL padding and the newline end it; a NUL before them is data. */
	while (n && (payload[n - 1] == '\n' || payload[n - 1] == '\0'))
		n--;
	if (n == 0)
		return;
	if (h->ver == AUDISP_PROTOCOL_VER && cut_record(in, h->type, (const char *)payload, n)) {
		in->st.records++;
		return;
	}
	if (h->ver == AUDISP_PROTOCOL_VER) {
		const char *name = audit_msg_type_to_name((int)h->type);

		if (name)
			o = (size_t)snprintf(in->line, in->cap, "type=%s msg=", name);
		else
			o = (size_t)snprintf(in->line, in->cap, "type=UNKNOWN[%u] msg=", h->type);
	}
	/* in->cap >= LINE_START > prefix + INPUT_BINARY_FIXED + 1 */
	for (size_t i = 0; i < n; i++) /* an embedded newline would split the record */
		in->line[o + i] = payload[i] == '\n' ? ' ' : (char)payload[i];
	o += n;
	in->line[o++] = '\n';
	input_record(in, in->line, o);
}

static size_t resync_scan(const struct input *in, size_t from)
{
	struct audit_dispatcher_header h;

	for (size_t i = from; i + HDR_LEN <= in->flen; i++) {
		hdr_at(in, i, &h);
		if (hdr_plausible(&h))
			return i;
	}
	return in->flen >= HDR_LEN - 1 && in->flen - (HDR_LEN - 1) > from ? in->flen - (HDR_LEN - 1)
	                                                                  : from;
}

static void binary_decided(struct input *in, enum framing f)
{
	in->framing = f;
	log_msg("ZRA0204I", "binary input: frames are %s",
	        f == FRAMING_FIXED ? "16 + 8970 bytes (auditd 4.1.0 or older)"
	                           : "16 + the record size (auditd 4.1.1 or newer)");
}

/* Length of the frame whose header is at pos, or 0 until that is known.
 * paused: no more bytes are coming for now (the writer has sent whole
 * frames, so a fixed-size frame would already be complete). */
static size_t frame_len(struct input *in, const struct audit_dispatcher_header *h, size_t pos,
                        bool paused)
{
	size_t exact = HDR_LEN + h->size;
	size_t avail = in->flen - pos;
	struct audit_dispatcher_header next;

	if (in->framing == FRAMING_FIXED)
		return FIXED_FRAME;
	if (in->framing == FRAMING_EXACT || exact == FIXED_FRAME)
		return exact;
	if (avail >= exact + HDR_LEN) {
		hdr_at(in, pos + exact, &next);
		binary_decided(in, hdr_plausible(&next) ? FRAMING_EXACT : FRAMING_FIXED);
		return frame_len(in, h, pos, paused);
	}
	if (paused && avail == exact) {
		binary_decided(in, FRAMING_EXACT);
		return exact;
	}
	return 0;
}

/* Consume every complete frame in the buffer; keep the rest at its start. */
static void binary_drain(struct input *in, bool paused)
{
	struct audit_dispatcher_header h;
	size_t pos = 0;

	while (in->flen - pos >= HDR_LEN) {
		size_t len;

		hdr_at(in, pos, &h);
		if (!(in->resyncing ? hdr_plausible(&h) : hdr_valid(&h))) {
			if (!in->resyncing) {
				in->st.bad_frames++;
				in->resyncing = true;
				log_limited(
				        "input:badframe", "ZRA0202W",
				        "binary input: invalid frame header at byte %llu (ver %u, "
				        "hlen %u, size %u); skipping to the next plausible header",
				        (unsigned long long)in->fb_offset + pos, h.ver, h.hlen,
				        h.size);
			}
			pos = resync_scan(in, pos + 1);
			continue;
		}
		in->resyncing = false;
		len = frame_len(in, &h, pos, paused);
		if (len == 0 || in->flen - pos < len)
			break;
		binary_record(in, &h, in->fb + pos + HDR_LEN);
		pos += len;
	}
	memmove(in->fb, in->fb + pos, in->flen - pos);
	in->flen -= pos;
	in->fb_offset += pos;
}

static void binary_feed(struct input *in, const char *p, size_t n)
{
	while (n) {
		size_t take = FRAME_BUF - in->flen;

		if (take > n)
			take = n;
		memcpy(in->fb + in->flen, p, take);
		in->flen += take;
		p += take;
		n -= take;
		binary_drain(in, false);
	}
}

/* The format is the stream's: a frame header starts with its version, 0
 * or 1, in a 32-bit word (a 0 byte first in either byte order); a text
 * record with type= or node=. auditd writes what its plugins.d entry's
 * format says, so a config that disagrees is wrong, not the stream. */
static void decide_format(struct input *in, unsigned char first)
{
	in->decided = true;
	if (first == 0 || first == 1)
		in->fmt = CONFIG_FORMAT_BINARY;
	else if (first == 't' || first == 'n')
		in->fmt = CONFIG_FORMAT_STRING;
	if (in->fmt == in->want)
		return;
	in->st.format_mismatch = true;
	log_msg("ZRA0208W",
	        "the input is %s (auditd's plugins.d entry says format = %s) but this plugin's "
	        "configuration (zos-remote.conf, or --format) says format = %s; reading it as "
	        "%s. Set the same format in both: the plugins.d file decides what auditd "
	        "sends, the format key in zos-remote.conf should say the same",
	        in->fmt == CONFIG_FORMAT_BINARY ? "binary frames" : "text lines",
	        format_word(in->fmt), format_word(in->want), format_word(in->fmt));
}

void input_feed(struct input *in, const char *p, size_t n)
{
	if (!in->decided && n)
		decide_format(in, (unsigned char)p[0]);
	in->st.bytes += n;
	if (in->fmt == CONFIG_FORMAT_BINARY)
		binary_feed(in, p, n);
	else
		string_feed(in, p, n);
}

void input_age(struct input *in)
{
	if (in->fmt == CONFIG_FORMAT_BINARY && in->framing == FRAMING_UNKNOWN && in->flen)
		binary_drain(in, true);
	if (in->nheld)
		held_expire(in, (long long)time(NULL), true, false);
	if (auparse_feed_has_data(in->au))
		auparse_feed_age_events(in->au);
}

/* End of input: a last frame whose payload is all there is delivered even
 * when its padding never came; anything else is reported and dropped. */
static void binary_flush(struct input *in)
{
	struct audit_dispatcher_header h;
	char quoted[QUOTE_BYTES * 4 + 1];

	binary_drain(in, true);
	if (in->flen >= HDR_LEN) {
		hdr_at(in, 0, &h);
		if (hdr_valid(&h) && in->flen >= HDR_LEN + h.size) {
			binary_record(in, &h, in->fb + HDR_LEN);
			in->flen = 0;
		}
	}
	if (in->flen)
		log_msg("ZRA0206W",
		        "binary input: %zu bytes of an incomplete frame discarded at "
		        "the end of input; they began '%s'",
		        in->flen,
		        input_quote(quoted, sizeof(quoted), (const char *)in->fb, in->flen));
	in->fb_offset += in->flen;
	in->flen = 0;
	in->resyncing = false;
}

void input_flush(struct input *in)
{
	if (in->fmt == CONFIG_FORMAT_BINARY) {
		binary_flush(in);
	} else if (in->len && !in->dropping) {
		/* the last line lacks its '\n': it is still a whole record */
		in->line[in->len++] = '\n';
		input_record(in, in->line, in->len);
	}
	in->len = 0;
	in->dropping = false;
	held_expire(in, 0, false, true);
	auparse_flush_feed(in->au);
}

const struct input_stats *input_stats(const struct input *in)
{
	return &in->st;
}

void input_observe(struct input *in, const struct input_observer *obs)
{
	if (obs)
		in->obs = *obs;
	else
		memset(&in->obs, 0, sizeof(in->obs));
}

bool input_idle(const struct input *in)
{
	return in->nheld == 0 && !auparse_feed_has_data(in->au);
}
