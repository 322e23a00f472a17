/* sim_main.c: zos-remote-sim options, configuration loading, signals and lifecycle. */
#include "zr-autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_ictx.h"
#include "sim_journal.h"
#include "sim_ldap.h"
#include "sim_racf.h"
#include "sim_tls.h"
#include "sim_smffile.h"

#define SIM_MAX_CLASSES 32

static const char sim_usage[] =
        "Usage: zos-remote-sim [OPTION]...\n"
        "       zos-remote-sim dump FILE\n"
        "A loopback LDAPv3 server that behaves like IBM Tivoli Directory Server for z/OS with\n"
        "the ICTX remote-audit plug-in and RACF. Clients bind with a simple bind as\n"
        "racfid=USER,cn=ictx and send extended operation 1.3.18.0.2.12.68 with a DER request\n"
        "value; each item is decoded strictly, judged against the RACF profiles below and\n"
        "answered in a 1.3.18.0.2.12.69 response. What a real z/OS would have written to SMF\n"
        "(type 83 subtype 4) goes to the journal and, with --smf, to binary SMF records;\n"
        "\"zos-remote-sim dump FILE\" prints such a file one record per line and exits 1 if a\n"
        "record is bad (each bad one is printed as BAD OFFSET=n SKIP=n REASON=\"...\").\n"
        "\n"
        "Options (default in brackets):\n"
        "  --listen HOST:PORT   address to listen on; PORT 0 picks a free port [127.0.0.1:3389]\n"
        "  --port-file F        write the port number to F once listening (atomic rename)\n"
        "  --users F            users file, lines \"RACFUSER PASSWORD [remote-audit]\", # "
        "comments\n"
        "                       [ZOSAUDIT zossecret remote-audit]\n"
        "  --profiles F         @LINUX profiles, lines \"PROFILE none|all|success|failures\n"
        "                       [warning]\"; %% one character, * within a qualifier or rest\n"
        "                       of the name when last, ** any qualifiers [* all]\n"
        "  --journal F          append JSON Lines: kinds start, conn, bind, smf, item, request,\n"
        "                       fault, op, stop [no journal]\n"
        "  --smf F              append one binary SMF type 83 subtype 4 record per written item,\n"
        "                       as a z/OS SMF dump data set transferred in binary holds it\n"
        "                       (RDW, header, product, security and relocate sections, EBCDIC\n"
        "                       code page 1047; layout in zos-remote-sim(1)) [none]\n"
        "  --latency-ms N       answer every request N ms after it arrived, without holding\n"
        "                       up the replies behind it (a long link) [0]\n"
        "  --fault SPEC         inject a fault (repeatable):\n"
        "                         close-after=N   Nth extended request: no answer, close\n"
        "                         close-every=N   the same for every Nth (reconnect soak)\n"
        "                         hang-after=N    Nth on: that connection never answered\n"
        "                         busy=N          first N extended requests: resultCode 51\n"
        "                         unavailable=N   first N extended requests: resultCode 52\n"
        "                         reject-binds=N  first N binds: resultCode 49\n"
        "                         malformed=N     Nth extended request: response not DER\n"
        "                         tls-stall=N     first N TLS handshakes never answered\n"
        "                         huge-reply=N    first N connections: the first reply\n"
        "                                         announces 2 GiB, 64 MiB follow, close\n"
        "  --duration SECONDS   stop by itself after this long (fractions allowed) [300]\n"
        "  --no-rauditx         the server lacks IRR.RAUDITX: every item MajorCode 8\n"
        "  --class NAME         accept class NAME besides @LINUX (repeatable, 1-8 chars)\n"
        "  --max-value N        longest DataField VALUE accepted [1024]\n"
        "  --max-pdu N          largest LDAP message; bigger ones drop the connection [16777216]\n"
        "  --system-id SID      SMF system id (journal, SMF83SID), 1-4 characters [SIM1]\n"
        "  --quiet              no startup line on stderr\n"
        "TLS (OpenSSL; with --tls-cert the plain listener also offers StartTLS):\n"
        "  --ldaps-listen HOST:PORT  a second listener, TLS from the first byte [none]\n"
        "  --ldaps-port-file F  write the ldaps port to F (before --port-file is written)\n"
        "  --tls-cert F         server certificate chain, PEM (StartTLS refused without it)\n"
        "  --tls-key F          its private key, PEM\n"
        "  --tls-ca F           CAs trusted for client certificates, PEM\n"
        "  --tls-verify-client none|optional|require  ask for a client certificate; one\n"
        "                       that does not verify ends the handshake [optional with\n"
        "                       --tls-ca, else none]\n"
        "  --cert-map F         SASL EXTERNAL: lines \"RACFUSER SUBJECT-DN\", the subject as\n"
        "                       openssl x509 -noout -subject -nameopt RFC2253 prints it.\n"
        "                       EXTERNAL without TLS or a verified certificate: 48; subject\n"
        "                       not mapped or user undefined: 49\n"
        "  --help               this text\n"
        "\n"
        "Outcomes per item (MajorCode): 0 written; 2 written, profile has WARNING; 3 not\n"
        "required by the profile's AUDIT option; 4 no covering profile or class not active;\n"
        "8 --no-rauditx; 16 bad length (MinorCode2 32) or value (36), MinorCode1 = field;\n"
        "20 not DER / not IA5 (40), rest of the request skipped; 24 bind user lacks\n"
        "remote-audit. ResponseCode 28 for an empty ItemList, 61 for RequestVersion != 1.\n"
        "LDAP resultCodes: 49 bad bind, 50 extended op before bind, 2 unknown OID or a value\n"
        "that is not a DER SEQUENCE, 53 any other operation. SIGTERM/SIGINT stop cleanly.\n"
        "See zos-remote-sim(1).\n";

