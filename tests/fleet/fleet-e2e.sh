#!/usr/bin/env bash
# fleet-e2e.sh - N hosts -> audisp-remote -> one central auditd -> this plugin -> the simulator.
#
# The recipe of audispd-zos-remote(8), FLEET, run on one machine: every
# "host" is a network namespace joined to the aggregator's namespace by a
# veth pair that this test creates and removes. In each host namespace
# Debian's audisp-remote (audispd-plugins) runs with its own configuration
# (audisp-remote reads the fixed path /etc/audit/audisp-remote.conf, so it
# runs in a private mount namespace with its own file bind-mounted there)
# and is fed on standard input what a host's auditd with name_format = user,
# name = hostN would hand its plugins: records that begin with node=hostN.
# Hosts' own auditds are left out on purpose: kernel audit is one per
# machine, so N auditds would all see the same kernel events; feeding
# audisp-remote exactly what such an auditd writes keeps every sender's
# stream its own and known in advance. Every host sends the same serials and
# times, so link values can only differ by node.
#
# The aggregator is Debian's auditd (3.0.9) in its own namespace:
# local_events = no (it does not touch kernel audit at all), tcp_listen_port,
# distribute_network = yes, q_depth = 20000, use_libwrap = no, and a
# plugins.d entry that runs plugin/audispd-zos-remote, which sends to the
# simulator on the namespace's loopback. The stream runs for a bounded time;
# halfway the feeders pause, the plugin is killed (SIGKILL) once, and auditd
# starts it again when the stream resumes. Then it checks per node that every
# record auditd logged (log_file) arrived at the simulator at least once, with
# node= and the log string naming the right node, one link value per event
# and distinct link values across events and nodes; and that the plugin's
# metrics file and state file count every node.
#
# The pause before the kill is deliberate: records auditd has written into
# the plugin's pipe but the plugin has not read die with the pipe (auditd's
# side; see FLEET, pitfalls). Everything the plugin had read must survive.
#
# Kernel audit is not touched (local_events = no), but auditd writes
# /var/run/auditd.pid, so the test serialises on the lock every real-auditd
# test takes, and checks the kernel audit status and rules are as before.
#
# Exit: 0 pass, 1 fail, 77 skip (the reason is printed).
# Environment: ZR_BUILDDIR, ZR_SRCDIR (default: this script's ../..),
# ZR_FLEET_HOSTS (3), ZR_FLEET_SECONDS (stream length, 12),
# ZR_FLEET_RATE (events per second per host, 40; 4 records and an EOE each),
# ZR_FLEET_KEEP=1 keeps the temporary directory (kept anyway on failure),
# ZR_FLEET_EXTRA: lines added to the plugin's configuration (e.g.
# "link_node = no", to see the link check fail).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

here=$(cd "$(dirname "$0")" && pwd)
ZR_SRCDIR=${ZR_SRCDIR:-$(cd "$here/../.." && pwd)}
ZR_BUILDDIR=${ZR_BUILDDIR:-$ZR_SRCDIR}
PLUGIN=$ZR_BUILDDIR/plugin/audispd-zos-remote
SIM=$ZR_BUILDDIR/tests/sim/zos-remote-sim
AUDITD=${ZR_AUDITD:-/usr/sbin/auditd}
REMOTE=${ZR_AUDISP_REMOTE:-/usr/sbin/audisp-remote}
HOSTS=${ZR_FLEET_HOSTS:-3}
SECONDS_STREAM=${ZR_FLEET_SECONDS:-12}
RATE=${ZR_FLEET_RATE:-40}
LOCK=/run/zos-remote-auditd-test.lock
PORT=6600         # auditd's tcp_listen_port, inside the aggregator's namespace
BUDGET=170        # seconds for the whole run; every wait below is bounded too
ARRIVAL_WAIT=60   # seconds for every logged record to reach the simulator
TAG=zf$$          # names of namespaces and links (interface names <= 15 chars)
BASE_SEC=1796212800

T=
NS_MADE=()
PIDS=()
AUDITD_PID=
PLUGIN_PID=
SIM_PID=
SAVED_STATUS=
SAVED_RULES=
FAILS=0
PASSES=0
START=$SECONDS

. "$here/../lib/e2e.sh"
kernel_status() { auditctl -s 2>/dev/null | awk '$1 == "enabled" || $1 == "pid" { print }'; }

