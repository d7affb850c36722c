# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The SSH session cases, the same for every OpenSSH: sourced by
# test_ssh_session.sh (Debian 12's 9.2) and test_ssh_session_openssh10.sh
# (Debian 13's 10.0, sshd-session and sshd-auth). They need lib.sh and
# sshd_lib.sh, the hosts session_hosts makes (public_host puts TCP
# listeners on D at $B..$B+9), and:
#   SP        the port of the sshd under test
#   SP_CLEAN  the port the clean client uses (another way in, e.g. sshd -i)
#   B, UDP    the destination ports this run uses

# The hosts, each in a namespace of its own: S the server (sshd, torwatch),
# X the fake exit node, C the clean client, D the "public" host (PUB4, and
# PRIV4 in an excluded range); exits.txt lists X's address.
session_hosts() {
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
}

egress() { jq -c "select(.rule.id == \"sshd_child_egress\" and .destination.port == $1)" "$T/alerts.json"; }
n_egress() { egress "$1" | grep -c .; }
egress_are() { [ "$(n_egress "$1")" = "$2" ]; }
logins() { jq -c 'select(.rule.id == "ssh_login_from_tor")' "$T/alerts.json" | grep -c .; }
logins_above() { [ "$(logins)" -gt "$1" ]; }

# public_host PORT...: TCP listeners on D that accept and close.
public_host() {
	for p in "$@"; do
		nsenter --net="/run/netns/$D" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
while True:
    c, a = s.accept(); c.close()' "$p" </dev/null >/dev/null 2>&1 &
	done
}

# A session opened before torwatch starts (call, start torwatch, check).
early_session_begin() {
	ssh_run "$C" $CLEAN4 $SRV4C $SP "sleep 6; bash -c 'echo >/dev/tcp/$PUB4/$((B + 9))'" &
	EARLY=$!
	sleep 1.5
}
early_session_check() {
	check "the session tracker is on" grep -q "SSH sessions: followed" "$T/daemon.log"
	check "it found the session already open" grep -Eq "SSH sessions: .* [1-9][0-9]* found running" "$T/daemon.log"
	wait $EARLY
	check "the session found at start is followed: its connect raises the alert" wait_for 5 egress_are $((B + 9)) 1
	check_eq "... marked as found at start" true "$(egress $((B + 9)) | jq .torwatch.session.found_at_start)"
}

