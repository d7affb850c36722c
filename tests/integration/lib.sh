# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Helpers for integration tests: TAP-style assertions, namespaces that are
# always cleaned up, and a torwatch instance with its own pin root.
set -u

TW=${TW:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/torwatch}
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

# The daemon as the service runs it (--keep-on-stop: a stop leaves XDP and
# the pins for the next start); test_lifecycle.sh tests the foreground default.
start_daemon() {
	local ns=$1
	shift
	# Not through in_ns: $! must be the daemon itself (nsenter execs it).
	nsenter --net="/run/netns/$ns" "$TW" run --pin-root "$PIN" --state-dir "$T/state" --alerts "$T/alerts.json" --sources none --keep-on-stop "$@" \
		</dev/null >/dev/null 2>>"$T/daemon.log" &
	DAEMON_PID=$!
	wait_for 10 grep -q "running (pid $DAEMON_PID," "$T/daemon.log"
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
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
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
	echo "# $N_OK passed, $N_FAIL failed"
	[ "$N_FAIL" = 0 ]
}