static volatile sig_atomic_t sim_stop;

static void sim_on_signal(int sig)
{
	(void)sig;
	sim_stop = 1;
}

struct sim_args {
	char host[256];
	char port[16];
	const char *port_file;
	const char *users;
	const char *profiles;
	const char *journal;
	const char *smf;
	const char *classes[SIM_MAX_CLASSES];
	struct sim_options opt;
	/* TLS: --ldaps-listen, --ldaps-port-file, --tls-*, --cert-map */
	char ldaps_host[256], ldaps_port[16];
	const char *ldaps_port_file;
	struct sim_tls_opts tls;
	bool tls_verify_set;
};

static int sim_number(const char *opt, const char *s, unsigned long min, unsigned long max,
                      unsigned long *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "zos-remote-sim: %s %s: expected a whole number %lu..%lu\n", opt, s,
		        min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int sim_listen_arg(const char *opt, const char *s, char host[256], char port[16])
{
	const char *colon = strrchr(s, ':');
	const char *h = s;
	size_t hl = colon ? (size_t)(colon - s) : 0;
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') { /* [::1]:389 */
		h++;
		hl -= 2;
	}
	if (!colon || hl == 0 || hl >= 256 || strlen(colon + 1) == 0 || strlen(colon + 1) >= 16) {
		fprintf(stderr, "zos-remote-sim: %s %s: expected HOST:PORT\n", opt, s);
		return -1;
	}
	unsigned long v;
	if (sim_number(opt, colon + 1, 0, 65535, &v) != 0)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, 16, "%lu", v);
	return 0;
}

static int sim_duration_arg(struct sim_args *a, const char *s)
{
	char *end = NULL;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || end == s || *end || !(d > 0) || d > 1e7) {
		fprintf(stderr, "zos-remote-sim: --duration %s: expected seconds > 0\n", s);
		return -1;
	}
	a->opt.duration_s = d;
	return 0;
}

static int sim_class_arg(struct sim_args *a, const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > ICTX_CLASS_MAX || a->opt.nclasses == SIM_MAX_CLASSES) {
		fprintf(stderr,
		        "zos-remote-sim: --class %s: expected 1-8 characters (at most %d)\n", s,
		        SIM_MAX_CLASSES);
		return -1;
	}
	a->classes[a->opt.nclasses++] = s;
	return 0;
}

