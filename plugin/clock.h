/* clock.h - the monotonic clock in seconds, for the modules that time
 * waits (stop.c, spoollock.c). Header only: nothing to link. */
#ifndef ZR_CLOCK_H
#define ZR_CLOCK_H

#include <time.h>

static inline double clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
