#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: SSH session tracking. (1) Latency from a session process's
# connect() returning to torwatch writing the sshd_child_egress line, over
# N connects to distinct destinations. (2) What the tracker's hooks add to
# a fork()+exec()+exit() loop, which they see on every process of the host:
# without torwatch, with it running (a process in no session), and inside an
# SSH session (every fork and exit changes the session maps); interleaved,
# three rounds, medians.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/sshd_lib.sh"
. "$(dirname "$0")/bench_lib.sh"
require_root
trap 'stop_sshd; cleanup' EXIT
N=${N:-200} SPAWNS=${SPAWNS:-5000}
S=tbs-$ID C=tbc-$ID
add_netns "$S"; add_netns "$C"
link_ns "$S" vC "$C" eC
add_addrs "$S" vC 203.0.113.1/24
add_addrs "$C" eC 203.0.113.50/24
mkdir -p "$T/state"
TOOLS=$TOOLS
start_sshd "$S" || { echo "bench_session: sshd did not start"; exit 1; }
spawn() {	# spawn off|on|session: microseconds per fork+exec+exit
	case $1 in
	session) ssh_run "$C" 203.0.113.50 203.0.113.1 2222 "$TOOLS/spawn_loop $SPAWNS" ;;
	*) in_ns "$S" "$TOOLS/spawn_loop" "$SPAWNS" ;;
	esac
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
declare -A us
for round in 1 2 3; do
	us[off]+="$(spawn off) "
	start_daemon "$S" -i vC --egress-exclude 127.0.0.0/8 || { echo "bench_session: torwatch did not start"; exit 1; }
	us[on]+="$(spawn on) "
	us[session]+="$(spawn session) "
	stop_daemon
done
start_daemon "$S" -i vC --egress-exclude 127.0.0.0/8 --dedup-window 0
echo "bench_session: $N connects from an SSH session to distinct destinations"
ssh_run "$C" 203.0.113.50 203.0.113.1 2222 "$TOOLS/egress_latency $T/alerts.json $N 203.0.113.99 30000"
stop_daemon
off=$(tr ' ' '\n' <<<"${us[off]}" | grep . | median)
on=$(tr ' ' '\n' <<<"${us[on]}" | grep . | median)
ses=$(tr ' ' '\n' <<<"${us[session]}" | grep . | median)
echo "bench_session: fork()+exec()+exit(), us per round (median of 3 interleaved runs of $SPAWNS)"
awk -v off="$off" -v on="$on" -v ses="$ses" 'BEGIN {
	printf "  without torwatch                %8.1f\n", off
	printf "  torwatch running, no session    %8.1f  %+6.1f us  %.3fx\n", on, on - off, on / off
	printf "  inside an SSH session           %8.1f  %+6.1f us  %.3fx\n", ses, ses - off, ses / off
}'
record events "fork+exec+exit, torwatch running vs without" "$(awk -v a="$on" -v b="$off" 'BEGIN {print a / b}')" x
record events "fork+exec+exit, inside an SSH session vs without" "$(awk -v a="$ses" -v b="$off" 'BEGIN {print a / b}')" x