cleanup() {
	local rc=$1 p n
	trap - EXIT INT TERM
	stop_pid "$AUDITD_PID" 15 # stops the plugin (end of input)
	if [ -n "$PLUGIN_PID" ] && alive "$PLUGIN_PID"; then
		if ! wait_for 20 eval "! alive $PLUGIN_PID"; then
			say "cleanup: the plugin (pid $PLUGIN_PID) was still running 20s after auditd stopped; killed"
			kill -KILL "$PLUGIN_PID" 2>/dev/null
			rc=1
		fi
	fi
	for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; stop_pid "$p" 3; done
	stop_pid "$SIM_PID" 5
	for n in "${NS_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
	for n in "${NS_MADE[@]}"; do
		ip netns list 2>/dev/null | grep -qw "$n" && say "cleanup: namespace $n is still there" && rc=1
	done
	if [ -n "$SAVED_STATUS" ]; then
		if [ "$(kernel_status)" != "$SAVED_STATUS" ] || [ "$(auditctl -l 2>&1)" != "$SAVED_RULES" ]; then
			say "cleanup: kernel audit status or rules changed during the test"
			rc=1
		fi
	fi
	keep_or_remove "$T" "$rc" "${ZR_FLEET_KEEP:-0}" "auditd.out, journal.jsonl, h*/"
	exit "$rc"
}

# --- what this test needs; a missing piece of the machine is a skip ---------
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, auditd)"
# tests/run-sanitizers (ASAN_OPTIONS set): the ASan plugin starts slowly,
# and auditd 3.0.9 lost the first events it wrote after the kill -9 into
# the dead plugin's pipe (3-4 per host in the CI dry run; none natively).
# That is auditd's restart window, not the plugin's memory safety, which
# check_fleet covers under the sanitizers; the native run keeps this test.
[ -z "${ASAN_OPTIONS:-}" ] || skip "not under the sanitizers: auditd's restart window after kill -9 is timing (see the comment)"
require_tools ip unshare mount jq flock auditctl awk
[ -x "$AUDITD" ] || skip "no auditd at $AUDITD"
[ -x "$REMOTE" ] || skip "no audisp-remote at $REMOTE (Debian: apt-get install audispd-plugins)"
[ -e /etc/audit/audisp-remote.conf ] || skip "/etc/audit/audisp-remote.conf is missing (the bind mount needs a file there)"
[ -x "$PLUGIN" ] || hard_fail "plugin not built: $PLUGIN (run make first)"
[ -x "$SIM" ] || hard_fail "simulator not built: $SIM (run make first)"
require_host_arch "$PLUGIN"
require_trusted_plugin "$PLUGIN"
[ "$HOSTS" -ge 1 ] && [ "$HOSTS" -le 50 ] || hard_fail "ZR_FLEET_HOSTS must be 1-50"

exec 9>>"$LOCK" || skip "cannot open the lock $LOCK"
flock -w 150 9 || skip "another test held $LOCK for 150s"
SAVED_STATUS=$(kernel_status)
SAVED_RULES=$(auditctl -l 2>&1)
trap 'cleanup $?' EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

T=$(mktemp -d /tmp/zr-fleet.XXXXXX) || hard_fail "mktemp"
chmod 0755 "$T"
say "fleet e2e: $HOSTS hosts, ${SECONDS_STREAM}s at $RATE events/s each; auditd $(dpkg-query -W -f '${Version}' auditd 2>/dev/null); budget ${BUDGET}s"

# --- the network: an aggregator namespace and one per host ------------------
C=${TAG}c
ip netns add "$C" 2>"$T/netns.err" || skip "cannot create a network namespace: $(cat "$T/netns.err")"
NS_MADE+=("$C")
ip -n "$C" link set lo up || hard_fail "lo up in $C"
for i in $(seq 1 "$HOSTS"); do
	h=${TAG}h$i
	ip netns add "$h" || hard_fail "ip netns add $h"
	NS_MADE+=("$h")
	ip link add "${TAG}a$i" type veth peer name "${TAG}b$i" 2>"$T/veth.err" ||
		skip "cannot create a veth pair: $(cat "$T/veth.err")"
	ip link set "${TAG}a$i" netns "$C" && ip link set "${TAG}b$i" netns "$h" || hard_fail "moving veth $i"
	ip -n "$C" addr add "10.231.$i.1/30" dev "${TAG}a$i" &&
		ip -n "$h" addr add "10.231.$i.2/30" dev "${TAG}b$i" &&
		ip -n "$C" link set "${TAG}a$i" up && ip -n "$h" link set "${TAG}b$i" up &&
		ip -n "$h" link set lo up || hard_fail "addresses of veth $i"
