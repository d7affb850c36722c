#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# unexpected_listen_port against real listeners (tests/tools/listen_port):
# TCP over IPv4, IPv6 and dual-stack, UDP over IPv4 and IPv6, one in another
# namespace; allowed ports, client sockets and port-0 binds raise nothing;
# the start-up inventory; loopback; the dedup window; the hook in use.
. "$(dirname "$0")/lib.sh"
require_root
H=twl-$ID N2=twm-$ID
LP=$TOOLS/listen_port
add_netns "$H"; add_netns "$N2"
veth_in "$H" vL vM
mkdir -p "$T/state"
ALLOWED="22,80,443,53/udp,8000-8100/tcp"

# listen_in NS MODE ADDR PORT [HOLD_MS] [TIMES]: runs listen_port, records its pid.
listen_in() {
	local ns=$1
	shift
	in_ns "$ns" "$LP" "$@" >"$T/lp.out" 2>&1
	LP_PID=$(awk '/^ready/ {print $2}' "$T/lp.out")
}
alerts_for() {	# alerts_for PORT TRANSPORT
	jq -c --argjson p "$1" --arg t "$2" \
		'select(.rule.id=="unexpected_listen_port" and .destination.port==$p and .network.transport==$t)' \
		"$T/alerts.json" 2>/dev/null
}
n_alerts() { alerts_for "$1" "$2" | grep -c .; }
# alerts_are PORT TRANSPORT N: re-counted on every call (for wait_for).
alerts_are() { test "$(n_alerts "$1" "$2")" = "$3"; }

# --- a listener opened before torwatch starts: the inventory reports it ---
in_ns "$H" "$LP" tcp4 0.0.0.0 9090 30000 >"$T/early.out" &
EARLY=$!
wait_for 3 grep -q ready "$T/early.out"
EARLY_PID=$(awk '/^ready/ {print $2}' "$T/early.out")
# ... and one in another namespace, which the daemon's own sock_diag cannot see.
in_ns "$N2" "$LP" tcp4 0.0.0.0 9091 30000 >"$T/early2.out" &
EARLY2=$!
wait_for 3 grep -q ready "$T/early2.out"

