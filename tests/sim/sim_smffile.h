/* sim_smffile.h: the --smf output file (one binary SMF 83/4 record per written item) and the
 * "dump" command that reads such a file back. */
#ifndef ZR_SIM_SMFFILE_H
#define ZR_SIM_SMFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "sim_ictx.h"

/* Zero-initialised = disabled: every call is then a no-op. */
struct smffile {
	bool open;
	bool failed; /* a write failed; reported once on stderr */
	int fd;
	const char *path;
};

/* Opens path for appending (created 0644 if missing). -1 with "path: reason" in err. */
int smffile_open(struct smffile *f, const char *path, char *err, size_t errlen);
void smffile_close(struct smffile *f);
bool smffile_enabled(const struct smffile *f); /* false for NULL too */

/* Who asked and what ICTX knows besides the item. */
struct smffile_ctx {
	const char *sid;  /* --system-id */
	const char *user; /* bind user (RACF id) */
	const char *dn;   /* bind DN as sent */
};

/* What was written for one item. */
struct smffile_outcome {
	size_t bytes;      /* record length, RDW included */
	bool truncated;    /* relocates were cut or dropped to stay within 32,760 bytes */
	size_t datafields; /* DataFields written (the last one maybe cut) */
};

/* Appends the record for a written item (MajorCode 0 or 2) with one write(2), stamped with the
 * current UTC time. Returns 0, or -1 when it could not be built or written (reported once on
 * stderr; the simulator carries on). */
int smffile_write_item(struct smffile *f, const struct smffile_ctx *ctx, const struct ictx_item *it,
                       struct smffile_outcome *out);

/* The record for an item, into buf (SMF_RECORD_MAX bytes), at the given UTC time; pure, for
 * the writer above and the tests. Returns the record length, 0 when out of memory. */
size_t smffile_build(const struct smffile_ctx *ctx, const struct ictx_item *it,
                     const struct tm *utc, unsigned hundredths_of_second, unsigned char *buf,
                     struct smffile_outcome *out);

/* zos-remote-sim dump FILE: one unload line per record on out; a bad record gives a line
 * "BAD OFFSET=n REASON=..." and the dump goes on at the next record (by its RDW, or else at the
 * next offset that looks like a record). Returns 0 when every record was good, 1 when any was
 * bad, 2 when the file cannot be read (message on err). */
int smffile_dump(const char *path, FILE *out, FILE *err);

#endif
