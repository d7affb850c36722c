# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Helpers for integration tests: TAP-style assertions, namespaces that are
# always cleaned up, and a torwatch instance with its own pin root.
set -u

TW=${TW:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/torwatch}
SANITIZED=$([[ $TW == */.output-san/* ]] && echo 1)
# The helpers tests/tools/*.c build: the repository's, also when TW is the
# sanitized daemon (.output-san/torwatch).
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.output/tools
ID=$$
T=$(mktemp -d /tmp/torwatch-test.XXXXXX)
PIN=/sys/fs/bpf/torwatch-test-$ID
N_OK=0
N_FAIL=0
NETNS=()
DAEMON_PID=

ok() { N_OK=$((N_OK + 1)); echo "ok - $*"; }
not_ok() { N_FAIL=$((N_FAIL + 1)); echo "not ok - $*"; }

# check DESC CMD...: passes when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@" >"$T/last.out" 2>&1; then ok "$desc"; else not_ok "$desc"; sed 's/^/    # /' "$T/last.out" | head -20; fi
}

# check_eq DESC WANT GOT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi
}

# jq_any FILE FILTER [JQ_ARGS...]: FILTER gives a value other than false or
# null for some JSON line of FILE (a select() that keeps a line, or a test
# that is true). Not 'jq -e': over a stream of lines, jq 1.6 judges only the
# last line's result, so a match followed by any other line would fail. A
# line still being written is ignored.
jq_any() {
	local file=$1 filter=$2
	shift 2
	jq -c "$@" "($filter) | select(. != false and . != null)" "$file" 2>/dev/null | grep -q .
}

# has_alert FILTER [JQ_ARGS...]: some alert matches.
has_alert() {
	local filter=$1
	shift
	jq_any "$T/alerts.json" "$filter" "$@"
}

# wait_for SECONDS CMD...: polls every 50 ms.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -le $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

add_netns() {
	ip netns add "$1" && NETNS+=("$1")
	ip -n "$1" link set lo up
}

# veth_in NS A B: a veth pair A-B inside NS, both ends up (an interface to
# watch where no traffic needs to come from elsewhere).
veth_in() {
	ip -n "$1" link add "$2" type veth peer name "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$1" link set "$3" up
}

# link_ns NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both ends up.
link_ns() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# add_addrs NS IF ADDR/LEN...: IPv6 addresses without duplicate detection,
# so that they are usable at once.
add_addrs() {
	local ns=$1 dev=$2
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev "$dev" nodad ;;
		*) ip -n "$ns" addr add "$a" dev "$dev" ;;
		esac
	done
}

# mac_of NS IF
mac_of() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }

# one_exit_node: the common stage: the host $H and one fake exit node $X
# (host_and_exit), a state dir, and $T/exits.txt listing the exit node.
one_exit_node() {
	H=twh-$ID X=twx-$ID
	EXIT4=198.51.100.7 HOST4=198.51.100.1
	host_and_exit
	mkdir -p "$T/state"
	echo $EXIT4 >"$T/exits.txt"
}

# host_and_exit: the host namespace $H (vX, $HOST4) and a fake exit node $X
# (eX, $EXIT4) on one veth, with static neighbours: no ARP from the exit
# address, so the counts are exact.
host_and_exit() {
	add_netns "$H"; add_netns "$X"
	link_ns "$H" vX "$X" eX
	add_addrs "$H" vX $HOST4/24
	add_addrs "$X" eX $EXIT4/24
	ip -n "$H" neigh add $EXIT4 lladdr "$(mac_of "$X" eX)" dev vX nud permanent
	ip -n "$X" neigh add $HOST4 lladdr "$(mac_of "$H" vX)" dev eX nud permanent
}

# receiver_host MODE: the HTTP sinks' stage: a namespace $H with lo and a
# veth pair (vW) for the daemon to watch, and tests/tools/alert_receiver.py
# listening in it, answering as $T/recv/mode says (MODE at first); sets
# RPID and its port P. Checks that it listens.
receiver_host() {
	H=twh-$ID
	add_netns "$H"
	veth_in "$H" vW vV
	mkdir -p "$T/state"
	receiver_in "$H" "$1"
	trap 'kill $RPID 2>/dev/null; cleanup' EXIT
	check "the receiver listens" wait_for 5 test -s "$T/recv/port"
	P=$(cat "$T/recv/port")
}

# hook_conf [KEY = VALUE...]: $T/run.conf for receiver_host's stage: vW
# watched, port 22 allowed, a webhook sink "hook" to the receiver with the
# given keys.
hook_conf() {
	printf '[run]\ninterface = vW\nallowed-ports = 22\n[sink hook]\nurl = webhook+http://127.0.0.1:%s/hook\n' "$P" >"$T/run.conf"
	for kv in "$@"; do echo "$kv" >>"$T/run.conf"; done
}

# receiver_in NS MODE: tests/tools/alert_receiver.py in NS, answering as
# MODE says ($T/recv/mode); its pid in RPID. The caller waits for
# $T/recv/port.
receiver_in() {
	mkdir -p "$T/recv"
	echo "$2" >"$T/recv/mode"
	# Not through in_ns: $! must be the receiver itself (nsenter execs it).
	nsenter --net="/run/netns/$1" python3 "$(dirname "${BASH_SOURCE[0]}")/../tools/alert_receiver.py" \
		"$T/recv" </dev/null >/dev/null 2>&1 &
	RPID=$!
}

# accept_and_close NS PORT: a TCP server on PORT that accepts and closes
# each connection at once (for detectors that look at the connection, not
# at what is said on it); its pid in ACCEPT_PID.
accept_and_close() {
	nsenter --net="/run/netns/$1" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4096)
while True:
    c, _ = s.accept(); c.close()' "$2" </dev/null >/dev/null 2>&1 &
	ACCEPT_PID=$!
}

# tcp_connects NS N SRC DST PORT: N TCP connections from SRC to DST:PORT,
# one after the other; prints the last one's source port.
tcp_connects() {
	in_ns "$1" python3 -c '
import socket, sys
for i in range(int(sys.argv[1])):
    c = socket.create_connection((sys.argv[3], int(sys.argv[4])), timeout=5, source_address=(sys.argv[2], 0))
    port = c.getsockname()[1]; c.close()
print(port)' "$2" "$3" "$4" "$5"
}

# connect_loop NS SRC DST PORT PAUSE LOG: TCP connections from SRC to
# DST:PORT without end, PAUSE seconds apart, each one's source port appended
# to LOG; its pid in LOOP_PID.
connect_loop() {
	nsenter --net="/run/netns/$1" python3 -c '
import socket, sys, time
out = open(sys.argv[5], "a", buffering=1)
while True:
    try:
        c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=2, source_address=(sys.argv[1], 0))
        out.write("%d\n" % c.getsockname()[1]); c.close()
    except OSError:
        pass
    time.sleep(float(sys.argv[4]))' "$2" "$3" "$4" "$5" "$6" </dev/null >/dev/null 2>&1 &
	LOOP_PID=$!
}

# in_ns NS CMD...: only the network namespace changes, so bpffs stays shared.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

tw_in() {
	local ns=$1
	shift
	in_ns "$ns" "$TW" "$@" --pin-root "$PIN"
}

# TW_AS_SERVICE=1: the daemon runs as packaging/torwatch.service.in runs it, as
# a user of its own holding exactly the unit's capabilities (setpriv), in
# the real-time class the unit gives it (chrt), after
# 'torwatch prepare' gave it the pin root; members of SVC_GROUP may read.
SVC_USER=twtest-svc SVC_GROUP=twtest-readers
SVC_CAPS=+bpf,+perfmon,+net_admin,+dac_read_search,+sys_ptrace
AS_SERVICE=()
service_setup() {
	getent group $SVC_GROUP >/dev/null || groupadd --system $SVC_GROUP
	id -u $SVC_USER >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin -g $SVC_GROUP $SVC_USER
	# The user must reach the binary, the test's files and its own outputs.
	chmod 0711 "$T"
	mkdir -p "$T/bin" "$T/state" && install -m 0755 "$TW" "$T/bin/torwatch" && chmod 0755 "$T/bin"
	TW=$T/bin/torwatch
	touch "$T/alerts.json" && chown $SVC_USER "$T/state" "$T/alerts.json"
	echo "# the daemon runs as the service does: user $SVC_USER, capabilities $SVC_CAPS"
	# chrt: the unit's CPUSchedulingPolicy=rr (systemd sets it at exec).
	AS_SERVICE=(chrt --rr --reset-on-fork 1 setpriv --reuid $SVC_USER --regid $SVC_GROUP --init-groups --no-new-privs
		    --inh-caps $SVC_CAPS --ambient-caps $SVC_CAPS --bounding-set -all,$SVC_CAPS)
}
[ "${TW_AS_SERVICE:-}" = 1 ] && [ "$(id -u)" = 0 ] && service_setup

# thread_classes PID: 'ps -L -o tid=,cls=' lines on stdin as the classes of
# the main thread (the event loop) and of the others: "helper TS loop RR ".
thread_classes() { awk -v pid="$1" '{print ($1 == pid ? "loop" : "helper"), $2}' | sort -u | tr '\n' ' '; }

# The daemon as the service runs it (--keep-on-stop: a stop leaves XDP and
# the pins for the next start); test_lifecycle.sh tests the foreground default.
start_daemon() {
	local ns=$1
	shift
	# As the unit's ExecStartPre=+ does before every start.
	[ ${#AS_SERVICE[@]} = 0 ] || "$TW" prepare --user $SVC_USER --pin-root "$PIN" || return 1
	# Not through in_ns: $! must be the daemon itself (nsenter and setpriv exec it).
	nsenter --net="/run/netns/$ns" "${AS_SERVICE[@]}" "$TW" run --pin-root "$PIN" --state-dir "$T/state" --alerts "$T/alerts.json" --sources none --relay-sources none --keep-on-stop --group $SVC_GROUP "$@" \
		</dev/null >/dev/null 2>>"$T/daemon.log" &
	DAEMON_PID=$!
	wait_for 10 grep -q "running (pid $DAEMON_PID," "$T/daemon.log" || return 1
	# Not root, nothing but what the unit grants: never a silent fallback.
	if [ ${#AS_SERVICE[@]} != 0 ]; then
		local who
		who="$(stat -c %U /proc/$DAEMON_PID) $(awk '/^CapEff/ {print $2}' /proc/$DAEMON_PID/status)"
		[ "$who" = "$SVC_USER 0000008000081000" ] || {
			echo "the daemon runs as '$who', not as $SVC_USER with CAP_BPF, CAP_NET_ADMIN, CAP_SYS_PTRACE" >&2
			return 1
		}
	fi
}

stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill "${1:--TERM}" "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

cleanup() {
	[ -n "${KEEP:-}" ] && { echo "# kept $T"; return; }
	stop_daemon
	[ -d "$PIN" ] && "$TW" unload --pin-root "$PIN" >/dev/null 2>&1
	# What a test left running in its namespaces ends with them.
	for ns in "${NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
# Killed by the runner's time limit: exit, so that cleanup runs.
trap 'exit 143' TERM INT

require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: integration tests need root for BPF and network namespaces"
		exit 77
	fi
}

finish() {
	# A daemon built with 'make sanitized-daemon' writes ASan, LSan and
	# UBSan reports to its log: each one is a failure.
	if [ -n "$SANITIZED" ]; then
		stop_daemon
		check_eq "no sanitizer report in the daemon's log" "" \
			"$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon.log" 2>/dev/null | head -3)"
	fi
	echo "# $N_OK passed, $N_FAIL failed"
	[ "$N_FAIL" = 0 ]
}
