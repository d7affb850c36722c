#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: the Tor client sensor. (1) What its connect hooks add to a
# connect() that hits nothing (refused, nothing listed):
# without torwatch, with torwatch but --tor-client no (the session
# tracker's hooks only), and with the sensor on; interleaved, five rounds,
# medians. (2) The time from connect() returning to the
# tor_client_connection line, over N connects to a relay listed by address.
# (3) The time to write an Onionoo-sized relay set, and to refresh it.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/bench_lib.sh"
require_root
trap cleanup EXIT
N=${N:-200} CONNECTS=${CONNECTS:-20000}
H=tbt-$ID
add_netns "$H"
veth_in "$H" vB vB2
add_addrs "$H" vB 198.51.100.1/24
mkdir -p "$T/state"
echo "198.51.100.99" >"$T/relays.txt"	# by address: every port is a relay port
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# To the host's own address, where nothing listens: refused at once, and
# not loopback, so the relay map is looked up (and missed) twice.
loop() { in_ns "$H" taskset -c 1 "$TOOLS/connect_loop" "$CONNECTS" 198.51.100.1 9; }
declare -A ns
for round in 1 2 3 4 5; do
	ns[off]+="$(loop) "
	start_daemon "$H" -i vB --tor-client no || { echo "bench_tor_client: torwatch did not start"; exit 1; }
	ns[session]+="$(loop) "
	stop_daemon
	start_daemon "$H" -i vB --relay-file "$T/relays.txt" || { echo "bench_tor_client: torwatch did not start"; exit 1; }
	ns[tor]+="$(loop) "
	stop_daemon
done
off=$(tr ' ' '\n' <<<"${ns[off]}" | grep . | median)
ses=$(tr ' ' '\n' <<<"${ns[session]}" | grep . | median)
tor=$(tr ' ' '\n' <<<"${ns[tor]}" | grep . | median)
echo "bench_tor_client: socket()+connect()+close() to a refused port on the host's address, ns on one CPU (median of 5 interleaved runs of $CONNECTS)"
echo "  rounds: off ${ns[off]}| session hooks ${ns[session]}| + Tor client ${ns[tor]}"
awk -v off="$off" -v ses="$ses" -v tor="$tor" 'BEGIN {
	printf "  without torwatch                   %8.1f\n", off
	printf "  torwatch, --tor-client no         %8.1f  %+6.1f ns  %.3fx\n", ses, ses - off, ses / off
	printf "  torwatch with the Tor client      %8.1f  %+6.1f ns  %.3fx (vs no: %+.1f ns)\n", tor, tor - off, tor / off, tor - ses
}'
record events "connect() miss, Tor client sensor vs --tor-client no" "$(awk -v a="$tor" -v b="$ses" 'BEGIN {print a / b}')" x
# The whole connect() is noisy on a VM (the rounds above spread by more than
# the hooks cost); the kernel's own statistics time each program run.
start_daemon "$H" -i vB --relay-file "$T/relays.txt" --dedup-window 0
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
loop >/dev/null
prog_ns() { bpftool prog show -j | jq --arg n "$1" '[.[] | select(.name == $n and (.run_cnt // 0) > 0)] | last | .run_time_ns / .run_cnt'; }
tor_ns=$(prog_ns tor_client_connect4) ses_ns=$(prog_ns egress_connect4)
sysctl -qw kernel.bpf_stats_enabled="$stats_was"
echo "bench_tor_client: ns per run of a connect4 hook on that miss (kernel.bpf_stats_enabled)"
printf '  Tor client (tor_client_connect4)   %6.1f\n  session tracker (egress_connect4)  %6.1f\n' "$tor_ns" "$ses_ns"
record events "connect4 miss: Tor client hook, ns per run" "$tor_ns" ns
record events "connect4 miss: session tracker hook, ns per run" "$ses_ns" ns
echo "bench_tor_client: connect() to a listed relay -> tor_client_connection"
in_ns "$H" "$TOOLS/egress_latency" "$T/alerts.json" "$N" 198.51.100.99 30000 tor_client_connection
stop_daemon

# (3) An Onionoo-sized relay set: 9,000 relays (an IPv4 ORPort each, IPv6
# for half, a DirPort for a third), written first, then refreshed with 5% gone.
onionoo() {	# onionoo N SKIP: relays 1..N but every SKIP-th
	python3 - "$@" <<'PY'
import json, sys
n, skip = int(sys.argv[1]), int(sys.argv[2])
relays = []
for i in range(1, n + 1):
    if skip and i % skip == 0:
        continue
    a = "10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255)
    r = {"nickname": "r%d" % i, "fingerprint": "%040X" % i, "or_addresses": [a + ":9001"]}
    if i % 2:
        r["or_addresses"].append("[2001:db8:%x::1]:443" % i)
    if i % 3 == 0:
        r["dir_address"] = a + ":9030"
    relays.append(r)
print(json.dumps({"relays": relays}))
PY
}
onionoo 9000 0 >"$T/big.json"
start_daemon "$H" -i vB --relay-file "$T/big.json" --builtin-relays no --dedup-window 0
first=$(grep -o "relay set: .*" "$T/daemon.log" | tail -1)
n_before=$(grep -c "relay set: " "$T/daemon.log")
onionoo 9000 20 >"$T/big.new" && mv "$T/big.new" "$T/big.json"
wait_for 10 sh -c "[ \$(grep -c 'relay set: ' $T/daemon.log) -gt $n_before ]"
again=$(grep -o "relay set: .*" "$T/daemon.log" | tail -1)
echo "bench_tor_client: an Onionoo-sized relay set (9,000 relays) written to the map"
echo "  first:   $first"
echo "  refresh: $again"
us_of() { sed -n 's/.* in \([0-9]*\) us.*/\1/p' <<<"$1"; }
record events "relay set of 9,000 relays: first write, us" "$(us_of "$first")" us
record events "relay set of 9,000 relays: refresh with 5% gone, us" "$(us_of "$again")" us
stop_daemon
finish
