/* selfaudit.h - the plugin's own audit items: the gaps, delays and changes
 * of the trail, written into the trail itself.
 *
 * When records are lost or delayed short of the mainframe (a full spool,
 * items set aside, a node gone silent), or the plugin starts, stops or
 * changes its configuration, syslog on Linux hears of it but SMF on z/OS
 * would not. These items carry the same fact into SMF, in the class of the
 * Linux records, under resources that no Linux record type can have: every
 * one begins `ZRA_` (Linux type names are upper case letters, digits and
 * `_`, but none begins with ZRA_, and unnamed types map to UNKNOWN[n]).
 *
 * Pure: no clock, no I/O. The caller passes the time, the sequence number
 * and the figures; selfaudit_map() makes one item in an item_list, which
 * the reader then queues and spools like a mapped Linux event.
 *
 * Item layout (audispd-zos-remote(8), SELF-AUDIT):
 *   LinkValue  "ZR" (0x5A 0x52), the sequence number's low 16 bits big-
 *              endian, then the seconds big-endian: a Linux event shares
 *              it only if its serial is 0x5A52xxxx in the same second.
 *   Event      2, as every item; under event_code = by_type 6
 *              (administrator configuration, as DAEMON_CONFIG) for
 *              ZRA_START, ZRA_STOP and ZRA_RELOAD, 2 for the others.
 *   Qualifier  fail (3) for ZRA_GAP and ZRA_SILENT, info (1) otherwise, so
 *              violation = failures marks the losses.
 *   LogString  `Linux (<node>): zos-remote <RESOURCE> <MSGID>: <summary>`,
 *              cut at 200 on an escape boundary.
 *   Relocates  113 the time (ctime form, as for Linux records); 114
 *              `msg=zos-remote(<sec>.<msec>:<seq>)`; 114 `msgid=<id>` (the
 *              syslog message that told the same fact); then one 114
 *              `name=value` per figure, escaped as mapping.md says, cut
 *              to max_field_length.
 *
 * Owner: the reader thread. */
#ifndef ZR_SELFAUDIT_H
#define ZR_SELFAUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "item.h"
#include "mapper.h"

enum selfaudit_kind {
	SELFAUDIT_START,  /* the plugin started: version, config, spool backlog */
	SELFAUDIT_STOP,   /* it stops: what it read, what the spool still holds */
	SELFAUDIT_GAP,    /* records known lost: how many, why, first and last time */
	SELFAUDIT_LATE,   /* records delivered late after an outage: count and span */
	SELFAUDIT_RELOAD, /* the configuration changed: which keys */
	SELFAUDIT_SILENT, /* a node that was sending has gone silent (fleet) */
	SELFAUDIT_BACK,   /* a silent node sends again */
	SELFAUDIT_KINDS
};

struct selfaudit_field {
	const char *name;
	const char *value;
};

struct selfaudit_event {
	enum selfaudit_kind kind;
	const char *msgid;   /* the syslog message id of the same fact, e.g. ZRA0501W */
	const char *summary; /* a few words for the log string */
	const char *node;    /* the node the fact is about; NULL or "" = this host */
	int64_t sec;         /* wall-clock time of the fact */
	unsigned milli;
	uint32_t seq; /* the plugin's own sequence number for these items */
	const struct selfaudit_field *fields;
	size_t nfields;
};

/* The resource name of a kind ("ZRA_START" ...); NULL past the end. */
const char *selfaudit_resource(enum selfaudit_kind k);

/* The event code of a kind's item under the given event_code option. */
int selfaudit_event_code(enum selfaudit_kind k, enum map_event_code mode);

/* The qualifier of a kind's item (enum item_qualifier). */
int selfaudit_qualifier(enum selfaudit_kind k);

/* Clear l and map ev into one item. o gives the class, the host name (for
 * the log string when ev has no node), the event code and violation
 * options and max_field_length. Returns 1 (items made) or -1 (ENOMEM, or
 * EINVAL for a kind out of range). */
int selfaudit_map(const struct selfaudit_event *ev, const struct map_opts *o, struct item_list *l);

#endif
