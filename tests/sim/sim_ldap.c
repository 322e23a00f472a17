/* sim_ldap.c: the LDAP server loop: connections, framing, binds, extended ops, latency, faults. */
#include "zr-autoconf.h" /* _GNU_SOURCE: accept4, ppoll */

#include "sim_ldap.h"

#include <errno.h>
#include <fcntl.h>
#include <ldap.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim_ictx.h"

#define SIM_READ_CHUNK    ((size_t)256 * 1024)
#define SIM_BACKLOG_LIMIT ((size_t)64 * 1024 * 1024) /* stop reading a client we cannot answer */
#define SIM_NOTICE_OID    "1.3.6.1.4.1.1466.20036"
#define SIM_STARTTLS_OID  "1.3.6.1.4.1.1466.20037"

/* One reply waiting for its latency to pass; a close marker ends the connection instead. */
struct sim_reply {
	struct sim_reply *next;
	int64_t due_ns;
	bool close;
	size_t len;
	unsigned char data[];
};

struct sim_conn {
	int fd;
	unsigned long id;
	char peer[64];
	unsigned char *in;
	size_t in_len, in_cap;
	unsigned char *out;
	size_t out_off, out_len, out_cap;
	struct sim_reply *head, *tail;
	size_t queued; /* bytes waiting in the reply queue */
	char user[RACF_USERID_MAX + 1];
	char dn[256]; /* bind DN as sent (cut to 255), for SMF relocate 101 */
	bool bound;
	bool remote_audit;
	bool hung;         /* hang-after: nothing is answered any more */
	bool ignore_input; /* input is read and discarded (hung, or a close is pending) */
	bool draining;     /* close as soon as the output buffer is empty */
	bool dead;         /* close now */
	const char *close_reason;
	struct sim_tls_conn *tls; /* ldaps, or StartTLS accepted */
	bool tls_on;              /* I/O goes through tls (StartTLS: once its answer has left) */
	bool replied;             /* a response was made on this connection */
	size_t huge_left;         /* huge-reply: filler bytes still to stream */
	bool huge;                /* huge-reply hit this connection */
	size_t sent;              /* bytes the client's socket took, for huge-reply's journal */
};

struct sim_server {
	const struct sim_options *opt;
	struct sim_conn **conns;
	size_t nconns, cap;
	unsigned long next_conn;
	unsigned long ext_count;  /* extended requests seen, for the faults */
	unsigned long bind_count; /* binds seen, for reject-binds */
	unsigned long busy_used, unavailable_used;
	unsigned long tls_count; /* TLS handshakes begun, for tls-stall */
	unsigned long huge_used; /* connections given a huge reply */
	int64_t now_ns;          /* arrival time of the bytes being processed */
};

static int64_t sim_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int sim_fault_parse(struct sim_faults *f, const char *spec, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} kinds[] = {
	        {"close-after", offsetof(struct sim_faults, close_after)},
	        {"close-every", offsetof(struct sim_faults, close_every)},
	        {"hang-after", offsetof(struct sim_faults, hang_after)},
	        {"busy", offsetof(struct sim_faults, busy)},
	        {"unavailable", offsetof(struct sim_faults, unavailable)},
	        {"reject-binds", offsetof(struct sim_faults, reject_binds)},
	        {"malformed", offsetof(struct sim_faults, malformed)},
	        {"tls-stall", offsetof(struct sim_faults, tls_stall)},
	        {"huge-reply", offsetof(struct sim_faults, huge_reply)},
	};
	const char *eq = strchr(spec, '=');
	for (size_t i = 0; eq && i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strlen(kinds[i].name) != (size_t)(eq - spec) ||
		    strncmp(spec, kinds[i].name, (size_t)(eq - spec)) != 0)
			continue;
		char *end = NULL;
		errno = 0;
		unsigned long n = strtoul(eq + 1, &end, 10);
		if (errno || end == eq + 1 || *end || eq[1] == '-' || n == 0) {
			snprintf(err, errlen, "--fault %s: N must be a whole number >= 1", spec);
			return -1;
		}
		*(unsigned long *)((char *)f + kinds[i].off) = n;
		return 0;
	}
	snprintf(err, errlen,
	         "--fault %s: expected close-after=N, close-every=N, hang-after=N, busy=N, "
	         "unavailable=N, reject-binds=N, malformed=N, tls-stall=N or huge-reply=N",
	         spec);
	return -1;
}

int sim_ldap_listen(const char *host, const char *port, unsigned *bound, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "--listen %s:%s: %s", host, port, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		snprintf(err, errlen, "--listen %s:%s: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss = {0};
	socklen_t sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errlen, "--listen %s:%s: getsockname: %s", host, port,
		         strerror(errno));
		close(fd);
		return -1;
	}
	char serv[8] = "0";
	getnameinfo((struct sockaddr *)&ss, sl, NULL, 0, serv, sizeof serv, NI_NUMERICSERV);
	*bound = (unsigned)strtoul(serv, NULL, 10);
	return fd;
}

