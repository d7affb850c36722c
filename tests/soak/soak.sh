#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make soak (not in CI): a real daemon for SOAK_MINUTES (30) under mixed
# load in the test's namespaces: pings from an exit node and from a host
# that is not one, TCP connections to :22 from the exit node (each one's
# source port logged), a real SSH login from it every 30 s whose session
# connects out, a new listener every 20 s, the feed served over HTTP and
# changed every minute (--feed-interval 1m), SIGHUP every 5 minutes, a
# /metrics scrape every 5 s, and a webhook receiver that is down (500) for
# 1 minute in every 3. Once a minute: the daemon's RSS, open fds and CPU.
# At the end: every connection alerted (or counted lost), every high alert
# delivered to the webhook, RSS and fds flat after the first minutes.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/sshd_lib.sh"
require_root
MIN=${SOAK_MINUTES:-30}
one_exit_node
OTHER4=198.51.100.50	# on the exit node's side, not an exit
add_addrs "$X" eX $OTHER4/24
mkdir -p "$T/www"
echo $EXIT4 >"$T/www/exits"
nsenter --net="/run/netns/$H" python3 "$(dirname "$0")/../tools/feed_server.py" --root "$T/www" \
	--log "$T/feed.log" --portfile "$T/feedport" </dev/null >/dev/null 2>&1 &
FEED=$!
receiver_in "$H" ok
PIDS=()
trap 'kill $FEED $RPID "${PIDS[@]}" 2>/dev/null; stop_sshd; cleanup' EXIT
wait_for 10 test -s "$T/feedport" && wait_for 10 test -s "$T/recv/port" || { echo "soak: the servers did not start"; exit 1; }
start_sshd "$H" || { echo "soak: sshd did not start"; exit 1; }
MPORT=19482
cat >"$T/run.conf" <<EOT
[run]
interface = vX
feed = http://127.0.0.1:$(cat "$T/feedport")/f/exits
feed-interval = 1m
allowed-ports = 22,2222
metrics-listen = 127.0.0.1:$MPORT
egress-exclude = 127.0.0.0/8
[sink hook]
url = webhook+http://127.0.0.1:$(cat "$T/recv/port")/hook
EOT
start_daemon "$H" -c "$T/run.conf" || { echo "soak: torwatch did not start"; cat "$T/daemon.log"; exit 1; }
echo "soak: $MIN minutes, daemon pid $DAEMON_PID"

# --- the load ---
in_ns "$X" ping -q -i 0.02 $HOST4 -I $EXIT4 >/dev/null 2>&1 & PIDS+=($!)
in_ns "$X" ping -q -i 0.02 $HOST4 -I $OTHER4 >/dev/null 2>&1 & PIDS+=($!)
connect_loop "$X" $EXIT4 $HOST4 22 0.5 "$T/made"; PIDS+=($LOOP_PID)
( while :; do ssh_run "$X" $EXIT4 $HOST4 2222 "bash -c ': 3<>/dev/tcp/$EXIT4/80' 2>/dev/null; true" >/dev/null 2>&1; sleep 30; done ) & PIDS+=($!)
( p=40000; while :; do in_ns "$H" "$TOOLS/listen_port" tcp4 0.0.0.0 $p 100 >/dev/null 2>&1; p=$((p + 1)); sleep 20; done ) & PIDS+=($!)
( while :; do in_ns "$H" curl -s -o /dev/null --max-time 5 http://127.0.0.1:$MPORT/metrics; sleep 5; done ) & PIDS+=($!)

# --- the clock: feed, SIGHUP, receiver, samples ---
sample() {	# "minute rss_kib fds cpu_s"
	local st
	st=$(cut -d' ' -f14,15 "/proc/$DAEMON_PID/stat")
	echo "$1 $(awk '/^VmRSS/ {print $2}' "/proc/$DAEMON_PID/status") $(ls "/proc/$DAEMON_PID/fd" | wc -l)" \
		"$(awk -v t="$st" -v hz="$(getconf CLK_TCK)" 'BEGIN { split(t, a, " "); printf "%.1f", (a[1] + a[2]) / hz }')"
}
printf 'soak: %6s %10s %5s %8s\n' minute "RSS KiB" fds "CPU s"
: >"$T/samples"
for m in $(seq 0 "$MIN"); do
	kill -0 "$DAEMON_PID" 2>/dev/null || { echo "soak: FAIL: the daemon died at minute $m"; tail -20 "$T/daemon.log"; exit 1; }
	sample $m | tee -a "$T/samples" | awk '{ printf "soak: %6s %10s %5s %8s\n", $1, $2, $3, $4 }'
	[ "$m" = "$MIN" ] && break
	{ echo $EXIT4; [ $((m % 2)) = 0 ] && echo 198.51.100.9; } >"$T/www/exits"
	[ $((m % 5)) = 4 ] && kill -HUP "$DAEMON_PID"
	case $((m % 3)) in 1) echo 500 ;; *) echo ok ;; esac >"$T/recv/mode"
	sleep 60
