/* pace.c - waits that follow the input rate (see pace.h). */
#include "pace.h"

void pace_note(struct pace *l, double now, uint64_t n)
{
	double dt;

	if (l->t0 == 0) {
		l->t0 = now;
		l->items = 0;
	}
	l->items += n;
	dt = now - l->t0;
	if (dt < PACE_WINDOW)
		return;
	double inst = (double)l->items / dt;

	l->rate = l->rate > 0 ? (l->rate + inst) / 2 : inst;
	l->t0 = now;
	l->items = 0;
}

double pace_seconds(const struct pace *l, unsigned batch_items, unsigned min_ms, unsigned max_ms)
{
	double lo = min_ms / 1000.0, hi = max_ms / 1000.0, fill;

	if (max_ms <= min_ms)
		return lo;
	if (l->rate <= 0)
		return hi;
	fill = (double)batch_items / l->rate;
	return fill < lo ? lo : fill > hi ? hi : fill;
}
