#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: packets per second that each way of dropping Tor traffic takes,
# side by side in one run, on veth between two network namespaces.
#
# One generator for every case: live_gen, an XDP program in live-frames mode
# that writes 64-byte IPv4 UDP frames and redirects them out of a veth, the
# source address cycling over 762 listed exit addresses (hits), 762 listed
# nowhere (misses), or 65,536 of a 1M list. Each case has a veth of its own, its filter attached for
# the whole run, so the cases interleave round by round without reloading.
#
# Two placements, both reported: "split", the receiver's NAPI in a thread of
# its own pinned to the other CPU (its rate is the receiver's capacity, up to
# what the generator can offer), and "same", the receiver in the generator's
# softirq on one CPU (each figure includes the generator's fixed cost, so
# 1/rate - 1/ceiling is the case's own extra time per packet, exactly).
# The rate is frames the receiver took per second (the veth's own
# rx_queue_0_xdp_packets); the share each case dropped is checked from its
# own counter (the veth's XDP drops, or the nft rule's counter).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
. "$HERE/bench_lib.sh"
require_root
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-3}
OUT=$(cd "$HERE/../.." && pwd)/.output
GEN=$OUT/tests/live_gen
G=tbg-$ID R=tbr-$ID
PINS=/sys/fs/bpf/twbench-$ID
DAEMONS=()
XDP_FILTER_LOADED=

command -v xdp-filter >/dev/null && command -v nft >/dev/null ||
	{ echo "bench_macro: needs xdp-filter (xdp-tools) and nft (nftables): run scripts/install-deps.sh --test"; exit 1; }
[ "$(nproc)" -ge 2 ] || echo "bench_macro: one CPU: the split placement runs on it too"

macro_cleanup() {
	for p in "${DAEMONS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -z "$XDP_FILTER_LOADED" ] || rm -rf /sys/fs/bpf/xdp-filter
	rm -rf "$PINS"-*
	cleanup
}
trap macro_cleanup EXIT

add_netns "$G"; add_netns "$R"
ip netns exec "$R" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0

# Hits: the documentation ranges, listed beside the real list; misses: the
# benchmarking range, listed nowhere.
for n in 192.0.2 198.51.100 203.0.113; do seq 1 254 | sed "s/^/$n./"; done >"$T/hits.txt"
for i in $(seq 0 761); do echo "198.19.$((i / 254)).$((i % 254 + 1))"; done >"$T/misses.txt"
REAL=$(ls "$HERE"/../../data/exit-addresses.*.txt | tail -1)
{ awk '/^ExitAddress/ {print $2}' "$REAL"; cat "$T/hits.txt"; } | sort -u >"$T/exits.txt"
N_EXITS=$(wc -l <"$T/exits.txt")
# 1M listed (10.0.0.0/8 stands in: test traffic stays in the namespaces);
# its hits cycle over 65,536 of them, so that they do not all stay in cache.
# The storm floors (xdp_storm_floor_*.bpf.o) see the same sources: what one
# read of a 4M-slot table costs there, before any counting.
awk 'BEGIN {for (i = 0; i < 1048576; i++) printf "10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256}' >"$T/exits-1m.txt"
awk 'NR % 16 == 1' "$T/exits-1m.txt" >"$T/hits-1m.txt"

# The cases: name, veth index (twmiss shares twdet's), what it is.
# MACRO_CASES="drop twall xfip" runs only those (quick comparisons; no goals).
# TW_BEFORE=PATH adds "twold": another torwatch binary (the build before a
# change) in block --all, measured in the same rounds as this one; with
# tw1m selected, "tw1mold" is that binary's storm case, and with twmiss,
# "twmissold" its misses.
# MACRO_PLACEMENTS="same split" runs the same-CPU placement first (both run).
PLACEMENTS=${MACRO_PLACEMENTS:-split same}
# A third placement, split and paced: the generator sends bursts at about
# MACRO_PACED_MPPS (0: not run), a rate every case keeps up with, and each
# case is charged its receiving NAPI thread's CPU time a frame. Unpaced, a
# receiver slower than the generator leaves the veth ring full, and both
# CPUs then contend for the lock of the generator's page pool on every frame
# (docs/performance.md): the split rates measure that as much as the program.
PACED=${MACRO_PACED_MPPS:-1.5}
[ "$(tr ' ' '\n' <<<"$PLACEMENTS" | sort | paste -sd' ')" = "same split" ] ||
	{ echo "bench_macro: MACRO_PLACEMENTS orders 'split same', both of them"; exit 2; }