out=$(in_ns "$H" "$TW" run -i vL --allowed-ports 22,http --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check_eq "a bad --allowed-ports value stops the start" 2 $rc
check "and is named" grep -q "allowed-ports: 'http' in '22,http' is not a port" <<<"$out"

check "torwatch starts" start_daemon "$H" -i vL --allowed-ports "$ALLOWED" --dedup-window 2
# No fexit or kprobe on these machines: the syscall tracepoints are the hook.
check "the hook choice is explained" grep -Eq "listen hook: syscall \(fexit does not (load|attach) .*; kretprobe does not (load|attach)" "$T/daemon.log"
st=$(tw_in "$H" status --json)
check_eq "status: TCP listen hook" syscall "$(jq -r .listen_hooks.tcp_listen <<<"$st")"
check_eq "status: UDP bind hook" cgroup/post_bind "$(jq -r .listen_hooks.udp_bind <<<"$st")"
check "inventory alert for the early listener" wait_for 1 alerts_are 9090 tcp 1
a=$(alerts_for 9090 tcp)
check_eq "inventory: found at start-up" true "$(jq .torwatch.found_at_startup <<<"$a")"
check_eq "inventory: the owning process" "$EARLY_PID" "$(jq .process.pid <<<"$a")"
check_eq "inventory: its executable" "$LP" "$(jq -r .process.executable <<<"$a")"
check "inventory: the listener in the other namespace too" wait_for 1 alerts_are 9091 tcp 1
a=$(alerts_for 9091 tcp)
check_eq "... found at start-up" true "$(jq .torwatch.found_at_startup <<<"$a")"
check_eq "... naming its namespace" "$(stat -L -c %i /run/netns/$N2)" "$(jq .torwatch.netns <<<"$a")"
check_eq "... and the daemon's for the first" "$(stat -L -c %i /run/netns/$H)" "$(alerts_for 9090 tcp | jq .torwatch.netns)"
kill $EARLY $EARLY2 2>/dev/null; wait $EARLY $EARLY2 2>/dev/null

# --- live listeners: one alert each, within a second ---
for spec in "tcp4 0.0.0.0 9101 tcp ipv4" "tcp6 :: 9102 tcp ipv6" "tcp46 :: 9103 tcp ipv6" \
	"udp4 0.0.0.0 9104 udp ipv4" "udp6 :: 9105 udp ipv6" "tcp4 0.0.0.0 53 tcp ipv4"; do
	set -- $spec
	listen_in "$H" "$1" "$2" "$3" 100
	check "$1 on $3: one alert within a second" wait_for 1 alerts_are "$3" "$4" 1
	a=$(alerts_for "$3" "$4")
	check_eq "$1 on $3: message" "Unexpected Port Opened: $3" "$(jq -r .message <<<"$a")"
	check_eq "$1 on $3: severity high" "73 high" "$(jq -r '"\(.event.severity) \(.log.level)"' <<<"$a")"
	check_eq "$1 on $3: pid" "$LP_PID" "$(jq .process.pid <<<"$a")"
	check_eq "$1 on $3: executable" "$LP" "$(jq -r .process.executable <<<"$a")"
	check_eq "$1 on $3: network.type" "$5" "$(jq -r .network.type <<<"$a")"
	check "$1 on $3: parent process" jq -e '.process.parent.pid > 0 and (.process.parent.name | length) > 0' <<<"$a"
	check "$1 on $3: command line" jq -e '.process.command_line | test("listen_port")' <<<"$a"
done
check_eq "tcp6 is IPv6-only" true "$(alerts_for 9102 tcp | jq .torwatch.ipv6_only)"
check_eq "tcp46 is dual-stack" false "$(alerts_for 9103 tcp | jq .torwatch.ipv6_only)"

# --- expected: allowed ports, clients, ports the kernel picks ---
listen_in "$H" tcp4 0.0.0.0 443 100
listen_in "$H" tcp4 0.0.0.0 8050 100
listen_in "$H" udp4 0.0.0.0 53 100
listen_in "$H" udp0 0.0.0.0 0 100
listen_in "$H" udpclient 127.0.0.1 9999 100
# The barrier: unexpected listeners opened after those, on the same ring;
# once their alerts are written, the daemon has read everything before.
listen_in "$H" udp4 0.0.0.0 9150 100
listen_in "$H" tcp4 0.0.0.0 9151 100
barrier() { alerts_are 9150 udp 1 && alerts_are 9151 tcp 1; }
check "the barrier listeners alert" wait_for 2 barrier
check_eq "no alert for allowed 443/tcp" 0 "$(n_alerts 443 tcp)"
check_eq "no alert for allowed 8050/tcp (8000-8100/tcp)" 0 "$(n_alerts 8050 tcp)"
check_eq "no alert for allowed 53/udp" 0 "$(n_alerts 53 udp)"
check_eq "no UDP alert but the ones above and the barrier (client and port-0 sockets left out)" 3 \
	"$(jq -c 'select(.rule.id=="unexpected_listen_port" and .network.transport=="udp")' "$T/alerts.json" | grep -c .)"

# --- another namespace ---
listen_in "$N2" tcp4 0.0.0.0 9106 100
check "a listener in another namespace is reported" wait_for 1 alerts_are 9106 tcp 1
check "with that namespace" test "$(alerts_for 9106 tcp | jq .torwatch.netns)" != "$(alerts_for 9101 tcp | jq .torwatch.netns)"

# --- an alert means the port is open, and names the port that opened ---
listen_in "$H" tcp4twice 0.0.0.0 9140 100
check "the second listen() on the taken port failed" grep -q "second listen: Address already in use" "$T/lp.out"
check "the listen() that worked raises one alert" wait_for 1 alerts_are 9140 tcp 1
# The barrier: a port opened twice after it has its window closed with a
# count; 9140's window, opened before, has closed by then.
listen_in "$H" tcp4 0.0.0.0 9143 50 2
check "a later window closes with its count" wait_for 5 alerts_are 9143 tcp 2
check_eq "the listen() that failed raised nothing, not even a count" 1 "$(n_alerts 9140 tcp)"
listen_in "$H" tcp4nobind 0.0.0.0 0 100
port=$(awk '/^port/ {print $2}' "$T/lp.out")
check "listen() without bind(): the alert names the port the kernel picked ($port)" wait_for 1 alerts_are "$port" tcp 1
check_eq "... and no alert names port 0" 0 "$(n_alerts 0 tcp)"

# --- UDP binds name the socket's network namespace ---
listen_in "$N2" udp4 0.0.0.0 9141 100
check "a UDP bind in another namespace is reported" wait_for 1 alerts_are 9141 udp 1
check_eq "... naming that namespace" "$(stat -L -c %i /run/netns/$N2)" "$(alerts_for 9141 udp | jq .torwatch.netns)"
listen_in "$H" "udp4setns:/run/netns/$N2" 0.0.0.0 9142 100
check "a UDP socket made in one namespace and bound from another is reported" wait_for 1 alerts_are 9142 udp 1
check_eq "... naming the socket's namespace, not the task's" "$(stat -L -c %i /run/netns/$H)" \
	"$(alerts_for 9142 udp | jq .torwatch.netns)"

# --- loopback: reported with the bind address ---
listen_in "$H" tcp4 127.0.0.1 9107 100
check "a loopback listener is reported" wait_for 1 alerts_are 9107 tcp 1
check_eq "with its bind address" 127.0.0.1 "$(alerts_for 9107 tcp | jq -r .destination.ip)"

# --- dedup: five listens in the window give one alert, then one with the count ---
listen_in "$H" tcp4 0.0.0.0 9110 50 5
listen_in "$H" tcp4 0.0.0.0 9111 50	# the barrier: read after the five
check "a listener after the repeats alerts" wait_for 1 alerts_are 9111 tcp 1
check_eq "repeats within the window: one alert" 1 "$(n_alerts 9110 tcp)"
check "when the window closes, one more with the count" wait_for 4 alerts_are 9110 tcp 2
check_eq "count of the window" 5 "$(alerts_for 9110 tcp | tail -1 | jq '.event.count')"
check_eq "marked as repeated" true "$(alerts_for 9110 tcp | tail -1 | jq '.torwatch.repeated')"
stop_daemon

# --- SIGHUP re-reads the config file ---
printf '[run]\ninterface = vL\nallowed-ports = 22,9130\n' >"$T/listen.conf"
check "torwatch starts from a config file" start_daemon "$H" -c "$T/listen.conf"
listen_in "$H" tcp4 0.0.0.0 9131 100
check "9131 is unexpected" wait_for 1 alerts_are 9131 tcp 1
printf '[run]\ninterface = vL\nallowed-ports = 22,9130-9131\n' >"$T/listen.conf"
written() { grep -c "$1" "$T/daemon.log"; }
ports_written=$(written 'SSH ports:') allow_written=$(written 'allowlist:')
kill -HUP "$DAEMON_PID"
check "the reload is logged" wait_for 2 grep -q "SIGHUP: reloading" "$T/daemon.log"
listen_in "$H" tcp4 0.0.0.0 9131 100
listen_in "$H" tcp4 0.0.0.0 9132 100
check "9132 is still unexpected" wait_for 1 alerts_are 9132 tcp 1
check_eq "after SIGHUP, 9131 is allowed" 1 "$(n_alerts 9131 tcp)"
# Only the listen sensor's settings changed: the 9132 alert, raised after
# the reload, is the barrier; nothing else was written again.
check_eq "the SSH ports were not written again" "$ports_written" "$(written 'SSH ports:')"
check_eq "nor the allowlist" "$allow_written" "$(written 'allowlist:')"
printf '[run]\ninterface = vL\nallowed-ports = 22,nine\n' >"$T/listen.conf"
kill -HUP "$DAEMON_PID"
check "a broken config on SIGHUP is refused with file and line" wait_for 2 grep -q "SIGHUP: $T/listen.conf:3: allowed-ports: 'nine'.*the running settings stay" "$T/daemon.log"
listen_in "$H" tcp4 0.0.0.0 9131 100
listen_in "$H" tcp4 0.0.0.0 9133 100
check "and the last good settings stay" wait_for 1 alerts_are 9133 tcp 1
check_eq "9131 still allowed" 1 "$(n_alerts 9131 tcp)"
stop_daemon

# --- --ignore-loopback ---
check "torwatch starts with --ignore-loopback" start_daemon "$H" -i vL --allowed-ports "$ALLOWED" --ignore-loopback
listen_in "$H" tcp4 127.0.0.1 9120 100
listen_in "$H" tcp6 ::1 9121 100
listen_in "$H" tcp4 0.0.0.0 9122 100
check "a non-loopback listener still is" wait_for 1 alerts_are 9122 tcp 1
check_eq "no alert for 127.0.0.1" 0 "$(n_alerts 9120 tcp)"
check_eq "no alert for ::1" 0 "$(n_alerts 9121 tcp)"
stop_daemon
check "unload" tw_in "$H" unload

finish
