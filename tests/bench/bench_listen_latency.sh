#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: latency from listen() returning to torwatch writing the
# unexpected_listen_port alert line.
. "$(dirname "$0")/../integration/lib.sh"
require_root
N=${N:-200}
H=tbl-$ID
add_netns "$H"
veth_in "$H" vL vM
mkdir -p "$T/state"
start_daemon "$H" -i vL || { echo "bench_listen_latency: torwatch did not start"; cat "$T/daemon.log"; exit 1; }
echo "bench_listen_latency: $N listens on distinct ports ($(grep -o 'listen hook: [a-z]*' "$T/daemon.log"))"
in_ns "$H" "$TOOLS/listen_latency" "$T/alerts.json" "$N" 20000
