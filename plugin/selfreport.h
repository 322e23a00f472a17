/* selfreport.h - the plugin reports on itself into the trail: when to write
 * ZRA_START, ZRA_STOP, ZRA_GAP, ZRA_LATE and ZRA_RELOAD, with which figures.
 *
 * The shell around selfaudit.h (the items) and selfwatch.h (the rules for
 * gaps and late deliveries): it samples the counters of the queue, the
 * spool, the sender and the reader once per tick, logs every fact under
 * its message id (ZRA0851W gap, ZRA0852I late; start, stop and reload are
 * logged by main as ZRA0001I, ZRA0011I and ZRA0003I) and, with self_audit
 * = yes, queues the same fact as an item through reader_self(), which uses
 * the spool's reserve, so these items are never the ones dropped.
 *
 * Owner: the reader thread (main.c calls it). */
#ifndef ZR_SELFREPORT_H
#define ZR_SELFREPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct reader;
struct queue;
struct sender;
struct selfreport;

/* c is the configuration in use, read at every call (a reload changes it
 * in place). NULL on ENOMEM. */
struct selfreport *selfreport_new(const struct config *c, struct reader *rd, struct queue *q,
                                  struct sender *snd);
void selfreport_free(struct selfreport *sr);

/* The plugin started (after the spool was recovered): ZRA_START with the
 * version, config path and what the spool and intake log held. Counters
 * already non-zero now (recovered drops) are not reported as new gaps. */
void selfreport_start(struct selfreport *sr, const char *version, const char *config_path);

/* About once a second: gaps and late deliveries that are due. */
void selfreport_tick(struct selfreport *sr, double mono, int64_t wall);

/* The configuration changed from old to the one in use: ZRA_RELOAD naming
 * the keys that differ (nothing when none does). */
void selfreport_reload(struct selfreport *sr, const struct config *old, const char *config_path);

/* A node of a fleet fell silent (silent = true) or sends again: ZRA_SILENT
 * or ZRA_BACK with the node in the log string and its figures, under the
 * message id operate.c logged it with (ZRA0605W, ZRA0606I). */
void selfreport_node(struct selfreport *sr, const char *node, bool silent, double silent_for,
                     uint64_t records);

/* The plugin stops (reason as ZRA0011I says it): every open gap and late
 * delivery, then ZRA_STOP. Before the queue is closed. */
void selfreport_stop(struct selfreport *sr, const char *reason, double mono, int64_t wall);

#endif
