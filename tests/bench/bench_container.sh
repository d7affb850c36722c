#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: what naming the container costs each alert that names a
# process. A real Podman container (runc, --rootfs: no registry) and a host
# process, side by side: the first lookup (median of 21 fresh processes),
# a cached one (20,000 in one process; served by the event's cgroup id),
# and the walk of the cgroup tree that names a process already gone, in
# microseconds; then what it does to alert latency: listen() to the
# unexpected_listen_port alert for the same tool on the host and in the
# container, two rounds each, alternating.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/bench_lib.sh"
. "$(dirname "$0")/../integration/podman_lib.sh"
require_root
podman_ready "$T/rootfs" || { echo "bench_container: SKIP: $PODMAN_WHY"; exit 0; }
BIN=$(dirname "$TW")/.output/tests/bench_container
NAME=twbench-ctr-$ID
trap 'podman rm -f "$NAME" "$NAME-lat" >/dev/null 2>&1; cleanup' EXIT
ctr_run "$NAME" none "$T/rootfs" sleep 600 >/dev/null
cpid=$(podman inspect -f '{{.State.Pid}}' "$NAME")
sleep 600 & hpid=$!
run() {	# run PID: "cold_median cached_median walk_median name"
	local colds=() cacheds=() walks=() out name
	for i in $(seq 21); do
		out=$("$BIN" "$1" 20000) || { echo "bench_container: FAIL: $BIN $1" >&2; exit 1; }
		read -r cold cached walk name <<<"$out"
		colds+=("$cold") cacheds+=("$cached") walks+=("$walk")
	done
	echo "$(median_spread "${colds[@]}" | cut -d' ' -f1) $(median_spread "${cacheds[@]}" | cut -d' ' -f1)" \
	     "$(median_spread "${walks[@]}" | cut -d' ' -f1) $name"
}
read -r ccold ccached cwalk cname <<<"$(run "$cpid")"
read -r hcold hcached hwalk _ <<<"$(run "$hpid")"
kill $hpid
ncg=$(find "$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)" -type d | wc -l)
echo "bench_container: naming the container of a process, us (median of 21 runs; $ncg cgroups)"
printf '  %-34s %8s %8s %12s\n' "" "first" "cached" "gone (walk)"
printf '  %-34s %8.1f %8.3f %12.1f\n' "Podman container ($cname)" "$ccold" "$ccached" "$cwalk" \
	"host process (no container)" "$hcold" "$hcached" "$hwalk"
record events "container lookup, Podman, first" "$ccold" us
record events "container lookup, Podman, cached" "$ccached" us
record events "container lookup, host process, cached" "$hcached" us
record events "container lookup, process gone (cgroup walk)" "$cwalk" us

# Alert latency, host and container side by side (one daemon).
N=${N:-200}
H=tbc-$ID
add_netns "$H"
veth_in "$H" vL vM
start_daemon "$H" -i vL || { echo "bench_container: torwatch did not start"; cat "$T/daemon.log"; exit 1; }
install -m 0755 "$TOOLS/listen_latency" "$T/rootfs/usr/local/bin/listen_latency"
CTR_OPTS="-v $T:$T" ctr_run "$NAME-lat" "ns:/run/netns/$H" "$T/rootfs" sleep 600 >/dev/null
lat_row() {	# lat_row OUTPUT: "p50 p99 max" of listen() -> alert written
	local row
	row=$(sed -n 's/.*called -> alert written *\([-0-9.]*\) *\([-0-9.]*\) *\([-0-9.]*\).*/\1 \2 \3/p' <<<"$1")
	# A row it cannot read is a failure, not a row of zeros.
	[ -n "$row" ] || { echo "bench_container: FAIL: no latency row in: $1" >&2; return 1; }
	echo "$row"
}
echo "  listen() -> alert written, ms ($N listens per round)      p50      p99      max"
for round in 1 2; do
	base=$((20000 + round * 1000))
	out=$(in_ns "$H" "$TOOLS/listen_latency" "$T/alerts.json" "$N" $base) ||
		{ echo "bench_container: FAIL: $out"; exit 1; }
	row=$(lat_row "$out") || exit 1
	read -r p50 p99 max <<<"$row"
	printf '  %-50s %8.3f %8.3f %8.3f\n' "host process, round $round" "$p50" "$p99" "$max"
	hp99+=("$p99")
	out=$(podman exec "$NAME-lat" listen_latency "$T/alerts.json" "$N" $((base + 500))) ||
		{ echo "bench_container: FAIL: $out"; exit 1; }
	row=$(lat_row "$out") || exit 1
	read -r p50 p99 max <<<"$row"
	printf '  %-50s %8.3f %8.3f %8.3f\n' "in the Podman container, round $round" "$p50" "$p99" "$max"
	cp99+=("$p99")
done
check_named=$(jq -r 'select(.rule.id=="unexpected_listen_port" and .container.name != null) | .container.name' \
	"$T/alerts.json" | sort -u)
[ "$check_named" = "$NAME-lat" ] || { echo "bench_container: FAIL: the container's alerts name '$check_named'"; exit 1; }
record events "listen alert p99, host process" "$(median_spread "${hp99[@]}" | cut -d' ' -f1)" ms
record events "listen alert p99, in a Podman container" "$(median_spread "${cp99[@]}" | cut -d' ' -f1)" ms
stop_daemon
