#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# No blind window across a restart for the other event sensors: the listen
# detector, the session tracker and the Tor client sensor keep their rings,
# state maps and links pinned while no daemon runs (a stop with
# --keep-on-stop, as the service stops). Made in a 1 s gap, against a real
# OpenSSH server: a listener opened and closed, the egress of an SSH session
# that was open before the stop, a whole SSH session from the fake exit
# node with its egress, and a connect() to a listed relay. Each is alerted
# after the next start with the time it happened; a gap with more listens
# than the ring holds gives events_lost with the count the kernel kept. A
# second restart reuses all of it: one link per hook, one alert per event.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
. "$(dirname "$0")/ssh_session_cases.sh"
require_root
trap 'stop_sshd; kill $(jobs -p) 2>/dev/null; cleanup' EXIT

session_hosts
mkdir -p "$T/state"
public_host 8080 8081 9001
printf '%s:9001 # relay gaprelay\n' $PUB4 >"$T/relays.txt"
check "sshd starts" start_sshd "$S"
run() {
	start_daemon "$S" -i vX --feed "$T/exits.txt" --egress-exclude 127.0.0.0/8,::1 \
		--allowed-ports 22,2222,8080-8089,9001 --relay-file "$T/relays.txt" --builtin-relays no
}
alerts() { jq -c "select($1)" "$T/alerts.json" 2>/dev/null; }
count() { alerts "$1" | grep -c .; }
count_is() { [ "$(count "$1")" = "$2" ]; }
in_gap() { alerts "$1" | jq -r --arg a "$gap_from" --arg b "$gap_to" \
	'select(.["@timestamp"] >= $a and .["@timestamp"] <= $b) | .rule.id' | grep -c .; }
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
# relay_connect NAME: a connect() to the listed relay from a process named NAME.
relay_connect() {
	in_ns "$S" python3 -c '
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
socket.create_connection(("'$PUB4'", 9001), timeout=2).close()' "$1"
}
LISTEN='.rule.id == "unexpected_listen_port" and .destination.port == 7777'
EGRESS_A='.rule.id == "sshd_child_egress" and .destination.port == 8080'
EGRESS_B='.rule.id == "sshd_child_egress" and .destination.port == 8081'
LOGIN='.rule.id == "ssh_login_from_tor"'
RELAY='.rule.id == "tor_client_connection" and .process.name == "gapclient"'
pinned_links() { ls "$PIN" | grep -Ec '^link_(listen|session|torclient)_'; }
# The links in the kernel whose program is one of theirs (by name).
attached() {
	local ids
	ids=$(bpftool -j prog show | jq -c --argjson n "$NAMES" '[.[] | select(.name as $x | $n | index([$x])) | .id]')
	bpftool -j link show | jq --argjson ids "$ids" '[.[] | select(.prog_id as $p | $ids | index([$p]))] | length'
}

check "the daemon starts" run
NAMES=$(ls "$PIN" | sed -nE 's/^link_(listen|session|torclient)_//p' | jq -R . | jq -sc .)
check_eq "one link attached per pin" "$(pinned_links)" "$(attached)"
# Session A logs in from the exit node while the daemon runs, and connects
# out only once the daemon is gone.
ssh_run "$X" $EXIT4 $SRV4X 2222 "sleep 3; bash -c 'echo >/dev/tcp/$PUB4/8080'" &
SESSION_A=$!
check "session A's login from the exit node is alerted" wait_for 10 count_is "$LOGIN" 1

# --- the gap ---
stop_daemon
check "the stop keeps the links of listen, session and Tor client pinned" sh -c \
	"ls $PIN | grep -q '^link_listen_' && ls $PIN | grep -q '^link_session_' && ls $PIN | grep -q '^link_torclient_'"
check "... and their rings and session maps" test -e "$PIN/listen_events" -a -e "$PIN/session_events" \
	-a -e "$PIN/sessions" -a -e "$PIN/session_procs" -a -e "$PIN/tor_client_events"
