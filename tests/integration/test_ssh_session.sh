#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# SSH sessions followed in the kernel, against a real OpenSSH server (sshd
# -D on :2222, and 'sshd -i' handed each connection on :22 as inetd and
# systemd do): a process of a session connecting out raises
# sshd_child_egress (high from the fake exit node, medium from the clean
# client), however deep below the login shell and after a fork without
# exec; UDP too; excluded ranges and the same command outside SSH raise
# nothing; a login from the exit node raises ssh_login_from_tor once; ssh
# -N -L is a login and, when used, a forwarding egress; a session opened
# before torwatch is followed; 1,000 short sessions leave the maps empty.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
require_root
trap 'stop_sshd; kill $(jobs -p) 2>/dev/null; cleanup' EXIT

S=twS-$ID X=twX-$ID C=twC-$ID D=twD-$ID
EXIT4=198.51.100.7 SRV4X=198.51.100.1 CLEAN4=203.0.113.50 SRV4C=203.0.113.1
PUB4=192.0.2.80 SRV4D=192.0.2.1 PRIV4=10.9.9.80
add_netns "$S"; add_netns "$X"; add_netns "$C"; add_netns "$D"
link_ns "$S" vX "$X" eX
link_ns "$S" vC "$C" eC
link_ns "$S" vD "$D" eD
add_addrs "$S" vX $SRV4X/24
add_addrs "$S" vC $SRV4C/24
add_addrs "$S" vD $SRV4D/24 10.9.9.1/24
add_addrs "$X" eX $EXIT4/24
add_addrs "$C" eC $CLEAN4/24
add_addrs "$D" eD $PUB4/24 $PRIV4/24
printf '%s\n' $EXIT4 >"$T/exits.txt"
mkdir -p "$T/state"

# The "public" host: TCP on 8080-8089 and UDP 5353, each logging what came.
for p in $(seq 8080 8089); do
	nsenter --net="/run/netns/$D" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
while True:
    c, a = s.accept(); c.close()' "$p" </dev/null >/dev/null 2>&1 &
done
check "sshd starts (inetd-style :22, sshd -D :2222)" start_sshd "$S"

# --- a session opened before torwatch starts ---
ssh_run "$C" $CLEAN4 $SRV4C 2222 "sleep 6; bash -c 'echo >/dev/tcp/$PUB4/8089'" &
EARLY=$!
sleep 1.5
check "torwatch starts" start_daemon "$S" -i vX --feed "$T/exits.txt" \
	--egress-exclude 10.0.0.0/8,127.0.0.0/8,::1 --allowed-ports 22,2222,8080-8089
check "the session tracker is on" grep -q "SSH sessions: followed" "$T/daemon.log"
check "it found the session already open" grep -Eq "SSH sessions: .* [1-9][0-9]* found running" "$T/daemon.log"

egress() { jq -c "select(.rule.id == \"sshd_child_egress\" and .destination.port == $1)" "$T/alerts.json"; }
n_egress() { egress "$1" | grep -c .; }
egress_are() { [ "$(n_egress "$1")" = "$2" ]; }
logins() { jq -c 'select(.rule.id == "ssh_login_from_tor")' "$T/alerts.json" | grep -c .; }

wait $EARLY
check "the session found at start is followed: its connect raises the alert" wait_for 5 egress_are 8089 1
check_eq "... marked as found at start" true "$(egress 8089 | jq .torwatch.session.found_at_start)"

# --- a command over SSH from the exit node ---
ssh_run "$X" $EXIT4 $SRV4X 2222 "bash -c 'echo >/dev/tcp/$PUB4/8080'"
check "from the exit node: one sshd_child_egress" wait_for 5 egress_are 8080 1
a=$(egress 8080)
check_eq "high, because the session came from a Tor exit node" "high 73" "$(jq -r '"\(.log.level) \(.event.severity)"' <<<"$a")"
check_eq "the process" bash "$(jq -r .process.name <<<"$a")"
check "its executable and command line" jq -e '(.process.executable | endswith("bash")) and (.process.command_line | contains("/dev/tcp"))' <<<"$a"
check "its parents up to sshd" jq -e '[.torwatch.process_chain[].name] | any(startswith("sshd"))' <<<"$a"
check_eq "the destination" "$PUB4 8080 tcp egress" "$(jq -r '"\(.destination.ip) \(.destination.port) \(.network.transport) \(.network.direction)"' <<<"$a")"
check_eq "the session: client, exit flag, login user" "$EXIT4 true root" \
	"$(jq -r '"\(.torwatch.session.client.ip) \(.torwatch.session.from_exit_node) \(.torwatch.session.login.user)"' <<<"$a")"
check_eq "the feed that lists the client" "$T/exits.txt" "$(jq -r .threat.indicator.provider <<<"$a")"
check "one ssh_login_from_tor for that login" wait_for 3 sh -c "[ \$(jq -c 'select(.rule.id == \"ssh_login_from_tor\")' '$T/alerts.json' | grep -c .) -ge 1 ]"
l=$(jq -c 'select(.rule.id == "ssh_login_from_tor")' "$T/alerts.json" | head -1)
check_eq "... critical, naming the client and the user" "critical SSH Login from TOR Exit Node ($EXIT4) as root" \
	"$(jq -r '"\(.log.level) \(.message)"' <<<"$l")"