done
ok "namespaces: $C and $HOSTS hosts, each on its own veth pair"

# --- simulator and aggregator -----------------------------------------------
ip netns exec "$C" "$SIM" --listen 127.0.0.1:0 --port-file "$T/port" --journal "$T/journal.jsonl" \
	--duration "$BUDGET" --quiet >"$T/sim.out" 2>&1 &
SIM_PID=$!
wait_for 10 test -s "$T/port" || hard_fail "the simulator did not start: $(cat "$T/sim.out")"
SIMPORT=$(cat "$T/port")

mkdir -p "$T/etc/plugins.d"
cat >"$T/etc/auditd.conf" <<EOF
local_events = no
write_logs = yes
log_file = $T/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 100
max_log_file = 64
num_logs = 2
max_log_file_action = ROTATE
name_format = NONE
space_left = 10
space_left_action = IGNORE
admin_space_left = 5
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
priority_boost = 0
q_depth = 20000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = $T/etc/plugins.d
tcp_listen_port = $PORT
tcp_listen_queue = 64
tcp_max_per_addr = 1
tcp_client_max_idle = 0
use_libwrap = no
distribute_network = yes
EOF
cat >"$T/etc/plugins.d/zos-remote.conf" <<EOF
active = yes
direction = out
path = $PLUGIN
type = always
args = $T/etc/zos-remote.conf
format = string
EOF
cat >"$T/etc/zos-remote.conf" <<EOF
server = 127.0.0.1
port = $SIMPORT
user = ZOSAUDIT
password = zossecret
tls = none
timeout = 5
drain_timeout = 10
spool_dir = $T/spool
state_file = $T/state
metrics_file = $T/zos-remote.prom
metrics_interval = 1
node_silence = 600
${ZR_FLEET_EXTRA:-}
EOF
chown -R root:root "$T/etc"
chmod 0750 "$T/etc" "$T/etc/plugins.d"
chmod 0640 "$T/etc/auditd.conf" "$T/etc/plugins.d/zos-remote.conf"
chmod 0600 "$T/etc/zos-remote.conf"

ip netns exec "$C" "$AUDITD" -f -n -c "$T/etc" >"$T/auditd.out" 2>&1 &
AUDITD_PID=$!
listening() { ip netns exec "$C" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$(printf '%04X' $PORT)" '$2 ~ ":"p"$" && $4 == "0A" { f = 1 } END { exit !f }'; }
wait_for 15 listening || hard_fail "auditd did not listen on $PORT: $(tail -5 "$T/auditd.out")"
plugin_pid() {
	local p
	for p in $(pgrep -P "$AUDITD_PID" 2>/dev/null); do
		[ "$(readlink -f "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$PLUGIN")" ] && echo "$p" && return 0
	done
	return 1
}
wait_for 10 plugin_pid >/dev/null || hard_fail "auditd did not start the plugin: $(tail -5 "$T/auditd.out")"
PLUGIN_PID=$(plugin_pid)
ok "auditd (local_events = no, distribute_network = yes) listens on $C:$PORT and runs the plugin"

# --- the hosts ---------------------------------------------------------------
# Events as a host's auditd hands them to audisp-remote: SYSCALL, CWD, PATH,
# PROCTITLE and EOE, all with node=NAME; the same serials and times on every host.
gen_events() { # node count
	awk -v node="$1" -v n="$2" -v base="$BASE_SEC" -v rate="$RATE" 'BEGIN {
		for (i = 0; i < n; i++) {
			sec = base + int(i / rate); ms = (i % rate) * int(1000 / rate) % 1000
			id = sprintf("%d.%03d:%d", sec, ms, 5000 + i)
			printf "node=%s type=SYSCALL msg=audit(%s): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55d0 a2=0 a3=0 items=1 ppid=1 pid=%d auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"fleet\"\n", node, id, 100 + i
			printf "node=%s type=CWD msg=audit(%s): cwd=\"/root\"\n", node, id
			printf "node=%s type=PATH msg=audit(%s): item=0 name=\"/etc/fleet%d\" inode=%d dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n", node, id, i, 1000 + i
			printf "node=%s type=PROCTITLE msg=audit(%s): proctitle=636174002F6574632F666C656574\n", node, id
			printf "node=%s type=EOE msg=audit(%s): \n", node, id
		}
	}'
}
# Paced: RATE/10 events every tenth of a second.
pace() { awk -v k="$((RATE * 5 / 10 > 0 ? RATE * 5 / 10 : 1))" '{ print } NR % k == 0 { fflush(); system("sleep 0.1") } END { fflush() }'; }

