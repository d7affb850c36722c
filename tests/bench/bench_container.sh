#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: what naming the container costs each alert that names a
# process. A real Podman container (runc, --rootfs: no registry) and a host
# process, side by side: the first lookup (median of 21 fresh processes)
# and a cached one (20,000 in one process), in microseconds.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/bench_lib.sh"
. "$(dirname "$0")/../integration/podman_lib.sh"
require_root
podman_ready "$T/rootfs" || { echo "bench_container: SKIP: $PODMAN_WHY"; exit 0; }
BIN=$(dirname "$TW")/.output/tests/bench_container
NAME=twbench-ctr-$ID
trap 'podman rm -f "$NAME" >/dev/null 2>&1; cleanup' EXIT
ctr_run "$NAME" none "$T/rootfs" sleep 600 >/dev/null
cpid=$(podman inspect -f '{{.State.Pid}}' "$NAME")
sleep 600 & hpid=$!
run() {	# run PID: "cold_median cached_median name"
	local colds=() cacheds=() out name
	for i in $(seq 21); do
		out=$("$BIN" "$1" 20000)
		colds+=("$(cut -d' ' -f1 <<<"$out")") cacheds+=("$(cut -d' ' -f2 <<<"$out")") name=$(cut -d' ' -f3 <<<"$out")
	done
	echo "$(median_spread "${colds[@]}" | cut -d' ' -f1) $(median_spread "${cacheds[@]}" | cut -d' ' -f1) $name"
}
read -r ccold ccached cname <<<"$(run "$cpid")"
read -r hcold hcached _ <<<"$(run "$hpid")"
kill $hpid
echo "bench_container: naming the container of a process, us (median of 21 runs)"
printf '  %-34s %8s %8s\n' "" "first" "cached"
printf '  %-34s %8.1f %8.2f\n' "Podman container ($cname)" "$ccold" "$ccached" "host process (no container)" "$hcold" "$hcached"
record events "container lookup, Podman, first" "$ccold" us
record events "container lookup, Podman, cached" "$ccached" us
record events "container lookup, host process, cached" "$hcached" us
