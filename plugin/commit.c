/* commit.c - group commit of spool syncs (see commit.h). */
#include "commit.h"

void commit_init(struct commit *c, unsigned interval_ms, uint64_t bytes)
{
	c->interval = interval_ms / 1000.0;
	c->bytes = bytes;
}

void commit_note(struct commit *c, double now, uint64_t input_bytes)
{
	if (input_bytes != c->seen && c->dirty_since == 0)
		c->dirty_since = now > 0 ? now : 1e-9;
	c->seen = input_bytes;
}

bool commit_due(const struct commit *c, double now)
{
	if (c->dirty_since == 0)
		return false;
	return now - c->dirty_since >= c->interval || c->seen - c->synced_at >= c->bytes;
}

double commit_wait(const struct commit *c, double now)
{
	double left;

	if (c->dirty_since == 0)
		return -1;
	left = c->dirty_since + c->interval - now;
	return left > 0 ? left : 0;
}

void commit_done(struct commit *c)
{
	c->dirty_since = 0;
	c->synced_at = c->seen;
}
