/* sim_smffile.c: writes the simulator's SMF 83/4 records to a file and dumps such a file. */
#include <zr-autoconf.h>

#include "sim_smffile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim_smf.h"

/* Fixed values of the simulated system (sim_smf.h says why each is what it is). */
#define SMFFILE_GROUP        "SYS1"
#define SMFFILE_JOBNAME      "GLDSRV"
#define SMFFILE_COMPONENT    "ICTX"
#define SMFFILE_FMID         "SIMICTX"
#define SMFFILE_FIXED_RELOCS 6 /* class, resource, log string, profile, 100, 101 */

int smffile_open(struct smffile *f, const char *path, char *err, size_t errlen)
{
	f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		snprintf(err, errlen, "%s: cannot open SMF file: %s", path, strerror(errno));
		return -1;
	}
	f->open = true;
	f->failed = false;
	f->path = path;
	return 0;
}

void smffile_close(struct smffile *f)
{
	if (f->open)
		close(f->fd);
	f->open = false;
}

bool smffile_enabled(const struct smffile *f)
{
	return f && f->open;
}

static struct smf_text smffile_text(const char *s)
{
	return (struct smf_text){.p = s, .len = s ? strlen(s) : 0};
}

static struct smf_text smffile_span(const struct ictx_span *s)
{
	return (struct smf_text){.p = s->p, .len = s->len};
}

static size_t smffile_relocs(const struct smffile_ctx *ctx, const struct ictx_item *it,
                             const char *logstring, struct smf_reloc *r)
{
	size_t n = 0;
	r[n++] = (struct smf_reloc){SMF_R_CLASS, smffile_span(&it->cls)};
	r[n++] = (struct smf_reloc){SMF_R_RESOURCE, smffile_span(&it->resource)};
	r[n++] = (struct smf_reloc){SMF_R_LOGSTRING, smffile_text(logstring)};
	if (it->profile)
		r[n++] = (struct smf_reloc){SMF_R_PROFILE, smffile_text(it->profile->name)};
	r[n++] = (struct smf_reloc){SMF_R_BINDUSER, smffile_text(ctx->user)};
	if (ctx->dn && *ctx->dn)
		r[n++] = (struct smf_reloc){SMF_R_BINDDN, smffile_text(ctx->dn)};
	for (size_t i = 0; i < it->nrelocs; i++)
		r[n++] = (struct smf_reloc){(unsigned)it->relocs[i].type,
		                            smffile_span(&it->relocs[i].value)};
	return n;
}

size_t smffile_build(const struct smffile_ctx *ctx, const struct ictx_item *it,
                     const struct tm *utc, unsigned hundredths_of_second, unsigned char *buf,
                     struct smffile_outcome *out)
{
	char logstring[ICTX_LOGSTRING_MAX + 64];
	struct smf_record rec = {
	        .when = {.year = utc->tm_year + 1900,
	                 .month = utc->tm_mon + 1,
	                 .day = utc->tm_mday,
	                 .hundredths = (uint32_t)(utc->tm_hour * 360000 + utc->tm_min * 6000 +
	                                          utc->tm_sec * 100) +
	                               hundredths_of_second},
	        .sid = smffile_text(ctx->sid),
	        .subtype = SMF_SUBTYPE,
	        .des = (it->violation ? SMF_DES_VIOLATION : 0) |
	               (it->major == ICTX_WARNINGMODE ? SMF_DES_WARNING : 0),
	        .event = (unsigned)it->event,
	        .qualifier = (unsigned)it->qualifier,
	        .user = smffile_text(ctx->user),
	        .group = smffile_text(SMFFILE_GROUP),
	        .jobname = smffile_text(SMFFILE_JOBNAME),
	        .terminal = smffile_text(""),
	        .component = smffile_text(SMFFILE_COMPONENT),
	        .fmid = smffile_text(SMFFILE_FMID),
	        .rea = SMF_REA_PROFILE,
	};
	memcpy(rec.link, it->link, sizeof rec.link);
	/* The stored log string carries the server's prefix (ictx-protocol.md §4.3), as the
	 * journal's "logstring". */
	snprintf(logstring, sizeof logstring, "Remote audit request from %s. %.*s", ctx->user,
	         (int)it->logstring.len, it->logstring.p);
	rec.relocs = malloc((SMFFILE_FIXED_RELOCS + it->nrelocs) * sizeof *rec.relocs);
	if (!rec.relocs)
		return 0;
	size_t fixed = smffile_relocs(ctx, it, logstring, rec.relocs) - it->nrelocs;
	rec.nrelocs = fixed + it->nrelocs;
	size_t written = 0;
	size_t len = smf_encode(&rec, buf, SMF_RECORD_MAX, &written, &out->truncated);
	free(rec.relocs);
	out->bytes = len;
	out->datafields = written > fixed ? written - fixed : 0;
	return len;
}

