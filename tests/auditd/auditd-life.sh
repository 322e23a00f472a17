#!/usr/bin/env bash
# auditd-life.sh - the plugin's life under real auditds: Debian's 3.0.9 and
# upstream 4.2.1 (built once by tests/upstream/build-audit into its cache).
#
# For each auditd and each combination of the plugins.d `format`, the
# auditd.conf `log_format` and the plugin's own `format` (two of them
# disagree with plugins.d on purpose) it starts the simulator slow
# (--latency-ms), auditd with the plugin, and a steady stream of keyed
# events (a read of a watched file every 20 ms); then it reloads auditd
# (SIGHUP) with the server slow, stops the server and reloads again, stops
# the stream and stops auditd; then starts a healthy server and auditd again
# and waits until every event auditd logged with the test's key (its
# SYSCALL record, which auditd -f prints) arrived. Asserted: every keyed event arrives;
# ZRA0208W when the formats disagree; ZRA0207E with 4.2.1 and RAW (auditd
# cuts the records 16 bytes short); no plugin restart reported by auditd;
# with 4.2 (which stops and restarts the plugin at a reload, waiting for it)
# auditd's dispatcher held less than HOLD_BOUND s at each reload and stop.
# Printed: how long the dispatcher was held each time (the plugin's exit,
# timed from the signal to auditd; 3.0.9 sends the plugin SIGHUP at a reload
# and does not wait for it at a stop).
#
# The kernel audit state is global: the test holds the lock every auditd
# test shares, saves `enabled` and the rule list, and on every exit stops
# what it started, deletes only its own rules and sets `enabled` back.
#
# Exit: 0 pass, 1 fail, 77 skip (the reason is printed).
# Environment: ZR_BUILDDIR, ZR_SRCDIR (make check sets them),
# ZR_LIFE_AUDITDS (default "3.0.9 4.2.1"), ZR_LIFE_COMBOS (default below),
# ZR_E2E_KEEP=1 keeps the temporary directory (kept anyway on a failure).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
KEY=zrlife_$$
VERSIONS=${ZR_LIFE_AUDITDS:-3.0.9 4.2.1}
# plugins.d format : log_format : the plugin's format key
COMBOS=${ZR_LIFE_COMBOS:-string:ENRICHED:string binary:ENRICHED:string binary:RAW:binary string:RAW:binary}
HOLD_BOUND=2.0 # seconds; the goal is 0.5, the plugin took 5 s before its prompt exit
ARRIVAL_WAIT=30

LOAD_PID=
START=$SECONDS

now() { date +%s.%N; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

cleanup() {
	local rc=$1
	trap - EXIT INT TERM
	[ -n "$T" ] && touch "$T/stop-load" 2>/dev/null
	stop_pid "$LOAD_PID" 2
	stop_pid "$AUDITD_PID" 10
	stop_pid "$PLUGIN_PID" 5
	stop_pid "$SIM_PID" 5
	if [ "$KERNEL_TOUCHED" = 1 ]; then
		restore_kernel_audit || rc=1
	fi
	keep_or_remove "$T" "$rc" "${ZR_E2E_KEEP:-0}" "auditd.out, journal.jsonl per combination"
	exit "$rc"
}

# --- what this test needs; a missing piece of the machine is a skip ---------
[ "$(id -u)" = 0 ] || skip "needs root (kernel audit rules, auditd)"
for tool in auditctl jq flock; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
[ -x "$PLUGIN" ] && [ -x "$SIM" ] || { say "FAIL: build first ($PLUGIN, $SIM)"; exit 1; }
plugin_trusted

declare -A AUDITD=()
for v in $VERSIONS; do
	case $v in
	3.0.9)
		have=$(dpkg-query -W -f '${Version}' auditd 2>/dev/null)
		case $have in *3.0.9*) AUDITD[$v]=/usr/sbin/auditd ;; *) say "note: Debian's auditd 3.0.9 not installed (${have:-none}); not run" ;; esac
		;;
	*)
		prefix=$("$ZR_SRCDIR/tests/upstream/build-audit" "$v")
		case $? in
		0) AUDITD[$v]=$prefix/sbin/auditd ;;
		77) say "note: no source for auditd $v (tests/upstream/build-audit); not run" ;;
		*) bad "auditd $v: tests/upstream/build-audit failed (its output is above)" ;;
		esac
		;;
	esac