EVENTS=$((SECONDS_STREAM * RATE))
HALF=$((EVENTS / 2))
declare -a FEED_A FEED_B HOLD
for i in $(seq 1 "$HOSTS"); do
	d=$T/h$i
	mkdir -p "$d"
	cat >"$d/audisp-remote.conf" <<EOF
remote_server = 10.231.$i.1
port = $PORT
local_port = any
transport = tcp
queue_file = $d/remote.queue
mode = immediate
queue_depth = 20000
format = managed
network_retry_time = 1
max_tries_per_record = 10
max_time_per_record = 10
heartbeat_timeout = 0
network_failure_action = syslog
disk_low_action = ignore
disk_full_action = warn_once
disk_error_action = warn_once
remote_ending_action = reconnect
generic_error_action = syslog
generic_warning_action = syslog
queue_error_action = syslog
overflow_action = syslog
startup_failure_action = warn_once_continue
EOF
	chmod 0640 "$d/audisp-remote.conf"
	gen_events "host$i" "$EVENTS" >"$d/events"
	head -n $((HALF * 5)) "$d/events" >"$d/events.1"
	tail -n +$((HALF * 5 + 1)) "$d/events" >"$d/events.2"
	mkfifo "$d/in"
	ip netns exec "${TAG}h$i" unshare -m sh -c \
		'mount --bind "$1" /etc/audit/audisp-remote.conf && exec "$2"' sh \
		"$d/audisp-remote.conf" "$REMOTE" <"$d/in" >"$d/remote.out" 2>&1 &
	PIDS+=($!)
	exec {fd}>"$d/in" # held open: audisp-remote sees end of input only when we close it
	HOLD[$i]=$fd
done

connected_all() { [ "$(ip netns exec "$C" cat /proc/net/tcp 2>/dev/null | awk -v p="$(printf '%04X' $PORT)" '$2 ~ ":"p"$" && $4 == "01"' | wc -l)" -ge "$HOSTS" ]; }

feed_phase() { # phase-file-suffix
	local i
	for i in $(seq 1 "$HOSTS"); do
		pace <"$T/h$i/events.$1" >&"${HOLD[$i]}" &
		FEED_A[$i]=$!
		PIDS+=($!)
	done
	for i in $(seq 1 "$HOSTS"); do wait "${FEED_A[$i]}"; done
}

