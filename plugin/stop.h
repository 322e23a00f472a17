/* stop.h - the prompt exit: end the sender within STOP_BOUND seconds of end
 * of input or of a SIGTERM from auditd, whatever the server does.
 *
 * Why: auditd 4.2 and later stop a plugin (at every stop and every reload)
 * by closing its input, waiting 50 ms, sending SIGTERM and then waiting in
 * waitpid() with no limit; its dispatcher delivers nothing meanwhile, and
 * what auditd queues while it waits can be lost when auditd itself is
 * stopping. By the time the reader calls this, every record read is in the
 * spool or the intake log, so waiting for the server buys nothing but
 * fewer duplicates: items sent and not yet answered are sent again at the
 * next start (at least once).
 *
 * So the sender gets STOP_GRACE seconds to collect answers already on
 * their way, or drain_timeout seconds after end of input when it is set
 * (an opt-in for runs where nothing waits on the plugin). A SIGTERM from
 * the parent, before or during that time, cuts it to STOP_GRACE from
 * then. When the time is up the network call the sender may be blocked in
 * (a TLS handshake the server stalls, a bind or send it never answers) is
 * cut short (sender_interrupt) and the thread joined.
 *
 * Owner: the reader thread (main.c), once, after the queue was closed. */
#ifndef ZR_STOP_H
#define ZR_STOP_H

#include <signal.h>
#include <stdbool.h>

#define STOP_GRACE 0.2  /* seconds for answers already on their way */
#define STOP_SLACK 0.05 /* then the blocked network call is cut short */

struct sender;

/* Stop s. drain_timeout: the config key (seconds after end of input).
 * cut: the stop is for a SIGTERM (or SIGINT) already. Signals are let in
 * (waitmask, as for ppoll) while it waits, and cut_now() says when one
 * asked to stop at once. Returns the seconds it took. */
double stop_sender(struct sender *s, unsigned drain_timeout, bool cut, const sigset_t *waitmask,
                   bool (*cut_now)(void));

#endif
