#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: latency from a client's SSH connection being established (from
# a fake exit node) to torwatch writing the ssh_from_tor alert line.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/sshd_lib.sh"
require_root
trap 'stop_sshd; cleanup' EXIT
N=${N:-200}
S=tbs-$ID X=tbx-$ID
add_netns "$S"; add_netns "$X"
link_ns "$S" vX "$X" eX
add_addrs "$S" vX 198.51.100.1/24
add_addrs "$X" eX 198.51.100.7/24
echo 198.51.100.7 >"$T/exits.txt"
mkdir -p "$T/state"
start_sshd "$S" || { echo "bench_ssh_latency: sshd did not start"; exit 1; }
start_daemon "$S" -i vX --feed "$T/exits.txt" --ssh-ports 2222 ||
	{ echo "bench_ssh_latency: torwatch did not start"; cat "$T/daemon.log"; exit 1; }
echo "bench_ssh_latency: $N connections to a real sshd (port 2222) from a fake exit node"
in_ns "$X" "$TOOLS/ssh_latency" "$T/alerts.json" 198.51.100.7 198.51.100.1 2222 "$N"
