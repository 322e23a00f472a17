#!/usr/bin/env bash
# auditd-e2e.sh - the built plugin under a real auditd and kernel audit, delivering to the simulator.
#
# For every combination of the plugins.d `format` (string, binary) and the
# auditd.conf `log_format` (RAW, ENRICHED) this starts the ITDS simulator,
# then `auditd -f -n -c DIR` with a private config dir whose plugins.d runs
# plugin/audispd-zos-remote, adds audit rules keyed zrtest_<pid>, causes
# events (a read, a failed open as root, a failed open as a throwaway user,
# useradd/userdel of that user, an execve with a 9600-byte argument, a read
# of a file whose name has UTF-8 bytes) and checks in the simulator's
# journal (tests/auditd/verify.jq) that each arrived as SMF records with the
# right resource, qualifier, link value and relocates, and that every record
# auditd printed arrived.
#
# The kernel audit state is global: the test holds a lock shared with any
# other suite that touches it, saves `enabled` and the rule list first, and
# on every exit (pass, fail, skip, INT, TERM) stops auditd (which stops the
# plugin), kills the simulator, deletes only its own rules, sets `enabled`
# back, removes the throwaway user and checks the rule list is as it was.
#
# Exit: 0 pass, 1 fail, 77 skip (the reason is printed).
# Environment: ZR_BUILDDIR, ZR_SRCDIR (set by make check; default: this
# script's ../..), ZR_E2E_COMBOS (default "string:RAW string:ENRICHED
# binary:RAW binary:ENRICHED"), ZR_E2E_KEEP=1 keeps the temporary directory
# (it is always kept when a check fails).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
VERIFY=$ZR_SRCDIR/tests/auditd/verify.jq
AUDITD=${ZR_AUDITD:-/usr/sbin/auditd}
COMBOS=${ZR_E2E_COMBOS:-string:RAW string:ENRICHED binary:RAW binary:ENRICHED}
KEY=zrtest_$$
BUDGET=170          # seconds for the whole run; each wait below is bounded too
ARRIVAL_WAIT=20     # seconds for the events to reach the journal
DRAIN=5             # the plugin's drain_timeout

USERS_MADE=()
START=$SECONDS

hard_fail() {
	say "FAIL: $*"
	FAILS=$((FAILS + 1))
	exit 1
}
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

cleanup() {
	local rc=$1 u now
	trap - EXIT INT TERM
	stop_pid "$AUDITD_PID" 10
	AUDITD_PID=
	stop_pid "$PLUGIN_PID" 5
	PLUGIN_PID=
	stop_pid "$SIM_PID" 5
	SIM_PID=
	for u in "${USERS_MADE[@]}"; do
		id "$u" >/dev/null 2>&1 && userdel "$u" >/dev/null 2>&1
		id "$u" >/dev/null 2>&1 && say "cleanup: could not remove user $u" && rc=1
	done
	if [ "$KERNEL_TOUCHED" = 1 ]; then
		restore_kernel_audit || rc=1
	fi
	keep_or_remove "$T" "$rc" "${ZR_E2E_KEEP:-0}" "auditd.out, journal.jsonl, verdict.json per combination"
	exit "$rc"
}

# --- what this test needs; a missing piece of the machine is a skip ---------
[ "$(id -u)" = 0 ] || skip "needs root (kernel audit rules, auditd, useradd)"
require_tools auditctl jq flock useradd userdel setpriv getconf
[ -x "$AUDITD" ] || skip "no auditd at $AUDITD"
[ -x "$PLUGIN" ] || hard_fail "plugin not built: $PLUGIN (run make first)"
[ -x "$SIM" ] || hard_fail "simulator not built: $SIM (run make first)"
[ -r "$VERIFY" ] || hard_fail "missing $VERIFY"
plugin_trusted

# --- the kernel audit state is global: take the lock, save it ---------------
take_kernel_audit 120

trap 'cleanup $?' EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
KERNEL_TOUCHED=1

