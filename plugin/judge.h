/* judge.h - the outcome policy: what one per-item answer from the server
 * means (mapping.md, Outcomes). The one place that decides it.
 *
 * Pure: a MajorCode (or no usable answer), the sends the item already had
 * and retry_limit in; a verdict, the reason it is counted under and the
 * message the sender logs out. No I/O, no clock, no state. The sender
 * (sender.c) applies the effects: counts, logs, sets aside, retries or
 * pauses delivery.
 *
 *   MajorCode                 verdict                      reason, message
 *   0 SUCCESS                 settled                      SUCCESS
 *   2 WARNINGMODE             settled                      WARNINGMODE
 *   3 NOTREQ                  settled                      NOTREQ, ZRA0401I
 *   4 UNDETERMINED            settled                      UNDETERMINED, ZRA0402W
 *   8 UNAUTHORIZED            pause (server setup)         ZRA0406E
 *   24 UNSUF_AUTH             pause (server setup)         ZRA0407E
 *   16 VAL_ERR, 20 ENC_ERR    dropped (set aside)          VAL_ERR/ENC_ERR, ZRA0404E
 *   12 RACROUTE, 100 INTERNAL retry while attempts + 1 < retry_limit, then
 *                             dropped                      RACROUTE/INTERNAL, ZRA0405E
 *   no usable answer          the same                     NO_ANSWER, ZRA0408E
 *   anything else             dropped                      UNKNOWN, ZRA0403E
 *
 * attempts counts the sends before this one (struct qitem.attempts). */
#ifndef ZR_JUDGE_H
#define ZR_JUDGE_H

#include <stdbool.h>

/* Items settled by the server's answer, by MajorCode. */
enum sender_settled {
	SETTLED_SUCCESS,      /* 0: written */
	SETTLED_WARNINGMODE,  /* 2: written, profile in WARNING mode */
	SETTLED_NOTREQ,       /* 3: RACF chose not to write it */
	SETTLED_UNDETERMINED, /* 4: no profile covers it */
	SETTLED_N
};

/* Items refused, by reason: set aside (dropped without a set-aside file). */
enum sender_dropped {
	DROPPED_VAL_ERR,   /* 16 */
	DROPPED_ENC_ERR,   /* 20 */
	DROPPED_RACROUTE,  /* 12, after retry_limit sends */
	DROPPED_INTERNAL,  /* 100, after retry_limit sends */
	DROPPED_NO_ANSWER, /* missing/malformed/LDAP error, after retry_limit sends */
	DROPPED_UNKNOWN,   /* a MajorCode this plugin does not know (or 28) */
	DROPPED_N
};

enum verdict {
	V_SETTLED, /* done: counted */
	V_DROPPED, /* done: counted, logged and set aside (dropped without a set-aside file) */
	V_RETRY,   /* send again, counts against retry_limit */
	V_PAUSE,   /* server-side setup problem: hold delivery, send again later */
};

/* The message the sender logs for a judgement. */
enum judge_msg {
	JM_NONE,
	JM_NOTREQ,       /* ZRA0401I */
	JM_UNDETERMINED, /* ZRA0402W */
	JM_UNKNOWN,      /* ZRA0403E */
	JM_REFUSED,      /* ZRA0404E: VAL_ERR, ENC_ERR */
	JM_GAVE_UP,      /* ZRA0405E: RACROUTE, INTERNAL_ERR after retry_limit */
	JM_UNAUTHORIZED, /* ZRA0406E */
	JM_UNSUF_AUTH,   /* ZRA0407E */
	JM_NO_ANSWER,    /* ZRA0408E */
	JM_N
};

struct judgement {
	enum verdict verdict;
	enum sender_settled settled; /* with V_SETTLED */
	enum sender_dropped dropped; /* with V_DROPPED (and the reason a retry would drop) */
	enum judge_msg msg;
	bool counted; /* the MajorCode goes into the operator's counters (an answer) */
};

/* answered false: no usable answer for the item (major is ignored). */
struct judgement judge(bool answered, int major, unsigned attempts, unsigned retry_limit);

/* "ZRA0401I" ..., "" for JM_NONE. */
const char *judge_msg_id(enum judge_msg m);

#endif
