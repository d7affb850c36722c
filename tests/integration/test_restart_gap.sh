#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# No blind window across a restart: the SSH detector's ring and tracepoint
# link stay pinned while no daemon runs (a stop with --keep-on-stop, as the
# service stops), so SSH connections from a fake exit node made in the gap
# are alerted after the next start, with the times they happened; a gap
# with more of them than the 64 KiB ring holds gives events_lost with the
# count the kernel kept. A stop without --keep-on-stop removes it all.
. "$(dirname "$0")/lib.sh"
require_root
one_exit_node
accept_and_close "$H" 22
trap 'kill $ACCEPT_PID 2>/dev/null; cleanup' EXIT
connect() { tcp_connects "$X" "$1" $EXIT4 $HOST4 22; }	# prints the last source port
from_port() { jq -c --argjson p "$1" 'select(.rule.id == "ssh_from_tor" and .source.port == $p)' "$T/alerts.json" | grep -c .; }
links_before=$(bpftool link show 2>/dev/null | grep -c 'ssh_established')
ssh_alerts() { jq -c 'select(.rule.id == "ssh_from_tor")' "$T/alerts.json" | grep -c .; }
check "the daemon starts" start_daemon "$H" -i vX --feed "$T/exits.txt"
connect 1 >/dev/null
check "a connection while it runs is alerted" wait_for 5 sh -c "[ \$(jq -c 'select(.rule.id == \"ssh_from_tor\")' $T/alerts.json | grep -c .) = 1 ]"

# --- a restart: 3 connections while no daemon runs ---
stop_daemon
check "the stop keeps the SSH detector's link and ring pinned" \
	test -e "$PIN/link_ssh_established" -a -e "$PIN/ssh_high_events"
check "status says SSH from Tor is still watched" grep -q "still watched: SSH from Tor" <<<"$(tw_in "$H" status)"
check_eq "... and so does its JSON" true "$(tw_in "$H" status --json | jq .daemon.ssh_watched_without_daemon)"
gap_from=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
connect 3 >/dev/null
gap_to=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 1	# a real gap: the start comes later than the connections
check "the daemon starts again" start_daemon "$H" -i vX --feed "$T/exits.txt"
check "the 3 connections of the gap are alerted after the start" wait_for 5 sh -c "[ \$(jq -c 'select(.rule.id == \"ssh_from_tor\")' $T/alerts.json | grep -c .) = 4 ]"
in_gap=$(jq -r --arg a "$gap_from" --arg b "$gap_to" \
	'select(.rule.id == "ssh_from_tor" and .["@timestamp"] >= $a and .["@timestamp"] <= $b) | .source.port' \
	"$T/alerts.json" | grep -c .)
check_eq "... each with the time it happened (in the gap, before the start)" 3 "$in_gap"
# The old link is gone: one connection, one alert. The barrier is a second
# connection: its alert comes after every event of the first in the ring.
first=$(connect 1) second=$(connect 1)
check "a barrier connection is alerted" wait_for 5 sh -c "[ \$(jq -c 'select(.rule.id == \"ssh_from_tor\" and .source.port == $second)' $T/alerts.json | grep -c .) -ge 1 ]"
check_eq "one link: the connection before it was alerted once" 1 "$(from_port "$first")"

# --- a longer gap: more connections than the ring holds ---
stop_daemon
N=2000
connect $N >/dev/null
check "the daemon starts after $N connections in the gap" start_daemon "$H" -i vX --feed "$T/exits.txt"
lost_alert() { jq -c 'select(.rule.id == "events_lost" and .torwatch.lost.kernel.ssh > 0)' "$T/alerts.json"; }
check "events_lost reports the SSH events the full ring could not take" wait_for 10 sh -c "[ -n \"\$(jq -c 'select(.rule.id == \"events_lost\" and .torwatch.lost.kernel.ssh > 0)' $T/alerts.json)\" ]"
lost=$(lost_alert | head -1 | jq .torwatch.lost.kernel.ssh)
kernel=$(tw_in "$H" status --json | jq .events.ssh_lost)
check_eq "... the count the kernel kept" "$kernel" "$lost"
gap=$(($(ssh_alerts) - 6))
echo "# $N connections in the gap: $gap alerted after the start, $lost lost (ring full)"
check_eq "every connection of the gap is alerted or counted lost" $N $((gap + lost))
check "... and it says since when" test -n "$(lost_alert | jq -r '.torwatch.lost.since // empty')"

# --- Ctrl-C without --keep-on-stop removes the detector with the rest ---
stop_daemon
nsenter --net="/run/netns/$H" "$TW" run --pin-root "$PIN" --state-dir "$T/state" --alerts "$T/alerts.json" \
	--sources none --relay-sources none -i vX --feed "$T/exits.txt" </dev/null >/dev/null 2>>"$T/daemon.log" &
DAEMON_PID=$!
check "a foreground start" wait_for 10 grep -q "running (pid $DAEMON_PID," "$T/daemon.log"
stop_daemon -INT
check "a stop without --keep-on-stop leaves no link or ring pinned" test ! -e "$PIN/link_ssh_established" -a ! -e "$PIN/ssh_high_events"
check_eq "... and its link is detached: nothing waits for a next start" "$links_before" \
	"$(bpftool link show 2>/dev/null | grep -c 'ssh_established')"
finish