CASES=(${MACRO_CASES:-drop floor twall ${TW_BEFORE:+twold} tw1m ${TW_BEFORE:+tw1mold} sfwide sfnarrow sfkeys twport xfip xfall nftnd nftin pass pfloor twdet twmiss ${TW_BEFORE:+twmissold}})
# selected CASE: true when CASE runs in this selection.
selected() { [[ " ${CASES[*]} " == *" $1 "* ]]; }
# The baselines the ratios need run in every selection.
for b in pass floor drop; do selected $b || CASES=($b "${CASES[@]}"); done
declare -A IDX=([drop]=0 [twall]=1 [twport]=2 [xfip]=3 [xfall]=4 [nftnd]=5 [nftin]=6 [pass]=7 [twdet]=8 [twmiss]=8 [tw1m]=9
	[floor]=10 [twold]=11 [sfwide]=12 [sfnarrow]=13 [tw1mold]=14 [twmissold]=15 [pfloor]=16 [sfkeys]=17)
declare -A WHAT=(
	[drop]="XDP_DROP everything (the ceiling)"
	[floor]="parse Ethernet+IPv4, read source, drop"
	[pfloor]="parse Ethernet+IPv4, read source, pass"
	[twold]="torwatch block --all, TW_BEFORE build"
	[twall]="torwatch block --all"
	[tw1m]="torwatch block --all, 1M listed"
	[tw1mold]="torwatch block --all, 1M listed, TW_BEFORE build"
	[sfwide]="storm floor: read a 128-byte slot"
	[sfnarrow]="storm floor: read an 8-byte slot"
	[sfkeys]="storm floor: 8-byte key, then counters"
	[twport]="torwatch block --ports 9"
	[xfip]="xdp-filter -f ipv4"
	[xfall]="xdp-filter, default features"
	[nftnd]="nftables netdev ingress, set"
	[nftin]="nftables inet input, set"
	[pass]="XDP_PASS, nothing else"
	[twdet]="torwatch detecting, hits"
	[twmiss]="torwatch detecting, misses"
	[twmissold]="torwatch detecting, misses, TW_BEFORE build")
# What a case's generator sends (else the 762 listed hits), and the baseline
# of its ratio (else the XDP_DROP ceiling). A case named *old runs the
# TW_BEFORE binary.
declare -A SRCS=([twmiss]=misses [pfloor]=misses [twmissold]=misses [tw1m]=hits-1m [tw1mold]=hits-1m
	[sfwide]=hits-1m [sfnarrow]=hits-1m [sfkeys]=hits-1m)
declare -A BASE=([pass]=pass [pfloor]=pass [twdet]=pass [twmiss]=pass [twmissold]=pass [twall]=floor [twold]=floor
	[tw1m]=floor [tw1mold]=floor [twport]=floor [sfwide]=floor [sfnarrow]=floor [sfkeys]=floor)

for k in $(seq 0 17); do
	link_ns "$G" g$k "$R" r$k
	add_addrs "$R" r$k 198.18.$k.1/24
done

