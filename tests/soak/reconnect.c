/* reconnect.c - what one TLS reconnect costs: open and close N sessions
 * (ldaps, client certificate, SASL EXTERNAL) against the simulator through
 * plugin/session.c, and print the heap in use and the RSS along the way.
 *
 *   reconnect PORT CERTDIR N [STEP]
 *
 * CERTDIR is mkcerts.sh's output. Every STEP opens (default N/10) a line
 * "opens=K heap=BYTES rss=KB" is printed; the last line is the growth per
 * reconnect from the first report to the last (the first connections
 * warm caches up: GnuTLS's, libldap's, malloc's). Exit 1 when a connect
 * fails. Run by tests/soak/reconnect-tls. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "session.h"

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
	char ca[4096], crt[4096], key[4096], err[1024];
	struct session *s = session_new();
	struct session_opts o = {0};
	size_t heap0 = 0, heap = 0;
	long rss0 = 0, rss = 0;
	unsigned long n, step, first = 0;
	int code;

	if (argc < 4 || !s) {
		fprintf(stderr, "usage: reconnect PORT CERTDIR N [STEP]\n");
		return 2;
	}
	n = strtoul(argv[3], NULL, 10);
	step = argc > 4 ? strtoul(argv[4], NULL, 10) : n / 10;
	if (step == 0)
		step = 1;
	snprintf(ca, sizeof(ca), "%s/ca.pem", argv[2]);
	snprintf(crt, sizeof(crt), "%s/client.pem", argv[2]);
	snprintf(key, sizeof(key), "%s/client.key", argv[2]);
	o.server = "127.0.0.1";
	o.port = (unsigned)atoi(argv[1]);
	o.user = "ZOSAUDIT";
	o.timeout = 5;
	o.tls = SESSION_TLS_LDAPS;
	o.bind = SESSION_BIND_SASL_EXTERNAL;
	o.ca_file = ca;
	o.cert_file = crt;
	o.key_file = key;
	for (unsigned long i = 1; i <= n; i++) {
		if (session_open(s, &o, &code, err, sizeof(err)) != SESSION_OK) {
			fprintf(stderr, "open %lu: %s\n", i, err);
			session_free(s);
			return 1;
		}
		session_close(s);
		if (i % step == 0 || i == n) {
			heap = mallinfo2().uordblks;
			rss = rss_kb();
			if (!first) {
				first = i;
				heap0 = heap;
				rss0 = rss;
			}
			printf("opens=%lu heap=%zu rss=%ld\n", i, heap, rss);
			fflush(stdout);
		}
	}
	session_free(s);
	if (n > first)
		printf("growth from %lu to %lu opens: heap %+.1f bytes/reconnect, rss %+.2f "
		       "KB/reconnect\n",
		       first, n, ((double)heap - (double)heap0) / (double)(n - first),
		       (double)(rss - rss0) / (double)(n - first));
	return 0;
}
