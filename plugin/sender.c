/* sender.c - the delivery thread: batches, window, outcome policy, retries. */
#include <zr-autoconf.h> /* _GNU_SOURCE: pthread_timedjoin_np */

#include <errno.h>
#include <ldap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ictx.h"
#include "log.h"
#include "pace.h"
#include "sender.h"
#include "session.h"
#include "setaside.h"

#define CONNECT_BACKOFF_MIN 1.0
#define CONNECT_BACKOFF_MAX 60.0
#define BIND_BACKOFF_MIN    60.0 /* a rejected bind needs a human: retry slowly */
#define BIND_BACKOFF_MAX    300.0
#define PAUSE_BACKOFF_MIN   1.0
#define PAUSE_BACKOFF_MAX   60.0
#define TICK                1.0 /* longest sleep: control and deadlines are checked this often */
#define BUSY_SWITCH         3   /* busy/unavailable answers in a row that count as a server error */

/* A run of consecutive unsettled items of one event. Every unsettled item
 * of every event the sender holds is in exactly one slice, either pending
 * or in a request in flight; that is what makes freeing exact. */
struct slice {
	struct qevent *ev;
	uint32_t first, n;
};

/* Pending work: a double-ended ring of slices, so work can be put back at
 * the front in its original order. */
struct deque {
	struct slice *v;
	size_t cap, head, len;
	size_t items, bytes; /* totals over the slices */
};

struct request {
	int msgid;
	double deadline; /* monotonic; past it the connection is dead */
	struct slice *slices;
	size_t nslices, cap, nitems;
};

struct sender {
	/* Shared with other threads: under lock. */
	pthread_mutex_t lock;
	struct config next; /* pending reload */
	bool reload;
	bool stopping;
	double stop_at;
	struct sender_stats st;
	int ctl_fd; /* eventfd: reload/stop wake the thread */

	/* The sender thread's own. */
	pthread_t thread;
	bool started;
	struct config cfg;
	struct queue *q;
	struct set_aside *sa;            /* NULL: refused items are only logged and counted */
	struct sender_counters counters; /* operator counters (stats.h); NULLs: none */
	struct session_tls_ctx *tls;     /* the TLS context sess and probe share */
	struct session *sess;
	/* Failover (sender.h): cur is the server in use or being tried, last
	 * the one last bound to, tried the server errors since the last
	 * answer (a full round of them means back-off). probe holds the
	 * primary while failback = interval switches back to it. */
	unsigned cur, last, tried, busy_run;
	struct session *probe;
	double failback_at;
	bool drain_reconnect; /* SIGHUP: reconnect once the requests in flight are answered */
	char why[320];        /* why the last server was left, for ZRA0701W/0702I */
	struct deque pending;
	double linger_from; /* when the oldest pending item was taken; 0 = send at once */
	struct pace lg;     /* the input rate, for the linger (pace.h) */
	size_t wake_at;     /* what queue_wake_at was last told */
	struct request *fly;
	size_t nfly, fly_cap;
	double connect_at, connect_wait; /* next attempt, current back-off */
	double send_at, pause_wait;      /* delivery paused until send_at */
	bool oid_warned;
	struct buf items_buf, req_buf;
	struct ictx_response resp;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Up to 10% more, so many plugins that lost one server do not come back
 * in lockstep. */
static double jitter(double sec)
{
	return sec * (1.0 + (double)(rand() % 100) / 1000.0); // NOLINT(cert-msc30-c,cert-msc50-cpp)
}

static double grow(double cur, double min, double max)
{
	double next = cur < min ? min : cur * 2;

	return next > max ? max : next;
}

const char *sender_settled_name(enum sender_settled i)
{
	static const char *const n[SETTLED_N] = {"SUCCESS", "WARNINGMODE", "NOTREQ",
	                                         "UNDETERMINED"};
	return (unsigned)i < SETTLED_N ? n[i] : "?";
}

const char *sender_dropped_name(enum sender_dropped i)
{
	static const char *const n[DROPPED_N] = {"VAL_ERR",  "ENC_ERR",   "RACROUTE",
	                                         "INTERNAL", "no_answer", "unknown"};
	return (unsigned)i < DROPPED_N ? n[i] : "?";
}

/* ---- pending work ---- */

static size_t slice_bytes(const struct slice *sl)
{
	size_t b = 0;

	for (uint32_t i = 0; i < sl->n; i++)
		b += sl->ev->items[sl->first + i].der_len;
	return b;
}

static int dq_grow(struct deque *d)
{
	size_t cap = d->cap ? d->cap * 2 : 64;
	struct slice *v = malloc(cap * sizeof(*v));

	if (!v)
		return -1;
	for (size_t i = 0; i < d->len; i++)
		v[i] = d->v[(d->head + i) % d->cap];
	free(d->v);
	d->v = v;
	d->cap = cap;
	d->head = 0;
	return 0;
}

/* Pending work must never be lost: out of memory here is not survivable
 * in any way that keeps the at-least-once promise, so say so and stop. */
static void dq_need_room(struct deque *d)
{
	if (d->len == d->cap && dq_grow(d) != 0) {
		log_msg("ZRA0499S", "out of memory holding pending audit items; exiting");
		abort();
	}
}

static void dq_push_back(struct deque *d, struct slice sl)
{
	dq_need_room(d);
	d->v[(d->head + d->len) % d->cap] = sl;
	d->len++;
	d->items += sl.n;
	d->bytes += slice_bytes(&sl);
}

static void dq_push_front(struct deque *d, struct slice sl)
{
	dq_need_room(d);
	d->head = (d->head + d->cap - 1) % d->cap;
	d->v[d->head] = sl;
	d->len++;
	d->items += sl.n;
	d->bytes += slice_bytes(&sl);
}

static struct slice *dq_front(struct deque *d)
{
	return d->len ? &d->v[d->head] : NULL;
}

static void dq_pop_front(struct deque *d)
{
	struct slice *sl = &d->v[d->head];

	d->items -= sl->n;
	d->bytes -= slice_bytes(sl);
	d->head = (d->head + 1) % d->cap;
	d->len--;
}

/* ---- statistics (read by main: under lock) ---- */

static void count_settled(struct sender *s, enum sender_settled i)
{
	pthread_mutex_lock(&s->lock);
	s->st.settled[i]++;
	pthread_mutex_unlock(&s->lock);
}

static void count_dropped(struct sender *s, enum sender_dropped i)
{
	pthread_mutex_lock(&s->lock);
	s->st.dropped[i]++;
	pthread_mutex_unlock(&s->lock);
}

static void count_add(struct sender *s, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&s->lock);
	*field += n;
	pthread_mutex_unlock(&s->lock);
}

