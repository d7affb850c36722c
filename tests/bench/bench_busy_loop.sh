#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: alert latency while the daemon is busy. One daemon with the
# real list and 10,000 more sources, a webhook sink whose receiver takes
# 200 ms per POST, and its stdout sink piped into a reader that never
# reads; the listen latency (listen() -> alert) and the SSH latency (a real
# sshd's connection from a fake exit node -> alert), p50/p99/max, in four
# conditions, each after the one before:
#   quiet          nothing else
#   scrapes        /metrics scraped back to back (10,000 sources)
#   1M apply       a feed of 1,000,000 addresses replacing the 10,000
#   stuck stdout   the same as quiet, once the stdout pipe has been full a while
# Goal: p99 < 5 ms in every one.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/sshd_lib.sh"
. "$(dirname "$0")/bench_lib.sh"
require_root
N=${N:-200}
S=tbb-$ID X=tbx-$ID
add_netns "$S"; add_netns "$X"
link_ns "$S" vX "$X" eX
add_addrs "$S" vX 198.51.100.1/24
add_addrs "$X" eX 198.51.100.7/24
mkdir -p "$T/state"
PORT=19479
REAL=$(cd "$(dirname "$0")/../.." && pwd)/$(cd "$(dirname "$0")/../.." && ls data/exit-addresses.*.txt | tail -1)
{ echo 198.51.100.7; "$TOOLS/flood_sources" list 10000; } >"$T/feed.txt"
receiver_in "$S" slow:200
wait_for 10 test -s "$T/recv/port" || { echo "bench_busy_loop: the receiver did not start"; exit 1; }
mkfifo "$T/stuck"
# A reader that opens the pipe and never reads: the daemon's stdout fills.
sleep 100000 <"$T/stuck" &
STUCK=$!
trap 'kill $STUCK $RPID ${SCRAPER:-} 2>/dev/null; stop_sshd; cleanup' EXIT
start_sshd "$S" || { echo "bench_busy_loop: sshd did not start"; exit 1; }
nsenter --net="/run/netns/$S" "$TW" run --pin-root "$PIN" --state-dir "$T/state" --alerts "$T/alerts.json" \
	--alerts - --alerts "webhook+http://127.0.0.1:$(cat "$T/recv/port")/hook" --sources none \
	--relay-sources none --keep-on-stop -i vX --feed "$REAL" --feed "$T/feed.txt" --max-exits 1100000 \
	--ssh-ports 2222 --metrics-listen 127.0.0.1:$PORT </dev/null >"$T/stuck" 2>>"$T/daemon.log" &
DAEMON_PID=$!
wait_for 30 grep -q "running (pid $DAEMON_PID," "$T/daemon.log" ||
	{ echo "bench_busy_loop: torwatch did not start"; cat "$T/daemon.log"; exit 1; }
in_ns "$X" "$TOOLS/flood_sources" send eX "$(mac_of "$S" vX)" 10000 >/dev/null 2>&1

base=21000
# loop_slow: each event-loop input's runs of 5 ms or more so far, and its
# longest, as the daemon published them (once a second).
loop_slow() { tw_in "$S" status --json | jq -c '[.event_loop.inputs[] | {(.name): [.slow, .longest_ms]}] | add'; }
# loop_fresh: waits for the next figures published after now (the heartbeat
# input's own runs change them at every publish), so none is left out.
loop_all() { tw_in "$S" status --json | jq -c '.event_loop.inputs'; }
loop_moved() { [ "$(loop_all)" != "$LOOP_WAS" ]; }
loop_fresh() {
	LOOP_WAS=$(loop_all)
	wait_for 3 loop_moved || echo "  (the event loop's figures were not published again within 3 s)"
}
# round NAME: the listen and the SSH latency, recorded under NAME, and the
# inputs that held the event loop 5 ms or more during it (what made a tail).
round() {
	local before
	echo "  -- $1"
	# Not waited for: a wait would change the condition (the apply runs).
	# A slow run in the second before the round counts in it.
	before=$(loop_slow)
	# A round whose alerts take longer than the tools wait (3 s) says so
	# and the next round runs: that is a figure too.
	in_ns "$S" "$TOOLS/listen_latency" "$T/alerts.json" "$N" $base
	base=$((base + N))
	in_ns "$X" "$TOOLS/ssh_latency" "$T/alerts.json" 198.51.100.7 198.51.100.1 2222 "$N"
	loop_fresh
	jq -rn --argjson a "$before" --argjson b "$(loop_slow)" '[$b | to_entries[] |
		select(.value[0] > ($a[.key][0] // 0)) |
		"\(.key) \(.value[0] - ($a[.key][0] // 0))x (longest so far \(.value[1]) ms)"] |
		"  event loop held 5 ms or more in the round: " + (if length == 0 then "never" else join(", ") end)'
}
echo "bench_busy_loop: $N listens and $N SSH connections per condition; webhook receiver 200 ms per POST, stdout piped to a reader that never reads"
BENCH_CONDITION=quiet round "quiet"
( while :; do in_ns "$S" curl -s -o /dev/null "http://127.0.0.1:$PORT/metrics"; done ) &
SCRAPER=$!
BENCH_CONDITION=scrapes round "/metrics scraped back to back (10,000 sources)"
kill $SCRAPER; wait $SCRAPER 2>/dev/null; SCRAPER=
{ echo 198.51.100.7; "$TOOLS/flood_sources" list 1000000; } >"$T/feed.new" && mv "$T/feed.new" "$T/feed.txt"
kill -HUP $DAEMON_PID
BENCH_CONDITION=apply round "a 1,000,000-address feed applied (SIGHUP)"
applied() { grep -Eq 'exit set: [0-9]+ IPv4 \+ 10000[0-9]{2} IPv6' "$T/daemon.log"; }	# the exit node stays listed
applied && echo "  (the 1M apply finished within the round)" || echo "  (the 1M apply was still under way when the round ended)"
wait_for 120 applied || echo "  (the 1M apply did not finish in 120 s)"
BENCH_CONDITION=stuck round "stdout's reader stuck for the whole run (its pipe full)"
echo "  stdout sink: $(tw_in "$S" status --json | jq -c '.alerts.sinks[] | select(.name == "stdout") | {queued, dropped, written}')"
kill $DAEMON_PID; wait $DAEMON_PID 2>/dev/null; DAEMON_PID=