# tw_daemon CASE [OPTION...]: a torwatch daemon of its own on the case's veth
# (twold's is the TW_BEFORE binary).
declare -A DAEMON_OF
tw_daemon() {
	local c=$1 k=${IDX[$1]} tw=$TW
	shift
	[ $# != 0 ] || set -- --feed "$T/exits.txt"
	[[ $c != *old ]] || tw=$TW_BEFORE
	nsenter --net="/run/netns/$R" "$tw" run --pin-root "$PINS-$c" --state-dir "$T/state-$c" \
		--alerts "$T/alerts-$c.json" --sources none --relay-sources none -i r$k "$@" \
		</dev/null >/dev/null 2>>"$T/daemon-$c.log" &
	DAEMONS+=($!)
	DAEMON_OF[$c]=$!
	wait_for 60 grep -q "running (pid $!," "$T/daemon-$c.log" ||
		{ echo "bench_macro: torwatch did not start"; cat "$T/daemon-$c.log"; exit 1; }
}

set_up() {
	ip -n "$R" link set dev r0 xdpdrv obj "$OUT/xdp_drop_all.bpf.o" sec xdp
	ip -n "$R" link set dev r7 xdpdrv obj "$OUT/xdp_empty.bpf.o" sec xdp
	ip -n "$R" link set dev r10 xdpdrv obj "$OUT/xdp_parse_drop.bpf.o" sec xdp
	ip -n "$R" link set dev r16 xdpdrv obj "$OUT/xdp_parse_pass.bpf.o" sec xdp
	ip -n "$R" link set dev r12 xdpdrv obj "$OUT/xdp_storm_floor_wide.bpf.o" sec xdp
	ip -n "$R" link set dev r13 xdpdrv obj "$OUT/xdp_storm_floor_narrow.bpf.o" sec xdp
	ip -n "$R" link set dev r17 xdpdrv obj "$OUT/xdp_storm_floor_keys.bpf.o" sec xdp
	mkdir -p "$T"/state-tw{all,port,det,1m,old,1mold,missold}
	tw_daemon twall && "$TW" block enable --all --pin-root "$PINS-twall" >/dev/null
	if [ -n "${TW_BEFORE:-}" ]; then
		tw_daemon twold && "$TW_BEFORE" block enable --all --pin-root "$PINS-twold" >/dev/null
	fi
	if selected tw1m; then
		tw_daemon tw1m --feed "$T/exits-1m.txt" --max-exits 1100000 &&
			"$TW" block enable --all --pin-root "$PINS-tw1m" >/dev/null
	fi
	if selected tw1mold; then
		tw_daemon tw1mold --feed "$T/exits-1m.txt" --max-exits 1100000 &&
			"$TW_BEFORE" block enable --all --pin-root "$PINS-tw1mold" >/dev/null
	fi
	tw_daemon twport && "$TW" block enable --ports 9 --pin-root "$PINS-twport" >/dev/null
	tw_daemon twdet
	! selected twmissold || tw_daemon twmissold
	[ ! -e /sys/fs/bpf/xdp-filter ] || { echo "bench_macro: xdp-filter is loaded elsewhere on this host"; exit 1; }
	XDP_FILTER_LOADED=1
	in_ns "$R" xdp-filter load -m native -f ipv4 r3 &&
		in_ns "$R" xdp-filter load -m native r4 || exit 1
	while read -r a; do in_ns "$R" xdp-filter ip "$a" -m src || exit 1; done <"$T/exits.txt"
	local set
	set=$(paste -sd, "$T/exits.txt")
	ip netns exec "$R" nft -f - <<-EOF || exit 1
	table netdev twbench {
		set exits { type ipv4_addr; elements = { $set } }
		chain ingress { type filter hook ingress device "r5" priority 0; ip saddr @exits counter drop; }
	}
	table inet twbench {
		set exits { type ipv4_addr; elements = { $set } }
		chain input { type filter hook input priority 0; iifname "r6" ip saddr @exits counter drop; }
	}
	EOF
	# Without XDP, redirected frames reach a veth only through its GRO (NAPI).
	ip netns exec "$R" ethtool -K r5 gro on
	ip netns exec "$R" ethtool -K r6 gro on
}

# placement split|same: the receivers' NAPI in threads pinned to CPU 1, or
# in the generator's softirq.
placement() {
	local c k pid
	# Only the veths a case attached a program to have a NAPI to thread.
	for k in $(for c in "${CASES[@]}"; do echo "${IDX[$c]}"; done | sort -un); do
		ip netns exec "$R" sh -c "echo $([ "$1" = split ] && echo 1 || echo 0) >/sys/class/net/r$k/threaded"
	done
	[ "$1" = split ] || return 0
	for pid in $(napi_threads); do taskset -pc 1 "$pid" >/dev/null; done
}
napi_threads() { ps -eo pid,comm | awk '$2 ~ /^napi\/r[0-9]-/ {print $1}'; }
# napi_field FIELD K: ps's FIELD (pid, psr) of the NAPI thread of veth rK.
napi_field() { ps -eo "$1,comm" | awk -v p="napi/r$2-" 'index($2, p) == 1 {print $1; exit}'; }
ifindex_napi() { napi_field psr "$1"; }
# napi_ns K: the CPU time (ns) the NAPI thread of veth rK has used (0: none).
napi_ns() { awk '{print $1}' "/proc/$(napi_field pid "$1")/schedstat" 2>/dev/null || echo 0; }

# nft_counter FAMILY TABLE CHAIN: the packets its rule's counter saw.
nft_counter() {
	ip netns exec "$R" nft list chain "$@" | awk '{for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}'
}
# counts CASE: "taken dropped": the frames its veth took and what the case's
# own counter says it dropped (XDP cases: both from one read of ethtool -S).
counts() {
	local taken_dropped
	taken_dropped=$(ip netns exec "$R" ethtool -S r${IDX[$1]} |
		awk '$1 == "rx_queue_0_xdp_packets:" {t = $2} $1 == "rx_queue_0_xdp_drops:" {d = $2} END {print t, d}')
	case $1 in
	nftnd) echo "${taken_dropped% *} $(nft_counter netdev twbench ingress)" ;;
	nftin) echo "${taken_dropped% *} $(nft_counter inet twbench input)" ;;
	*) echo "$taken_dropped" ;;
	esac
}

