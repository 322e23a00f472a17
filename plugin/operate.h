/* operate.h - the operator's view of a running instance: the periodic
 * activity report to syslog, the state file on SIGUSR1, and the counters
 * (stats.h) behind both.
 *
 * main calls operate_tick() on the reader's one-second tick and
 * operate_dump() when SIGUSR1 arrived; both take their figures from the
 * input, the queue, the sender and this module's stats, in the reader
 * thread. The schedule: a report every report_interval minutes after
 * start (or after the reload that changed the interval), each one covering
 * the figures since the previous report.
 *
 * Test hook: when the environment variable ZR_REPORT_UNIT_SECONDS is set
 * to 1 at start, report_interval counts seconds instead of minutes, so
 * tests need not wait minutes. Nothing else reads it.
 *
 * Owner: main (the reader thread). c (main's configuration) must stay at
 * the same address while op lives; it is read at every call. */
#ifndef ZR_OPERATE_H
#define ZR_OPERATE_H

#include <auparse.h>
#include <stdbool.h>

#include "config.h"
#include "input.h"
#include "nodes.h"
#include "queue.h"
#include "sender.h"
#include "stats.h"

struct operate;

/* ident: the syslog ident (kept by the caller); program: name and version.
 * Logs the record filter in effect. NULL on ENOMEM. */
struct operate *operate_new(const char *program, const char *ident, const char *config_path,
                            const struct config *c);
void operate_free(struct operate *op);

/* The counters the sender and the filter add to. */
struct stats *operate_stats(struct operate *op);
/* Have snd count its outcomes and servers into operate_stats(op) (before
 * sender_start; op outlives snd's thread). */
void operate_watch(struct operate *op, struct sender *snd);

/* After a successful reload: restart the schedule when report_interval
 * changed, log the record filter when it changed. */
void operate_reload(struct operate *op);

/* Per-node accounting (nodes.h) of the event auparse is on: its node=
 * (none: the local host's entry), its records, and whether it starts an
 * event (false for a later part of one libauparse handed over in pieces).
 * now: monotonic seconds. Records are counted without a pass over them:
 * the event's records less its last one when that is an EOE (a lone EOE
 * that libauparse hands over in the middle, rare, counts as a record).
 * Logs when a silent node is back (ZRA0606I) and when the node table is
 * full (ZRA0607W). */
void operate_event(struct operate *op, auparse_state_t *au, bool event, double now);

/* fn hears of every node that falls silent (silent = true, ZRA0605W) or
 * sends again (false, ZRA0606I): its printable name, the seconds of
 * silence, its records so far. For the self-audit items (selfreport.h). */
typedef void (*operate_node_fn)(void *arg, const char *node, bool silent, double silent_for,
                                uint64_t records);
void operate_watch_nodes(struct operate *op, operate_node_fn fn, void *arg);

/* The nodes counted so far (the metrics read them). */
const struct nodes *operate_nodes(const struct operate *op);

/* The reader's tick: log the nodes silent longer than node_silence
 * (ZRA0605W), and the activity report when one is due. */
void operate_tick(struct operate *op, const struct input *in, struct queue *q, struct sender *snd);

/* Write the state file. 0, or -1 (logged). */
int operate_dump(struct operate *op, const struct input *in, struct queue *q, struct sender *snd);

/* At exit, after the sender stopped: what is still queued is let go (it
 * stays in the spool), then the exit summary is logged: records read,
 * events, items, requests, outcomes, what was set aside or dropped, what
 * stays for the next start (ZRA0002I; ZRA0209W when auditd cut records),
 * and the spool's and intake log's own (ZRA0018I, ZRA0020I). */
struct reader;
void operate_summary(struct reader *rd, struct queue *q, struct sender *snd,
                     const char *set_aside_file);

#endif