static void set_state(struct sender *s, bool connected, bool paused)
{
	pthread_mutex_lock(&s->lock);
	s->st.connected = connected;
	s->st.paused = paused;
	pthread_mutex_unlock(&s->lock);
}

/* ---- servers (failover) ---- */

static unsigned nservers(const struct sender *s)
{
	return config_server_count(&s->cfg);
}

static const char *peer_of(const struct sender *s, unsigned i)
{
	return s->st.server[i].peer; /* written by this thread only: no lock to read */
}

/* Name the servers of the configuration in the per-server counters,
 * keeping the counts of a server that was already listed (a reload). */
static void name_servers(struct sender *s)
{
	struct sender_server_stats v[SENDER_SERVERS_MAX] = {0};
	unsigned n = nservers(s);

	for (unsigned i = 0; i < n; i++) {
		struct session_opts o;

		session_opts_for_server(&o, &s->cfg, i);
		session_peer_name(&o, v[i].peer, sizeof(v[i].peer));
		for (unsigned j = 0; j < s->st.nservers; j++)
			if (strcmp(s->st.server[j].peer, v[i].peer) == 0) {
				v[i] = s->st.server[j];
				break;
			}
	}
	pthread_mutex_lock(&s->lock);
	memcpy(s->st.server, v, sizeof(v));
	s->st.nservers = n;
	s->st.current = s->cur;
	pthread_mutex_unlock(&s->lock);
}

/* Where to go after a server error on cur. The failed server goes to the
 * end of the round; with failback = reconnect a lost connection starts
 * the next round at the primary (unless the primary is what was lost). */
static unsigned next_server(const struct sender *s, bool was_connected)
{
	if (s->cfg.failback == CONFIG_FAILBACK_RECONNECT && was_connected && s->cur != 0)
		return 0;
	return (s->cur + 1) % nservers(s);
}

/* A server error on the server in use: count it, remember why, and pick
 * the next server. true when that one should be tried at once; false
 * when every server failed in turn (or there is only one): back off. */
static bool server_failed(struct sender *s, const char *why, bool was_connected)
{
	bool at_once;

	s->busy_run = 0;
	snprintf(s->why, sizeof(s->why), "%s", why ? why : "server error");
	s->tried++;
	at_once = s->tried < nservers(s);
	if (!at_once)
		s->tried = 0;
	pthread_mutex_lock(&s->lock);
	s->st.server[s->cur].failures++;
	s->cur = next_server(s, was_connected);
	s->st.current = s->cur;
	pthread_mutex_unlock(&s->lock);
	return at_once;
}

/* ---- settling ---- */

/* The item is finished with: when it was its event's last one, the event
 * is settled (the spool may forget it) and freed. */
static void finish_item(struct sender *s, struct qevent *ev, struct qitem *it)
{
	it->settled = 1;
	if (--ev->unsettled == 0)
		queue_settle(s->q, ev);
}

/* What happens to an item the server will not take, for messages. */
static const char *fate(const struct sender *s)
{
	return s->sa ? "the item is set aside (see the set-aside file)" : "the item is dropped";
}

/* Write a refused item to the set-aside file. false when that failed: the
 * item then stays unsettled (in the spool) and is tried again later, so it
 * is never lost to a full disk. */
static bool set_aside(struct sender *s, const struct qevent *ev, const struct qitem *it,
                      const struct ictx_outcome *o)
{
	char detail[160];
	const char *reason = o ? ictx_major_name(o->major) : "NO_ANSWER";

	if (!s->sa)
		return true;
	if (!o)
		snprintf(detail, sizeof(detail), "no usable answer after %u sends",
		         (unsigned)it->attempts + 1);
	else if (o->major == ICTX_VAL_ERR || o->major == ICTX_ENC_ERR)
		snprintf(detail, sizeof(detail), "field %s: %s", ictx_field_name(o->minor1),
		         ictx_reason_name(o->minor2));
	else
		snprintf(detail, sizeof(detail), "SAF rc %d, RACF rc %d, reason %d after %u sends",
		         o->minor1, o->minor2, o->minor3, (unsigned)it->attempts + 1);
	if (set_aside_write(s->sa, ev, it, reason, o ? o->major : -1, o ? o->minor1 : 0,
	                    o ? o->minor2 : 0, o ? o->minor3 : 0, detail) == 0) {
		count_add(s, &s->st.set_aside, 1);
		return true;
	}
	count_add(s, &s->st.set_aside_errors, 1);
	log_limited("set-aside-failed", "ZRA0416E",
	            "cannot write to the set-aside file %s: %s; the %s item for resource %s "
	            "(event serial %u) stays in the spool and is tried again. Free space or fix "
	            "the file",
	            set_aside_path(s->sa), strerror(errno), reason, qitem_resource(ev, it),
	            it->serial);
	return false;
}

/* ---- the outcome policy's effects (judge.h decides) ---- */

static void log_item_dropped(const struct sender *s, const struct qevent *ev,
                             const struct qitem *it, const struct ictx_outcome *o)
{
	const char *res = qitem_resource(ev, it);
	char key[96];

	snprintf(key, sizeof(key), "%d:%s", o->major, res);
	log_limited(key, judge_msg_id(JM_REFUSED),
	            "%s (%d) for resource %s (event serial %u, ItemTag %u): field %s (%d): %s "
	            "(%d); %s. This is a plugin limit or a server limit the plugin does not "
	            "know: report it with this message (class %s)",
	            ictx_major_name(o->major), o->major, res, it->serial, it->tag,
	            ictx_field_name(o->minor1), o->minor1, ictx_reason_name(o->minor2), o->minor2,
	            fate(s), s->cfg.class_name);
}

