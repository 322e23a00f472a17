# tests/lib/e2e.sh - shell helpers of the end-to-end scripts that run real daemons
# (tests/auditd/auditd-e2e.sh, tests/fleet/fleet-e2e.sh). Sourced, not run.
# The caller sets FAILS=0 and PASSES=0 first; exit 77 is Automake's skip.

say() { printf '%s\n' "$*"; }
skip() {
	say "SKIP: $*"
	exit 77
}
hard_fail() {
	say "FAIL: $*"
	FAILS=$((FAILS + 1))
	exit 1
}
ok() {
	PASSES=$((PASSES + 1))
	say "ok   - $*"
}
bad() {
	FAILS=$((FAILS + 1))
	say "FAIL - $*"
}
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

# Wait up to $1 seconds (tenths polled) for the command "$2..." to succeed.
wait_for() {
	local limit=$(($1 * 10)) i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -ge "$limit" ] && return 1
		sleep 0.1
	done
}

# Stop a process we started (or auditd's plugin): TERM, wait, then KILL.
stop_pid() {
	local pid=$1 secs=$2
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	if ! wait_for "$secs" eval "! alive $pid"; then
		say "note: pid $pid did not stop within ${secs}s of SIGTERM; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null
		wait_for 2 eval "! alive $pid"
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# auditd runs a plugin only from a root-owned path it trusts (3.0.9: the
# 0750 bits set; newer: not group/world writable); skip with the reason.
require_trusted_plugin() { # path
	local pstat pmode
	pstat=$(stat -c '%u %a' "$1")
	pmode=$((8#${pstat#* }))
	[ "${pstat%% *}" = 0 ] || skip "auditd refuses $1: not owned by root (build as root)"
	if [ $((pmode & 8#750)) != $((8#750)) ] || [ $((pmode & 8#022)) != 0 ]; then
		skip "auditd refuses $1: mode ${pstat#* } (needs rwxr-x--- bits, not group/world writable; umask 022)"
	fi
}

# Skip when the program $1 is built for another architecture than this
# host's (tests/run-s390x: an s390x build run under qemu-user): the
# host's auditd would exec it, which fails without binfmt_misc and with it
# runs qemu (no process of the plugin's name). The integration suites
# cover the plugin there. ELF byte order (EI_DATA) and e_machine, against
# the shell's.
require_host_arch() { # path
	local a b
	a=$(od -An -tx1 -j5 -N1 "$1" | tr -d ' ')$(od -An -tx1 -j18 -N2 "$1" | tr -d ' ')
	b=$(readlink -f "$(command -v sh)")
	b=$(od -An -tx1 -j5 -N1 "$b" | tr -d ' ')$(od -An -tx1 -j18 -N2 "$b" | tr -d ' ')
	[ "$a" = "$b" ] || skip "$1 is built for another architecture than this host's; auditd cannot run it here"
}

# Skip unless every named command is installed.
require_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
	done
}

# At the end: remove the temporary directory $1 when the run passed ($2 is
# 0) and $3 is not 1 (the script's KEEP variable); else say it is kept
# ($4: what to look at there).
keep_or_remove() { # dir rc keep what
	[ -n "$1" ] && [ -d "$1" ] || return 0
	if [ "$2" = 0 ] && [ "$3" != 1 ]; then
		rm -rf "$1"
	else
		say "kept for inspection: $1${4:+ ($4)}"
	fi
}
