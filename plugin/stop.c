/* stop.c - the prompt exit (stop.h). */
#include <zr-autoconf.h>

#include "stop.h"

#include <poll.h>

#include "clock.h"
#include "log.h"
#include "sender.h"

#define STOP_TURN 0.02 /* seconds between looks at the thread and the signals */

double stop_sender(struct sender *s, unsigned drain_timeout, bool cut, const sigset_t *waitmask,
                   bool (*cut_now)(void))
{
	double t0 = clock_mono();
	double deadline = t0 + (!cut && drain_timeout > STOP_GRACE ? drain_timeout : STOP_GRACE);

	sender_stop_begin(s, deadline - t0);
	for (;;) {
		const struct timespec turn = {.tv_sec = 0, .tv_nsec = (long)(STOP_TURN * 1e9)};
		double now;

		if (sender_stop_wait(s, 0))
			return clock_mono() - t0;
		(void)ppoll(NULL, 0, &turn, waitmask); /* the signal handlers run here */
		now = clock_mono();
		if (!cut && cut_now()) {
			cut = true;
			if (now + STOP_GRACE < deadline) {
				deadline = now + STOP_GRACE;
				sender_stop_begin(s, STOP_GRACE);
			}
		}
		if (now >= deadline + STOP_SLACK)
			break;
	}
	/* Still in a network call the server does not answer. */
	sender_interrupt(s);
	if (!sender_stop_wait(s, 1.0)) {
		log_msg("ZRA0021W",
		        "the sender is still blocked in a network call 1 s after it was "
		        "cut short (connecting to a server that does not answer?); "
		        "waiting for it");
		sender_stop_wait(s, -1);
	}
	return clock_mono() - t0;
}