/* The message judge() chose for item it (answered by o, or not at all). */
static void log_judgement(const struct sender *s, const struct qevent *ev, const struct qitem *it,
                          const struct ictx_outcome *o, enum judge_msg m)
{
	const char *res = qitem_resource(ev, it);
	const char *id = judge_msg_id(m);
	char key[96];

	if (!o && m != JM_NO_ANSWER)
		return; /* judge() gives every other message only for an answer */
	switch (m) {
	case JM_NONE:
	case JM_N:
		break;
	case JM_NOTREQ:
		snprintf(key, sizeof(key), "3:%s", res);
		log_limited(key, id,
		            "NOTREQ (3) for resource %s: the covering profile's AUDIT setting does "
		            "not ask RACF to log it; not an error, counted",
		            res);
		break;
	case JM_UNDETERMINED:
		snprintf(key, sizeof(key), "4:%s", res);
		log_limited(key, id,
		            "UNDETERMINED (4) for resource %s (event serial %u): no profile in "
		            "class %s covers it, or the class is not active and RACLISTed; not "
		            "logged. Define a profile (RDEFINE %s %s or a generic one) to decide",
		            res, it->serial, s->cfg.class_name, s->cfg.class_name, res);
		break;
	case JM_UNKNOWN:
		log_limited("unknown-major", id,
		            "unexpected MajorCode %d (%s) for resource %s (event serial %u); %s",
		            o->major, ictx_major_name(o->major), res, it->serial, fate(s));
		break;
	case JM_REFUSED:
		log_item_dropped(s, ev, it, o);
		break;
	case JM_GAVE_UP:
		snprintf(key, sizeof(key), "%d:%s", o->major, res);
		log_limited(key, id,
		            "%s (%d) for resource %s (event serial %u) after %u attempts: SAF rc "
		            "%d, RACF rc %d, reason %d; %s. Look up R_auditx return codes and the "
		            "ITDS server log",
		            ictx_major_name(o->major), o->major, res, it->serial,
		            s->cfg.retry_limit, o->minor1, o->minor2, o->minor3, fate(s));
		break;
	case JM_UNAUTHORIZED:
		log_limited("pause:8", id,
		            "UNAUTHORIZED (8): the ITDS server's own user lacks READ access to "
		            "FACILITY IRR.RAUDITX, so RACF refuses every item. Fix: PERMIT "
		            "IRR.RAUDITX CLASS(FACILITY) ID(<ITDS user>) ACCESS(READ) and refresh "
		            "FACILITY. Delivery is paused and retried; nothing is dropped");
		break;
	case JM_UNSUF_AUTH:
		log_limited("pause:24", id,
		            "UNSUF_AUTH (24): the bind user %s lacks READ access to FACILITY "
		            "IRR.LDAP.REMOTE.AUDIT. Fix: PERMIT IRR.LDAP.REMOTE.AUDIT "
		            "CLASS(FACILITY) ID(%s) ACCESS(READ) and refresh FACILITY. Delivery is "
		            "paused and retried; nothing is dropped",
		            s->cfg.user, s->cfg.user);
		break;
	case JM_NO_ANSWER:
		log_limited("no-answer", id,
		            "no usable answer for resource %s (event serial %u, ItemTag %u) after "
		            "%u attempts; %s",
		            res, it->serial, it->tag, s->cfg.retry_limit, fate(s));
		break;
	}
}

/* What one per-item outcome means (judge), and its effects: the operator's
 * counters, the message, the settled count, and for a dropped item the
 * set-aside file (when that cannot take it, the item stays: V_PAUSE). o is
 * NULL when the response did not answer the item (the server stopped after
 * an ENC_ERR, or the whole response was unusable). */
static enum verdict apply_judgement(struct sender *s, const struct qevent *ev,
                                    const struct qitem *it, const struct ictx_outcome *o)
{
	struct judgement j = judge(o != NULL, o ? o->major : 0, it->attempts, s->cfg.retry_limit);

	if (o && j.counted && s->counters.outcome)
		s->counters.outcome(s->counters.arg, o->major, qitem_resource(ev, it));
	log_judgement(s, ev, it, o, j.msg);
	if (j.verdict == V_SETTLED)
		count_settled(s, j.settled);
	if (j.verdict == V_DROPPED) {
		if (!set_aside(s, ev, it, o))
			return V_PAUSE;
		count_dropped(s, j.dropped);
	}
	return j.verdict;
}

/* ---- requests ---- */

static void req_add(struct request *r, struct slice sl)
{
	if (r->nslices == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct slice *v = realloc(r->slices, cap * sizeof(*v));

		if (!v) {
			log_msg("ZRA0499S", "out of memory holding pending audit items; exiting");
			abort();
		}
		r->slices = v;
		r->cap = cap;
	}
	r->slices[r->nslices++] = sl;
	r->nitems += sl.n;
}

/* Put a request's work back at the front of the pending work, in order. */
static void req_requeue(struct sender *s, struct request *r)
{
	for (size_t i = r->nslices; i-- > 0;)
		dq_push_front(&s->pending, r->slices[i]);
	s->linger_from = 0;
	r->nslices = r->nitems = 0;
}

/* Every request in flight back to the front, oldest first. */
static void requeue_all(struct sender *s)
{
	size_t items = 0;

	for (size_t i = s->nfly; i-- > 0;) {
		items += s->fly[i].nitems;
		req_requeue(s, &s->fly[i]);
	}
	s->nfly = 0;
	if (items)
		count_add(s, &s->st.resent, items);
}

/* Take the next batch off the front of the pending work. */
static void take_batch(struct sender *s, struct request *r)
{
	size_t max_items = s->cfg.batch_items, max_bytes = s->cfg.batch_bytes, bytes = 0;
	struct slice *sl;

	while ((sl = dq_front(&s->pending)) != NULL) {
		size_t b = slice_bytes(sl);

		if (r->nitems + sl->n <= max_items && bytes + b <= max_bytes) {
			req_add(r, *sl);
			bytes += b;
			dq_pop_front(&s->pending);
			continue;
		}
		if (r->nitems > 0)
			break;
		/* The event alone exceeds a batch: split it, at least one item. */
		uint32_t k = 0;

		for (size_t acc = 0; k < sl->n && k < max_items; k++) {
			acc += sl->ev->items[sl->first + k].der_len;
			if (acc > max_bytes && k > 0)
				break;
		}
		struct slice part = {.ev = sl->ev, .first = sl->first, .n = k};

		dq_pop_front(&s->pending);
		if (k < sl->n)
			dq_push_front(&s->pending, (struct slice){.ev = part.ev,
			                                          .first = part.first + k,
			                                          .n = sl->n - k});
		req_add(r, part);
		break;
	}
}