enum {
	OPT_LISTEN = 256,
	OPT_PORT_FILE,
	OPT_USERS,
	OPT_PROFILES,
	OPT_JOURNAL,
	OPT_SMF,
	OPT_LATENCY,
	OPT_FAULT,
	OPT_DURATION,
	OPT_NO_RAUDITX,
	OPT_CLASS,
	OPT_MAX_VALUE,
	OPT_MAX_PDU,
	OPT_SYSTEM_ID,
	OPT_QUIET,
	OPT_LDAPS_LISTEN,
	OPT_LDAPS_PORT_FILE,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_CA,
	OPT_TLS_VERIFY_CLIENT,
	OPT_CERT_MAP,
	OPT_HELP,
};

static const struct option sim_longopts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"port-file", required_argument, NULL, OPT_PORT_FILE},
        {"users", required_argument, NULL, OPT_USERS},
        {"profiles", required_argument, NULL, OPT_PROFILES},
        {"journal", required_argument, NULL, OPT_JOURNAL},
        {"smf", required_argument, NULL, OPT_SMF},
        {"latency-ms", required_argument, NULL, OPT_LATENCY},
        {"fault", required_argument, NULL, OPT_FAULT},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"no-rauditx", no_argument, NULL, OPT_NO_RAUDITX},
        {"class", required_argument, NULL, OPT_CLASS},
        {"max-value", required_argument, NULL, OPT_MAX_VALUE},
        {"max-pdu", required_argument, NULL, OPT_MAX_PDU},
        {"system-id", required_argument, NULL, OPT_SYSTEM_ID},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"ldaps-listen", required_argument, NULL, OPT_LDAPS_LISTEN},
        {"ldaps-port-file", required_argument, NULL, OPT_LDAPS_PORT_FILE},
        {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
        {"tls-key", required_argument, NULL, OPT_TLS_KEY},
        {"tls-ca", required_argument, NULL, OPT_TLS_CA},
        {"tls-verify-client", required_argument, NULL, OPT_TLS_VERIFY_CLIENT},
        {"cert-map", required_argument, NULL, OPT_CERT_MAP},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
};

static int sim_tls_option(struct sim_args *a, int o, const char *arg)
{
	switch (o) {
	case OPT_LDAPS_LISTEN:
		return sim_listen_arg("--ldaps-listen", arg, a->ldaps_host, a->ldaps_port);
	case OPT_LDAPS_PORT_FILE:
		a->ldaps_port_file = arg;
		return 0;
	case OPT_TLS_CERT:
		a->tls.cert = arg;
		return 0;
	case OPT_TLS_KEY:
		a->tls.key = arg;
		return 0;
	case OPT_TLS_CA:
		a->tls.ca = arg;
		return 0;
	case OPT_CERT_MAP:
		a->tls.cert_map = arg;
		return 0;
	default: /* OPT_TLS_VERIFY_CLIENT */
		a->tls_verify_set = true;
		if (sim_tls_verify_parse(arg, &a->tls.verify) == 0)
			return 0;
		fprintf(stderr,
		        "zos-remote-sim: --tls-verify-client %s: expected none, optional or "
		        "require\n",
		        arg);
		return -1;
	}
}

