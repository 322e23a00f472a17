/* selfwatch.h - when the trail has a gap or came late, and how large: the
 * decisions behind the ZRA_GAP and ZRA_LATE self-audit items.
 *
 * Pure: the caller samples its counters (cumulative, as queue, spool and
 * sender keep them) and the clocks once per loop turn and passes them in;
 * selfwatch_step() says which facts to report now. Nothing here logs,
 * queues or reads a clock, so every rule is tested with made-up samples.
 *
 * Gaps. Items lost short of the mainframe are counted per reason. A loss
 * opens an episode (its first and last wall-clock time); the episode is
 * reported when no further loss of that reason came for `quiet` seconds,
 * when it has been open for `max_open` seconds (a long outage with a full
 * spool then gives one ZRA_GAP per max_open, not one at the end), or at
 * the final step (stop). The counts reported add up to the counters: no
 * loss is reported twice or left out.
 *
 * Late delivery. The server is away when the sample says it is not
 * delivering (not connected, or paused by a server-side setup error) for
 * at least `quiet` seconds in a row; shorter blips are no outage. The
 * items spooled from the start of the outage to its end were necessarily
 * delivered late (items already in flight at its start were too: the
 * count is a lower bound). The fact is reported once they have all been
 * settled (the spool head has passed the seq the spool had reached when
 * the server came back), or at the final step; an outage that begins
 * again before that is merged into the same report. Outages during which
 * nothing was read report nothing.
 *
 * Owner: the reader thread. */
#ifndef ZR_SELFWATCH_H
#define ZR_SELFWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why items were lost (the counters the sample carries). */
enum selfwatch_reason {
	SELFWATCH_QUEUE_FULL,    /* no spool and memory full (queue drops) */
	SELFWATCH_SPOOL_FULL,    /* spool full, keep_oldest: new items refused */
	SELFWATCH_SPOOL_DISCARD, /* spool full, keep_newest: oldest unsent removed */
	SELFWATCH_SET_ASIDE,     /* refused by the server for good: in the set-aside file */
	SELFWATCH_REFUSED,       /* refused for good with no set-aside file */
	SELFWATCH_NOT_SPOOLED,   /* read but never spooled: still waiting for room at exit,
	                            or could not be encoded */
	SELFWATCH_REASONS
};

struct selfwatch_sample {
	double mono;  /* monotonic seconds */
	int64_t wall; /* wall-clock seconds (what the report shows) */
	uint64_t lost[SELFWATCH_REASONS];
	bool delivering;        /* connected and not paused */
	uint64_t spooled_items; /* items accepted into the spool so far */
	uint64_t head;          /* the spool's first unsettled seq */
	uint64_t next_seq;      /* the seq its next append gets */
};

enum selfwatch_kind {
	SELFWATCH_GAP,
	SELFWATCH_LATE,
};

struct selfwatch_fact {
	enum selfwatch_kind kind;
	enum selfwatch_reason reason; /* GAP only */
	uint64_t count;               /* items lost, or items delivered late */
	int64_t first, last;          /* GAP: first and last loss; LATE: outage start, end */
};

struct selfwatch_episode {
	uint64_t reported; /* the counter's value already reported */
	int64_t first, last;
	double opened, changed; /* monotonic */
	uint64_t seen;          /* the counter at the last step */
};

struct selfwatch {
	double quiet, max_open;
	struct selfwatch_episode gap[SELFWATCH_REASONS];
	/* Late delivery: 0 none, 1 away (not yet an outage), 2 outage, 3 draining. */
	int state;
	double away_since;
	int64_t out_first, out_last;
	uint64_t out_spooled; /* spooled_items when the server went away */
	uint64_t late;        /* items spooled during the outage(s) being reported */
	uint64_t drain_seq;   /* reported when head reaches this */
};

/* Start from s: counters already in s are not reported (a previous run
 * did, or they are someone else's). quiet and max_open in seconds. */
void selfwatch_init(struct selfwatch *w, const struct selfwatch_sample *s, double quiet,
                    double max_open);

/* Take a sample; write the facts due now to out (at most max; more stay
 * due for the next step) and return their number. final: the plugin
 * stops, report everything still open. */
size_t selfwatch_step(struct selfwatch *w, const struct selfwatch_sample *s, bool final,
                      struct selfwatch_fact *out, size_t max);

/* A reason's name for reports ("spool_full" ...). */
const char *selfwatch_reason_name(enum selfwatch_reason r);

#endif