# measure CASE [PPS]: runs the generator SECS (+0.5 s to settle), paced at
# about PPS if given; prints "Mpps dropped_share receiver_cpu ns_a_frame"
# (the last: the CPU time of the case's NAPI thread a frame it took; 0
# without such a thread).
measure() {
	local c=$1 k=${IDX[$1]} addrs=$T/${SRCS[$1]:-hits}.txt mac a b da db t0 t1 cpu n0 n1
	# What passes is addressed to another host: the stack drops it at once,
	# so the pass cases differ by their XDP program, not by the stack's noise.
	[ "${BASE[$c]:-}" = pass ] && mac=02:00:00:00:00:01 || mac=$(mac_of "$R" r$k)
	in_ns "$G" taskset -c 0 "$GEN" g$k "$mac" 198.18.$k.1 9 "$addrs" \
		"$(echo "$SECS + 0.7" | bc)" ${2:-} >"$T/gen.out" &
	sleep 0.5
	# The thread's time only when paced (the only placement that uses it),
	# read around the window, outside the rate's own timestamps.
	n0=0 n1=0
	[ -z "${2:-}" ] || n0=$(napi_ns $k)
	t0=$(date +%s%N)
	read -r a da < <(counts "$c")
	sleep "$SECS"
	t1=$(date +%s%N)
	read -r b db < <(counts "$c")
	[ -z "${2:-}" ] || n1=$(napi_ns $k)
	cpu=$(ifindex_napi $k)
	wait
	awk -v n=$((b - a)) -v d=$((db - da)) -v t=$((t1 - t0)) -v cpu="${cpu:-0}" \
		-v busy=$((n1 - n0)) 'BEGIN {
			printf "%.3f %.3f %s %.1f", n / t * 1000, (n ? d / n : 0), cpu,
				(n && busy > 0 ? busy / n : 0)
		}'
}

set_up
printf 'bench_macro: 64-byte IPv4 UDP frames from a live-frames XDP generator over veth, %d rounds\n' "$ROUNDS"
printf '             of %s s per case, cases interleaved; %d exit addresses listed (real list + 762);\n' "$SECS" "$N_EXITS"
printf '             hits cycle over 762 listed sources, misses over 762 unlisted; generator on CPU 0\n'

