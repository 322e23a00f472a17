# lib.sh - what the real-auditd tests share (sourced by auditd-e2e.sh and
# auditd-life.sh): reporting, bounded waits, stopping what they started,
# the kernel audit state, and the auditd.conf they run auditd with.
# The caller sets here (its directory) and keeps PASSES and FAILS.

ZR_SRCDIR=${ZR_SRCDIR:-$(cd "$here/../.." && pwd)}
ZR_BUILDDIR=${ZR_BUILDDIR:-$ZR_SRCDIR}
PLUGIN=$ZR_BUILDDIR/plugin/audispd-zos-remote
SIM=$ZR_BUILDDIR/tests/sim/zos-remote-sim
LOCK=/run/zos-remote-auditd-test.lock

# State the cleanup needs; empty means "nothing to undo".
T=
SAVED_ENABLED=
SAVED_RULES=
KERNEL_TOUCHED=0
AUDITD_PID=
PLUGIN_PID=
SIM_PID=
FAILS=0
PASSES=0

# say, skip, ok, bad, alive, wait_for, stop_pid, require_trusted_plugin,
# keep_or_remove: the helpers every real-daemon script shares.
. "$here/../lib/e2e.sh"

audit_field() { auditctl -s 2>/dev/null | awk -v f="$1" '$1 == f { print $2 }'; }

# auditd.conf for a private auditd: file, log_format, plugin dir, then
# extra lines (write_logs, log_file, ...) as the remaining arguments.
write_auditd_conf() {
	local f=$1 logf=$2 pdir=$3
	shift 3
	{
		printf '%s\n' "$@"
		cat <<-EOF
			local_events = yes
			log_format = $logf
			flush = INCREMENTAL_ASYNC
			freq = 50
			max_log_file = 8
			num_logs = 2
			priority_boost = 0
			name_format = NONE
			max_log_file_action = ROTATE
			space_left = 75
			space_left_action = IGNORE
			admin_space_left = 50
			admin_space_left_action = IGNORE
			disk_full_action = IGNORE
			disk_error_action = IGNORE
			q_depth = 2000
			overflow_action = SYSLOG
			max_restarts = 10
			plugin_dir = $pdir
		EOF
	} >"$f"
}

# The kernel audit state is global: take the lock every auditd test shares
# (waiting up to $1 s), check that rules can be changed and that no audit
# daemon runs, and save `enabled` and the rule list (SAVED_ENABLED,
# SAVED_RULES) for the caller's cleanup. Skips with the reason otherwise.
take_kernel_audit() {
	local status other
	exec 9>>"$LOCK" || skip "cannot open the lock $LOCK"
	flock -w "$1" 9 || skip "another test held $LOCK for $1s"
	status=$(auditctl -s 2>&1) || skip "kernel audit not available: $status"
	SAVED_ENABLED=$(audit_field enabled)
	case "$SAVED_ENABLED" in
	0 | 1) ;;
	2) skip "kernel audit configuration is locked (enabled 2): rules cannot be added or removed" ;;
	*) skip "cannot read the kernel audit state: $status" ;;
	esac
	other=$(audit_field pid)
	[ "${other:-0}" = 0 ] || skip "an audit daemon (pid $other) is already registered; it would lose its events"
	SAVED_RULES=$(auditctl -l 2>&1)
}

# Undo take_kernel_audit's part: delete our rules (key $KEY, no other), set
# `enabled` back; 1 when the state differs from before (said why).
restore_kernel_audit() {
	local now rc=0
	auditctl -l 2>/dev/null | grep -q -- "$KEY" && auditctl -D -k "$KEY" >/dev/null 2>&1
	[ -n "$SAVED_ENABLED" ] && auditctl -e "$SAVED_ENABLED" >/dev/null 2>&1
	now=$(auditctl -l 2>&1)
	if [ "$now" != "$SAVED_RULES" ]; then
		say "cleanup: the kernel audit rules differ from before the test:"
		say "$now"
		rc=1
	fi
	if [ "$(audit_field enabled)" != "$SAVED_ENABLED" ]; then
		say "cleanup: kernel audit enabled is $(audit_field enabled), was $SAVED_ENABLED"
		rc=1
	fi
	say "restored: rules as before ($(printf '%s\n' "$SAVED_RULES" | head -1)), enabled $(audit_field enabled)"
	return $rc
}

# auditd runs a plugin only from a root-owned path it trusts (3.0.9: the
# 0750 bits set; 4.2: at least 0550, not group/world writable; dirname >= 4
# chars): skip when $PLUGIN is not such a file.
plugin_trusted() {
	require_host_arch "$PLUGIN"
	require_trusted_plugin "$PLUGIN"
	[ ${#ZR_BUILDDIR} -ge 4 ] || skip "auditd needs the plugin's directory name to be 4 characters or more"
}
