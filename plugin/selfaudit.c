/* selfaudit.c - the plugin's own audit items (contract in selfaudit.h). */
#include "selfaudit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SELFAUDIT_DEFAULT_CLASS "@LINUX"

static const struct {
	const char *resource;
	int by_type_code;
	int qualifier;
} kinds[SELFAUDIT_KINDS] = {
        [SELFAUDIT_START] = {"ZRA_START", ITEM_EVENT_ADMIN_CONFIG, ITEM_QUAL_INFO},
        [SELFAUDIT_STOP] = {"ZRA_STOP", ITEM_EVENT_ADMIN_CONFIG, ITEM_QUAL_INFO},
        [SELFAUDIT_GAP] = {"ZRA_GAP", ITEM_EVENT_AUTHORIZATION, ITEM_QUAL_FAIL},
        [SELFAUDIT_LATE] = {"ZRA_LATE", ITEM_EVENT_AUTHORIZATION, ITEM_QUAL_INFO},
        [SELFAUDIT_RELOAD] = {"ZRA_RELOAD", ITEM_EVENT_ADMIN_CONFIG, ITEM_QUAL_INFO},
        [SELFAUDIT_SILENT] = {"ZRA_SILENT", ITEM_EVENT_AUTHORIZATION, ITEM_QUAL_FAIL},
        [SELFAUDIT_BACK] = {"ZRA_BACK", ITEM_EVENT_AUTHORIZATION, ITEM_QUAL_INFO},
};

const char *selfaudit_resource(enum selfaudit_kind k)
{
	return (unsigned)k < SELFAUDIT_KINDS ? kinds[k].resource : NULL;
}

int selfaudit_event_code(enum selfaudit_kind k, enum map_event_code mode)
{
	if ((unsigned)k >= SELFAUDIT_KINDS || mode != MAP_EVENT_BY_TYPE)
		return ITEM_EVENT_AUTHORIZATION;
	return kinds[k].by_type_code;
}

int selfaudit_qualifier(enum selfaudit_kind k)
{
	return (unsigned)k < SELFAUDIT_KINDS ? kinds[k].qualifier : ITEM_QUAL_INFO;
}

/* One 114 relocate `name=value`, escaped and cut to max bytes. */
static int add_pair(struct item_list *l, const char *name, const char *value, size_t max)
{
	struct buf *sc = &l->scratch;

	buf_reset(sc);
	if (map_escape(name, strlen(name), sc) < 0 || buf_append(sc, "=", 1) < 0 ||
	    map_escape(value ? value : "", value ? strlen(value) : 0, sc) < 0)
		return -1;
	size_t n = map_escaped_cut((const char *)sc->data, sc->len, max);
	return item_list_add_field(l, ITEM_RELOC_OTHER, (const char *)sc->data, n);
}

static int make_logstring(const struct selfaudit_event *ev, const struct map_opts *o,
                          struct item_list *l, struct item_str *out)
{
	const char *node = ev->node && *ev->node         ? ev->node
	                   : o->hostname && *o->hostname ? o->hostname
	                                                 : "unknown";
	char head[64];
	struct buf *sc = &l->scratch;

	snprintf(head, sizeof(head), "): zos-remote %s %s: ", kinds[ev->kind].resource,
	         ev->msgid ? ev->msgid : "-");
	buf_reset(sc);
	if (buf_append(sc, "Linux (", 7) < 0 || map_escape(node, strlen(node), sc) < 0 ||
	    buf_append(sc, head, strlen(head)) < 0 ||
	    map_escape(ev->summary ? ev->summary : "", ev->summary ? strlen(ev->summary) : 0, sc) <
	            0)
		return -1;
	size_t n = map_escaped_cut((const char *)sc->data, sc->len, ITEM_LOGSTRING_MAX);
	return item_list_add_str(l, (const char *)sc->data, n, out);
}

static void set_link(struct item *it, const struct selfaudit_event *ev)
{
	uint32_t secs = (uint32_t)((uint64_t)ev->sec & 0xffffffffU);

	it->link[0] = 0x5A; /* 'Z' */
	it->link[1] = 0x52; /* 'R' */
	it->link[2] = (uint8_t)(ev->seq >> 8);
	it->link[3] = (uint8_t)ev->seq;
	for (int i = 0; i < 4; i++)
		it->link[4 + i] = (uint8_t)(secs >> (24 - 8 * i));
}

static int fill(const struct selfaudit_event *ev, const struct map_opts *o, struct item_list *l)
{
	const char *cls = o->class_name ? o->class_name : SELFAUDIT_DEFAULT_CLASS;
	size_t max = o->max_field_length ? o->max_field_length : 1024;
	struct item proto = {0};
	char tmp[96];

	set_link(&proto, ev);
	proto.event = (uint8_t)selfaudit_event_code(ev->kind, o->event_code);
	proto.qualifier = (uint8_t)kinds[ev->kind].qualifier;
	proto.violation =
	        o->violation == MAP_VIOLATION_FAILURES && proto.qualifier == ITEM_QUAL_FAIL;
	proto.serial = ev->seq;
	const char *res = kinds[ev->kind].resource;
	if (item_list_add_str(l, cls, strnlen(cls, ITEM_CLASS_MAX), &proto.class_name) < 0 ||
	    item_list_add_str(l, res, strlen(res), &proto.resource) < 0 ||
	    make_logstring(ev, o, l, &proto.logstring) < 0)
		return -1;

	long idx = item_list_new_item(l);
	if (idx < 0)
		return -1;
	proto.first_field = l->items[idx].first_field;
	l->items[idx] = proto;

	int n = map_ctime((time_t)ev->sec, tmp, sizeof(tmp));
	if (item_list_add_field(l, ITEM_RELOC_TIMESTAMP, tmp, (size_t)n) < 0)
		return -1;
	n = snprintf(tmp, sizeof(tmp), "msg=zos-remote(%" PRId64 ".%03u:%" PRIu32 ")", ev->sec,
	             ev->milli % 1000, ev->seq);
	if (item_list_add_field(l, ITEM_RELOC_OTHER, tmp, (size_t)n) < 0)
		return -1;
	if (ev->msgid && add_pair(l, "msgid", ev->msgid, max) < 0)
		return -1;
	for (size_t i = 0; i < ev->nfields; i++)
		if (add_pair(l, ev->fields[i].name, ev->fields[i].value, max) < 0)
			return -1;
	return 1;
}

int selfaudit_map(const struct selfaudit_event *ev, const struct map_opts *o, struct item_list *l)
{
	item_list_clear(l);
	if (!ev || !o || (unsigned)ev->kind >= SELFAUDIT_KINDS) {
		errno = EINVAL;
		return -1;
	}
	if (fill(ev, o, l) < 0) {
		item_list_clear(l);
		return -1;
	}
	return 1;
}