static int encode_request(struct sender *s, const struct request *r)
{
	buf_reset(&s->items_buf);
	for (size_t i = 0; i < r->nslices; i++) {
		const struct slice *sl = &r->slices[i];

		for (uint32_t j = 0; j < sl->n; j++) {
			const struct qitem *it = &sl->ev->items[sl->first + j];

			if (buf_append(&s->items_buf, qitem_der(sl->ev, it), it->der_len) != 0)
				return -1;
		}
	}
	return ictx_encode_request(ICTX_REQUEST_VERSION, s->items_buf.data, s->items_buf.len,
	                           &s->req_buf);
}

/* ---- connection ---- */

/* The connection in use failed (lost, timed out, busy too long): its
 * requests go back to the pending work and the next server is chosen.
 * logged: why was already logged by the caller. */
static void drop_connection(struct sender *s, const char *why, bool logged)
{
	if (!logged)
		log_msg("ZRA0304W",
		        "%s; %zu request(s) in flight will be sent again after reconnecting "
		        "(the server may see them twice)",
		        why, s->nfly);
	session_close(s->sess);
	requeue_all(s);
	count_add(s, &s->st.connection_losses, 1);
	set_state(s, false, false);
	if (session_is_open(s->probe)) {
		/* Failing back already: the primary is bound and waiting. */
		snprintf(s->why, sizeof(s->why), "%s", why);
		s->connect_at = 0;
		return;
	}
	if (server_failed(s, why, true)) {
		s->connect_at = 0;
		return;
	}
	s->connect_wait = grow(s->connect_wait, CONNECT_BACKOFF_MIN, CONNECT_BACKOFF_MAX);
	s->connect_at = now_mono() + jitter(s->connect_wait);
}