run_session_cases() {
	local before a l TUNNEL pids
	# --- a command over SSH from the exit node ---
	before=$(logins)
	ssh_run "$X" $EXIT4 $SRV4X $SP "bash -c 'echo >/dev/tcp/$PUB4/$((B + 0))'"
	check "from the exit node: one sshd_child_egress" wait_for 5 egress_are $((B + 0)) 1
	a=$(egress $((B + 0)))
	check_eq "high, because the session came from a Tor exit node" "high 73" "$(jq -r '"\(.log.level) \(.event.severity)"' <<<"$a")"
	check_eq "the process" bash "$(jq -r .process.name <<<"$a")"
	check "its executable and command line" jq -e '(.process.executable | endswith("bash")) and (.process.command_line | contains("/dev/tcp"))' <<<"$a"
	check "its parents up to sshd" jq -e '[.torwatch.process_chain[].name] | any(startswith("sshd"))' <<<"$a"
	check_eq "the destination" "$PUB4 $((B + 0)) tcp egress" "$(jq -r '"\(.destination.ip) \(.destination.port) \(.network.transport) \(.network.direction)"' <<<"$a")"
	check_eq "the session: client, exit flag, login user" "$EXIT4 true root" \
		"$(jq -r '"\(.torwatch.session.client.ip) \(.torwatch.session.from_exit_node) \(.torwatch.session.login.user)"' <<<"$a")"
	check_eq "the feed that lists the client" "$T/exits.txt" "$(jq -r .threat.indicator.provider <<<"$a")"
	check "one ssh_login_from_tor for that login" wait_for 3 logins_above $before
	l=$(jq -c 'select(.rule.id == "ssh_login_from_tor")' "$T/alerts.json" | tail -1)
	check_eq "... critical, naming the client and the user" "critical SSH Login from TOR Exit Node ($EXIT4) as root" \
		"$(jq -r '"\(.log.level) \(.message)"' <<<"$l")"

	# --- a login that fails from the exit node: no login alert ---
	# (checked below, once a later login from it has alerted: an alert held
	# for the user's name would have come out before that one)
	before_failed=$(logins)
	ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/wrong_id" </dev/null 2>/dev/null <<<y >/dev/null
	in_ns "$X" ssh -q -i "$T/ssh/wrong_id" -b $EXIT4 -p $SP -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o ConnectTimeout=2 root@$SRV4X true 2>/dev/null

	# --- the same from the clean client: medium, and no login alert ---
	before=$(logins)
	ssh_run "$C" $CLEAN4 $SRV4C $SP_CLEAN "bash -c 'echo >/dev/tcp/$PUB4/$((B + 1))'"
	check "from the clean client ($SP_CLEAN_WHAT): one sshd_child_egress" wait_for 5 egress_are $((B + 1)) 1
	check_eq "medium" "medium 47 false" "$(egress $((B + 1)) | jq -r '"\(.log.level) \(.event.severity) \(.torwatch.session.from_exit_node)"')"
	check_eq "no login alert for the clean client" "$before" "$(logins)"

	# --- deeper, and after a fork without exec ---
	# "; true" keeps each shell from exec'ing its last command: real forks.
	ssh_run "$C" $CLEAN4 $SRV4C $SP "sh -c '(bash -c \"echo >/dev/tcp/$PUB4/$((B + 2)); true\"; true); true'; true"
	check "a subshell of a script two levels below the shell: caught" wait_for 5 egress_are $((B + 2)) 1
	check "... its chain is at least three deep" jq -e '.torwatch.process_chain | length >= 3' <<<"$(egress $((B + 2)))"
	ssh_run "$C" $CLEAN4 $SRV4C $SP "python3 -c 'import os, socket
if os.fork() == 0:
    socket.create_connection((\"$PUB4\", $((B + 3)))).close()
    os._exit(0)
os.wait()'"
	check "a process that forked without exec: caught" wait_for 5 egress_are $((B + 3)) 1
	check_eq "... named as the forked python" python3 "$(egress $((B + 3)) | jq -r .process.name)"

	# --- UDP, excluded ranges, and outside SSH ---
	ssh_run "$C" $CLEAN4 $SRV4C $SP "bash -c 'echo x >/dev/udp/$PUB4/$UDP'"
	check "UDP to the destination: caught" wait_for 5 egress_are $UDP 1
	check_eq "... as udp" udp "$(egress $UDP | jq -r .network.transport)"
	ssh_run "$C" $CLEAN4 $SRV4C $SP "bash -c 'echo >/dev/tcp/$PRIV4/$((B + 4))' 2>/dev/null; true"
	in_ns "$S" bash -c "echo >/dev/tcp/$PUB4/$((B + 5))"
	# The barrier: a session's connect after both, on the same ring.
	ssh_run "$C" $CLEAN4 $SRV4C $SP "bash -c 'echo >/dev/tcp/$PUB4/$((B + 8))'"
	check "a later session's connect alerts" wait_for 5 egress_are $((B + 8)) 1
	check_eq "a destination in an excluded range: nothing" 0 "$(n_egress $((B + 4)))"
	check_eq "the same command outside SSH: nothing" 0 "$(n_egress $((B + 5)))"

	# --- ssh -N -L from the exit node: a login, and forwarding when used ---
	before=$(logins)
	# Not through in_ns: $! must be ssh itself, to end the tunnel below.
	nsenter --net="/run/netns/$X" ssh -q -N -i "$T/ssh/id" -b $EXIT4 -p $SP -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-L 127.0.0.1:9000:$PUB4:$((B + 6)) root@$SRV4X </dev/null >/dev/null 2>&1 &
	TUNNEL=$!
	check "ssh -N from the exit node: a login alert" wait_for 5 logins_above $before
	check_eq "the failed login from the exit node before it: no ssh_login_from_tor" \
		$((before_failed + 1)) "$(logins)"
	in_ns "$X" bash -c 'for i in 1 2 3 4 5; do echo >/dev/tcp/127.0.0.1/9000 && break; sleep 0.3; done'
	check "the tunnel used: an egress from sshd itself" wait_for 5 egress_are $((B + 6)) 1
	check_eq "no egress for sshd's own look at the unspecified address" 0 \
		"$(jq -c 'select(.rule.id == "sshd_child_egress" and (.destination.ip == "0.0.0.0" or .destination.ip == "::"))' "$T/alerts.json" | grep -c .)"
	check_eq "... marked as forwarding" "true" "$(egress $((B + 6)) | jq -r .torwatch.forwarding)"
	kill $TUNNEL; wait $TUNNEL 2>/dev/null

	# --- repeats within the window: one alert ---
	ssh_run "$C" $CLEAN4 $SRV4C $SP "for i in 1 2 3 4 5; do echo >/dev/tcp/$PUB4/$((B + 7)); done"
	check "five connects of one process: one alert" wait_for 5 egress_are $((B + 7)) 1
}

# 1,000 short sessions, eight at a time: the maps are as empty after.
thousand_sessions() {
	local i j pids
	for i in $(seq 1 125); do
		pids=()
		for j in 1 2 3 4 5 6 7 8; do ssh_run "$C" $CLEAN4 $SRV4C $SP true & pids+=($!); done
		wait "${pids[@]}"
	done 2>/dev/null
	# The last sessions' exits reach the map a moment after ssh returns.
	check "after 1,000 sessions, no session is left in the map" wait_for 5 map_is_empty sessions
	check "... and no process" test "$(map_entries session_procs)" -le 2
	check_eq "no session or process was refused for room" 0 "$(tw_in "$S" stats --json --by proto | jq .totals.session_map_full)"
}
map_is_empty() { [ "$(map_entries "$1")" = 0 ]; }
# map_entries NAME: entries of the test daemon's own map NAME (found through
# its fds: other daemons on the host may have a map of that name too).
map_entries() {
	local fd id
	for fd in /proc/$DAEMON_PID/fdinfo/*; do
		id=$(awk '/^map_id:/ {print $2}' "$fd" 2>/dev/null)
		[ -n "$id" ] || continue
		[ "$(bpftool -j map show id "$id" 2>/dev/null | jq -r .name)" = "$1" ] || continue
		bpftool -j map dump id "$id" 2>/dev/null | jq length
		return
	done
	echo "no map $1 held by the daemon"
}