done

# --- the end: loads stop, a barrier, the figures ---
kill "${PIDS[@]}" 2>/dev/null
wait "${PIDS[@]}" 2>/dev/null
echo ok >"$T/recv/mode"
barrier=$(tcp_connects "$X" 1 $EXIT4 $HOST4 22)
echo $barrier >>"$T/made"
wait_for 20 sh -c "jq -e --argjson p $barrier 'select(.rule.id == \"ssh_from_tor\" and .source.port == \$p)' $T/alerts.json >/dev/null" ||
	{ echo "soak: FAIL: the barrier connection was not alerted"; exit 1; }
made=$(sort -u "$T/made" | grep -c .)
missing=$(comm -23 <(sort -u "$T/made") <(jq -r 'select(.rule.id == "ssh_from_tor") | .source.port' "$T/alerts.json" | sort -u) | grep -c .)
st=$(tw_in "$H" status --json)
kernel_lost=$(jq '.events.lost + .events.ssh_lost' <<<"$st")
high=$(jq -r 'select(.event.severity >= 73) | .event.id' "$T/alerts.json" | sort -u)
delivered_all() { [ -z "$(comm -23 <(echo "$high") <(jq -r '.body | fromjson | .event.id' "$T/recv/requests.jsonl" | sort -u))" ]; }
wait_for 60 delivered_all && undelivered=0 || undelivered=$(comm -23 <(echo "$high") <(jq -r '.body | fromjson | .event.id' "$T/recv/requests.jsonl" | sort -u) | grep -c .)
hook_lost=$(jq '[.alerts.sinks[] | select(.kind == "webhook") | .dropped + .too_large] | add' <<<"$st")
echo "soak: $made SSH connections from the exit node, $missing without an alert; kernel events lost: $kernel_lost"
echo "soak: $(echo "$high" | grep -c .) high and critical alerts, $undelivered not delivered to the webhook; alerts the webhook dropped (any severity): $hook_lost"
echo "soak: logins from Tor alerted: $(jq -c 'select(.rule.id == "ssh_login_from_tor")' "$T/alerts.json" | grep -c .); session egress: $(jq -c 'select(.rule.id == "sshd_child_egress")' "$T/alerts.json" | grep -c .); SIGHUPs: $(grep -c 'SIGHUP: reloading' "$T/daemon.log")"
# Flat after warm-up: the sample at minute 2 (or the first) against the last.
read -r _ rss0 fd0 _ < <(sed -n "$([ "$MIN" -ge 2 ] && echo 3 || echo 1)p" "$T/samples")
read -r _ rss1 fd1 cpu1 < <(tail -1 "$T/samples")
echo "soak: RSS $rss0 -> $rss1 KiB after warm-up, fds $fd0 -> $fd1, CPU $cpu1 s in $MIN minutes"
fail=0
[ "$missing" -le "$kernel_lost" ] || { echo "soak: FAIL: connections without an alert"; fail=1; }
[ "$undelivered" = 0 ] || { echo "soak: FAIL: high alerts not delivered"; fail=1; }
[ "$rss1" -le $((rss0 + rss0 / 10 + 1024)) ] || { echo "soak: FAIL: RSS grew more than 10% + 1 MiB"; fail=1; }
[ "$fd1" -le "$fd0" ] || { echo "soak: FAIL: open fds grew"; fail=1; }
stop_daemon
tw_in "$H" unload >/dev/null
[ $fail = 0 ] && echo "soak: passed"
exit $fail