static bool stopping(struct sender *s, double *stop_at)
{
	bool st;

	pthread_mutex_lock(&s->lock);
	st = s->stopping;
	*stop_at = s->stop_at;
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* Bound to server cur: count it, and log a change of server once. */

/* What to check when the server refuses the bind, by bind method. */
static const char *bind_hint(const struct sender *s)
{
	if (s->cfg.bind == CONFIG_BIND_SASL_EXTERNAL)
		return ". Check that the server maps the client certificate (tls_cert_file) to a "
		       "RACF "
		       "user and that the user is not revoked";
	return ". Check user and password in the configuration file and the RACF user's status "
	       "(revoked? password expired?)";
}
static void connected(struct sender *s, double now)
{
	if (s->cfg.bind == CONFIG_BIND_SASL_EXTERNAL)
		log_msg("ZRA0301I",
		        "connected to %s and bound with SASL EXTERNAL (client certificate %s)",
		        session_peer(s->sess), s->cfg.tls_cert_file);
	else
		log_msg("ZRA0301I", "connected to %s and bound as racfid=%s,cn=ictx",
		        session_peer(s->sess), s->cfg.user);
	if (s->cur != s->last && s->cur == 0)
		log_msg("ZRA0702I", "back on the primary server %s (left %s: %s)", peer_of(s, 0),
		        peer_of(s, s->last), s->why);
	else if (s->cur != s->last)
		log_msg("ZRA0701W", "switched from %s to %s%s (%s)", peer_of(s, s->last),
		        peer_of(s, s->cur), s->last == 0 ? "" : ", an alternate", s->why);
	pthread_mutex_lock(&s->lock);
	s->st.connects++;
	s->st.server[s->cur].connects++;
	s->st.current = s->cur;
	if (s->cur != s->last)
		s->st.switches++;
	pthread_mutex_unlock(&s->lock);
	s->last = s->cur;
	s->busy_run = 0;
	s->failback_at = now + s->cfg.failback_interval;
	if (s->counters.server)
		s->counters.server(s->counters.arg, session_peer(s->sess));
	s->connect_wait = 0;
	s->send_at = 0;
	set_state(s, true, false);
}

/* The probe to the primary becomes the session in use. */
static void adopt_probe(struct sender *s, double now)
{
	struct session *old = s->sess;

	session_close(old);
	s->sess = s->probe;
	s->probe = old;
	s->cur = 0;
	s->tried = 0;
	connected(s, now);
}

static void try_connect(struct sender *s, double now)
{
	struct session_opts o;
	char err[512];
	double stop_at;
	int code;
	enum session_status rc;
	unsigned failed;

	if (session_is_open(s->probe)) {
		adopt_probe(s, now);
		return;
	}
	session_opts_for_server(&o, &s->cfg, s->cur);
	if (stopping(s, &stop_at))
		o.connect_limit = stop_at - now;
	rc = session_open(s->sess, &o, &code, err, sizeof(err));
	if (rc == SESSION_OK) {
		connected(s, now);
		return;
	}
	failed = s->cur;
	if (server_failed(s, err, false)) {
		log_msg(rc == SESSION_REJECTED ? "ZRA0303E" : "ZRA0302W", "%s%s; trying %s next",
		        err, rc == SESSION_REJECTED ? bind_hint(s) : "", peer_of(s, s->cur));
		s->connect_at = 0;
		return;
	}
	if (rc == SESSION_REJECTED) {
		s->connect_wait = grow(s->connect_wait < BIND_BACKOFF_MIN ? 0 : s->connect_wait,
		                       BIND_BACKOFF_MIN, BIND_BACKOFF_MAX);
		log_msg("ZRA0303E", "%s%s; retrying in %.0f s", err, bind_hint(s), s->connect_wait);
	} else {
		s->connect_wait = grow(s->connect_wait, CONNECT_BACKOFF_MIN, CONNECT_BACKOFF_MAX);
		log_msg("ZRA0302W", "%s; retrying in %.0f s", err, s->connect_wait);
	}
	if (nservers(s) > 1)
		log_msg("ZRA0703W",
		        "none of the %u servers could be used (the last tried, %s, failed); trying "
		        "again from %s in %.0f s",
		        nservers(s), peer_of(s, failed), peer_of(s, s->cur), s->connect_wait);
	s->connect_at = now_mono() + jitter(s->connect_wait);
}

/* ---- sending ---- */

static bool draining(struct sender *s)
{
	double stop_at;

	return stopping(s, &stop_at) || queue_finished(s->q);
}

/* Full: another event of the average size would not fit (so a request
 * does not leave a split event's last items behind to go on their own). */
static bool batch_full(const struct sender *s)
{
	size_t avg = s->pending.items / s->pending.len;

	return s->pending.items + (avg > 1 ? avg - 1 : 0) >= s->cfg.batch_items;
}

/* Move events from the queue into the pending work while a batch could
 * still take them. */
static void pull(struct sender *s, double now)
{
	struct qevent *e;

	while (s->pending.items < s->cfg.batch_items && s->pending.bytes < s->cfg.batch_bytes &&
	       !(s->pending.len && batch_full(s)) && (e = queue_pop(s->q, 0)) != NULL) {
		if (s->pending.len == 0)
			s->linger_from = now; /* a new batch starts lingering */
		pace_note(&s->lg, now, e->nitems);
		dq_push_back(&s->pending, (struct slice){.ev = e, .first = 0, .n = e->nitems});
	}
}

static double linger_s(const struct sender *s)
{
	return pace_seconds(&s->lg, s->cfg.batch_items, s->cfg.linger_ms, s->cfg.linger_max_ms);
}

static bool batch_ready(struct sender *s, double now)
{
	if (s->pending.len == 0)
		return false;
	return batch_full(s) || s->pending.bytes >= s->cfg.batch_bytes || s->linger_from == 0 ||
	       now - s->linger_from >= linger_s(s) || draining(s);
}

/* While a batch lingers, the reader wakes us only once the queue holds
 * about what fills it (queue_wake_at): one wake-up per batch. */
static void want_wake(struct sender *s, bool lingering)
{
	size_t at = 1;

	if (lingering && s->pending.items && s->pending.items < s->cfg.batch_items)
		at = (s->cfg.batch_items - s->pending.items) * s->pending.len / s->pending.items;
	if (at < 1)
		at = 1;
	if (at != s->wake_at) {
		queue_wake_at(s->q, at);
		s->wake_at = at;
	}
}

static void send_one(struct sender *s, double now)
{
	struct request *r = &s->fly[s->nfly];
	char err[512];

	r->nslices = r->nitems = 0;
	take_batch(s, r);
	/* What is left (the rest of a split event) starts the next batch. */
	s->linger_from = s->pending.len ? now : 0;
	if (encode_request(s, r) != 0) {
		log_msg("ZRA0409E",
		        "cannot encode a request of %zu items (out of memory?); "
		        "retrying",
		        r->nitems);
		req_requeue(s, r);
		s->send_at = now + 1;
		return;
	}
	if (session_send(s->sess, ICTX_REQUEST_OID, s->req_buf.data, s->req_buf.len, &r->msgid, err,
	                 sizeof(err)) != SESSION_OK) {
		req_requeue(s, r);
		drop_connection(s, err, false);
		return;
	}
	r->deadline = now + s->cfg.timeout;
	s->nfly++;
	pthread_mutex_lock(&s->lock);
	s->st.requests++;
	s->st.items_sent += r->nitems;
	s->st.server[s->cur].items_sent += r->nitems;
	pthread_mutex_unlock(&s->lock);
}

static void fill_window(struct sender *s, double now)
{
	/* While the primary waits in probe, or a SIGHUP waits to reconnect,
	 * the session only finishes its requests in flight: nothing is sent
	 * twice by a failback or a reload. */
	while (session_is_open(s->sess) && !session_is_open(s->probe) && !s->drain_reconnect &&
	       s->nfly < s->cfg.window && now >= s->send_at) {
		pull(s, now);
		if (!batch_ready(s, now))
			return;
		send_one(s, now);
	}
}

/* ---- responses ---- */

static void pause_delivery(struct sender *s, double now)
{
	s->pause_wait = grow(s->pause_wait, PAUSE_BACKOFF_MIN, PAUSE_BACKOFF_MAX);
	s->send_at = now + jitter(s->pause_wait);
	set_state(s, true, true);
}

/* The outcome for item tag, looking first where it should be (responses
 * keep request order), then anywhere. */
static const struct ictx_outcome *find_outcome(const struct ictx_response *rsp, size_t *cursor,
                                               uint32_t tag)
{
	if (*cursor < rsp->nitems && rsp->items[*cursor].tag == tag)
		return &rsp->items[(*cursor)++];
	for (size_t i = 0; i < rsp->nitems; i++)
		if (rsp->items[i].tag == tag)
			return &rsp->items[i];
	return NULL;
}

/* Apply verdicts to every item of r; rsp NULL = nothing usable came back.
 * Items to send again are collected into runs and put back in front. */
static void settle_request(struct sender *s, struct request *r, const struct ictx_response *rsp)
{
	struct request again = {0};
	size_t cursor = 0;
	bool pause = false, progress = false;

	for (size_t i = 0; i < r->nslices; i++) {
		struct slice *sl = &r->slices[i];
		struct slice run = {.ev = sl->ev, .first = sl->first, .n = 0};

		for (uint32_t j = 0; j < sl->n; j++) {
			struct qitem *it = &sl->ev->items[sl->first + j];
			const struct ictx_outcome *o =
			        rsp ? find_outcome(rsp, &cursor, it->tag) : NULL;
			enum verdict v = apply_judgement(s, sl->ev, it, o);

			if (v == V_RETRY || v == V_PAUSE) {
				if (v == V_RETRY)
					it->attempts++;
				pause |= v == V_PAUSE;
				if (run.n == 0)
					run.first = sl->first + j;
				run.n++;
				continue;
			}
			if (run.n)
				req_add(&again, run);
			run.n = 0;
			progress = true;
			finish_item(s, sl->ev, it);
		}
		if (run.n)
			req_add(&again, run);
	}
	if (again.nitems) {
		count_add(s, &s->st.resent, again.nitems);
		req_requeue(s, &again);
	}
	free(again.slices);
	if (pause)
		pause_delivery(s, now_mono());
	else if (progress)
		s->pause_wait = 0;
}

static bool response_usable(struct sender *s, const struct session_result *res)
{
	char err[256];

	if (!s->oid_warned && (!res->oid || strcmp(res->oid, ICTX_RESPONSE_OID) != 0)) {
		s->oid_warned = true;
		log_msg("ZRA0410W",
		        "%s answered with response name %s instead of %s; reading the value "
		        "anyway (warned once)",
		        session_peer(s->sess), res->oid ? res->oid : "(none)", ICTX_RESPONSE_OID);
	}
	if (!res->value) {
		log_limited("no-value", "ZRA0411E",
		            "%s sent a response without a value (LDAP result 0); the items will "
		            "be sent again",
		            session_peer(s->sess));
		return false;
	}
	if (ictx_decode_response(res->value, res->value_len, &s->resp, err, sizeof(err)) != 0) {
		log_limited("bad-value", "ZRA0411E",
		            "%s sent a response value that is not a valid ICTX response: %s; the "
		            "items will be sent again",
		            session_peer(s->sess), err);
		return false;
	}
	return true;
}

/* A non-zero LDAP resultCode: ICTX did not process the request. Busy and
 * unavailable are waited out without limit; anything else counts an
 * attempt per item, so a request the server will never take is dropped
 * in the end rather than resent forever. */
static void ldap_refused(struct sender *s, struct request *r, const struct session_result *res)
{
	bool transient = res->ldap_code == LDAP_BUSY || res->ldap_code == LDAP_UNAVAILABLE;
	char key[32];

	snprintf(key, sizeof(key), "ldap:%d", res->ldap_code);
	s->pause_wait = grow(s->pause_wait, PAUSE_BACKOFF_MIN, PAUSE_BACKOFF_MAX);
	log_limited(key, "ZRA0412W",
	            "%s did not process a request of %zu items: %s (LDAP %d)%s%s; sending it "
	            "again in %.0f s",
	            session_peer(s->sess), r->nitems, ldap_err2string(res->ldap_code),
	            res->ldap_code, res->diagnostic ? ": " : "",
	            res->diagnostic ? res->diagnostic : "", s->pause_wait);
	if (transient && ++s->busy_run >= BUSY_SWITCH && nservers(s) > 1) {
		char why[160];

		snprintf(why, sizeof(why), "%s answered %s (LDAP %d) %u times in a row",
		         session_peer(s->sess), ldap_err2string(res->ldap_code), res->ldap_code,
		         s->busy_run);
		count_add(s, &s->st.resent, r->nitems);
		/* drop_connection counts (ZRA0304W) and requeues the requests
		 * still in flight behind r; r then goes in front of them. */
		drop_connection(s, why, false);
		req_requeue(s, r);
		return;
	}
	if (transient) {
		count_add(s, &s->st.resent, r->nitems);
		req_requeue(s, r);
	} else {
		settle_request(s, r, NULL);
	}
	s->send_at = now_mono() + jitter(s->pause_wait);
}

static void version_refused(struct sender *s, struct request *r)
{
	log_limited("version", "ZRA0413E",
	            "%s supports ICTX request version %d at most (ResponseCode %d), this plugin "
	            "sends version %d; delivery is paused and retried. Check the z/OS level of "
	            "the server",
	            session_peer(s->sess), s->resp.code - 60, s->resp.code, ICTX_REQUEST_VERSION);
	count_add(s, &s->st.resent, r->nitems);
	req_requeue(s, r);
	pause_delivery(s, now_mono());
}

static void handle_result(struct sender *s, const struct session_result *res)
{
	size_t i;
	struct request r;

	for (i = 0; i < s->nfly && s->fly[i].msgid != res->msgid; i++)
		;
	if (i == s->nfly) {
		log_msg("ZRA0414D", "response to unknown message id %d ignored", res->msgid);
		return;
	}
	r = s->fly[i];
	memmove(&s->fly[i], &s->fly[i + 1], (s->nfly - i - 1) * sizeof(s->fly[0]));
	s->nfly--;
	/* The slot array keeps the slices storage of r alive at its old end. */
	s->fly[s->nfly] = r;
	count_add(s, &s->st.responses, 1);
	s->connect_wait = 0;
	s->tried = 0;
	if (res->ldap_code != LDAP_BUSY && res->ldap_code != LDAP_UNAVAILABLE)
		s->busy_run = 0;
	if (res->ldap_code != LDAP_SUCCESS)
		ldap_refused(s, &s->fly[s->nfly], res);
	else if (!response_usable(s, res))
		settle_request(s, &s->fly[s->nfly], NULL);
	else if (s->resp.code > 60 && s->resp.code <= 70)
		version_refused(s, &s->fly[s->nfly]);
	else
		settle_request(s, &s->fly[s->nfly], &s->resp);
	s->fly[s->nfly].nslices = s->fly[s->nfly].nitems = 0;
}

static void read_results(struct sender *s, int timeout_ms)
{
	struct session_result res;
	char err[512];
	int rc;

	while (session_is_open(s->sess) &&
	       (rc = session_poll(s->sess, timeout_ms, &res, err, sizeof(err))) != 0) {
		if (rc < 0) {
			drop_connection(s, err, false);
			return;
		}
		handle_result(s, &res);
		session_result_clear(&res);
		timeout_ms = 0;
	}
}

static void check_deadlines(struct sender *s, double now)
{
	char why[512];

	if (s->nfly == 0 || now < s->fly[0].deadline)
		return;
	snprintf(why, sizeof(why), "%s: no answer to a request of %zu items within %u s",
	         session_peer(s->sess), s->fly[0].nitems, s->cfg.timeout);
	log_msg("ZRA0305W", "%s; the connection is considered dead", why);
	drop_connection(s, why, true);
}

/* ---- failback = interval ---- */

static bool failback_due(struct sender *s, double now)
{
	double stop_at;

	return s->cfg.failback == CONFIG_FAILBACK_INTERVAL && s->cur != 0 && nservers(s) > 1 &&
	       session_is_open(s->sess) && !session_is_open(s->probe) && now >= s->failback_at &&
	       !stopping(s, &stop_at);
}

/* While on an alternate: every failback_interval, connect and bind to the
 * primary on a second session. Once that works, the alternate finishes
 * what is in flight (fill_window sends nothing more) and then the primary
 * takes over, so the switch resends nothing. Runs between requests, in
 * this thread: the probe blocks it for at most timeout seconds. */
static void failback_step(struct sender *s, double now)
{
	struct session_opts o;
	char err[512];
	int code;

	if (session_is_open(s->probe)) {
		if (s->nfly == 0)
			adopt_probe(s, now);
		return;
	}
	if (!failback_due(s, now))
		return;
	session_opts_for_server(&o, &s->cfg, 0);
	if (session_open(s->probe, &o, &code, err, sizeof(err)) == SESSION_OK) {
		snprintf(s->why, sizeof(s->why),
		         "failback = interval: the primary accepted a bind again after %u s",
		         s->cfg.failback_interval);
		if (s->nfly == 0)
			adopt_probe(s, now_mono());
		return;
	}
	count_add(s, &s->st.server[0].failures, 1);
	s->failback_at = now_mono() + s->cfg.failback_interval;
	log_limited("failback", "ZRA0704I",
	            "the primary server is still not usable (%s); staying on %s, next try in %u s",
	            err, session_peer(s->sess), s->cfg.failback_interval);
}

/* A reload asked to reconnect: once nothing is in flight, log off and
 * start again at the primary. */
static void reload_reconnect_step(struct sender *s)
{
	if (!s->drain_reconnect)
		return;
	if (!session_is_open(s->sess)) {
		s->drain_reconnect = false; /* lost meanwhile: reconnecting anyway */
		return;
	}
	if (s->nfly)
		return;
	log_msg("ZRA0307I",
	        "configuration reloaded: logging off %s and connecting again, from the primary "
	        "server %s (every request in flight was answered first)",
	        session_peer(s->sess), peer_of(s, 0));
	s->drain_reconnect = false;
	session_close(s->sess);
	session_close(s->probe);
	/* last stays: coming back from an alternate counts as a switch (ZRA0702I). */
	snprintf(s->why, sizeof(s->why), "the configuration was reloaded (SIGHUP)");
	s->cur = s->tried = 0;
	set_state(s, false, false);
	s->connect_at = 0;
}

/* ---- control: reload, stop ---- */

static bool same_connection(const struct config *a, const struct config *b)
{
	return session_config_same(a, b); /* includes the TLS and bind settings */
}

static int grow_window(struct sender *s, size_t window)
{
	if (window <= s->fly_cap)
		return 0;
	struct request *v = realloc(s->fly, window * sizeof(*v));

	if (!v)
		return -1;
	memset(v + s->fly_cap, 0, (window - s->fly_cap) * sizeof(*v));
	s->fly = v;
	s->fly_cap = window;
	return 0;
}

static void apply_reload(struct sender *s)
{
	struct config c;
	bool reconnect;

	pthread_mutex_lock(&s->lock);
	if (!s->reload) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	c = s->next;
	config_wipe(&s->next);
	s->reload = false;
	pthread_mutex_unlock(&s->lock);

	if (grow_window(s, c.window) != 0)
		c.window = (unsigned)s->fly_cap; /* keep working with what we have */
	reconnect = !same_connection(&s->cfg, &c);
	config_wipe(&s->cfg);
	s->cfg = c;
	config_wipe(&c);
	if (reconnect) {
		/* A new list (or new credentials) starts at its primary. */
		session_close(s->probe);
		s->cur = s->last = s->tried = 0;
		name_servers(s);
	}
	if (reconnect && session_is_open(s->sess)) {
		log_msg("ZRA0306I", "connection settings changed: reconnecting to %s",
		        s->cfg.server);
		session_close(s->sess);
		requeue_all(s);
		set_state(s, false, false);
	} else if (session_is_open(s->sess)) {
		/* Same settings: reconnect all the same (a reload is how an
		 * administrator makes the plugin log on again, e.g. back to the
		 * primary with failback = reconnect), but only once the answers
		 * in flight are in, so nothing is sent twice. */
		s->drain_reconnect = true;
	}
	s->failback_at = now_mono() + s->cfg.failback_interval;
	/* An administrator who reloads has usually just fixed something. */
	s->connect_at = 0;
	s->connect_wait = 0;
	s->send_at = 0;
	s->pause_wait = 0;
}

static void clear_ctl(struct sender *s)
{
	uint64_t v;

	if (read(s->ctl_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_msg("ZRA0415E", "cannot read the sender's control eventfd: %s",
		        strerror(errno));
}

/* ---- the loop ---- */

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

/* Sleep until something can happen: a response, new input, a control
 * request, a linger, back-off or request deadline. */
static void wait_for_work(struct sender *s, double now, double stop_at)
{
	struct pollfd p[3];
	nfds_t n = 0;
	double until = min_d(now + TICK, stop_at);
	bool open = session_is_open(s->sess);
	/* Failing back: nothing is sent until the alternate's answers are in. */
	bool sending = open && !session_is_open(s->probe) && !s->drain_reconnect;
	bool want_input =
	        sending && s->nfly < s->cfg.window && now >= s->send_at && !queue_finished(s->q);
	int fd;

	p[n++] = (struct pollfd){.fd = s->ctl_fd, .events = POLLIN};
	if (want_input)
		p[n++] = (struct pollfd){.fd = queue_wake_fd(s->q), .events = POLLIN};
	if (open && (fd = session_fd(s->sess)) >= 0)
		p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	if (!open)
		until = min_d(until, s->connect_at);
	if (open && s->nfly)
		until = min_d(until, s->fly[0].deadline);
	if (open && s->cfg.failback == CONFIG_FAILBACK_INTERVAL && s->cur != 0)
		until = min_d(until, s->failback_at);
	if (open && (session_is_open(s->probe) || s->drain_reconnect) && s->nfly == 0)
		until = now;
	if (open && s->send_at > now)
		until = min_d(until, s->send_at);
	/* A lingering batch only matters when it could leave: with the window
	 * full its linger deadline (often already past) would make the poll
	 * return at once, again and again, until an answer frees a slot (the
	 * benchmark saw 96,460 polls and a whole core for 3,000 records). */
	bool lingering = sending && s->pending.len && s->linger_from && now >= s->send_at &&
	                 s->nfly < s->cfg.window && !draining(s);

	if (lingering)
		until = min_d(until, s->linger_from + linger_s(s));
	want_wake(s, lingering);
	if (sending && s->pending.len && !s->linger_from && now >= s->send_at &&
	    s->nfly < s->cfg.window)
		until = now;
	int ms = until > now ? (int)((until - now) * 1000.0) + 1 : 0;

	if (poll(p, n, ms) < 0 && errno != EINTR)
		log_msg("ZRA0415E", "poll failed in the sender: %s", strerror(errno));
	if (p[0].revents)
		clear_ctl(s);
}

static bool all_done(struct sender *s)
{
	return s->pending.len == 0 && s->nfly == 0 && queue_finished(s->q);
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	double stop_at = 0;

	for (;;) {
		double now;
		bool stop;

		apply_reload(s);
		stop = stopping(s, &stop_at);
		now = now_mono();
		if (stop && (all_done(s) || now >= stop_at))
			break;
		if (!session_is_open(s->sess) && now >= s->connect_at)
			try_connect(s, now);
		if (session_is_open(s->sess)) {
			read_results(s, 0);
			check_deadlines(s, now_mono());
		}
		reload_reconnect_step(s);
		if (session_is_open(s->sess)) {
			failback_step(s, now_mono());
			fill_window(s, now_mono());
		}
		if (!stop)
			stop_at = now + 3600;
		wait_for_work(s, now_mono(), stop_at);
		if (session_is_open(s->sess))
			read_results(s, 0);
	}
	return NULL;
}

/* ---- life cycle ---- */

struct sender *sender_new(const struct config *c, struct queue *q)
{
	struct sender *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->ctl_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->tls = session_tls_ctx_new();
	s->sess = session_new();
	s->probe = session_new();
	if (s->ctl_fd < 0 || !s->tls || !s->sess || !s->probe || grow_window(s, c->window) != 0) {
		sender_free(s);
		return NULL;
	}
	/* The failback probe and the connection in use: one TLS context. */
	session_use_tls_ctx(s->sess, s->tls);
	session_use_tls_ctx(s->probe, s->tls);
	s->cfg = *c;
	name_servers(s);
	s->q = q;
	buf_init(&s->items_buf);
	buf_init(&s->req_buf);
	ictx_response_init(&s->resp);
	return s;
}

int sender_start(struct sender *s)
{
	sigset_t all, old;
	int rc;

	/* The thread inherits this mask: signals are main's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, sender_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	s->started = rc == 0;
	return rc;
}

static void poke(struct sender *s)
{
	uint64_t one = 1;

	if (write(s->ctl_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_msg("ZRA0415E", "cannot wake the sender: %s", strerror(errno));
}

void sender_reload(struct sender *s, const struct config *c)
{
	pthread_mutex_lock(&s->lock);
	config_wipe(&s->next);
	s->next = *c;
	s->reload = true;
	pthread_mutex_unlock(&s->lock);
	poke(s);
}

/* Give back everything still held, counting it as undelivered. */
static void abandon(struct sender *s)
{
	uint64_t n = 0;

	requeue_all(s);
	while (s->pending.len) {
		struct slice sl = *dq_front(&s->pending);

		dq_pop_front(&s->pending);
		/* Not settled: with a spool they stay on disk for the next start
		 * (the event's settled items too: sent again, at least once). */
		n += sl.n;
		sl.ev->unsettled -= sl.n;
		if (sl.ev->unsettled == 0)
			queue_abandon(s->q, sl.ev);
	}
	count_add(s, &s->st.undelivered, n);
}

void sender_stop_begin(struct sender *s, double seconds)
{
	double at = now_mono() + (seconds > 0 ? seconds : 0);

	if (!s->started)
		return;
	pthread_mutex_lock(&s->lock);
	if (!s->stopping || at < s->stop_at)
		s->stop_at = at;
	s->stopping = true;
	pthread_mutex_unlock(&s->lock);
	poke(s);
}

void sender_interrupt(struct sender *s)
{
	session_interrupt(s->sess);
	session_interrupt(s->probe);
}

/* The thread has ended: what it held is given back. */
static void stopped(struct sender *s)
{
	s->started = false;
	session_close(s->sess);
	session_close(s->probe);
	abandon(s);
	set_state(s, false, false);
}

bool sender_stop_wait(struct sender *s, double seconds)
{
	struct timespec ts;

	if (!s->started)
		return true;
	if (seconds < 0) {
		pthread_join(s->thread, NULL);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts); /* pthread_timedjoin_np's clock */
		ts.tv_sec += (time_t)seconds;
		ts.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(s->thread, NULL, &ts) != 0)
			return false;
	}
	stopped(s);
	return true;
}

void sender_stop(struct sender *s, unsigned seconds)
{
	sender_stop_begin(s, seconds);
	sender_stop_wait(s, -1);
}

void sender_set_counters(struct sender *s, const struct sender_counters *c)
{
	s->counters = *c;
}

void sender_set_aside(struct sender *s, struct set_aside *sa)
{
	s->sa = sa;
}

void sender_stats(struct sender *s, struct sender_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	pthread_mutex_unlock(&s->lock);
}

void sender_free(struct sender *s)
{
	if (!s)
		return;
	if (s->started)
		sender_stop(s, 0);
	abandon(s);
	for (size_t i = 0; i < s->fly_cap; i++)
		free(s->fly[i].slices);
	free(s->fly);
	free(s->pending.v);
	session_free(s->sess);
	session_free(s->probe);
	session_tls_ctx_free(s->tls);
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	buf_free(&s->items_buf);
	buf_free(&s->req_buf);
	ictx_response_free(&s->resp);
	config_wipe(&s->cfg);
	config_wipe(&s->next);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
