#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Interfaces that come and go: several watched at once; one deleted and made
# again is watched again within a second; one named with -i that appears
# later is attached when it does; without -i the default route is followed
# when it moves; a foreign XDP program (Debian's xdp-filter) is left in place
# and named. Changes arrive by rtnetlink (daemon/iface_watch.c).
. "$(dirname "$0")/lib.sh"
require_root

H=twh-$ID X=twx-$ID Y=twy-$ID
EXIT4=198.51.100.7 HOST4=198.51.100.1 EXIT4Y=203.0.113.7 HOST4Y=203.0.113.1
host_and_exit
add_netns "$Y"
# make_vY: the second exit node's link (made again after a delete).
make_vY() {
	link_ns "$H" vY "$Y" eY
	add_addrs "$H" vY $HOST4Y/24
	add_addrs "$Y" eY $EXIT4Y/24
	ip -n "$H" neigh add $EXIT4Y lladdr "$(mac_of "$Y" eY)" dev vY nud permanent
	ip -n "$Y" neigh replace $HOST4Y lladdr "$(mac_of "$H" vY)" dev eY nud permanent
}
make_vY
mkdir -p "$T/state"
printf '%s\n%s\n' $EXIT4 $EXIT4Y >"$T/exits.txt"
xdp_id() { ip -n "$1" -j link show "$2" 2>/dev/null | jq -r '.[0].xdp.prog.id // empty'; }
has_xdp() { [ -n "$(xdp_id "$1" "$2")" ]; }
packets_from() { tw_in "$H" stats --json --top 50 | jq --arg a "$1" '[.sources[] | select(.source==$a) | .packets] | add // 0'; }
# Polls every 20 ms for up to 2 s; prints the milliseconds it took.
ms_until() {
	local t0 i
	t0=$(date +%s%N)
	for i in $(seq 100); do
		if "$@"; then echo $((($(date +%s%N) - t0) / 1000000)); return 0; fi
		sleep 0.02
	done
	return 1
}

# --- several at once, one not there yet ---
check "the daemon starts on vX, vY and vZ (vZ not there yet)" start_daemon "$H" -i vX -i vY -i vZ --feed "$T/exits.txt"
check "vZ's absence is one warning" grep -q "interface vZ does not exist (yet); XDP is attached when it appears" "$T/daemon.log"
st=$(tw_in "$H" status --json)
check_eq "status: vX and vY present, vZ not" "true true false" "$(jq -r '[.interfaces[].present] | map(tostring) | join(" ")' <<<"$st")"
in_ns "$X" ping -q -c 2 -i 0.05 $HOST4 >/dev/null
in_ns "$Y" ping -q -c 3 -i 0.05 $HOST4Y >/dev/null
check_eq "traffic on vX counted" 2 "$(packets_from $EXIT4)"
check_eq "traffic on vY counted" 3 "$(packets_from $EXIT4Y)"

# --- vY deleted and made again ---
old_id=$(xdp_id "$H" vY)
ip -n "$H" link del vY
check "the deletion is logged" wait_for 2 grep -q "interface vY disappeared; XDP is attached again when it comes back" "$T/daemon.log"
check_eq "status: vY gone" false "$(tw_in "$H" status --json | jq '.interfaces[] | select(.name=="vY") | .present')"
check "status text says since when" grep -q "vY (gone since .*; XDP is attached again when it comes back)" <<<"$(tw_in "$H" status)"
make_vY
ms=$(ms_until has_xdp "$H" vY)
check "vY made again has XDP within a second (${ms:-never} ms)" test -n "$ms" -a "${ms:-9999}" -lt 1000
check "the return is logged" grep -q "vY is there again: XDP attached (native mode)" "$T/daemon.log"
check_eq "status: vY present again" true "$(tw_in "$H" status --json | jq '.interfaces[] | select(.name=="vY") | .present')"
in_ns "$Y" ping -q -c 2 -i 0.05 $HOST4Y >/dev/null
check_eq "traffic on the new vY is counted" 5 "$(packets_from $EXIT4Y)"
check_eq "vX kept its link all along" 1 "$(grep -c "vX" "$T/daemon.log")"
echo "# vY's XDP program id: $old_id before, $(xdp_id "$H" vY) after (the same program, a new link)"

# --- vZ appears ---
ip link add vZ netns "$H" type veth peer name eZ netns "$Y" && ip -n "$H" link set vZ up && ip -n "$Y" link set eZ up
ms=$(ms_until has_xdp "$H" vZ)
check "vZ, named with -i, has XDP within a second of appearing (${ms:-never} ms)" test -n "$ms" -a "${ms:-9999}" -lt 1000
check "its arrival is logged" grep -q "vZ is there again: XDP attached" "$T/daemon.log"
check "the new link is pinned" test -e "$PIN/link_xdp_vZ"
stop_daemon
check "unload" tw_in "$H" unload

# --- a foreign XDP program: left in place, named ---
ip -n "$H" link add vF type veth peer name eF && ip -n "$H" link set vF up && ip -n "$H" link set eF up
check "xdp-filter loads on vF" in_ns "$H" xdp-filter load vF -m native
foreign=$(xdp_id "$H" vF)
out=$(in_ns "$H" "$TW" run -i vF --sources none --relay-sources none --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check_eq "torwatch refuses vF" 1 $rc
check "and names the program there, and what to do" grep -q "vF already has another XDP program (id $foreign 'xdpfilt_.*'); torwatch leaves it attached and does not attach there: detach it first ('ip link set dev vF xdp off', or 'xdp-loader unload vF --all' for libxdp's)" <<<"$out"
check_eq "xdp-filter's program is still attached" "$foreign" "$(xdp_id "$H" vF)"
check "a refused first start leaves nothing pinned" test ! -e "$PIN"
in_ns "$H" xdp-filter unload vF --all >/dev/null 2>&1
rm -rf /sys/fs/bpf/xdp-filter 2>/dev/null

# --- no -i: the default route, followed when it moves ---
ip -n "$H" route add default via $EXIT4 dev vX
check "without -i the daemon starts on the default route's interface" start_daemon "$H" --feed "$T/exits.txt"
check "it watches vX" grep -q "watching vX (XDP" "$T/daemon.log"
ip -n "$H" route replace default via $EXIT4Y dev vY
ms=$(ms_until grep -q "the default route now leaves through vY: watching it too" "$T/daemon.log")
check "the moved default route is followed within a second (${ms:-never} ms)" test -n "$ms" -a "${ms:-9999}" -lt 1000
check "vY has XDP" wait_for 1 has_xdp "$H" vY
check "vX stays watched" has_xdp "$H" vX
check_eq "status lists both" "vX vY" "$(tw_in "$H" status --json | jq -r '[.interfaces[].name] | join(" ")')"
stop_daemon
check "unload" tw_in "$H" unload
finish
