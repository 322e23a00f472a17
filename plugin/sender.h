/* sender.h - the delivery thread: batches queued items into ICTX requests,
 * keeps several requests in flight on one LDAP session, reads the
 * per-item outcomes and decides what each one means.
 *
 * Threads. The sender runs in its own thread and owns the LDAP session
 * exclusively (libldap handles are not shared between threads). libldap's
 * connect, bind and TLS handshakes block; running them here means the
 * reader never waits for the network, because auditd stalls every plugin
 * when one stops reading. The threads share the queue (events) and the
 * few control fields below (reload, stop, statistics), which sit behind
 * the sender's own mutex; outcomes and the server in use go to the
 * operator's counters (sender_set_counters). plugin/README has the map.
 *
 * Batching. Items go out in requests of at most batch_items items and
 * about batch_bytes bytes; a request leaves when full, when linger_ms has
 * passed since its first item was taken, or at once while draining. The
 * items of one event stay in one request unless the event alone exceeds a
 * batch. Up to `window` requests are in flight; responses are matched by
 * LDAP message id and outcomes by ItemTag.
 *
 * Delivery is at least once: when a connection is lost or a request gets
 * no answer within `timeout` seconds, every request in flight goes back to
 * the front of the pending work, in its original order, and is sent again
 * after reconnecting, so the server may see an item twice. Nothing is
 * dropped for a network problem or a server-side permission problem
 * (UNAUTHORIZED, UNSUF_AUTH, version: delivery pauses with back-off).
 * Items leave only by a per-item verdict (VAL_ERR, ENC_ERR, or
 * RACROUTE/INTERNAL_ERR/no answer after retry_limit sends): each is
 * logged, counted and written to the set-aside file (sender_set_aside);
 * without one (unit tests) it is dropped. An item the set-aside file cannot
 * take stays and is tried again. An event is settled in the queue (and so
 * in the spool) once all its items are; at stop, what is not settled is
 * let go unsettled and stays in the spool for the next start.
 *
 * Failover. `server` may list alternates after the primary. A server
 * error - connect, TLS or bind failure, connection lost, no answer within
 * timeout, LDAP busy/unavailable BUSY_SWITCH times in a row - moves to the
 * next server at once; only when every server failed in turn does the
 * back-off wait apply. Per-item outcomes never move (RACF decides them the
 * same on every server). Requests in flight on a lost server are resent to
 * the next (at least once). failback: interval tries the primary every
 * failback_interval s while on an alternate, on a second session; when it
 * binds, nothing new is sent on the alternate, its requests in flight are
 * answered, then the primary takes over (nothing resent). reconnect
 * starts every new connection at the primary; never stays. Each switch is
 * logged once (ZRA0701W to an alternate, ZRA0702I back on the primary).
 *
 * Outcome policy (mapping.md, Outcomes) is decided in one pure function,
 * judge() (judge.h); the sender applies what it decides. */
#ifndef ZR_SENDER_H
#define ZR_SENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "judge.h"
#include "queue.h"

/* The default of retry_limit: sends of one item that end without a
 * verdict (RACROUTE, INTERNAL_ERR, missing from the response, malformed
 * response) before it is set aside. */
#define SENDER_MAX_ATTEMPTS 3

/* The settled and dropped reasons (enum sender_settled, enum sender_dropped)
 * are judge.h's: the outcome policy decides them. */

#define SENDER_SERVERS_MAX CONFIG_SERVERS_MAX
#define SENDER_PEER_LEN    300

/* Per server of the list, in its order ([0] the primary). */
struct sender_server_stats {
	char peer[SENDER_PEER_LEN]; /* "host:port" */
	uint64_t connects;          /* successful binds */
	uint64_t failures;          /* server errors: connect, TLS, bind, loss, timeout, busy */
	uint64_t items_sent;        /* items sent to it (a resent item counts again) */
};

struct sender_stats {
	uint64_t requests;   /* extended operations sent */
	uint64_t items_sent; /* items in them (a resent item counts again) */
	uint64_t responses;  /* responses received */
	uint64_t resent;     /* items put back for another try */
	uint64_t connects;   /* successful binds */
	uint64_t connection_losses;
	uint64_t settled[SETTLED_N];
	uint64_t dropped[DROPPED_N];
	uint64_t undelivered;      /* items still held when the sender stopped */
	uint64_t set_aside;        /* items written to the set-aside file */
	uint64_t set_aside_errors; /* writes to it that failed (the item stayed) */
	bool connected;
	bool paused; /* a server-side setup error holds delivery */
	struct sender_server_stats server[SENDER_SERVERS_MAX];
	unsigned nservers; /* entries of server[] in use */
	unsigned current;  /* index of the server in use or being tried */
	uint64_t switches; /* failovers and failbacks */
};

const char *sender_settled_name(enum sender_settled i);
const char *sender_dropped_name(enum sender_dropped i);

struct sender;

/* Takes a copy of c (connection and delivery keys). NULL on ENOMEM. */
struct sender *sender_new(const struct config *c, struct queue *q);
/* Write refused items to sa (owned by the caller, kept open until
 * sender_free). Before sender_start. */
struct set_aside;
void sender_set_aside(struct sender *s, struct set_aside *sa);
/* Told, in the sender thread, every per-item outcome (MajorCode and
 * resource) and every server connected to ("host:port"): the operator's
 * counters (stats.h; operate_watch wires them). Either may be NULL. */
struct sender_counters {
	void (*outcome)(void *arg, int major, const char *resource);
	void (*server)(void *arg, const char *peer);
	void *arg; /* kept by the caller until sender_free */
};

/* Before sender_start. */
void sender_set_counters(struct sender *s, const struct sender_counters *c);

/* Start the thread (all signals blocked in it). 0 or an errno value. */
int sender_start(struct sender *s);

/* New settings (SIGHUP). When server, port, user, password or timeout
 * changed the sender reconnects (requests in flight are resent); in any
 * case a back-off wait in progress is cut short so an administrator's fix
 * is tried at once. */
void sender_reload(struct sender *s, const struct config *c);

/* Deliver what is left (the caller has closed the queue) for at most
 * seconds, then stop and join the thread. Items not settled by then are
 * counted as undelivered and freed. */
void sender_stop(struct sender *s, unsigned seconds);
/* sender_stop in steps, for a caller that must stay responsive (stop.h):
 * sender_stop_begin closes delivery in at most seconds (a second call only
 * ever brings that time closer); sender_stop_wait waits up to seconds
 * (< 0: no limit) for the thread to end and true when it has, the sender
 * then being stopped as by sender_stop; sender_interrupt (any thread) cuts
 * short the network call the thread may be blocked in (session_interrupt).
 * Items sent and not yet answered stay in the spool: sent again at the
 * next start. */
void sender_stop_begin(struct sender *s, double seconds);
bool sender_stop_wait(struct sender *s, double seconds);
void sender_interrupt(struct sender *s);

void sender_stats(struct sender *s, struct sender_stats *st);

/* After sender_stop (or when never started). Wipes the password copy. */
void sender_free(struct sender *s);

#endif
