/* keepalive.c - TCP keepalive values onto an LDAP handle before it connects. */
#include "keepalive.h"

#include <stdio.h>

void keepalive_from_config(struct keepalive *k, const struct config *c)
{
	k->idle = c->keepalive_idle;
	k->interval = c->keepalive_interval;
	k->probes = c->keepalive_probes;
}

int keepalive_apply(LDAP *ld, const struct keepalive *k, char *err, size_t errlen)
{
	const struct {
		int opt;
		unsigned value;
		const char *name;
	} v[] = {
	        {LDAP_OPT_X_KEEPALIVE_IDLE, k ? k->idle : 0, "keepalive_idle"},
	        {LDAP_OPT_X_KEEPALIVE_INTERVAL, k ? k->interval : 0, "keepalive_interval"},
	        {LDAP_OPT_X_KEEPALIVE_PROBES, k ? k->probes : 0, "keepalive_probes"},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int val = (int)v[i].value;

		if (val > 0 && ldap_set_option(ld, v[i].opt, &val) != LDAP_OPT_SUCCESS) {
			snprintf(err, errlen, "libldap refused %s = %d", v[i].name, val);
			return -1;
		}
	}
	return 0;
}
