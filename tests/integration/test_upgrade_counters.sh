#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# An upgrade over the pinned counters of an older torwatch, which had fewer
# of them (TW_COUNTERS grows at its end) and traffic values without
# would_drop, exact entries in hash maps (before the open-addressing
# tables) and prefixes in LPM tries (before the hash maps): the new daemon
# carries each counter and each entry over into its own layout, the new
# fields start at zero, and the start is not refused. State that cannot be
# carried over (a map of another layout) is refused in one sentence that
# names, from the version stamp in meta, the torwatch that pinned it.
. "$(dirname "$0")/lib.sh"
require_root
H=twu-$ID
add_netns "$H"
veth_in "$H" vU vV
mkdir -p "$T/state" "$PIN"
OLD=17	# the counters of the release before the session counters
# Counter i holds i + 1 on every CPU.
values=$(for i in $(seq 0 $((OLD - 1))); do printf '%d 0 0 0 0 0 0 0 ' $((i + 1)); done)
bpftool map create "$PIN/counters" type percpu_array key 4 value $((OLD * 8)) entries 1 name counters
bpftool map update pinned "$PIN/counters" key 0 0 0 0 value $values
ncpu=$(bpftool -j map dump pinned "$PIN/counters" | jq '.[0].values | length')
# An exact map as earlier torwatch made it (a preallocated hash map, the
# value before would_drop), holding an exit node that has sent 5 packets
# (struct tw_src_stats: packets first, sources at byte 56, source bit 0 =
# the first --feed).
bpftool map create "$PIN/exit_v4" type hash key 4 value 64 entries 65536 name exit_v4
bpftool map update pinned "$PIN/exit_v4" key 198 51 100 7 value 5 0 0 0 0 0 0 0 $(printf '0 %.0s' $(seq 48)) 1 0 0 0 0 0 0 0
# Per-protocol and per-port traffic as it was before would_drop (struct
# tw_traffic: packets, bytes, dropped): 3 TCP packets on every CPU, and
# 2 to 8080/tcp (an LRU per-CPU hash, key port 8080 proto 6).
bpftool map create "$PIN/proto_stats" type percpu_array key 4 value 24 entries 256 name proto_stats
bpftool map update pinned "$PIN/proto_stats" key 6 0 0 0 value 3 0 0 0 0 0 0 0 120 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0
bpftool map create "$PIN/port_stats" type lru_percpu_hash key 4 value 24 entries 65536 name port_stats
bpftool map update pinned "$PIN/port_stats" key 0x90 0x1f 6 0 value 2 0 0 0 0 0 0 0 80 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
# Prefixes as torwatch kept them before the hash maps: LPM tries (key: the
# length, then the address; value: the source mask, the length).
bpftool map create "$PIN/exit_prefix_v4" type lpm_trie key 8 value 8 entries 16384 name exit_prefix_v4 flags 1
bpftool map update pinned "$PIN/exit_prefix_v4" key 24 0 0 0 203 0 113 0 value 1 0 0 0 24 0 0 0
bpftool map create "$PIN/exit_prefix_v6" type lpm_trie key 20 value 8 entries 16384 name exit_prefix_v6 flags 1
bpftool map update pinned "$PIN/exit_prefix_v6" key 48 0 0 0 32 1 13 184 0 5 0 0 0 0 0 0 0 0 0 0 value 1 0 0 0 48 0 0 0
printf '198.51.100.7\n203.0.113.0/24\n2001:db8:5::/48\n' >"$T/exits.txt"
check "torwatch starts over the older, smaller counters" start_daemon "$H" -i vU --feed "$T/exits.txt"
check "the older prefixes moved from the tries, and the log says so" \
	grep -q "2 prefixes of an earlier torwatch moved from its LPM tries into the prefix maps" "$T/daemon.log"
check_eq "the prefix maps are hash maps now" "hash hash" \
	"$(for f in v4 v6; do bpftool -j map show pinned "$PIN/exit_prefix_$f" | jq -r .type; done | xargs)"
check "the first apply found every entry already in (nothing added)" \
	grep -Eq "exit set unchanged|\(\+0, " "$T/daemon.log"
check_eq "'check' finds the carried IPv4 prefix" "true prefix 203.0.113.0/24" \
	"$(tw_in "$H" check --json 203.0.113.9 | jq -r '"\(.in_exit_set) \(.match) \(.entry)"')"
check_eq "... and the IPv6 one" "true prefix 2001:db8:5::/48" \
	"$(tw_in "$H" check --json 2001:db8:5:1::9 | jq -r '"\(.in_exit_set) \(.match) \(.entry)"')"