int sim_ldap_frame(const unsigned char *p, size_t n, size_t max, size_t *pdu_len, const char **why)
{
	if (n < 2)
		return 0;
	if (p[0] != 0x30) {
		*why = "LDAPMessage is not a SEQUENCE";
		return -1;
	}
	size_t hdr = 2, len = p[1];
	if (p[1] == 0x80) {
		*why = "indefinite length LDAPMessage (RFC 4511 §5.1 forbids it)";
		return -1;
	}
	if (p[1] > 0x80) {
		size_t k = p[1] & 0x7fu;
		if (k > 4) {
			*why = "LDAPMessage length field longer than 4 octets";
			return -1;
		}
		if (n < 2 + k)
			return 0;
		len = 0;
		for (size_t i = 0; i < k; i++)
			len = (len << 8) | p[2 + i];
		hdr += k;
	}
	if (len > max) {
		*why = "LDAPMessage larger than the PDU limit";
		return -1;
	}
	if (n - hdr < len)
		return 0;
	*pdu_len = hdr + len;
	return 1;
}

/* ---- output ---- */

static bool sim_out_append(struct sim_conn *c, const void *data, size_t len)
{
	if (c->out_off > 0 && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_cap - c->out_len < len) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap - c->out_len < len)
			cap *= 2;
		unsigned char *n = realloc(c->out, cap);
		if (!n) {
			c->dead = true;
			c->close_reason = "out of memory";
			return false;
		}
		c->out = n;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return true;
}

/* Replies leave in arrival order, each no sooner than latency after its request arrived. */
static void sim_reply(struct sim_server *s, struct sim_conn *c, const void *data, size_t len,
                      bool close)
{
	if (c->hung)
		return;
	if (!close && !c->head && s->opt->latency_ms == 0) {
		sim_out_append(c, data, len);
		return;
	}
	struct sim_reply *r = malloc(sizeof *r + len);
	if (!r) {
		c->dead = true;
		c->close_reason = "out of memory";
		return;
	}
	r->next = NULL;
	r->due_ns = s->now_ns + (int64_t)s->opt->latency_ms * 1000000;
	r->close = close;
	r->len = len;
	if (len)
		memcpy(r->data, data, len);
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->queued += len;
}

static void sim_release_due(struct sim_conn *c, int64_t now)
{
	while (c->head && c->head->due_ns <= now && !c->dead) {
		struct sim_reply *r = c->head;
		c->head = r->next;
		if (!c->head)
			c->tail = NULL;
		c->queued -= r->len;
		if (r->close) {
			c->draining = true;
			c->close_reason = "fault close-after";
		} else {
			sim_out_append(c, r->data, r->len);
		}
		free(r);
	}
}

static ssize_t sim_io_send(struct sim_conn *c, const void *p, size_t n)
{
	return c->tls_on ? sim_tls_send(c->tls, p, n) : send(c->fd, p, n, MSG_NOSIGNAL);
}

/* huge-reply: more filler once the last has left; the end closes the connection. */
static void sim_huge_more(struct sim_conn *c)
{
	static const unsigned char zeros[65536];
	size_t n = c->huge_left < sizeof zeros ? c->huge_left : sizeof zeros;

	if (!sim_out_append(c, zeros, n))
		return;
	c->huge_left -= n;
	if (!c->huge_left) {
		c->draining = true;
		c->close_reason = "fault huge-reply: all bytes sent";
	}
}

