#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A flood of a million distinct exit sources (IPv6, 2001:db8::/32) through
# native XDP on a veth, while a listener opens: the high alert still
# arrives; every kernel event that found no room in the ring buffer is
# counted, and the events_lost alerts add up to exactly that count; the
# tor_traffic throttle holds back what it should and counts it.
. "$(dirname "$0")/lib.sh"
require_root
N=1000000
H=twf-$ID X=twg-$ID
FLOOD=$TOOLS/flood_sources
LP=$TOOLS/listen_port
add_netns "$H"; add_netns "$X"
link_ns "$H" vX "$X" eX
mkdir -p "$T/state"
"$FLOOD" list $N >"$T/flood.txt"
check_eq "a feed of a million distinct addresses" $N "$(sort -u "$T/flood.txt" | grep -c .)"
cat >"$T/flood.conf" <<EOT
[run]
interface = vX
feed = $T/flood.txt
max-exits = 1100000
allowed-ports = 22
loss-report-every = 2s
; the throttle is under test here, not the storm fold (test_source_storm)
source-alert-limit = 0
[throttle tor_traffic]
key = destination.port
window = 10m
count = 5
EOT
check "torwatch starts with a million exit addresses" start_daemon "$H" -c "$T/flood.conf"
in_ns "$X" "$FLOOD" send eX "$(mac_of "$H" vX)" $N >"$T/flood.out" 2>"$T/flood.err" &
FPID=$!
sleep 0.3
in_ns "$H" "$LP" tcp4 0.0.0.0 9501 300 >/dev/null
wait $FPID
check_eq "the flood was sent" "sent $N" "$(cat "$T/flood.out" "$T/flood.err")"
check "the listener's alert arrives during the flood" \
	wait_for 10 has_alert 'select(.rule.id == "unexpected_listen_port" and .destination.port == 9501)'

totals() { tw_in "$H" stats --json --by proto | jq -c .totals; }
t=$(totals)
seen=$(jq .exit_packets <<<"$t") sent=$(jq .events <<<"$t") lost=$(jq .events_lost <<<"$t")
echo "# XDP saw $seen of $N sources; $sent events went through the ring buffer, $lost found no room"
check "XDP saw most of the flood" test "$seen" -gt $((N / 2))
check_eq "each source seen raised one event or one counted loss" "$seen" "$((sent + lost))"
check "the ring buffer overflowed (the flood outran the reader)" test "$lost" -gt 0
check_eq "no listener event was lost" 0 "$(jq .listen_events_lost <<<"$t")"
reported() { jq -s 'map(select(.rule.id == "events_lost") | .torwatch.lost.kernel.traffic) | add // 0' "$T/alerts.json"; }
all_reported() { [ "$(reported)" = "$lost" ]; }
check "the events_lost alerts add up to the kernel's count ($lost)" wait_for 10 all_reported
check "... each at least 2 s (--loss-report-every) after the one before" \
	jq -se '[.[] | select(.rule.id == "events_lost") | ."@timestamp" | sub("\\.[0-9]+Z$"; "Z") | fromdate] | . as $t | [range(1; length) | $t[.] - $t[. - 1] >= 1] | all' "$T/alerts.json"
check_eq "... and they say no alert was lost" 0 \
	"$(jq -s 'map(select(.rule.id == "events_lost") | .torwatch.lost.alerts) | add' "$T/alerts.json")"
traffic() { jq -s 'map(select(.rule.id == "tor_traffic")) | length' "$T/alerts.json"; }
settled() { [ "$(tw_in "$H" status --json | jq .alerts.suppressed)" = "$((sent - $(traffic)))" ]; }
check "the throttle let 5 tor_traffic alerts out and counted the rest" wait_for 10 settled
check_eq "... 5 of them" 5 "$(traffic)"
stop_daemon
check "unload" tw_in "$H" unload
finish