# cpu_ms PID: the user and system time the process used so far, in ms.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat" 2>/dev/null || echo 0; }
declare -A RATE SHARE CPU DAEMON_CPU
for mode in $PLACEMENTS; do
	placement $mode
	for r in $(seq "$ROUNDS"); do
		for c in "${CASES[@]}"; do
			d=${DAEMON_OF[$c]:-}
			[ -z "$d" ] || d0=$(cpu_ms "$d")
			read -r rate share cpu _ < <(measure "$c")
			# The daemon's CPU while its case ran: what a storm costs it.
			[ -z "$d" ] || DAEMON_CPU[$c]="${DAEMON_CPU[$c]:-} $(($(cpu_ms "$d") - d0))"
			RATE[$mode,$c]="${RATE[$mode,$c]:-} $rate"
			SHARE[$mode,$c]=$share CPU[$mode,$c]=$cpu
		done
	done
done
cp "$T/gen.out" "$T/gen-unpaced.out"	# the offered rate printed last is the unpaced one
declare -A PRATE PNS
if [ "$PACED" != 0 ]; then
	placement split
	for r in $(seq "$ROUNDS"); do
		for c in "${CASES[@]}"; do
			read -r rate share cpu ns < <(measure "$c" "$(echo "$PACED * 1000000 / 1" | bc)")
			PRATE[$c]="${PRATE[$c]:-} $rate" PNS[$c]="${PNS[$c]:-} $ns"
		done
	done
fi
placement same

# med MODE CASE: the median rate.
med() { median_spread ${RATE[$1,$2]} | awk '{print $1}'; }
printf '\n  %-34s %-22s %7s %9s  %-18s %8s %9s\n' "case" "split: Mpps (min-max)" "ratio" "dropped" \
	"same CPU: Mpps" "ratio" "extra ns"
for c in "${CASES[@]}"; do
	read -r sm smin smax < <(median_spread ${RATE[split,$c]})
	read -r om omin omax < <(median_spread ${RATE[same,$c]})
	base=${BASE[$c]:-drop}
	sr=$(echo "$sm / $(med split $base)" | bc -l) or=$(echo "$om / $(med same $base)" | bc -l)
	ns=$(echo "1000 / $om - 1000 / $(med same $base)" | bc -l)
	printf '  %-34s %5.2f (%5.2f-%5.2f) %7.2f %8.1f%%  %5.2f (%5.2f-%5.2f) %6.2f %9.1f\n' "${WHAT[$c]}" \
		"$sm" "$smin" "$smax" "$sr" "$(echo "${SHARE[split,$c]} * 100" | bc -l)" "$om" "$omin" "$omax" "$or" "$ns"
	record macro "${WHAT[$c]}, split, Mpps" "$sm" Mpps
	record macro "${WHAT[$c]}, same CPU, extra ns/packet over $base" "$(printf %.1f "$ns")" ns
done
printf '  receiver: split on CPU %s (its NAPI thread), same on CPU 0; ratios of torwatch drops to the\n' "${CPU[split,drop]}"
printf '  floor (parse and drop), of the other drops to the XDP_DROP ceiling, of passes to XDP_PASS;\n'
printf '  extra ns/packet = 1/rate - 1/rate of that baseline (same CPU)\n'
if [ "$PACED" != 0 ]; then
	# A case took fewer frames than the ceiling when it could not keep up.
	full=$(median_spread ${PRATE[drop]} | awk '{print $1}')
	printf '\n  split, paced at about %s Mpps: CPU time of the receiving NAPI thread a frame (median, min-max)\n' "$PACED"
	printf '  %-34s %9s %20s %10s\n' "case" "took Mpps" "ns a frame" "over base"
	for c in "${CASES[@]}"; do
		base=${BASE[$c]:-drop}
		read -r ns lo hi < <(median_spread ${PNS[$c]})
		over=$(echo "$ns - $(median_spread ${PNS[$base]} | awk '{print $1}')" | bc -l)
		took=$(median_spread ${PRATE[$c]} | awk '{print $1}')
		printf '  %-34s %9.2f %8.1f (%5.1f-%5.1f) %10.1f%s\n' "${WHAT[$c]}" "$took" "$ns" "$lo" "$hi" \
			"$over" "$([ "$(echo "$took < $full * 0.98" | bc)" = 1 ] && echo "  (did not keep up)")"
		record macro "${WHAT[$c]}, split paced, ns a frame" "$(printf %.1f "$ns")" ns
		[ "$c" = "$base" ] ||
			record macro "${WHAT[$c]}, split paced, ns a frame over $base" "$(printf %.1f "$over")" ns
	done
