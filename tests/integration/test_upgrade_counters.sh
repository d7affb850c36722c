#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# An upgrade over the pinned counters of an older torwatch, which had fewer
# of them (TW_COUNTERS grows at its end): the new daemon carries each
# counter over into its own layout, the new counters start at zero, and the
# start is not refused.
. "$(dirname "$0")/lib.sh"
require_root
H=twu-$ID
add_netns "$H"
ip -n "$H" link add vU type veth peer name vV
ip -n "$H" link set vU up; ip -n "$H" link set vV up
mkdir -p "$T/state" "$PIN"
OLD=17	# the counters of the release before the session counters
# Counter i holds i + 1 on every CPU.
values=$(for i in $(seq 0 $((OLD - 1))); do printf '%d 0 0 0 0 0 0 0 ' $((i + 1)); done)
bpftool map create "$PIN/counters" type percpu_array key 4 value $((OLD * 8)) entries 1 name counters
bpftool map update pinned "$PIN/counters" key 0 0 0 0 value $values
ncpu=$(bpftool -j map dump pinned "$PIN/counters" | jq '.[0].values | length')
check "torwatch starts over the older, smaller counters" start_daemon "$H" -i vU
check "... and says it carried them over" grep -q "counters of an earlier torwatch carried over" "$T/daemon.log"
t=$(tw_in "$H" stats --json --by proto | jq -c .totals)
check_eq "events_lost (counter 9) kept its count on every CPU" $((10 * ncpu)) "$(jq .events_lost <<<"$t")"
check_eq "listen_events_lost (counter 16) too" $((17 * ncpu)) "$(jq .listen_events_lost <<<"$t")"
check_eq "the new counters start at zero" "0 0" "$(jq -r '"\(.session_map_full) \(.session_events_lost)"' <<<"$t")"
check_eq "the pinned map has the new layout" "$(($(jq 'keys | length' <<<"$t") * 8))" \
	"$(bpftool -j map show pinned "$PIN/counters" | jq .bytes_value)"
stop_daemon
check "unload" tw_in "$H" unload
finish
