/* fuzz_intake.c - libFuzzer target: intake_open's recovery on any file
 * content. Byte 0, bit 0: frame checks are made to pass (every entry's CRC
 * is recomputed before the file is written), so the entry parser behind
 * them is reached too; the rest is the file. Checks: recovery never fails
 * on content, counts stay within the file, the replay text is whole lines
 * (the input it is fed to splits on '\n'), and the log works afterwards
 * (a record noted, committed, the file set removed on close). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Walk the frames as the reader does and give each a valid CRC. */
static void fix_crcs(unsigned char *b, size_t n)
{
	size_t off = 0;

	while (n - off >= 12) {
		uint32_t len = get32(b + off + 4);

		if (len > n - off - 12)
			break;
		put32(b + off, INTAKE_MAGIC);
		put32(b + off + 8,
		      segfile_crc32c(segfile_crc32c(0, b + off + 4, 4), b + off + 12, len));
		off += 12 + (size_t)len;
	}
}

static void empty_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[128];

	if (!d)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		abort();
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intake_opts o = {.sync = SPOOL_SYNC_NONE};
	struct intake_recovery rec;
	char err[512], path[128];
	const char *text, *rec_line = "type=SYSCALL msg=audit(1.002:3): a=1\n";
	unsigned char *b;
	struct intake *ik;
	size_t len;
	FILE *f;

	if (size == 0)
		return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_intake.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	empty_dir();
	b = malloc(size);
	if (!b)
		return 0;
	memcpy(b, data + 1, size - 1);
	if (data[0] & 1)
		fix_crcs(b, size - 1);
	snprintf(path, sizeof(path), "%s/0000000000000007%s", dir, INTAKE_SUFFIX);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, size - 1, f) != size - 1 || fclose(f) != 0)
		abort();
	free(b);
	o.dir = dir;
	ik = intake_open(&o, &rec, err, sizeof(err));
	if (!ik)
		abort(); /* content alone never makes recovery fail */
	text = intake_replay(ik, &len);
	if (rec.replay > rec.records || rec.segments != 1 || rec.skipped_bytes > size - 1 ||
	    rec.replay_bytes != len || (rec.skipped_bytes > 0) != (rec.damaged_entries > 0))
		abort();
	if (len && text[len - 1] != '\n')
		abort();
	if (rec.replay == 0 && len != 0)
		abort();
	/* The log goes on: a new record is written to a new file, and once it
	 * is settled and the log closed, no file is left. */
	intake_replay_free(ik);
	intake_record(ik, rec_line, strlen(rec_line), 1.0);
	if (intake_commit(ik) != 0 || count_files() < 1)
		abort();
	{
		struct intake_id id;

		if (!intake_parse_id(rec_line, strlen(rec_line), &id))
			abort();
		intake_emitted(ik, &id, 1);
	}
	intake_settle(ik, true, NULL, NULL, 2.0);
	intake_close(ik);
	if (count_files() != 0)
		abort();
	return 0;
}
