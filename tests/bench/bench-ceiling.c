/* bench-ceiling.c - how many items per second the simulator itself can take (its ceiling).
 *
 * Usage: bench-ceiling -p PORT [-c CONNS] [-b ITEMS] [-P PIPELINE] [-d SECONDS]
 *                      [-u USER] [-w PASSWORD] [-D FILE]
 *
 * Opens CONNS LDAP connections to 127.0.0.1:PORT (one thread each), binds as
 * racfid=USER,cn=ictx, then keeps PIPELINE remote-audit requests of ITEMS
 * items in flight on each for SECONDS. The items are the records of the
 * benchmark's synthetic event (SYSCALL, PATH, PROCTITLE in turn), so the
 * simulator does the same work per item as under a plugin. The request
 * value is encoded once with liblber (DER) and sent again and again.
 *
 * -D FILE writes the request value to FILE and exits (to inspect it with
 * `openssl asn1parse -inform DER -in FILE`).
 *
 * Prints key=value lines: items (answered with LDAP success), requests,
 * errors (any other LDAP outcome), seconds, items_per_s. */
#define _GNU_SOURCE
#include <lber.h>
#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ICTX_REQUEST_OID "1.3.18.0.2.12.68"
#define IA5_TAG          ((ber_tag_t)0x16) /* ber_printf "t" takes a ber_tag_t */

struct opts {
	int port, conns, items, pipeline, seconds;
	const char *user, *password;
};

struct worker {
	pthread_t thread;
	const struct opts *o;
	double end;
	long long items, requests, errors;
	const char *failure; /* why the thread stopped early */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The records of the benchmark's synthetic event, as a plugin maps them:
 * one item per record, one name=value data field per record field. */
static const char *const syscall_fields[] = {
        "type=SYSCALL",
        "arch=x86_64",
        "syscall=openat",
        "success=yes",
        "exit=3",
        "a0=ffffff9c",
        "a1=7ffc9a1e00",
        "a2=0",
        "a3=0",
        "items=1",
        "ppid=1999",
        "pid=2000",
        "auid=bench",
        "uid=bench",
        "gid=bench",
        "euid=bench",
        "suid=bench",
        "fsuid=bench",
        "egid=bench",
        "sgid=bench",
        "fsgid=bench",
        "tty=pts0",
        "ses=3",
        "comm=cat",
        "exe=/usr/bin/cat",
        "subj=unconfined",
        "key=bench",
        NULL,
};
static const char *const path_fields[] = {
        "type=PATH",
        "item=0",
        "name=/etc/bench/f1000",
        "inode=101000",
        "dev=fd:01",
        "mode=file,644",
        "ouid=root",
        "ogid=root",
        "rdev=00:00",
        "nametype=NORMAL",
        "cap_fp=none",
        "cap_fi=none",
        "cap_fe=0",
        "cap_fver=0",
        "cap_frootid=0",
        NULL,
};
static const char *const proctitle_fields[] = {
        "type=PROCTITLE",
        "proctitle=cat /etc/bench/f1000",
        NULL,
};

struct shape {
	const char *resource;
	const char *const *fields;
};

static const struct shape shapes[] = {
        {"SYSCALL", syscall_fields},
        {"PATH", path_fields},
        {"PROCTITLE", proctitle_fields},
};

/* One item: the SMF-bound copy of the tag-th record of the synthetic
 * events (SYSCALL, PATH, PROCTITLE in turn). Returns <0 on error. */
static int put_item(BerElement *ber, int tag)
{
	const struct shape *sh = &shapes[(tag - 1) % 3];
	char link[8] = {0, 0, 0x12, 0x34, 0x65, 0x00, 0x00, 0x01};
	char msg[64];
	int rc = ber_printf(ber, "{iiobiit", 1, tag, link, (ber_len_t)sizeof(link), 0, 2, 0,
	                    IA5_TAG);
	rc |= ber_printf(ber, "sts", "@LINUX", IA5_TAG, sh->resource);
	rc |= ber_printf(ber, "ts{", IA5_TAG, "Linux (bench): type: SYSCALL");
	rc |= ber_printf(ber, "{its}", 113, IA5_TAG, "Sun Nov 22 12:50:54 2026");
	snprintf(msg, sizeof(msg), "msg=audit(1795355724.279:%d)", 1000 + (tag - 1) / 3);
	rc |= ber_printf(ber, "{its}", 114, IA5_TAG, msg);
	for (const char *const *f = sh->fields; *f; f++)
		rc |= ber_printf(ber, "{its}", 114, IA5_TAG, *f);
	rc |= ber_printf(ber, "}}");
	return rc;
}

/* The request value: RequestVersion 1 and ITEMS items. */
static struct berval *make_request(int items)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval *bv = NULL;

