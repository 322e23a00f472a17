/* sim_ictx.h: ICTX remote-audit request value -> decoded items and per-item verdicts; response
 * value encoding (pure: no I/O, no clock). Written from ictx-protocol.md §4-§6 and §8-§9. */
#ifndef ZR_SIM_ICTX_H
#define ZR_SIM_ICTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_racf.h"

#define ICTX_REQUEST_OID  "1.3.18.0.2.12.68"
#define ICTX_RESPONSE_OID "1.3.18.0.2.12.69"

/* Request field numbers, reported in MinorCode1 for MajorCodes 16 and 20 (§6.4). */
enum ictx_field {
	ICTX_F_ITEM = 0,
	ICTX_F_ITEMVERSION,
	ICTX_F_ITEMTAG,
	ICTX_F_LINK,
	ICTX_F_VIOLATION,
	ICTX_F_EVENT,
	ICTX_F_QUALIFIER,
	ICTX_F_CLASS,
	ICTX_F_RESOURCE,
	ICTX_F_LOGSTRING,
	ICTX_F_DFLIST,
	ICTX_F_DATAFIELD,
	ICTX_F_TYPE,
	ICTX_F_VALUE,
};

/* MinorCode2 for MajorCodes 16 and 20. */
#define ICTX_MINOR_LENGTH   32
#define ICTX_MINOR_VALUE    36
#define ICTX_MINOR_ENCODING 40

/* MajorCodes (§6.3). */
#define ICTX_SUCCESS      0
#define ICTX_WARNINGMODE  2
#define ICTX_NOTREQ       3
#define ICTX_UNDETERMINED 4
#define ICTX_UNAUTHORIZED 8
#define ICTX_VAL_ERR      16
#define ICTX_ENC_ERR      20
#define ICTX_UNSUF_AUTH   24
#define ICTX_EMPTY        28
#define ICTX_INVALID_VER  61

/* Limits (§8.1; VALUE has no known limit and is configurable). */
#define ICTX_CLASS_MAX     8
#define ICTX_RESOURCE_MAX  240
#define ICTX_LOGSTRING_MAX 200
#define ICTX_VALUE_DEFAULT 1024
#define ICTX_TYPE_MIN      102 /* 100 and 101 are filled in by the server */
#define ICTX_TYPE_MAX      114

/* Bytes inside the request value (IA5 characters, not NUL-terminated). */
struct ictx_span {
	const char *p;
	size_t len;
};

struct ictx_reloc {
	int64_t type;
	struct ictx_span value;
};

struct ictx_item {
	unsigned have; /* bit (1u << field) for each field decoded and valid */
	int64_t version;
	int64_t tag;
	unsigned char link[8];
	bool violation;
	int64_t event;
	int64_t qualifier;
	struct ictx_span cls;
	struct ictx_span resource;
	struct ictx_span logstring;
	struct ictx_reloc *relocs; /* the DataFields decoded, in order */
	size_t nrelocs;
	/* verdict */
	int major;
	int minor1;
	int minor2;
	int minor3;
	const struct racf_profile *profile; /* covering profile, when one was looked up */
	char reason[192];
};

/* What the server knows about the requester and itself. */
struct ictx_policy {
	const struct racf *racf;
	bool remote_audit;          /* bind user has READ on IRR.LDAP.REMOTE.AUDIT */
	bool rauditx;               /* server user has READ on IRR.RAUDITX */
	const char *const *classes; /* active classes besides @LINUX */
	size_t nclasses;
	size_t max_value; /* DataField VALUE maximum length */
};

struct ictx_result {
	int ldap_result;         /* 0, or 2 protocolError when the value is not a request */
	int code;                /* ResponseCode; -1 when ldap_result != 0 */
	char reason[192];        /* why, for the journal and the LDAP diagnostic */
	size_t nitems;           /* elements of the ItemList, as far as they can be delimited */
	struct ictx_item *items; /* the processed (answered) items, in request order */
	size_t nanswered;
};

/* Decodes the request value strictly (DER) and decides every item. Returns 0, or -1 when out
 * of memory. The result points into val: keep val alive while using it. */
int ictx_process(const struct ictx_policy *pol, const void *val, size_t len,
                 struct ictx_result *out);
void ictx_result_free(struct ictx_result *res);

/* DER response value for a result with ldap_result 0; *out is malloc()ed. -1 on failure. */
int ictx_encode_response(const struct ictx_result *res, unsigned char **out, size_t *outlen);

/* "SUCCESS", "NOTREQ", ... for a MajorCode; "UNKNOWN" otherwise. */
const char *sim_ictx_major_name(int major);
const char *sim_ictx_field_name(enum ictx_field f);

#endif