/* One option; returns 0, -1 on a bad value, 1 when the program should exit 0 (--help). */
static int sim_option(struct sim_args *a, int o, const char *arg)
{
	unsigned long v = 0;
	char err[256];
	switch (o) {
	case OPT_LISTEN:
		return sim_listen_arg("--listen", arg, a->host, a->port);
	case OPT_PORT_FILE:
		a->port_file = arg;
		return 0;
	case OPT_USERS:
		a->users = arg;
		return 0;
	case OPT_PROFILES:
		a->profiles = arg;
		return 0;
	case OPT_JOURNAL:
		a->journal = arg;
		return 0;
	case OPT_SMF:
		a->smf = arg;
		return 0;
	case OPT_LATENCY:
		if (sim_number("--latency-ms", arg, 0, 3600000, &v) != 0)
			return -1;
		a->opt.latency_ms = (unsigned)v;
		return 0;
	case OPT_FAULT:
		if (sim_fault_parse(&a->opt.faults, arg, err, sizeof err) == 0)
			return 0;
		fprintf(stderr, "zos-remote-sim: %s\n", err);
		return -1;
	case OPT_DURATION:
		return sim_duration_arg(a, arg);
	case OPT_NO_RAUDITX:
		a->opt.rauditx = false;
		return 0;
	case OPT_CLASS:
		return sim_class_arg(a, arg);
	case OPT_MAX_VALUE:
		if (sim_number("--max-value", arg, 1, 1u << 24, &v) != 0)
			return -1;
		a->opt.max_value = v;
		return 0;
	case OPT_MAX_PDU:
		if (sim_number("--max-pdu", arg, 64, 1u << 30, &v) != 0)
			return -1;
		a->opt.max_pdu = v;
		return 0;
	case OPT_SYSTEM_ID:
		if (strlen(arg) < 1 || strlen(arg) > 4) {
			fprintf(stderr, "zos-remote-sim: --system-id %s: expected 1-4 characters\n",
			        arg);
			return -1;
		}
		a->opt.system_id = arg;
		return 0;
	case OPT_QUIET:
		a->opt.quiet = true;
		return 0;
	case OPT_LDAPS_LISTEN:
	case OPT_LDAPS_PORT_FILE:
	case OPT_TLS_CERT:
	case OPT_TLS_KEY:
	case OPT_TLS_CA:
	case OPT_TLS_VERIFY_CLIENT:
	case OPT_CERT_MAP:
		return sim_tls_option(a, o, arg);
	case OPT_HELP:
		fputs(sim_usage, stdout);
		return 1;
	default:
		fputs("Try 'zos-remote-sim --help'.\n", stderr);
		return -1;
	}
}

static int sim_parse_args(struct sim_args *a, int argc, char **argv)
{
	int o;
	snprintf(a->host, sizeof a->host, "127.0.0.1");
	snprintf(a->port, sizeof a->port, "3389");
	a->opt.duration_s = 300;
	a->opt.rauditx = true;
	a->opt.max_value = ICTX_VALUE_DEFAULT;
	a->opt.max_pdu = SIM_MAX_PDU_DEFAULT;
	a->opt.system_id = "SIM1";
	a->opt.classes = a->classes;
	while ((o = getopt_long(argc, argv, "", sim_longopts, NULL)) != -1) {
		int rc = sim_option(a, o, optarg);
		if (rc != 0)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "zos-remote-sim: unexpected argument %s; try --help\n",
		        argv[optind]);
		return -1;
	}
	return 0;
}

static int sim_load_racf(const struct sim_args *a, struct racf *r)
{
	char err[512];
	int rc = a->users ? racf_load_users(r, a->users, err, sizeof err) : racf_defaults_users(r);
	if (rc == 0)
		rc = a->profiles ? racf_load_profiles(r, a->profiles, err, sizeof err)
		                 : racf_defaults_profiles(r);
	if (rc != 0)
		fprintf(stderr, "zos-remote-sim: %s\n",
		        (a->users || a->profiles) ? err : "out of memory");
	return rc;
}