T=$(mktemp -d /tmp/zr-auditd-e2e.XXXXXX) || hard_fail "mktemp"
chmod 0755 "$T" # the throwaway user must reach the watched directory
ARCH=b$(getconf LONG_BIT)
HOST=$(uname -n)
USERADD=$(readlink -f "$(command -v useradd)")
USERDEL=$(readlink -f "$(command -v userdel)")
LONG=$(printf '%05d,' $(seq 1 1600)) # 9600 bytes, each 6-byte cell says where it is
NRULES=3
if [ "$SAVED_RULES" = "No rules" ]; then nrules_before=0; else nrules_before=$(printf '%s\n' "$SAVED_RULES" | wc -l); fi
say "auditd e2e: $(auditctl -v 2>&1 | head -1), key $KEY; before: kernel audit enabled $SAVED_ENABLED," \
	"$nrules_before rule(s); budget ${BUDGET}s"

# --- one combination --------------------------------------------------------
write_configs() { # dir format log_format port
	local d=$1 fmt=$2 logf=$3 port=$4
	mkdir -p "$d/etc/plugins.d"
	write_auditd_conf "$d/etc/auditd.conf" "$logf" "$d/etc/plugins.d" "write_logs = yes" \
		"log_file = $d/audit.log" "end_of_event_timeout = 2"
	# 3.0.9 accepts at most 2 args, so the format goes in the plugin's config.
	cat >"$d/etc/plugins.d/zos-remote.conf" <<-EOF
		active = yes
		direction = out
		path = $PLUGIN
		type = always
		args = $d/etc/zos-remote.conf
		format = $fmt
	EOF
	cat >"$d/etc/zos-remote.conf" <<-EOF
		server = 127.0.0.1
		port = $port
		user = ZOSAUDIT
		password = zossecret
		tls = none
		timeout = 5
		format = $fmt
		drain_timeout = $DRAIN
		spool_dir = $d/spool
		state_file = $d/state
	EOF
	chown -R root:root "$d/etc"
	chmod 0750 "$d/etc" "$d/etc/plugins.d"
	chmod 0640 "$d/etc/auditd.conf" "$d/etc/plugins.d/zos-remote.conf"
	chmod 0600 "$d/etc/zos-remote.conf"
}

# The plugin is auditd's child running our binary.
find_plugin() {
	local p
	for p in $(pgrep -P "$AUDITD_PID" 2>/dev/null); do
		[ "$(readlink -f "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$PLUGIN")" ] && PLUGIN_PID=$p && return 0
	done
	return 1
}
auditd_registered() { [ "$(audit_field pid)" = "$AUDITD_PID" ]; }

add_rule() { # rule words...
	local err
	if ! err=$(auditctl "$@" 2>&1); then
		skip "the kernel refused the audit rule 'auditctl $*': $err"
	fi
}

# The events the journal must show; run from the combination directory.
cause_events() { # dir user
	local d=$1 u=$2 w=$1/w out
	local -a run=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C)
	cd "$d" || return 1
	"${run[@]}" "$d/bin/zrcat" "$w/readme" >/dev/null || bad "$COMBO: reading $w/readme failed"
	"${run[@]}" "$d/bin/zrcat" "$w/missing" >/dev/null 2>&1 && bad "$COMBO: $w/missing could be read"
	useradd -M -s /usr/sbin/nologin -c "zos-remote auditd e2e" "$u" >"$d/useradd.out" 2>&1 ||
		skip "useradd $u failed: $(cat "$d/useradd.out")"
	USERS_MADE+=("$u")
	UIDN=$(id -u "$u")
	out=$("${run[@]}" setpriv --reuid="$UIDN" --regid="$(id -g "$u")" --clear-groups \
		"$d/bin/zrcat" "$w/secret" 2>&1) && bad "$COMBO: $u could read $w/secret"
	case "$out" in *"Permission denied"*) ;; *) bad "$COMBO: $u opening $w/secret: $out" ;; esac
	"${run[@]}" "$d/bin/zrcat" "$w/caf$(printf '\303\251')" >/dev/null || bad "$COMBO: reading the UTF-8 name failed"
	"${run[@]}" "$d/bin/zrtrue" "$LONG" || bad "$COMBO: execve of $d/bin/zrtrue failed"
	userdel "$u" >"$d/userdel.out" 2>&1 || bad "$COMBO: userdel $u: $(cat "$d/userdel.out")"
	cd / || return 1
}