check "the older exact map's pin is gone" test ! -e "$PIN/exit_v4"
check "its entry moved into the exit table, and the log says so" \
	grep -q "1 exact entry of an earlier torwatch moved into the exit tables with their counters" "$T/daemon.log"
check "... and the other counters were carried over" grep -q "counters of an earlier torwatch carried over" "$T/daemon.log"
check_eq "'check' finds it in the table, an exact entry" "true exact" \
	"$(tw_in "$H" check --json 198.51.100.7 | jq -r '"\(.in_exit_set) \(.match)"')"
s=$(tw_in "$H" stats --json --top 50)
check_eq "per-protocol traffic carried over, would_drop new and zero" "$((3 * ncpu)) $((120 * ncpu)) $ncpu 0" \
	"$(jq -r '.protocols[] | select(.transport=="tcp") | "\(.packets) \(.bytes) \(.dropped) \(.would_drop)"' <<<"$s")"
check_eq "per-port traffic carried over (LRU per-CPU hash)" "$((2 * ncpu)) 0" \
	"$(jq -r '.ports[] | select(.port==8080) | "\(.packets) \(.would_drop)"' <<<"$s")"
check_eq "the exit node's source row too" "5 0" \
	"$(jq -r '.sources[] | select(.source=="198.51.100.7") | "\(.packets) \(.would_drop)"' <<<"$s")"
t=$(tw_in "$H" stats --json --by proto | jq -c .totals)
check_eq "events_lost (counter 9) kept its count on every CPU" $((10 * ncpu)) "$(jq .events_lost <<<"$t")"
check_eq "listen_events_lost (counter 16) too" $((17 * ncpu)) "$(jq .listen_events_lost <<<"$t")"
check_eq "the new counters start at zero" "0 0" "$(jq -r '"\(.session_map_full) \(.session_events_lost)"' <<<"$t")"
# totals: the counters, and the distinct sources seen (not counters).
check_eq "the pinned map has the new layout" "$(($(jq '[keys[] | select(startswith("sources_seen") | not)] | length' <<<"$t") * 8))" \
	"$(bpftool -j map show pinned "$PIN/counters" | jq .bytes_value)"
stop_daemon
check "unload" tw_in "$H" unload
check "a fresh start" start_daemon "$H" -i vU --feed "$T/exits.txt"
check_eq "makes the exit table: mmapable, 128-byte slots, 2 per --max-exits, the header and the live bitmap" \
	"1024 128 131201" "$(bpftool -j map show pinned "$PIN/exit_table_v4" | jq -r '"\(.flags) \(.bytes_value) \(.max_entries)"')"
stop_daemon
tw_in "$H" unload >/dev/null

# --- state that cannot be carried over: refused, naming who pinned it ---
# meta_bytes SIZE [LAYOUT VERSION]: a meta value, stamped when LAYOUT is given
# (struct tw_meta: layout at byte 344, version at 352).
meta_bytes() {
	local size=$1 layout=${2:-} version=${3:-} b=()
	for ((i = 0; i < size; i++)); do b[i]=0; done
	if [ -n "$layout" ]; then
		b[344]=$layout
		for ((i = 0; i < ${#version}; i++)); do b[352 + i]=$(printf '%d' "'${version:i:1}"); done
	fi
	echo "${b[@]}"
}
# old_state META_SIZE [LAYOUT VERSION]: a pin root with that meta and a
# config map of another size than this torwatch's.
old_state() {
	mkdir -p "$PIN"
	bpftool map create "$PIN/meta" type array key 4 value $1 entries 1 name meta
	bpftool map update pinned "$PIN/meta" key 0 0 0 0 value $(meta_bytes "$@")
	bpftool map create "$PIN/config" type array key 4 value 16 entries 1 name config
}
old_state 264
out=$(in_ns "$H" "$TW" run -i vU --sources none --relay-sources none --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check_eq "a start over a map it cannot carry over is refused" 1 $rc
check "naming an unstamped older torwatch and what to do" grep -q "the map 'config' under $PIN was pinned by a torwatch from before layout stamps in a layout this torwatch .* (layout [0-9]*) cannot carry over; keep the torwatch that made it, or remove the state with 'torwatch unload --pin-root $PIN'" <<<"$out"
check "the refused start left that state as it was" test -e "$PIN/config" -a -e "$PIN/meta"
"$TW" unload --pin-root "$PIN" >/dev/null
old_state 384 9 "9.9-future"
out=$(in_ns "$H" "$TW" run -i vU --sources none --relay-sources none --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check_eq "over a newer layout too" 1 $rc
check "naming its version and layout from the stamp" grep -q "was pinned by torwatch 9.9-future (layout 9) in a layout this torwatch" <<<"$out"
"$TW" unload --pin-root "$PIN" >/dev/null
finish