/* Written to a temporary name and renamed, so a reader never sees a partial number. */
static int sim_write_port_file(const char *path, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "zos-remote-sim: --port-file %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* SIGTERM/SIGINT are blocked except while the loop waits, so a stop is never missed. */
static void sim_signals(sigset_t *wait_mask)
{
	sigset_t block;
	struct sigaction sa = {.sa_handler = sim_on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGINT);
}

static void sim_journal_life(struct journal *j, const char *kind, const char *listen)
{
	json_t *o = journal_new(j, kind);
	if (!o)
		return;
	journal_set_str(o, "listen", listen);
	journal_set_int(o, "pid", (long long)getpid());
	journal_write(j, o);
	journal_flush(j);
}

/* TLS when asked for (--tls-cert or --ldaps-listen): the context, and the ldaps listener with
 * its port file written before the plain one, so a test that saw --port-file sees both. */
static int sim_serve_tls(struct sim_args *a)
{
	char err[512];
	unsigned port = 0;
	a->opt.ldaps_fd = -1;
	if (!a->tls.cert && !a->tls.key && !a->ldaps_host[0])
		return 0;
	if (!a->tls_verify_set && a->tls.ca)
		a->tls.verify = SIM_TLS_VERIFY_OPTIONAL;
	a->opt.tls = sim_tls_new(&a->tls, err, sizeof err);
	if (!a->opt.tls) {
		fprintf(stderr, "zos-remote-sim: %s\n", err);
		return -1;
	}
	if (!a->ldaps_host[0])
		return 0;
	a->opt.ldaps_fd = sim_ldap_listen(a->ldaps_host, a->ldaps_port, &port, err, sizeof err);
	if (a->opt.ldaps_fd < 0) {
		fprintf(stderr, "zos-remote-sim: --ldaps-listen: %s\n", err);
		return -1;
	}
	if (a->ldaps_port_file && sim_write_port_file(a->ldaps_port_file, port) != 0)
		return -1;
	if (!a->opt.quiet)
		fprintf(stderr, "zos-remote-sim: ldaps on %s:%u\n", a->ldaps_host, port);
	return 0;
}

static int sim_serve(struct sim_args *a, struct racf *r, struct journal *j)
{
	char err[512], where[300];
	unsigned port = 0;
	sigset_t wait_mask;
	sim_signals(&wait_mask);
	int fd = sim_ldap_listen(a->host, a->port, &port, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "zos-remote-sim: %s\n", err);
		return 1;
	}
	if (sim_serve_tls(a) != 0 ||
	    (a->port_file && sim_write_port_file(a->port_file, port) != 0)) {
		close(fd);
		return 1;
	}
	snprintf(where, sizeof where, "%s:%u", a->host, port);
	if (!a->opt.quiet)
		fprintf(stderr, "zos-remote-sim: listening on %s for %g s\n", where,
		        a->opt.duration_s);
	a->opt.racf = r;
	a->opt.journal = j;
	sim_journal_life(j, "start", where);
	int rc = sim_ldap_run(&a->opt, fd, &wait_mask, &sim_stop);
	sim_journal_life(j, "stop", where);
	sim_tls_free(a->opt.tls);
	return rc == 0 ? 0 : 1;
}

/* "zos-remote-sim dump FILE": exit 0 all records good, 1 some bad, 2 unreadable or usage. */
static int sim_dump(int argc, char **argv)
{
	if (argc != 3) {
		fputs("Usage: zos-remote-sim dump FILE\n", stderr);
		return 2;
	}
	return smffile_dump(argv[2], stdout, stderr);
}

int main(int argc, char **argv)
{
	struct sim_args a = {0};
	struct racf r = {0};
	struct journal j = {0};
	struct smffile smf = {0};
	char err[512];
	if (argc >= 2 && strcmp(argv[1], "dump") == 0)
		return sim_dump(argc, argv);
	int rc = sim_parse_args(&a, argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (sim_load_racf(&a, &r) != 0) {
		racf_free(&r);
		return 2;
	}
	if (a.journal && journal_open(&j, a.journal, err, sizeof err) != 0) {
		fprintf(stderr, "zos-remote-sim: %s\n", err);
		racf_free(&r);
		return 2;
	}
	if (a.smf && smffile_open(&smf, a.smf, err, sizeof err) != 0) {
		fprintf(stderr, "zos-remote-sim: --smf %s\n", err);
		journal_close(&j);
		racf_free(&r);
		return 2;
	}
	a.opt.smf = &smf;
	rc = sim_serve(&a, &r, &j);
	smffile_close(&smf);
	journal_close(&j);
	racf_free(&r);
	return rc;
}