check "status names every sensor still watching" grep -q \
	"still watched: SSH from Tor, new listeners, SSH sessions, Tor used from this host" <<<"$(tw_in "$S" status)"
check_eq "... and so does its JSON" '["ssh","listen","session","tor_client"]' \
	"$(tw_in "$S" status --json | jq -c .daemon.kept_watching)"
gap_from=$(now)
in_ns "$S" "$TOOLS/listen_port" tcp4 0.0.0.0 7777 100 >/dev/null
check "session A ends after its egress" wait $SESSION_A
check "session B logs in and connects out, all in the gap" \
	ssh_run "$X" $EXIT4 $SRV4X 2222 "bash -c 'echo >/dev/tcp/$PUB4/8081'"
check "a process connects to the listed relay" relay_connect gapclient
gap_to=$(now)
sleep 1	# a real gap: the start comes later than all of it
check "the daemon starts again" run

check "the listener of the gap is alerted" wait_for 10 count_is "$LISTEN" 1
check_eq "... with the time it was opened" 1 "$(in_gap "$LISTEN")"
check_eq "... from the ring, not the inventory (it was closed)" false \
	"$(alerts "$LISTEN" | jq .torwatch.found_at_startup)"
check "session A's egress of the gap is alerted" wait_for 10 count_is "$EGRESS_A" 1
check_eq "... with the time it happened" 1 "$(in_gap "$EGRESS_A")"
check "session B's login and egress are alerted" wait_for 10 sh -c \
	"[ \$(jq -c 'select($LOGIN)' $T/alerts.json | grep -c .) = 2 ] && [ \$(jq -c 'select($EGRESS_B)' $T/alerts.json | grep -c .) = 1 ]"
check_eq "... with the times they happened" 2 "$(($(in_gap "$LOGIN") + $(in_gap "$EGRESS_B")))"
check "the connection to the relay is alerted" wait_for 10 count_is "$RELAY" 1
check_eq "... with the time it happened" 1 "$(in_gap "$RELAY")"

# --- a second restart: the pins are reused, not stacked ---
stop_daemon
check "the daemon starts a third time" run
in_ns "$S" "$TOOLS/listen_port" tcp4 0.0.0.0 7778 100 >/dev/null
relay_connect barrier
check "a barrier after the start is alerted" wait_for 10 count_is '.rule.id == "tor_client_connection" and .process.name == "barrier"' 1
check_eq "one alert for the listener before it" 1 "$(count '.rule.id == "unexpected_listen_port" and .destination.port == 7778')"
check_eq "one link per hook, the earlier daemons' detached" "$(pinned_links)" "$(attached)"

# --- a gap with more listens than the ring holds ---
stop_daemon
N=2000
in_ns "$S" "$TOOLS/listen_port" tcp4 0.0.0.0 7779 0 $N >/dev/null
check "the daemon starts after $N listens in the gap" run
lost_alert() { alerts '.rule.id == "events_lost" and .torwatch.lost.kernel.listen > 0'; }
check "events_lost reports the listen events the full ring could not take" \
	wait_for 10 sh -c "[ -n \"\$(jq -c 'select(.rule.id == \"events_lost\" and .torwatch.lost.kernel.listen > 0)' $T/alerts.json)\" ]"
lost=$(lost_alert | head -1 | jq .torwatch.lost.kernel.listen)
kernel=$(tw_in "$S" stats --prometheus | awk '/^torwatch_kernel_events_lost_total\{class="listen"\}/ {print $2}')
check_eq "... the count the kernel kept" "$kernel" "$lost"
echo "# $N listens in the gap: $lost lost (ring full)"

# --- Ctrl-C without --keep-on-stop removes it all ---
stop_daemon
check "unload" tw_in "$S" unload
check_eq "nothing of theirs is left attached" 0 "$(attached)"
finish