static int smffile_write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int smffile_write_item(struct smffile *f, const struct smffile_ctx *ctx, const struct ictx_item *it,
                       struct smffile_outcome *out)
{
	struct timespec ts;
	struct tm utc;
	memset(out, 0, sizeof *out);
	if (!f->open)
		return 0;
	unsigned char *buf = malloc(SMF_RECORD_MAX);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &utc);
	size_t len =
	        buf ? smffile_build(ctx, it, &utc, (unsigned)(ts.tv_nsec / 10000000), buf, out) : 0;
	int rc = len > 0 ? smffile_write_all(f->fd, buf, len) : -1;
	if (rc != 0 && !f->failed) {
		f->failed = true;
		fprintf(stderr,
		        "zos-remote-sim: --smf %s: %s; records from now on may be missing\n",
		        f->path, len == 0 ? "out of memory" : strerror(errno));
	}
	free(buf);
	return rc;
}

/* ---- dump ---- */

static int smffile_read(const char *path, unsigned char **data, size_t *size, FILE *err)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0;
	*data = NULL;
	*size = 0;
	if (!f) {
		fprintf(err, "zos-remote-sim dump: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - *size < 65536) {
			unsigned char *n = realloc(*data, cap + 1048576);
			if (!n) {
				fprintf(err, "zos-remote-sim dump: %s: out of memory\n", path);
				fclose(f);
				return -1;
			}
			*data = n;
			cap += 1048576;
		}
		size_t got = fread(*data + *size, 1, cap - *size, f);
		*size += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(err, "zos-remote-sim dump: %s: read error\n", path);
		return -1;
	}
	return 0;
}

/* After a record whose RDW is unusable: the next offset that looks like the start of a record
 * (plausible length that fits, segment 0, type 83), or size when there is none. */
static size_t smffile_resync(const unsigned char *p, size_t from, size_t size)
{
	for (size_t o = from; o + SMF_HEADER_LEN <= size; o++) {
		size_t len = (size_t)p[o] << 8 | p[o + 1];
		if (len >= SMF_HEADER_LEN && len <= size - o && p[o + 2] == 0 && p[o + 3] == 0 &&
		    p[o + SMF83RTY] == SMF_TYPE)
			return o;
	}
	return size;
}

static void smffile_bad(FILE *out, size_t off, const char *why, size_t skip)
{
	char *q = malloc(4 * strlen(why) + 3);
	if (!q) {
		fprintf(out, "BAD OFFSET=%zu SKIP=%zu\n", off, skip);
		return;
	}
	q[smf_unload_value(q, why, strlen(why))] = '\0';
	fprintf(out, "BAD OFFSET=%zu SKIP=%zu REASON=%s\n", off, skip, q);
	free(q);
}

int smffile_dump(const char *path, FILE *out, FILE *err)
{
	unsigned char *data;
	size_t size, off = 0, good = 0, bad = 0;
	if (smffile_read(path, &data, &size, err) != 0)
		return 2;
	while (off < size) {
		struct smf_decoded d;
		size_t len = 0;
		char why[256];
		int rc = smf_decode(data + off, size - off, &d, &len, why, sizeof why);
		char *line = rc == 0 ? smf_unload_line(&d.rec) : NULL;
		if (rc == -2 || (rc == 0 && !line)) {
			fprintf(err, "zos-remote-sim dump: %s: out of memory\n", path);
			smf_decoded_free(&d);
			free(data);
			return 2;
		}
		if (rc == 0) {
			fprintf(out, "%s\n", line);
			good++;
		} else {
			size_t next = len > 0 ? off + len : smffile_resync(data, off + 1, size);
			smffile_bad(out, off, why, next - off);
			bad++;
			len = next - off;
		}
		free(line);
		smf_decoded_free(&d);
		off += len;
	}
	free(data);
	if (bad)
		fprintf(err, "zos-remote-sim dump: %s: %zu of %zu records bad\n", path, bad,
		        bad + good);
	return bad ? 1 : 0;
}
