/* item.h - remote audit items: what one Linux audit record becomes.
 *
 * An item_list holds the items mapped from one audit event. All strings
 * (class, resource, log string, data-field values) live in one text buffer
 * owned by the list and are addressed by offset, so the list can be
 * cleared and refilled for the next event without allocating once it has
 * grown to its working size. Every string is NUL-terminated in that buffer
 * (tests and log messages can use it as a C string) and its length is
 * stored, so the encoder never calls strlen.
 *
 * Field semantics and limits: ../shared/spec/mapping.md and
 * ictx-protocol.md section 4 and 8.1. The list does not check limits; the
 * mapper enforces them where it makes the values.
 *
 * Owner: the reader thread (mapper fills it, the encoder reads it).
 * Not thread-safe. */
#ifndef ZR_ITEM_H
#define ZR_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define ITEM_LINK_LEN      8
#define ITEM_CLASS_MAX     8
#define ITEM_RESOURCE_MAX  240
#define ITEM_LOGSTRING_MAX 200

/* Event codes (ictx-protocol.md 8.2). */
enum item_event {
	ITEM_EVENT_AUTHENTICATION = 1,
	ITEM_EVENT_AUTHORIZATION = 2,
	ITEM_EVENT_AUTHZ_MAPPING = 3,
	ITEM_EVENT_KEY_MGMT = 4,
	ITEM_EVENT_POLICY_MGMT = 5,
	ITEM_EVENT_ADMIN_CONFIG = 6,
	ITEM_EVENT_ADMIN_ACTION = 7,
};

/* Event code qualifiers (ictx-protocol.md 8.3). */
enum item_qualifier {
	ITEM_QUAL_SUCCESS = 0,
	ITEM_QUAL_INFO = 1,
	ITEM_QUAL_WARNING = 2,
	ITEM_QUAL_FAIL = 3,
};

/* Relocate (DataField TYPE) values the plugin sends (ictx-protocol.md 8.4). */
enum item_reloc {
	ITEM_RELOC_TIMESTAMP = 113,
	ITEM_RELOC_OTHER = 114,
};

/* A string in the list's text buffer. */
struct item_str {
	uint32_t off;
	uint32_t len;
};

/* One DataField (relocate). */
struct item_field {
	uint32_t type;
	struct item_str value;
};

/* One remote audit item. Its data fields are fields[first_field ..
 * first_field + nfields - 1] of the owning list. */
struct item {
	uint8_t link[ITEM_LINK_LEN];
	bool violation;
	uint8_t event;     /* enum item_event */
	uint8_t qualifier; /* enum item_qualifier */
	struct item_str class_name;
	struct item_str resource;
	struct item_str logstring;
	uint32_t first_field;
	uint32_t nfields;
	uint32_t serial; /* the Linux event serial, for log messages */
};

/* What the mapper decided for the event the list holds, kept so that a
 * later part of the same event (libauparse can hand one event over in
 * several callbacks) gets the same link value, qualifier, event code and
 * log string. Written by the mapper only; item_list_clear() invalidates it. */
struct item_evstate {
	bool valid;
	long long sec; /* the Linux event id: sec.milli:serial on node */
	unsigned milli;
	unsigned long serial;
	struct item_str node;    /* node= as given, "" when there is none */
	int succ_q, res_q;       /* qualifier from the first success= / res=, -1 none */
	int event;               /* event code decided so far */
	struct item proto;       /* header copied into every item */
	struct item_str head[2]; /* relocates 113 (time) and 114 msg=audit(...) */
	size_t head_bytes;       /* their DER size */
	size_t field_limit;      /* longest relocate value for this event */
};

struct item_list {
	struct item *items;
	size_t nitems, items_cap;
	struct item_field *fields;
	size_t nfields, fields_cap;
	char *text;
	size_t text_len, text_cap;
	struct item_evstate ev; /* the mapper's event state (see above) */
	struct buf scratch;     /* the mapper's working memory (escaping); kept
	                         * with the list so it is reused, not allocated,
	                         * per field */
};

void item_list_init(struct item_list *l);
/* Forget the contents, keep the memory. */
void item_list_clear(struct item_list *l);
void item_list_free(struct item_list *l);

/* The NUL-terminated string s points at; valid until the list changes. */
static inline const char *item_text(const struct item_list *l, struct item_str s)
{
	return l->text + s.off;
}

/* Copy n bytes into the text buffer (adds a NUL). 0 or -1 (ENOMEM). The
 * buffer may move: p must not point into the list's own text. */
int item_list_add_str(struct item_list *l, const char *p, size_t n, struct item_str *out);

/* Append a zeroed item; returns its index, or -1 (ENOMEM). Index, not a
 * pointer: the array may move as it grows. */
long item_list_new_item(struct item_list *l);

/* Append a data field to the last item. 0, or -1 with errno ENOMEM, or
 * EINVAL when the list has no item yet. */
int item_list_add_field(struct item_list *l, uint32_t type, const char *p, size_t n);

/* Append a data field whose value is a string already in the list (the
 * mapper repeats an event's timestamp relocates this way without copying
 * them again). 0 or -1 (ENOMEM). */
int item_list_add_field_str(struct item_list *l, uint32_t type, struct item_str s);

/* The i-th data field of item it. */
static inline const struct item_field *item_field_at(const struct item_list *l,
                                                     const struct item *it, uint32_t i)
{
	return &l->fields[it->first_field + i];
}

#endif