	if (!ber)
		return NULL;
	int rc = ber_printf(ber, "{i{", 1);
	for (int i = 0; i < items && rc >= 0; i++)
		rc = put_item(ber, i + 1);
	if (rc >= 0)
		rc = ber_printf(ber, "}}");
	if (rc < 0 || ber_flatten(ber, &bv) < 0)
		bv = NULL;
	ber_free(ber, 1);
	return bv;
}

static LDAP *connect_bind(const struct opts *o, const char **why)
{
	char uri[64], dn[64];
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3;

	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d", o->port);
	snprintf(dn, sizeof(dn), "racfid=%s,cn=ictx", o->user);
	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS) {
		*why = "ldap_initialize failed";
		return NULL;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	struct berval cred = {strlen(o->password), (char *)o->password};
	int rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		*why = ldap_err2string(rc);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

/* Take one answer; returns 0 on success, -1 when the connection failed. */
static int take_answer(struct worker *w, LDAP *ld, int *outstanding)
{
	struct timeval tv = {10, 0};
	LDAPMessage *res = NULL;
	int type = ldap_result(ld, LDAP_RES_ANY, LDAP_MSG_ONE, &tv, &res);

	if (type <= 0) {
		w->failure = type == 0 ? "no answer within 10 s" : "connection lost";
		return -1;
	}
	int code = LDAP_OTHER;
	ldap_parse_result(ld, res, &code, NULL, NULL, NULL, NULL, 1);
	(*outstanding)--;
	w->requests++;
	if (code == LDAP_SUCCESS)
		w->items += w->o->items;
	else
		w->errors++;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const char *why = NULL;
	LDAP *ld = connect_bind(w->o, &why);
	struct berval *value = make_request(w->o->items);
	int outstanding = 0, msgid;

	if (!ld || !value) {
		w->failure = ld ? "cannot encode the request" : why;
		goto out;
	}
	while (now_s() < w->end) {
		while (outstanding < w->o->pipeline) {
			if (ldap_extended_operation(ld, ICTX_REQUEST_OID, value, NULL, NULL,
			                            &msgid) != LDAP_SUCCESS) {
				w->failure = "cannot send a request";
				goto out;
			}
			outstanding++;
		}
		if (take_answer(w, ld, &outstanding) < 0)
			goto out;
	}
	while (outstanding > 0)
		if (take_answer(w, ld, &outstanding) < 0)
			break;
out:
	if (value)
		ber_bvfree(value);
	if (ld)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

static int dump_request(const struct opts *o, const char *path)
{
	struct berval *bv = make_request(o->items);
	FILE *fp = fopen(path, "wb");

	if (!bv || !fp || fwrite(bv->bv_val, 1, bv->bv_len, fp) != bv->bv_len) {
		fprintf(stderr, "bench-ceiling: cannot write %s\n", path);
		return 1;
	}
	fclose(fp);
	ber_bvfree(bv);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-ceiling -p PORT [-c CONNS] [-b ITEMS] [-P PIPELINE] "
	                "[-d SECONDS] [-u USER] [-w PASSWORD] [-D FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {0, 2, 100, 8, 3, "ZOSAUDIT", "zossecret"};
	const char *dump = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "p:c:b:P:d:u:w:D:")) != -1) {
		switch (opt) {
		case 'D':
			dump = optarg;
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'c':
			o.conns = atoi(optarg);
			break;
		case 'b':
			o.items = atoi(optarg);
			break;
		case 'P':
			o.pipeline = atoi(optarg);
			break;
		case 'd':
			o.seconds = atoi(optarg);
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'w':
			o.password = optarg;
			break;
		default:
			usage();
		}
	}
	if (dump)
		return dump_request(&o, dump);
	if (o.port <= 0 || o.conns < 1 || o.conns > 64 || o.items < 1 || o.pipeline < 1 ||
	    o.seconds < 1)
		usage();

	struct worker *w = calloc((size_t)o.conns, sizeof(*w));
	if (!w)
		return 1;
	double start = now_s();
	for (int i = 0; i < o.conns; i++) {
		w[i].o = &o;
		w[i].end = start + o.seconds;
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	}
	long long items = 0, requests = 0, errors = 0;
	for (int i = 0; i < o.conns; i++) {
		pthread_join(w[i].thread, NULL);
		items += w[i].items;
		requests += w[i].requests;
		errors += w[i].errors;
		if (w[i].failure)
			fprintf(stderr, "bench-ceiling: connection %d: %s\n", i + 1, w[i].failure);
	}
	double secs = now_s() - start;
	printf("items=%lld\nrequests=%lld\nerrors=%lld\nseconds=%.3f\nitems_per_s=%.0f\n", items,
	       requests, errors, secs, (double)items / secs);
	free(w);
	return items > 0 ? 0 : 1;
}