fi
for c in "${CASES[@]}"; do
	[ -n "${DAEMON_CPU[$c]:-}" ] || continue
	read -r m lo hi < <(median_spread ${DAEMON_CPU[$c]})
	printf '  daemon CPU during %s s of "%s": %s ms median (%s-%s)\n' "$SECS" "${WHAT[$c]}" "$m" "$lo" "$hi"
	record macro "daemon CPU during $SECS s of ${WHAT[$c]}" "$m" ms
done

# goal NAME VALUE OP LIMIT UNIT: prints and records whether a goal is met.
goal() {
	local met
	met=$(echo "$2 $3 $4" | bc -l)
	[ "$met" = 1 ] && met=true || met=false
	printf '  goal: %-58s %7.2f%s %s %s%s: %s\n' "$1" "$2" "$5" "$3" "$4" "$5" \
		"$([ $met = true ] && echo met || echo MISSED)"
	record macro-goal "$1" "$(printf %.3f "$2")" "${5:-x}" "$3 $4$5" $met
}
# goals PLACEMENT: the issue's goals, from that placement's medians.
goals() {
	local p=$1 tw xf
	tw=$(med "$p" twall) xf=$(med "$p" xfip)
	[ "$(echo "$(med "$p" xfall) > $xf" | bc)" = 1 ] && xf=$(med "$p" xfall)
	goal "torwatch block --all vs the floor, parse and drop ($p)" "$(echo "$tw / $(med "$p" floor)" | bc -l)" '>=' 0.9 x
	goal "torwatch block --all vs xdp-filter's best ($p)" "$(echo "$tw / $xf" | bc -l)" '>=' 1.2 x
	goal "torwatch block --all vs nftables netdev ($p)" "$(echo "$tw / $(med "$p" nftnd)" | bc -l)" '>=' 3 x
	goal "detecting, misses vs XDP_PASS ($p)" "$(echo "$(med "$p" twmiss) / $(med "$p" pass)" | bc -l)" '>=' 0.98 x
	goal "storm: 1M listed, 65,536 sources vs the real list ($p)" "$(echo "$(med "$p" tw1m) / $tw" | bc -l)" '>=' 0.8 x
}
if [ -z "${MACRO_CASES:-}" ]; then
	echo
	goals same
	goal "torwatch block --all, extra ns/packet over the floor (same)" \
		"$(echo "1000 / $(med same twall) - 1000 / $(med same floor)" | bc -l)" '<=' 10 ns
	goals split
fi
# Not goals: the floors against their baselines. The storm floors: what
# the storm's sources cost a program that only reads the slot each hashes
# to (and, for sfkeys, its counters), the bound on any table that size. The
# pass floor: what a detecting filter's misses can reach at best; and
# torwatch's misses against it.
declare -A BASE_NAME=([floor]="the floor" [pass]=XDP_PASS)
for p in same split; do
	for f in sfwide sfnarrow sfkeys pfloor; do
		selected $f || continue
		b=${BASE[$f]}
		ratio=$(echo "$(med "$p" $f) / $(med "$p" "$b")" | bc -l)
		printf '  floor (%s): %-40s %5.2fx %s\n' "$p" "${WHAT[$f]}" "$ratio" "${BASE_NAME[$b]}"
		record macro "${WHAT[$f]}, vs ${BASE_NAME[$b]} ($p)" "$(printf %.3f "$ratio")" x
	done
	selected pfloor && selected twmiss || continue
	ratio=$(echo "$(med "$p" twmiss) / $(med "$p" pfloor)" | bc -l)
	printf '  torwatch misses vs the pass floor (%s): %5.2fx\n' "$p" "$ratio"
	record macro "detecting, misses vs the pass floor ($p)" "$(printf %.3f "$ratio")" x
done
gen=$(awk '{print $2 / $5 / 1e6}' "$T/gen-unpaced.out")
printf '  the generator offered %.2f Mpps in the last case; a split figure near that is bounded by it\n' "$gen"
record macro "generator offered, last case" "$(printf %.3f "$gen")" Mpps
