/* emulator.h - run the programs this build made under an emulator.
 *
 * tests/run-s390x cross-builds for s390x and runs the tests under
 * qemu-user on a machine that may have no binfmt_misc: the kernel cannot
 * exec an s390x program there, so every program of the build a test starts
 * (plugin, simulator) goes through ZR_EMULATOR (one program, e.g.
 * "qemu-s390x"; its library root comes from QEMU_LD_PREFIX). Unset, both
 * functions change nothing. Header-only, for launch.h (which starts every
 * child of the C tests) and the shell commands the tests build. */
#ifndef ZR_TEST_EMULATOR_H
#define ZR_TEST_EMULATOR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* execv(argv[0], argv), through ZR_EMULATOR when it is set. Returns only
 * when the exec failed. argv has room for at most 63 entries. */
static inline void zr_execv_emulated(char *const *argv)
{
	const char *emu = getenv("ZR_EMULATOR");
	char *eargv[64];
	size_t n = 0;

	if (!emu || !*emu) {
		execv(argv[0], argv);
		return;
	}
	eargv[n++] = (char *)emu;
	for (size_t i = 0; argv[i] && n < 63; i++)
		eargv[n++] = argv[i];
	eargv[n] = NULL;
	execvp(emu, eargv);
}

/* The words to put in front of a program of the build in a shell command:
 * "qemu-s390x " or "". */
static inline const char *zr_emulator_prefix(void)
{
	static char buf[64];
	const char *emu = getenv("ZR_EMULATOR");

	if (!emu || !*emu)
		return "";
	snprintf(buf, sizeof(buf), "%s ", emu);
	return buf;
}

#endif