done
[ ${#AUDITD[@]} -gt 0 ] || [ "$FAILS" -gt 0 ] || skip "no auditd to run (${VERSIONS})"

take_kernel_audit 300
trap 'cleanup $?' EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
KERNEL_TOUCHED=1
T=$(mktemp -d /tmp/zr-auditd-life.XXXXXX) || exit 1
chmod 0755 "$T"
say "auditd life: auditds ${!AUDITD[*]}, key $KEY"

write_configs() { # dir plugins.d-format log_format plugin-format port
	local d=$1
	mkdir -p "$d/etc/plugins.d"
	write_auditd_conf "$d/etc/auditd.conf" "$3" "$d/etc/plugins.d" "write_logs = no"
	# Two args at most for 3.0.9; --stderr: the plugin's log in auditd.out.
	cat >"$d/etc/plugins.d/zos-remote.conf" <<-EOF
		active = yes
		direction = out
		path = $PLUGIN
		type = always
		args = --stderr $d/etc/zos-remote.conf
		format = $2
	EOF
	cat >"$d/etc/zos-remote.conf" <<-EOF
		server = 127.0.0.1
		port = $5
		user = ZOSAUDIT
		password = zossecret
		tls = none
		timeout = 2
		format = $4
		spool_dir = $d/spool
	EOF
	chown -R root:root "$d/etc"
	chmod 0750 "$d/etc" "$d/etc/plugins.d"
	chmod 0640 "$d/etc/auditd.conf" "$d/etc/plugins.d/zos-remote.conf"
	chmod 0600 "$d/etc/zos-remote.conf"
}

start_sim() { # dir extra-args...
	local d=$1
	shift
	rm -f "$d/port"
	"$SIM" --listen 127.0.0.1:0 --port-file "$d/port" --journal "$d/journal.jsonl" --duration 120 \
		--quiet "$@" >>"$d/sim.out" 2>&1 &
	SIM_PID=$!
	wait_for 5 test -s "$d/port" || { bad "$COMBO: no simulator port in 5 s"; return 1; }
}

find_plugin() { # pid that is not the plugin
	local p
	for p in $(pgrep -P "$AUDITD_PID" 2>/dev/null); do
		[ "$p" != "${1:-}" ] && [ "$(readlink -f "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$PLUGIN")" ] &&
			PLUGIN_PID=$p && return 0
	done
	return 1
}

start_auditd() { # dir
	"$AUDITD_BIN" -f -n -c "$1/etc" >>"$1/auditd.out" 2>&1 &
	AUDITD_PID=$!
	if ! wait_for 10 eval '[ "$(audit_field pid)" = "$AUDITD_PID" ]'; then
		alive "$AUDITD_PID" || grep -q -i -E 'netlink|Operation not permitted' "$1/auditd.out" &&
			skip "$COMBO: the kernel refused auditd: $(tail -3 "$1/auditd.out")"
		bad "$COMBO: auditd did not register in 10 s: $(tail -3 "$1/auditd.out")"
		return 1
	fi
	wait_for 5 find_plugin || { bad "$COMBO: no plugin under auditd after 5 s"; return 1; }
}

# Signal auditd and time how long the plugin takes to go (what auditd 4.2
# waits for before it dispatches again). what: reload or stop.
hold() { # what label
	local old=$PLUGIN_PID t0 t1 sig=HUP
	[ "$1" = stop ] && sig=TERM
	t0=$(now)
	kill -"$sig" "$AUDITD_PID"
	if [ "$1" = reload ] && [ "$MAJOR" -lt 4 ]; then
		sleep 0.5
		if alive "$old"; then
			ok "$COMBO: $2: auditd $VER sent the plugin SIGHUP; it reloaded and runs on (dispatcher not held)"
		else
			bad "$COMBO: $2: the plugin exited at auditd $VER's SIGHUP"
		fi
		return
	fi
	wait_for 10 eval "! alive $old" || { bad "$COMBO: $2: the plugin still runs 10 s after auditd's SIG$sig"; return; }
	t1=$(now)
	HOLDS+=("$2 $(diff_s "$t0" "$t1")s")
	say "hold: $COMBO: $2: the plugin was gone $(diff_s "$t0" "$t1") s after auditd's SIG$sig"
	if [ "$MAJOR" -ge 4 ]; then
		if le "$(diff_s "$t0" "$t1")" "$HOLD_BOUND"; then
			ok "$COMBO: $2: auditd $VER's dispatcher held $(diff_s "$t0" "$t1") s (< $HOLD_BOUND)"
		else
			bad "$COMBO: $2: auditd $VER's dispatcher held $(diff_s "$t0" "$t1") s (bound $HOLD_BOUND)"
		fi
	fi
	if [ "$1" = reload ]; then
		wait_for 5 find_plugin "$old" || bad "$COMBO: $2: auditd started no new plugin"
	else
		wait_for 10 eval "! alive $AUDITD_PID" || bad "$COMBO: $2: auditd still runs 10 s after SIGTERM"
		wait "$AUDITD_PID" 2>/dev/null
		AUDITD_PID=
	fi
}

serials() { sed -n -E 's/.*msg=audit\([0-9.]+:([0-9]+)\).*/\1/p' | sort -u; }
# auditd -f prints every record it logs on its standard output (auditd.out).
logged() { grep -a '^type=SYSCALL' "$1/auditd.out" 2>/dev/null | grep -a "key=\"$KEY\"" | serials; }
delivered() {
	jq -r 'select(.kind == "smf" or .kind == "item") | select(.resource == "SYSCALL")
		| .relocates[]?.value | select(startswith("msg=audit("))' "$1/journal.jsonl" 2>/dev/null | serials
}
all_there() { [ -z "$(comm -23 <(logged "$1") <(delivered "$1"))" ]; }

run_combo() { # version plugins.d-format log_format plugin-format
	local d=$T/$1-$2-$3-$4 n missing
	VER=$1
	MAJOR=${1%%.*}
	AUDITD_BIN=${AUDITD[$1]}
	COMBO="auditd $1 plugins.d format=$2 log_format=$3 plugin format=$4"
	HOLDS=()
	say ""
	say "=== $COMBO"
	mkdir -p "$d/w" "$d/bin"
	chmod 0755 "$d" "$d/w" "$d/bin"
	echo readme >"$d/w/readme"
	cp /bin/cat "$d/bin/zrcat" && chmod 0755 "$d/bin/zrcat"
	start_sim "$d" --latency-ms 400 || return
	write_configs "$d" "$2" "$3" "$4" "$(cat "$d/port")"
	start_auditd "$d" || return
	auditctl -a always,exit -F dir="$d/w" -F perm=r -F key="$KEY" >/dev/null 2>&1 ||
		skip "the kernel refused the audit rule: $(auditctl -a always,exit -F dir="$d/w" -F perm=r -F key="$KEY" 2>&1)"
	rm -f "$d/stop-load"
	(while [ ! -e "$d/stop-load" ]; do
		"$d/bin/zrcat" "$d/w/readme" >/dev/null
		sleep 0.02
	done) &
	LOAD_PID=$!
	sleep 1
	hold reload "reload with the server slow"
	sleep 1
	stop_pid "$SIM_PID" 5
	SIM_PID=
	sleep 0.5
	hold reload "reload with the server down"
	sleep 1
	touch "$d/stop-load"
	wait "$LOAD_PID" 2>/dev/null
	LOAD_PID=
	sleep 0.5
	auditctl -D -k "$KEY" >/dev/null 2>&1
	hold stop "stop with the server down"
	PLUGIN_PID=
	# The next start, with a healthy server, delivers what was spooled.
	start_sim "$d" || return
	sed -i "s/^port = .*/port = $(cat "$d/port")/" "$d/etc/zos-remote.conf"
	start_auditd "$d" || return
	wait_for "$ARRIVAL_WAIT" all_there "$d"
	n=$(logged "$d" | wc -l)
	missing=$(comm -23 <(logged "$d") <(delivered "$d") | wc -l)
	if [ "$n" -gt 0 ] && [ "$missing" = 0 ]; then
		ok "$COMBO: all $n keyed events auditd logged arrived"
	else
		bad "$COMBO: $missing of $n keyed events auditd logged did not arrive in ${ARRIVAL_WAIT}s"
	fi
	hold stop "stop with the server up"
	stop_pid "$SIM_PID" 5
	SIM_PID=
	if [ "$2" != "$4" ]; then
		grep -q 'ZRA0208W' "$d/auditd.out" && ok "$COMBO: the format mismatch was reported (ZRA0208W)" ||
			bad "$COMBO: no ZRA0208W for the format mismatch"
	else
		grep -q 'ZRA0208W' "$d/auditd.out" && bad "$COMBO: ZRA0208W though the formats agree" ||
			ok "$COMBO: no format warning"
	fi
	if [ "$1" = 4.2.1 ] && [ "$3" = RAW ]; then
		grep -q 'ZRA0207E' "$d/auditd.out" && ok "$COMBO: the cut records were reported (ZRA0207E)" ||
			bad "$COMBO: no ZRA0207E though auditd 4.2.1 cuts RAW records"
	else
		grep -q 'ZRA0207E' "$d/auditd.out" && bad "$COMBO: ZRA0207E for whole records" ||
			ok "$COMBO: no cut records reported"
	fi
	grep -E 'terminated unexpectedly|exceeded max_restarts' "$d/auditd.out" >"$d/trouble" &&
		bad "$COMBO: auditd reports plugin trouble: $(head -2 "$d/trouble")" ||
		ok "$COMBO: auditd reports no plugin restart"
	say "figures: $COMBO: keyed events $n; dispatcher held: ${HOLDS[*]:-n/a}"
}

for v in $VERSIONS; do
	[ -n "${AUDITD[$v]:-}" ] || continue
	for c in $COMBOS; do
		IFS=: read -r pf lf cf <<<"$c"
		run_combo "$v" "$pf" "$lf" "$cf"
	done
done
say ""
say "auditd life: $PASSES checks passed, $FAILS failed, $((SECONDS - START))s"
[ "$FAILS" = 0 ] || exit 1
exit 0