# Records auditd logged from the hosts (not EOE): node, type and event id per
# line. In the foreground (-f) auditd writes its log to stderr, not log_file.
logged() { sed -n -E 's/^node=([^ ]+) type=([^ ]+) msg=audit\(([0-9]+\.[0-9]+:[0-9]+)\).*/\1 \2 \3/p' "$T/auditd.out" | grep -v ' EOE '; }
# Items the simulator wrote: node, type and event id, link, log string.
journal_items() {
	jq -r 'select(.kind == "item" or .kind == "smf") | select(.relocates != null) |
		[ (.relocates | map(select(.value | startswith("node="))) | .[0].value // "node=?" | ltrimstr("node=")),
		  .resource,
		  (.relocates | map(select(.value | startswith("msg=audit("))) | .[0].value // "?" |
		     ltrimstr("msg=audit(") | rtrimstr(")")),
		  .link, .logstring ] | @tsv' "$T/journal.jsonl" 2>/dev/null
}
all_arrived() {
	logged | sort -u >"$T/want"
	journal_items | cut -f1-3 | tr '\t' ' ' | sort -u >"$T/got"
	[ -s "$T/want" ] && [ "$(comm -23 "$T/want" "$T/got" | wc -l)" = 0 ]
}

# --- stream, kill the plugin once at a pause, stream again --------------------
feed_phase 1
wait_for 30 all_arrived || bad "first half: $(comm -23 "$T/want" "$T/got" | wc -l) logged records not at the simulator"
P1=$(plugin_pid)
kill -KILL "$P1" 2>/dev/null
wait_for 5 eval "! alive $P1" || bad "plugin $P1 survived SIGKILL"
ok "first half streamed and delivered; plugin $P1 killed (SIGKILL)"
feed_phase 2
wait_for 15 plugin_pid >/dev/null || bad "auditd did not start the plugin again"
P2=$(plugin_pid)
PLUGIN_PID=$P2
[ -n "$P2" ] && [ "$P2" != "$P1" ] && ok "auditd started the plugin again (pid $P2)"
wait_for "$ARRIVAL_WAIT" all_arrived

# --- the checks ---------------------------------------------------------------
for i in $(seq 1 "$HOSTS"); do
	sent=$(grep -vc ' type=EOE ' "$T/h$i/events")
	logn=$(grep -c "^host$i " "$T/want")
	gotn=$(grep -c "^host$i " "$T/got")
	miss=$(comm -23 "$T/want" "$T/got" | grep -c "^host$i ")
	if [ "$logn" = "$sent" ] && [ "$miss" = 0 ]; then
		ok "host$i: $sent records sent, $logn logged by auditd, every one at the simulator ($gotn distinct)"
	else
		bad "host$i: $sent records sent, $logn logged by auditd, $miss of them not at the simulator"
		comm -23 "$T/want" "$T/got" | grep "^host$i " | head -3
	fi
done
journal_items >"$T/items.tsv"
# Names: the node= relocate and the log string agree, and only our hosts appear.
# (The aggregator's own records, DAEMON_ACCEPT and such, have no node=.)
awk -F'\t' '$1 != "?"' "$T/items.tsv" >"$T/host-items.tsv"
# (The server puts "Remote audit request from USER. " in front.)
wrong=$(awk -F'\t' '{ if ($5 !~ "(^|\\. )Linux \\(" $1 "\\): type: " || $1 !~ /^host[0-9]+$/) n++ } END { print n + 0 }' "$T/host-items.tsv")
[ "$wrong" = 0 ] && ok "every item's log string names its node= ($(wc -l <"$T/host-items.tsv") items of the hosts)" ||
	bad "$wrong items with a log string that does not name their node"
# Link values: one per event (node + id), none shared by two events.
per_event=$(awk -F'\t' '{ print $1 " " $3 "\t" $4 }' "$T/host-items.tsv" | sort -u | cut -f1 | uniq -d | wc -l)
events=$(awk -F'\t' '{ print $1 " " $3 }' "$T/host-items.tsv" | sort -u | wc -l)
links=$(cut -f4 "$T/host-items.tsv" | sort -u | wc -l)
if [ "$per_event" = 0 ] && [ "$links" = "$events" ]; then
	ok "$events events of $HOSTS hosts with equal serials and times: $links distinct link values, one per event"
else
	bad "link values: $per_event events with more than one, $links values for $events events"
fi
# The plugin's own accounting: the metrics file and the state file.
for i in $(seq 1 "$HOSTS"); do
	recs=$(awk -v n="zos_remote_node_records_total{node=\"host$i\"}" '$1 == n { print $2 }' "$T/zos-remote.prom" 2>/dev/null)
	# at least once: records the killed plugin had read are read again from its intake log
	want=$(grep -c "^host$i " "$T/want")
	[ -n "$recs" ] && [ "$recs" -gt 0 ] && [ "$recs" -le "$want" ] &&
		ok "metrics: host$i counted ($recs records since the restart)" ||
		bad "metrics: host$i has '$recs' records (logged $want)"
done
kill -USR1 "$P2" 2>/dev/null
wait_for 5 test -s "$T/state" && grep -q "^nodes: $HOSTS known" "$T/state" &&
	ok "state file: $(grep '^nodes:' "$T/state")" || bad "state file: $(grep '^nodes' "$T/state" 2>&1)"

for i in $(seq 1 "$HOSTS"); do eval "exec ${HOLD[$i]}>&-"; done
say "$PASSES passed, $FAILS failed, $((SECONDS - START))s"
[ "$FAILS" = 0 ]
