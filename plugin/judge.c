/* judge.c - the outcome policy as a pure function (see judge.h). */
#include "judge.h"
#include "ictx.h"

/* A code that is retried until retry_limit sends, then dropped. */
static struct judgement retry_or_drop(unsigned attempts, unsigned retry_limit,
                                      enum sender_dropped why, enum judge_msg msg)
{
	struct judgement j = {.verdict = V_RETRY, .dropped = why, .msg = JM_NONE};

	if (attempts + 1u >= retry_limit) {
		j.verdict = V_DROPPED;
		j.msg = msg;
	}
	return j;
}

static struct judgement settled(enum sender_settled why, enum judge_msg msg)
{
	return (struct judgement){
	        .verdict = V_SETTLED, .settled = why, .msg = msg, .counted = true};
}

static struct judgement dropped(enum sender_dropped why, enum judge_msg msg)
{
	return (struct judgement){
	        .verdict = V_DROPPED, .dropped = why, .msg = msg, .counted = true};
}

struct judgement judge(bool answered, int major, unsigned attempts, unsigned retry_limit)
{
	struct judgement j;

	if (!answered)
		return retry_or_drop(attempts, retry_limit, DROPPED_NO_ANSWER, JM_NO_ANSWER);
	switch (major) {
	case ICTX_SUCCESS:
		return settled(SETTLED_SUCCESS, JM_NONE);
	case ICTX_WARNINGMODE:
		return settled(SETTLED_WARNINGMODE, JM_NONE);
	case ICTX_NOTREQ:
		return settled(SETTLED_NOTREQ, JM_NOTREQ);
	case ICTX_UNDETERMINED:
		return settled(SETTLED_UNDETERMINED, JM_UNDETERMINED);
	case ICTX_UNAUTHORIZED:
	case ICTX_UNSUF_AUTH:
		return (struct judgement){.verdict = V_PAUSE,
		                          .msg = major == ICTX_UNAUTHORIZED ? JM_UNAUTHORIZED
		                                                            : JM_UNSUF_AUTH,
		                          .counted = true};
	case ICTX_VAL_ERR:
		return dropped(DROPPED_VAL_ERR, JM_REFUSED);
	case ICTX_ENC_ERR:
		return dropped(DROPPED_ENC_ERR, JM_REFUSED);
	case ICTX_RACROUTE:
	case ICTX_INTERNAL_ERR:
		j = retry_or_drop(attempts, retry_limit,
		                  major == ICTX_RACROUTE ? DROPPED_RACROUTE : DROPPED_INTERNAL,
		                  JM_GAVE_UP);
		j.counted = true;
		return j;
	default:
		return dropped(DROPPED_UNKNOWN, JM_UNKNOWN);
	}
}

const char *judge_msg_id(enum judge_msg m)
{
	static const char *const ids[JM_N] = {
	        [JM_NONE] = "",
	        [JM_NOTREQ] = "ZRA0401I",
	        [JM_UNDETERMINED] = "ZRA0402W",
	        [JM_UNKNOWN] = "ZRA0403E",
	        [JM_REFUSED] = "ZRA0404E",
	        [JM_GAVE_UP] = "ZRA0405E",
	        [JM_UNAUTHORIZED] = "ZRA0406E",
	        [JM_UNSUF_AUTH] = "ZRA0407E",
	        [JM_NO_ANSWER] = "ZRA0408E",
	};

	return (unsigned)m < JM_N ? ids[m] : "";
}