# --- the same from the clean client: medium, and no login alert ---
before=$(logins)
ssh_run "$C" $CLEAN4 $SRV4C 22 "bash -c 'echo >/dev/tcp/$PUB4/8081'"
check "from the clean client (sshd -i): one sshd_child_egress" wait_for 5 egress_are 8081 1
check_eq "medium" "medium 47 false" "$(egress 8081 | jq -r '"\(.log.level) \(.event.severity) \(.torwatch.session.from_exit_node)"')"
check_eq "no login alert for the clean client" "$before" "$(logins)"

# --- deeper, and after a fork without exec ---
# "; true" keeps each shell from exec'ing its last command: real forks.
ssh_run "$C" $CLEAN4 $SRV4C 2222 "sh -c '(bash -c \"echo >/dev/tcp/$PUB4/8082; true\"; true); true'; true"
check "a subshell of a script two levels below the shell: caught" wait_for 5 egress_are 8082 1
check "... its chain is at least three deep" jq -e '.torwatch.process_chain | length >= 3' <<<"$(egress 8082)"
ssh_run "$C" $CLEAN4 $SRV4C 2222 "python3 -c 'import os, socket, time
if os.fork() == 0:
    socket.create_connection((\"$PUB4\", 8083)).close()
    os._exit(0)
os.wait()'"
check "a process that forked without exec: caught" wait_for 5 egress_are 8083 1
check_eq "... named as the forked python" python3 "$(egress 8083 | jq -r .process.name)"

# --- UDP, excluded ranges, and outside SSH ---
ssh_run "$C" $CLEAN4 $SRV4C 2222 "bash -c 'echo x >/dev/udp/$PUB4/5353'"
check "UDP to the destination: caught" wait_for 5 egress_are 5353 1
check_eq "... as udp" udp "$(egress 5353 | jq -r .network.transport)"
ssh_run "$C" $CLEAN4 $SRV4C 2222 "bash -c 'echo >/dev/tcp/$PRIV4/8084' 2>/dev/null; true"
in_ns "$S" bash -c "echo >/dev/tcp/$PUB4/8085"
sleep 1
check_eq "a destination in an excluded range: nothing" 0 "$(n_egress 8084)"
check_eq "the same command outside SSH: nothing" 0 "$(n_egress 8085)"

# --- ssh -N -L from the exit node: a login, and forwarding when used ---
before=$(logins)
# Not through in_ns: $! must be ssh itself, to end the tunnel below.
nsenter --net="/run/netns/$X" ssh -q -N -i "$T/ssh/id" -b $EXIT4 -p 2222 -o BatchMode=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-L 127.0.0.1:9000:$PUB4:8086 root@$SRV4X </dev/null >/dev/null 2>&1 &
TUNNEL=$!
check "ssh -N from the exit node: a login alert" wait_for 5 sh -c "[ \$(jq -c 'select(.rule.id == \"ssh_login_from_tor\")' '$T/alerts.json' | grep -c .) -gt $before ]"
in_ns "$X" bash -c 'for i in 1 2 3 4 5; do echo >/dev/tcp/127.0.0.1/9000 && break; sleep 0.3; done'
check "the tunnel used: an egress from sshd itself" wait_for 5 egress_are 8086 1
check_eq "no egress for sshd's own look at the unspecified address" 0 \
	"$(jq -c 'select(.rule.id == "sshd_child_egress" and (.destination.ip == "0.0.0.0" or .destination.ip == "::"))' "$T/alerts.json" | grep -c .)"
check_eq "... marked as forwarding" "true" "$(egress 8086 | jq -r .torwatch.forwarding)"
kill $TUNNEL; wait $TUNNEL 2>/dev/null

# --- repeats within the window: one alert ---
ssh_run "$C" $CLEAN4 $SRV4C 2222 "for i in 1 2 3 4 5; do echo >/dev/tcp/$PUB4/8087; done"
check "five connects of one process: one alert" wait_for 5 egress_are 8087 1

# --- 1,000 short sessions: the maps do not grow ---
sessions() { bpftool -j map dump name "$1" 2>/dev/null | jq length; }
for i in $(seq 1 250); do
	pids=()
	for j in 1 2 3 4; do ssh_run "$C" $CLEAN4 $SRV4C 2222 true & pids+=($!); done
	wait "${pids[@]}"
done 2>/dev/null
sleep 1
check_eq "after 1,000 sessions, no session is left in the map" 0 "$(sessions sessions)"
check "... and no process (at most the running sshd listener's)" test "$(sessions session_procs)" -le 2
check_eq "no session or process was refused for room" 0 "$(tw_in "$S" stats --json --by proto | jq .totals.session_map_full)"
stop_daemon
check "unload" tw_in "$S" unload
finish
