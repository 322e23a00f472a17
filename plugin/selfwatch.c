/* selfwatch.c - gaps and late deliveries of the trail (contract in selfwatch.h). */
#include "selfwatch.h"

#include <string.h>

enum { LATE_NONE, LATE_AWAY, LATE_OUTAGE, LATE_DRAINING };

static const char *const reason_names[SELFWATCH_REASONS] = {
        [SELFWATCH_QUEUE_FULL] = "queue_full",
        [SELFWATCH_SPOOL_FULL] = "spool_full",
        [SELFWATCH_SPOOL_DISCARD] = "spool_discard",
        [SELFWATCH_SET_ASIDE] = "set_aside",
        [SELFWATCH_REFUSED] = "refused",
        [SELFWATCH_NOT_SPOOLED] = "not_spooled",
};

const char *selfwatch_reason_name(enum selfwatch_reason r)
{
	return (unsigned)r < SELFWATCH_REASONS ? reason_names[r] : "unknown";
}

void selfwatch_init(struct selfwatch *w, const struct selfwatch_sample *s, double quiet,
                    double max_open)
{
	memset(w, 0, sizeof(*w));
	w->quiet = quiet;
	w->max_open = max_open;
	for (int r = 0; r < SELFWATCH_REASONS; r++)
		w->gap[r].reported = w->gap[r].seen = s->lost[r];
}

/* Follow one reason's counter; true when its episode is due. */
static bool gap_due(struct selfwatch *w, struct selfwatch_episode *g, uint64_t now_count,
                    const struct selfwatch_sample *s, bool final)
{
	if (now_count != g->seen) {
		if (g->seen == g->reported) { /* a new episode */
			g->first = s->wall;
			g->opened = s->mono;
		}
		g->last = s->wall;
		g->changed = s->mono;
		g->seen = now_count;
	}
	if (g->seen == g->reported)
		return false;
	return final || s->mono - g->changed >= w->quiet || s->mono - g->opened >= w->max_open;
}

static size_t step_gaps(struct selfwatch *w, const struct selfwatch_sample *s, bool final,
                        struct selfwatch_fact *out, size_t max)
{
	size_t n = 0;

	for (int r = 0; r < SELFWATCH_REASONS; r++) {
		struct selfwatch_episode *g = &w->gap[r];
		if (!gap_due(w, g, s->lost[r], s, final) || n == max)
			continue;
		out[n++] = (struct selfwatch_fact){.kind = SELFWATCH_GAP,
		                                   .reason = (enum selfwatch_reason)r,
		                                   .count = g->seen - g->reported,
		                                   .first = g->first,
		                                   .last = g->last};
		g->reported = g->seen;
		g->opened = s->mono; /* a continuing loss opens the next episode from here */
	}
	return n;
}

/* The server went away or came back; true when a LATE fact is due. */
static bool late_due(struct selfwatch *w, const struct selfwatch_sample *s, bool final)
{
	switch (w->state) {
	case LATE_NONE:
		if (!s->delivering) {
			w->state = LATE_AWAY;
			w->away_since = s->mono;
			w->out_first = s->wall;
			w->out_spooled = s->spooled_items;
		}
		return false;
	case LATE_AWAY:
		if (s->delivering)
			w->state = LATE_NONE; /* a blip, not an outage */
		else if (s->mono - w->away_since >= w->quiet)
			w->state = LATE_OUTAGE;
		return false;
	case LATE_OUTAGE:
		if (s->delivering || final) {
			w->out_last = s->wall;
			w->late = s->spooled_items - w->out_spooled; /* since the first start */
			w->drain_seq = s->next_seq;
			w->state = LATE_DRAINING;
			break;
		}
		return false;
	default: /* LATE_DRAINING */
		if (!s->delivering && !final) {
			/* Away again before the backlog went out: one report,
			 * counted from the first outage's start. */
			w->state = LATE_OUTAGE;
			return false;
		}
		break;
	}
	return final || s->head >= w->drain_seq;
}

size_t selfwatch_step(struct selfwatch *w, const struct selfwatch_sample *s, bool final,
                      struct selfwatch_fact *out, size_t max)
{
	size_t n = step_gaps(w, s, final, out, max);

	if (late_due(w, s, final) && n < max) {
		if (w->late > 0)
			out[n++] = (struct selfwatch_fact){.kind = SELFWATCH_LATE,
			                                   .count = w->late,
			                                   .first = w->out_first,
			                                   .last = w->out_last};
		w->late = 0;
		w->state = LATE_NONE;
	}
	return n;
}