static void sim_send_pending(struct sim_conn *c)
{
	if (c->out_off == c->out_len && c->huge_left)
		sim_huge_more(c);
	while (c->out_off < c->out_len) {
		ssize_t n = sim_io_send(c, c->out + c->out_off, c->out_len - c->out_off);
		if (n > 0) {
			c->out_off += (size_t)n;
			c->sent += (size_t)n;
			if (c->out_off == c->out_len && c->huge_left)
				sim_huge_more(c);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		c->dead = true;
		c->close_reason = c->tls_on ? sim_tls_error(c->tls) : "send failed";
		return;
	}
	c->out_off = c->out_len = 0;
	if (c->tls && !c->head)
		c->tls_on = true; /* the StartTLS answer has left in clear: TLS from here on */
}

static void sim_journal_fault(struct sim_server *s, const struct sim_conn *c, const char *fault,
                              const char *detail);

/* huge-reply=N: instead of the first response on the connection (the bind's, or the StartTLS
 * reply before any certificate is seen), a SEQUENCE that announces 0x7fffffff bytes, then
 * SIM_HUGE_BYTES of them streamed as fast as the client reads, then the connection closes. A
 * client without a message size limit allocates as the bytes arrive. */
static void sim_huge_reply(struct sim_server *s, struct sim_conn *c, ber_int_t msgid)
{
	static const unsigned char head[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff};
	char detail[128];

	s->huge_used++;
	snprintf(detail, sizeof detail,
	         "reply to msgid %d announces 2147483647 bytes; %zu follow, then close", (int)msgid,
	         SIM_HUGE_BYTES);
	sim_journal_fault(s, c, "huge-reply", detail);
	c->ignore_input = true;
	c->huge_left = SIM_HUGE_BYTES;
	c->huge = true;
	sim_out_append(c, head, sizeof head);
}

/* An LDAPResult-shaped response: {msgid, [tag]{resultCode, "", diag, [name], [value]}}. */
static void sim_respond(struct sim_server *s, struct sim_conn *c, ber_int_t msgid, ber_tag_t tag,
                        int rc, const char *diag, const char *name, const unsigned char *val,
                        size_t vlen)
{
	bool first = !c->replied;

	c->replied = true;
	if (first && s->huge_used < s->opt->faults.huge_reply) {
		sim_huge_reply(s, c, msgid);
		return;
	}
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval bv;
	if (!ber) {
		c->dead = true;
		c->close_reason = "out of memory";
		return;
	}
	int ok = ber_printf(ber, "{it{ess", msgid, tag, (ber_int_t)rc, "", diag ? diag : "") >= 0;
	if (ok && name)
		ok = ber_printf(ber, "ts", (ber_tag_t)LDAP_TAG_EXOP_RES_OID, name) >= 0;
	if (ok && val)
		ok = ber_printf(ber, "to", (ber_tag_t)LDAP_TAG_EXOP_RES_VALUE, (const char *)val,
		                (ber_len_t)vlen) >= 0;
	if (ok)
		ok = ber_printf(ber, "}}") >= 0 && ber_flatten2(ber, &bv, 0) == 0;
	if (ok)
		sim_reply(s, c, bv.bv_val, bv.bv_len, false);
	else {
		c->dead = true;
		c->close_reason = "cannot encode a response";
	}
	ber_free(ber, 1);
}

/* ---- journal helpers ---- */

static json_t *sim_jline(struct sim_server *s, const char *kind, const struct sim_conn *c)
{
	json_t *o = journal_new(s->opt->journal, kind);
	if (o && c)
		journal_set_int(o, "conn", (long long)c->id);
	return o;
}

static void sim_journal_conn(struct sim_server *s, const struct sim_conn *c, const char *event,
                             const char *reason)
{
	json_t *o = sim_jline(s, "conn", c);
	if (!o)
		return;
	journal_set_str(o, "event", event);
	journal_set_str(o, "peer", c->peer);
	journal_set_str(o, "reason", reason);
	journal_write(s->opt->journal, o);
}

static void sim_journal_fault(struct sim_server *s, const struct sim_conn *c, const char *fault,
                              const char *detail)
{
	json_t *o = sim_jline(s, "fault", c);
	if (!o)
		return;
	journal_set_str(o, "fault", fault);
	journal_set_str(o, "detail", detail);
	journal_write(s->opt->journal, o);
}

/* The "request" line; code < 0 and items == SIZE_MAX are written as null. */
static void sim_journal_request(struct sim_server *s, const struct sim_conn *c, ber_int_t msgid,
                                int ldap_result, int code, size_t items, size_t answered,
                                const char *reason)
{
	json_t *o = sim_jline(s, "request", c);
	if (!o)
		return;
	journal_set_int(o, "msgid", msgid);
	json_object_set_new(o, "ldap_result",
	                    ldap_result < 0 ? json_null() : json_integer(ldap_result));
	json_object_set_new(o, "code", code < 0 ? json_null() : json_integer(code));
	json_object_set_new(o, "items",
	                    items == SIZE_MAX ? json_null() : json_integer((json_int_t)items));
	journal_set_int(o, "answered", (long long)answered);
	journal_set_str(o, "reason", reason);
	journal_write(s->opt->journal, o);
}

static void sim_journal_item(struct sim_server *s, const struct sim_conn *c, ber_int_t msgid,
                             const struct ictx_item *it)
{
	bool written = it->major == ICTX_SUCCESS || it->major == ICTX_WARNINGMODE;
	struct smffile_outcome smf = {0};
	if (written && smffile_enabled(s->opt->smf)) {
		const struct smffile_ctx ctx = {s->opt->system_id, c->user, c->dn};
		smffile_write_item(s->opt->smf, &ctx, it, &smf);
	}
	json_t *o = sim_jline(s, written ? "smf" : "item", c);
	if (!o)
		return;
	journal_set_int(o, "msgid", msgid);
	if (written)
		journal_set_str(o, "sid", s->opt->system_id);
	if (smf.bytes > 0) {
		journal_set_int(o, "smf_bytes", (long long)smf.bytes);
		json_object_set_new(o, "smf_truncated", json_boolean(smf.truncated));
		journal_set_int(o, "smf_datafields", (long long)smf.datafields);
	}
	journal_set_str(o, "user", c->bound ? c->user : NULL);
	journal_item_fields(o, it);
	if (it->have & (1u << ICTX_F_LOGSTRING)) {
		/* The stored log string carries the server's prefix (ictx-protocol.md §4.3). */
		json_object_set_new(o, "logstring",
		                    written ? json_sprintf("Remote audit request from %s. %.*s",
		                                           c->user, (int)it->logstring.len,
		                                           it->logstring.p)
		                            : json_stringn(it->logstring.p, it->logstring.len));
	}
	journal_set_int(o, "major", it->major);
	if (!written) {
		journal_set_str(o, "name", sim_ictx_major_name(it->major));
		journal_set_int(o, "minor1", it->minor1);
		journal_set_int(o, "minor2", it->minor2);
		journal_set_int(o, "minor3", it->minor3);
		journal_set_str(o, "reason", it->reason);
	}
	if (it->profile)
		journal_set_str(o, "profile", it->profile->name);
	journal_write(s->opt->journal, o);
}

/* ---- connection life ---- */

static void sim_protocol_error(struct sim_server *s, struct sim_conn *c, const char *why);

static struct sim_conn *sim_conn_add(struct sim_server *s, int fd, const struct sockaddr *sa)
{
	if (s->nconns == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct sim_conn **n = realloc(s->conns, cap * sizeof(struct sim_conn *));
		if (!n)
			return NULL;
		s->conns = n;
		s->cap = cap;
	}
	struct sim_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fd = fd;
	c->id = ++s->next_conn;
	char host[INET6_ADDRSTRLEN] = "?", serv[8] = "?";
	getnameinfo(sa,
	            sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                      : sizeof(struct sockaddr_in),
	            host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(c->peer, sizeof c->peer, "%s:%s", host, serv);
	s->conns[s->nconns++] = c;
	sim_journal_conn(s, c, "open", "accepted");
	return c;
}

static void sim_conn_free(struct sim_server *s, struct sim_conn *c)
{
	if (c->huge) {
		char detail[96];
		snprintf(detail, sizeof detail, "%zu bytes sent before the connection closed",
		         c->sent);
		sim_journal_fault(s, c, "huge-reply-end", detail);
	}
	sim_journal_conn(s, c, "close", c->close_reason ? c->close_reason : "server stopping");
	sim_tls_conn_free(c->tls);
	close(c->fd);
	while (c->head) {
		struct sim_reply *r = c->head;
		c->head = r->next;
		free(r);
	}
	free(c->in);
	free(c->out);
	free(c);
}

/* TLS on c from now (ldaps) or once the StartTLS answer has left; tls-stall decides here. */
static bool sim_tls_begin(struct sim_server *s, struct sim_conn *c, bool now)
{
	bool stall = ++s->tls_count <= s->opt->faults.tls_stall;
	if (stall) {
		char detail[96];
		snprintf(detail, sizeof detail, "TLS handshake %lu of %lu never completes",
		         s->tls_count, s->opt->faults.tls_stall);
		sim_journal_fault(s, c, "tls-stall", detail);
	}
	c->tls = sim_tls_conn_new(s->opt->tls, c->fd, s->opt->journal, c->id, stall);
	c->tls_on = now;
	return c->tls != NULL;
}

static void sim_accept(struct sim_server *s, int lfd, bool ldaps)
{
	for (;;) {
		struct sockaddr_storage ss = {0};
		socklen_t sl = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a client that gave up: nothing to do */
		int one = 1;
		/* Small replies must not wait for Nagle: the latency is ours to choose. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct sim_conn *c = sim_conn_add(s, fd, (struct sockaddr *)&ss);
		if (!c)
			close(fd);
		else if (ldaps && !sim_tls_begin(s, c, true)) {
			c->dead = true;
			c->close_reason = "out of memory";
		}
	}
}

/* ---- bind ---- */

/* The RACF id from "racfid=USER,cn=ictx" (attribute types and "ictx" case-insensitive). */
static bool sim_bind_dn_user(const struct berval *dn, char *user)
{
	LDAPDN ldn = NULL;
	struct berval copy = *dn; /* ldap_bv2dn does not promise const */
	bool ok = false;
	if (dn->bv_len == 0 || memchr(dn->bv_val, 0, dn->bv_len) ||
	    ldap_bv2dn(&copy, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !ldn)
		return false;
	if (ldn[0] && ldn[1] && !ldn[2] && ldn[0][0] && !ldn[0][1] && ldn[1][0] && !ldn[1][1]) {
		const LDAPAVA *id = ldn[0][0], *cn = ldn[1][0];
		ok = id->la_attr.bv_len == 6 && strncasecmp(id->la_attr.bv_val, "racfid", 6) == 0 &&
		     cn->la_attr.bv_len == 2 && strncasecmp(cn->la_attr.bv_val, "cn", 2) == 0 &&
		     cn->la_value.bv_len == 4 && strncasecmp(cn->la_value.bv_val, "ictx", 4) == 0 &&
		     id->la_value.bv_len >= 1 && id->la_value.bv_len <= RACF_USERID_MAX;
		if (ok) {
			memcpy(user, id->la_value.bv_val, id->la_value.bv_len);
			user[id->la_value.bv_len] = '\0';
		}
	}
	ldap_dnfree(ldn);
	return ok;
}

struct sim_bind {
	ber_int_t version;
	struct berval dn;
	bool simple;
	struct berval cred; /* password, or SASL mechanism */
};

/* SASL: only EXTERNAL, where the verified TLS client certificate names the RACF user. */
static int sim_bind_sasl(struct sim_server *s, struct sim_conn *c, const struct sim_bind *b,
                         const struct racf_user **user, char *reason, size_t rlen)
{
	const char *id = NULL;
	if (b->cred.bv_len != 8 || memcmp(b->cred.bv_val, "EXTERNAL", 8) != 0) {
		snprintf(reason, rlen,
		         "SASL bind (%.*s) not supported, use a simple bind or SASL EXTERNAL",
		         (int)(b->cred.bv_len > 20 ? 20 : b->cred.bv_len), b->cred.bv_val);
		return LDAP_INVALID_CREDENTIALS;
	}
	int rc = sim_tls_external(s->opt->tls, c->tls_on ? c->tls : NULL, &id, reason, rlen);
	if (rc != 0)
		return rc;
	*user = racf_find_user(s->opt->racf, id);
	if (!*user) {
		snprintf(reason, rlen, "SASL EXTERNAL: mapped RACF user %s is not defined", id);
		return LDAP_INVALID_CREDENTIALS;
	}
	return LDAP_SUCCESS;
}

/* Decides a bind: returns the LDAP resultCode, the reason, and the RACF user (or NULL). */
static int sim_bind_decide(struct sim_server *s, struct sim_conn *c, const struct sim_bind *b,
                           const struct racf_user **user, char *reason, size_t rlen)
{
	char id[RACF_USERID_MAX + 1];
	*user = NULL;
	if (b->version != LDAP_VERSION3) {
		snprintf(reason, rlen, "LDAP version %d not supported, only 3", (int)b->version);
		return LDAP_PROTOCOL_ERROR;
	}
	if (s->opt->faults.reject_binds && s->bind_count <= s->opt->faults.reject_binds) {
		snprintf(reason, rlen, "fault reject-binds: bind %lu of %lu rejected",
		         s->bind_count, s->opt->faults.reject_binds);
		sim_journal_fault(s, c, "reject-binds", reason);
		return LDAP_INVALID_CREDENTIALS;
	}
	if (!b->simple)
		return sim_bind_sasl(s, c, b, user, reason, rlen);
	if (!sim_bind_dn_user(&b->dn, id)) {
		snprintf(reason, rlen, "DN is not of the form racfid=USER,cn=ictx");
		return LDAP_INVALID_CREDENTIALS;
	}
	*user = racf_find_user(s->opt->racf, id);
	if (!*user) {
		snprintf(reason, rlen, "RACF user %s is not defined", id);
		return LDAP_INVALID_CREDENTIALS;
	}
	if (b->cred.bv_len != strlen((*user)->password) ||
	    memcmp(b->cred.bv_val, (*user)->password, b->cred.bv_len) != 0) {
		snprintf(reason, rlen, "wrong password for %s", (*user)->id);
		return LDAP_INVALID_CREDENTIALS;
	}
	snprintf(reason, rlen, "bound as %s%s", (*user)->id,
	         (*user)->remote_audit ? "" : " (no READ on IRR.LDAP.REMOTE.AUDIT)");
	return LDAP_SUCCESS;
}

static void sim_bind(struct sim_server *s, struct sim_conn *c, ber_int_t msgid, BerElement *ber)
{
	struct sim_bind b = {0};
	ber_len_t len;
	if (ber_scanf(ber, "{im", &b.version, &b.dn) == LBER_ERROR) {
		sim_protocol_error(s, c, "undecodable BindRequest");
		return;
	}
	ber_tag_t auth = ber_peek_tag(ber, &len);
	b.simple = auth == LDAP_AUTH_SIMPLE;
	if ((auth != LDAP_AUTH_SIMPLE && auth != LDAP_AUTH_SASL) ||
	    ber_scanf(ber, b.simple ? "m" : "{m", &b.cred) == LBER_ERROR) {
		sim_protocol_error(s, c, "undecodable BindRequest authentication");
		return;
	}
	s->bind_count++;
	const struct racf_user *u = NULL;
	char reason[160];
	int rc = sim_bind_decide(s, c, &b, &u, reason, sizeof reason);
	c->bound = rc == LDAP_SUCCESS; /* a failed bind leaves the connection anonymous */
	c->remote_audit = c->bound && u && u->remote_audit;
	snprintf(c->user, sizeof c->user, "%s", c->bound && u ? u->id : "");
	snprintf(c->dn, sizeof c->dn, "%.*s", (int)b.dn.bv_len, c->bound ? b.dn.bv_val : "");
	json_t *o = sim_jline(s, "bind", c);
	if (o) {
		journal_set_int(o, "msgid", msgid);
		json_t *dn = json_stringn(b.dn.bv_val, b.dn.bv_len); /* NULL if not UTF-8 */
		json_object_set_new(o, "dn", dn ? dn : json_null());
		journal_set_str(o, "user", u ? u->id : NULL);
		json_t *mech = b.simple ? json_string("simple")
		                        : json_stringn(b.cred.bv_val, b.cred.bv_len);
		json_object_set_new(o, "mechanism", mech ? mech : json_null());
		json_object_set_new(o, "tls", json_boolean(c->tls_on));
		journal_set_int(o, "result", rc);
		journal_set_str(o, "reason", reason);
		journal_write(s->opt->journal, o);
	}
	sim_respond(s, c, msgid, LDAP_RES_BIND, rc, rc ? reason : "", NULL, NULL, 0);
}

/* ---- extended operations ---- */

/* Faults that pre-empt a request. Returns true when the request is settled by one. */
static bool sim_ext_fault(struct sim_server *s, struct sim_conn *c, ber_int_t msgid)
{
	const struct sim_faults *f = &s->opt->faults;
	char detail[128];
	unsigned long n = s->ext_count;
	bool every = f->close_every && n % f->close_every == 0;
	if (f->close_after == n || every || f->hang_after == n) {
		bool close = f->close_after == n || every;
		snprintf(detail, sizeof detail, "extended request %lu (msgid %d) %s", n, (int)msgid,
		         close ? "not answered, connection closed"
		               : "and all after it on this connection not answered");
		sim_journal_fault(s, c,
		                  f->close_after == n ? "close-after"
		                  : every             ? "close-every"
		                                      : "hang-after",
		                  detail);
		sim_journal_request(s, c, msgid, -1, -1, SIZE_MAX, 0, detail);
		c->ignore_input = true;
		if (close)
			sim_reply(s, c, NULL, 0, true);
		else
			c->hung = true;
		return true;
	}
	int rc = 0;
	const char *name = NULL;
	if (s->busy_used < f->busy) {
		s->busy_used++;
		rc = LDAP_BUSY;
		name = "busy";
	} else if (s->unavailable_used < f->unavailable) {
		s->unavailable_used++;
		rc = LDAP_UNAVAILABLE;
		name = "unavailable";
	}
	if (!rc)
		return false;
	snprintf(detail, sizeof detail, "fault %s: extended request %lu answered with %d", name, n,
	         rc);
	sim_journal_fault(s, c, name, detail);
	sim_journal_request(s, c, msgid, rc, -1, SIZE_MAX, 0, detail);
	sim_respond(s, c, msgid, LDAP_RES_EXTENDED, rc, detail, NULL, NULL, 0);
	return true;
}

/* An extended request refused before its value is looked at. */
static void sim_ext_refuse(struct sim_server *s, struct sim_conn *c, ber_int_t msgid, int rc,
                           const char *why)
{
	sim_journal_request(s, c, msgid, rc, -1, SIZE_MAX, 0, why);
	sim_respond(s, c, msgid, LDAP_RES_EXTENDED, rc, why, NULL, NULL, 0);
}

/* malformed=N: a response value that no DER decoder can accept (the outer SEQUENCE claims one
 * more byte than follows). */
static void sim_ext_malform(struct sim_server *s, struct sim_conn *c, unsigned char *val,
                            size_t *len)
{
	char detail[96];
	if (*len >= 2 && val[1] < 0x7f)
		val[1]++;
	else if (*len > 0)
		(*len)--;
	snprintf(detail, sizeof detail,
	         "extended request %lu gets a response value that is not DER", s->ext_count);
	sim_journal_fault(s, c, "malformed", detail);
}

static void sim_ext_audit(struct sim_server *s, struct sim_conn *c, ber_int_t msgid,
                          const struct berval *val)
{
	struct ictx_policy pol = {
	        .racf = s->opt->racf,
	        .remote_audit = c->remote_audit,
	        .rauditx = s->opt->rauditx,
	        .classes = s->opt->classes,
	        .nclasses = s->opt->nclasses,
	        .max_value = s->opt->max_value,
	};
	struct ictx_result res;
	unsigned char *out = NULL;
	size_t outlen = 0;
	if (ictx_process(&pol, val->bv_val, val->bv_len, &res) != 0) {
		ictx_result_free(&res);
		sim_ext_refuse(s, c, msgid, LDAP_OTHER, "out of memory");
		return;
	}
	if (res.ldap_result) {
		sim_ext_refuse(s, c, msgid, res.ldap_result, res.reason);
		ictx_result_free(&res);
		return;
	}
	bool record = journal_enabled(s->opt->journal) || smffile_enabled(s->opt->smf);
	for (size_t i = 0; record && i < res.nanswered; i++)
		sim_journal_item(s, c, msgid, &res.items[i]);
	sim_journal_request(s, c, msgid, LDAP_SUCCESS, res.code, res.nitems, res.nanswered,
	                    res.reason);
	if (ictx_encode_response(&res, &out, &outlen) != 0) {
		ictx_result_free(&res);
		sim_respond(s, c, msgid, LDAP_RES_EXTENDED, LDAP_OTHER, "cannot encode response",
		            NULL, NULL, 0);
		return;
	}
	if (s->opt->faults.malformed == s->ext_count)
		sim_ext_malform(s, c, out, &outlen);
	sim_respond(s, c, msgid, LDAP_RES_EXTENDED, LDAP_SUCCESS, "", ICTX_RESPONSE_OID, out,
	            outlen);
	free(out);
	ictx_result_free(&res);
}

/* StartTLS (RFC 4511 §4.14): answered in clear, then TLS; not counted as an extended request
 * for the faults. Without --tls-cert it is refused as an unknown operation (protocolError),
 * as a server without a TLS setup does. */
static void sim_starttls(struct sim_server *s, struct sim_conn *c, ber_int_t msgid)
{
	const char *why = "TLS handshake follows";
	int rc = LDAP_SUCCESS;
	if (!s->opt->tls) {
		rc = LDAP_PROTOCOL_ERROR;
		why = "unsupported extended operation " SIM_STARTTLS_OID " (no TLS configured)";
	} else if (c->tls) {
		rc = LDAP_OPERATIONS_ERROR;
		why = "TLS is already active on this connection";
	} else if (c->head) {
		rc = LDAP_OPERATIONS_ERROR;
		why = "StartTLS while requests are outstanding";
	}
	json_t *o = sim_jline(s, "tls", c);
	if (o) {
		journal_set_str(o, "event", "starttls");
		journal_set_int(o, "msgid", msgid);
		journal_set_int(o, "result", rc);
		journal_set_str(o, "reason", why);
		journal_write(s->opt->journal, o);
	}
	sim_respond(s, c, msgid, LDAP_RES_EXTENDED, rc, rc ? why : "", rc ? NULL : SIM_STARTTLS_OID,
	            NULL, 0);
	if (rc == LDAP_SUCCESS && !sim_tls_begin(s, c, false)) {
		c->dead = true;
		c->close_reason = "out of memory";
	}
}

static void sim_extended(struct sim_server *s, struct sim_conn *c, ber_int_t msgid, BerElement *ber)
{
	struct berval oid = {0}, val = {0};
	ber_len_t len;
	ber_tag_t tag;
	if (ber_scanf(ber, "{") == LBER_ERROR || ber_peek_tag(ber, &len) != LDAP_TAG_EXOP_REQ_OID ||
	    ber_scanf(ber, "m", &oid) == LBER_ERROR) {
		sim_protocol_error(s, c, "undecodable ExtendedRequest");
		return;
	}
	tag = ber_peek_tag(ber, &len);
	bool has_value = tag == LDAP_TAG_EXOP_REQ_VALUE;
	if (has_value && ber_scanf(ber, "m", &val) == LBER_ERROR) {
		sim_protocol_error(s, c, "undecodable ExtendedRequest value");
		return;
	}
	if (oid.bv_len == strlen(SIM_STARTTLS_OID) &&
	    memcmp(oid.bv_val, SIM_STARTTLS_OID, oid.bv_len) == 0) {
		sim_starttls(s, c, msgid);
		return;
	}
	s->ext_count++;
	if (sim_ext_fault(s, c, msgid))
		return;
	char why[160];
	if (oid.bv_len != strlen(ICTX_REQUEST_OID) ||
	    memcmp(oid.bv_val, ICTX_REQUEST_OID, oid.bv_len) != 0) {
		snprintf(why, sizeof why, "unsupported extended operation %.*s",
		         (int)(oid.bv_len > 64 ? 64 : oid.bv_len), oid.bv_val);
		sim_ext_refuse(s, c, msgid, LDAP_PROTOCOL_ERROR, why);
	} else if (!c->bound) {
		sim_ext_refuse(s, c, msgid, LDAP_INSUFFICIENT_ACCESS,
		               "remote audit needs a successful bind first");
	} else if (!has_value) {
		sim_ext_refuse(s, c, msgid, LDAP_PROTOCOL_ERROR,
		               "remote audit request has no value");
	} else {
		sim_ext_audit(s, c, msgid, &val);
	}
}

/* ---- dispatch ---- */

/* RFC 4511 §4.1.1: a PDU that cannot be parsed gets the Notice of Disconnection and the
 * session ends; it bypasses latency because the connection is going away. */
static void sim_protocol_error(struct sim_server *s, struct sim_conn *c, const char *why)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval bv;
	if (ber &&
	    ber_printf(ber, "{it{essts}}", (ber_int_t)0, (ber_tag_t)LDAP_RES_EXTENDED,
	               (ber_int_t)LDAP_PROTOCOL_ERROR, "", why, (ber_tag_t)LDAP_TAG_EXOP_RES_OID,
	               SIM_NOTICE_OID) >= 0 &&
	    ber_flatten2(ber, &bv, 0) == 0)
		sim_out_append(c, bv.bv_val, bv.bv_len);
	if (ber)
		ber_free(ber, 1);
	sim_journal_conn(s, c, "protocol-error", why);
	c->ignore_input = true;
	c->draining = true;
	c->close_reason = why;
}

/* Operations this server does not offer get unwillingToPerform in their own response type. */
static ber_tag_t sim_response_tag(ber_tag_t op, const char **name)
{
	static const struct {
		ber_tag_t req, res;
		const char *name;
	} ops[] = {
	        {LDAP_REQ_SEARCH, LDAP_RES_SEARCH_RESULT, "search"},
	        {LDAP_REQ_MODIFY, LDAP_RES_MODIFY, "modify"},
	        {LDAP_REQ_ADD, LDAP_RES_ADD, "add"},
	        {LDAP_REQ_DELETE, LDAP_RES_DELETE, "delete"},
	        {LDAP_REQ_MODDN, LDAP_RES_MODDN, "modrdn"},
	        {LDAP_REQ_COMPARE, LDAP_RES_COMPARE, "compare"},
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (ops[i].req == op) {
			*name = ops[i].name;
			return ops[i].res;
		}
	return LBER_DEFAULT;
}

static void sim_unsupported(struct sim_server *s, struct sim_conn *c, ber_int_t msgid, ber_tag_t op)
{
	const char *name = NULL;
	ber_tag_t res = sim_response_tag(op, &name);
	if (res == LBER_DEFAULT) {
		sim_protocol_error(s, c, "unknown LDAP operation");
		return;
	}
	json_t *o = sim_jline(s, "op", c);
	if (o) {
		journal_set_int(o, "msgid", msgid);
		journal_set_str(o, "op", name);
		journal_set_int(o, "result", LDAP_UNWILLING_TO_PERFORM);
		journal_write(s->opt->journal, o);
	}
	sim_respond(s, c, msgid, res, LDAP_UNWILLING_TO_PERFORM,
	            "only bind, unbind and the ICTX remote audit extended operation are supported",
	            NULL, NULL, 0);
}

static void sim_pdu(struct sim_server *s, struct sim_conn *c, const unsigned char *p, size_t len)
{
	struct berval bv = {.bv_len = len, .bv_val = (char *)p};
	BerElement *ber = ber_init(&bv);
	ber_int_t msgid = 0;
	ber_len_t l;
	if (!ber || ber_scanf(ber, "{i", &msgid) == LBER_ERROR || msgid <= 0) {
		sim_protocol_error(s, c, "undecodable LDAPMessage or messageID not in 1..2^31-1");
		if (ber)
			ber_free(ber, 1);
		return;
	}
	ber_tag_t op = ber_peek_tag(ber, &l);
	switch (op) {
	case LDAP_REQ_BIND:
		sim_bind(s, c, msgid, ber);
		break;
	case LDAP_REQ_EXTENDED:
		sim_extended(s, c, msgid, ber);
		break;
	case LDAP_REQ_UNBIND:
		c->dead = true;
		c->close_reason = "unbind";
		break;
	case LDAP_REQ_ABANDON:
		break; /* RFC 4511 §4.11: no response; answers already decided still go out */
	default:
		sim_unsupported(s, c, msgid, op);
	}
	ber_free(ber, 1);
}

/* Handles every complete PDU in the input buffer, then keeps the partial rest. */
static void sim_process_input(struct sim_server *s, struct sim_conn *c)
{
	size_t off = 0;
	/* After StartTLS nothing is read in clear: the next bytes are the TLS handshake. */
	while (!c->ignore_input && !c->dead && !(c->tls && !c->tls_on)) {
		size_t len = 0;
		const char *why = NULL;
		int r = sim_ldap_frame(c->in + off, c->in_len - off, s->opt->max_pdu, &len, &why);
		if (r == 0)
			break;
		if (r < 0) {
			sim_protocol_error(s, c, why);
			break;
		}
		sim_pdu(s, c, c->in + off, len);
		off += len;
	}
	if (c->ignore_input)
		off = c->in_len;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

static void sim_read(struct sim_server *s, struct sim_conn *c)
{
	if (c->in_cap - c->in_len < SIM_READ_CHUNK) {
		size_t cap = c->in_cap * 2 > c->in_len + SIM_READ_CHUNK
		                     ? c->in_cap * 2
		                     : c->in_len + SIM_READ_CHUNK;
		unsigned char *n = realloc(c->in, cap);
		if (!n) {
			c->dead = true;
			c->close_reason = "out of memory";
			return;
		}
		c->in = n;
		c->in_cap = cap;
	}
	ssize_t n = c->tls_on ? sim_tls_recv(c->tls, c->in + c->in_len, c->in_cap - c->in_len)
	                      : recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		c->dead = true;
		c->close_reason = n == 0      ? "closed by the client"
		                  : c->tls_on ? sim_tls_error(c->tls)
		                              : "receive failed";
		return;
	}
	c->in_len += (size_t)n;
	sim_process_input(s, c);
}

/* ---- the loop ---- */

static void sim_reap(struct sim_server *s, bool all)
{
	size_t k = 0;
	for (size_t i = 0; i < s->nconns; i++) {
		struct sim_conn *c = s->conns[i];
		if (all || c->dead || (c->draining && c->out_off == c->out_len))
			sim_conn_free(s, c);
		else
			s->conns[k++] = c;
	}
	s->nconns = k;
}

/* How long poll may sleep: until the next reply is due or the run ends (rounded up, so a
 * reply never leaves early). */
static int sim_poll_timeout(const struct sim_server *s, int64_t now, int64_t end)
{
	int64_t next = end;
	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i]->head && s->conns[i]->head->due_ns < next)
			next = s->conns[i]->head->due_ns;
	if (next <= now)
		return 0;
	int64_t ms = (next - now + 999999) / 1000000;
	return ms > 1000 ? 1000 : (int)ms;
}

static bool sim_wants_input(const struct sim_conn *c)
{
	return !c->draining && c->out_len - c->out_off + c->queued < SIM_BACKLOG_LIMIT;
}

/* Sends what is due, then waits. Returns the pollfd array (index 0 = listener). */
static struct pollfd *sim_prepare(struct sim_server *s, int lfd, struct pollfd *pfd, size_t *cap,
                                  int64_t now)
{
	for (size_t i = 0; i < s->nconns; i++)
		sim_release_due(s->conns[i], now);
	/* Journal lines reach the disk before any reply they describe reaches a client. */
	journal_flush(s->opt->journal);
	for (size_t i = 0; i < s->nconns; i++)
		if (!s->conns[i]->dead)
			sim_send_pending(s->conns[i]);
	sim_reap(s, false);
	if (*cap < s->nconns + 2) { /* listener, connections, ldaps listener */
		struct pollfd *n = realloc(pfd, (s->nconns + 2) * 2 * sizeof *n);
		if (!n)
			return NULL;
		pfd = n;
		*cap = (s->nconns + 2) * 2;
	}
	pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
	for (size_t i = 0; i < s->nconns; i++) {
		const struct sim_conn *c = s->conns[i];
		short ev = sim_wants_input(c) ? POLLIN : 0;
		if (c->out_off < c->out_len || c->huge_left)
			ev |= POLLOUT;
		if (c->tls_on)
			ev |= sim_tls_events(c->tls);
		pfd[i + 1] = (struct pollfd){.fd = c->fd, .events = ev};
	}
	pfd[s->nconns + 1] =
	        (struct pollfd){.fd = s->opt->tls ? s->opt->ldaps_fd : -1, .events = POLLIN};
	return pfd;
}

int sim_ldap_run(const struct sim_options *opt, int listen_fd, const sigset_t *wait_mask,
                 volatile sig_atomic_t *stop)
{
	struct sim_server s = {.opt = opt};
	struct pollfd *pfd = NULL;
	size_t cap = 0;
	int rc = 0;
	int64_t end = sim_mono_ns() + (int64_t)(opt->duration_s * 1e9);
	for (;;) {
		int64_t now = sim_mono_ns();
		if (*stop || now >= end)
			break;
		struct pollfd *np = sim_prepare(&s, listen_fd, pfd, &cap, now);
		if (!np) {
			fprintf(stderr, "zos-remote-sim: out of memory\n");
			rc = -1;
			break;
		}
		pfd = np;
		size_t n = s.nconns; /* accepting below appends; poll results cover these */
		struct timespec ts = {0};
		int ms = sim_poll_timeout(&s, now, end);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		if (ppoll(pfd, n + 2, &ts, wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "zos-remote-sim: poll: %s\n", strerror(errno));
			rc = -1;
			break;
		}
		s.now_ns = sim_mono_ns();
		for (size_t i = 0; i < n; i++)
			if ((pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) ||
			    (s.conns[i]->tls_on && (pfd[i + 1].revents & POLLOUT)))
				sim_read(&s, s.conns[i]); /* a TLS handshake may wait to write */
		if (pfd[0].revents & POLLIN)
			sim_accept(&s, listen_fd, false);
		if (pfd[n + 1].revents & POLLIN)
			sim_accept(&s, opt->ldaps_fd, true);
	}
	sim_reap(&s, true);
	journal_flush(opt->journal);
	free(s.conns);
	free(pfd);
	close(listen_fd);
	if (opt->tls && opt->ldaps_fd >= 0)
		close(opt->ldaps_fd);
	return rc;
}