# The records auditd printed in the foreground ({type, sec, ser} lines).
seen_records() {
	sed -n -E 's/^type=([^ ]+) msg=audit\(([0-9]+)\.[0-9]+:([0-9]+)\).*/{"type":"\1","sec":\2,"ser":\3}/p' "$1" |
		grep -v '"type":"EOE"'
}

verdict() { # dir final
	local d=$1
	env -u TZ jq -R -s -f "$VERIFY" \
		--arg key "$KEY" --arg cwd "$d" --arg w "$d/w" --arg zrcat "$d/bin/zrcat" \
		--arg zrtrue "$d/bin/zrtrue" --arg user "$U" --arg uidn "$UIDN" --arg logfmt "$LOGF" \
		--arg host "$HOST" --arg long "$LONG" --arg useradd "$USERADD" --arg userdel "$USERDEL" \
		--arg utf8 "$d/w/caf\\xC3\\xA9" --arg final "$2" --arg nrules "$NRULES" \
		--slurpfile seen "$d/seen.json" <"$d/journal.jsonl" >"$d/verdict.json" 2>"$d/verdict.err"
}

run_combo() { # format log_format index
	local fmt=$1 logf=$2 n=$3 d port t0 t1 t_arrive rc_auditd i
	COMBO="format=$fmt log_format=$logf"
	LOGF=$logf
	d=$T/$fmt-$logf
	U=zrt$$x$n
	UIDN=
	say ""
	say "=== $COMBO (dir $d)"
	mkdir -p "$d/w" "$d/bin"
	chmod 0755 "$d" "$d/w" "$d/bin"
	echo readme >"$d/w/readme"
	echo secret >"$d/w/secret" && chmod 0600 "$d/w/secret"
	echo utf8 >"$d/w/caf$(printf '\303\251')"
	# Private copies, so exe= and path= rules match only what this test runs.
	cp /bin/cat "$d/bin/zrcat" && cp /bin/true "$d/bin/zrtrue" && chmod 0755 "$d/bin/"*
	: >"$d/journal.jsonl"

	"$SIM" --listen 127.0.0.1:0 --port-file "$d/port" --journal "$d/journal.jsonl" --duration 90 \
		--quiet >"$d/sim.out" 2>&1 &
	SIM_PID=$!
	wait_for 5 test -s "$d/port" || hard_fail "$COMBO: the simulator wrote no port file in 5s: $(tail -5 "$d/sim.out")"
	port=$(cat "$d/port")
	write_configs "$d" "$fmt" "$logf" "$port"

	"$AUDITD" -f -n -c "$d/etc" >"$d/auditd.out" 2>&1 &
	AUDITD_PID=$!
	if ! wait_for 10 auditd_registered; then
		if ! alive "$AUDITD_PID"; then
			if grep -q -i -E 'netlink|set audit pid|Operation not permitted|Permission denied' "$d/auditd.out"; then
				skip "$COMBO: the kernel refused auditd: $(grep -i -E 'netlink|pid|permi' "$d/auditd.out" | head -3)"
			fi
			hard_fail "$COMBO: auditd exited at start: $(tail -5 "$d/auditd.out")"
		fi
		hard_fail "$COMBO: auditd did not register with the kernel in 10s"
	fi
	if wait_for 5 grep -q -E 'and 1 active plugins' "$d/auditd.out"; then
		ok "$COMBO: auditd $AUDITD_PID registered, plugins.d entry accepted (1 active plugin)"
	else
		hard_fail "$COMBO: auditd did not accept the plugins.d entry: $(grep -i -E 'plugin|permission|skipping' "$d/auditd.out" | head -5)"
	fi
	wait_for 5 find_plugin || hard_fail "$COMBO: no plugin process under auditd after 5s"
	ok "$COMBO: plugin running as pid $PLUGIN_PID (args $d/etc/zos-remote.conf, format $fmt)"

	add_rule -a always,exit -F dir="$d/w" -F perm=r -F key="$KEY"
	# A directory watch does not see an open of a missing name; catch
	# failed opens by our private cat instead.
	add_rule -a always,exit -F arch="$ARCH" -S openat -F exe="$d/bin/zrcat" -F success=0 -F key="$KEY"
	add_rule -a always,exit -F path="$d/bin/zrtrue" -F perm=x -F key="$KEY"

	t0=$(date +%s.%N)
	cause_events "$d" "$U"
	sleep 0.3 # let auditd print what the kernel sent
	seen_records "$d/auditd.out" >"$d/seen.json"

	t_arrive=
	for ((i = 0; i < ARRIVAL_WAIT * 4; i++)); do
		if verdict "$d" 0 && [ "$(jq -r .complete "$d/verdict.json")" = true ]; then
			t_arrive=$(date +%s.%N)
			break
		fi
		alive "$AUDITD_PID" || break
		sleep 0.25
	done
	if [ -n "$t_arrive" ]; then
		ok "$COMBO: all events in the journal $(awk -v a="$t0" -v b="$t_arrive" 'BEGIN { printf "%.2f", b - a }')s after the first was caused"
	else
		bad "$COMBO: not everything arrived within ${ARRIVAL_WAIT}s (details below)"
	fi

	auditctl -D -k "$KEY" >/dev/null 2>&1 || bad "$COMBO: could not delete the rules keyed $KEY"
	# Stop: auditd 3.0.9 sends its plugins SIGTERM, which must drain and exit.
	t1=$(date +%s.%N)
	kill -TERM "$AUDITD_PID"
	if wait_for 10 eval "! alive $AUDITD_PID"; then
		wait "$AUDITD_PID"
		rc_auditd=$?
		if [ "$rc_auditd" = 0 ]; then
			ok "$COMBO: auditd stopped on SIGTERM (exit 0)"
		else
			bad "$COMBO: auditd exit status $rc_auditd on SIGTERM: $(tail -3 "$d/auditd.out")"
		fi
	else
		bad "$COMBO: auditd still running 10s after SIGTERM"
		stop_pid "$AUDITD_PID" 1
	fi
	AUDITD_PID=
	if wait_for $((DRAIN + 3)) eval "! alive $PLUGIN_PID"; then
		ok "$COMBO: the plugin exited $(since "$t1")s after auditd's SIGTERM"
	else
		bad "$COMBO: the plugin (pid $PLUGIN_PID) still runs $((DRAIN + 3))s after auditd's SIGTERM (drain_timeout $DRAIN)"
		stop_pid "$PLUGIN_PID" 2
	fi
	PLUGIN_PID=
	if grep -E 'terminated unexpectedly|exceeded max_restarts|Skipping .*plugin' "$d/auditd.out" >"$d/plugin-trouble"; then
		bad "$COMBO: auditd reports plugin trouble: $(head -3 "$d/plugin-trouble")"
	else
		ok "$COMBO: auditd reports no plugin restart"
	fi
	stop_pid "$SIM_PID" 5
	SIM_PID=

	if ! verdict "$d" 1; then
		bad "$COMBO: verify.jq failed: $(head -5 "$d/verdict.err")"
		return
	fi
	jq -r '.checks[] | (if .ok then "ok   - " else "FAIL - " end) + $c + ": " + .check
		+ (if .detail != "" then " [" + .detail + "]" else "" end)' --arg c "$COMBO" "$d/verdict.json" |
		while IFS= read -r line; do say "$line"; done
	PASSES=$((PASSES + $(jq '[.checks[] | select(.ok)] | length' "$d/verdict.json")))
	FAILS=$((FAILS + $(jq '[.checks[] | select(.ok | not)] | length' "$d/verdict.json")))
	say "figures $COMBO: $(jq -r '.figures | to_entries | map(.key + "=" + (.value | tostring)) | join(", ")' "$d/verdict.json")"
}

n=0
for combo in $COMBOS; do
	n=$((n + 1))
	if [ $((SECONDS - START)) -gt $((BUDGET - 40)) ]; then
		bad "time budget: $combo not run, $((SECONDS - START))s used of ${BUDGET}s"
		continue
	fi
	run_combo "${combo%%:*}" "${combo#*:}" "$n"
done

say ""
say "auditd e2e: $PASSES checks passed, $FAILS failed, $((SECONDS - START))s"
[ "$FAILS" = 0 ] || exit 1
exit 0
