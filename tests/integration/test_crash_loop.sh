#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A crash loop: the daemon killed with SIGKILL 20 times at random points
# (half of them a fraction of a second after it was spawned, maybe in the
# middle of its start) while a fake exit node keeps connecting to the SSH
# port, pings flow and the feed file changes. Afterwards: every start
# worked on the pinned state the kills left, the packet counters only grew,
# every connection made was alerted as ssh_from_tor (raised by the pinned
# SSH detector even while no daemon ran) or counted lost, and every
# ssh_from_tor alert reached the webhook.
. "$(dirname "$0")/lib.sh"
require_root
KILLS=${KILLS:-20}
one_exit_node
receiver_in "$H" ok
accept_and_close "$H" 22
trap 'kill $RPID $ACCEPT_PID $GEN $PING 2>/dev/null; cleanup' EXIT
check "the receiver listens" wait_for 5 test -s "$T/recv/port"
cat >"$T/run.conf" <<EOT
[run]
interface = vX
feed = $T/exits.txt
allowed-ports = 22
[sink hook]
url = webhook+http://127.0.0.1:$(cat "$T/recv/port")/hook
rules = ssh_from_tor
EOT
spawn() {	# the daemon as start_daemon runs it, without waiting for it
	nsenter --net="/run/netns/$H" "$TW" run --pin-root "$PIN" --state-dir "$T/state" --alerts "$T/alerts.json" \
		--sources none --relay-sources none --keep-on-stop -c "$T/run.conf" </dev/null >/dev/null 2>>"$T/daemon.log" &
	DAEMON_PID=$!
}
packets() { tw_in "$H" stats --json | jq '[.protocols[]?.packets] | add // 0'; }
check "the first start" start_daemon "$H" -c "$T/run.conf"
# The load: 20 connections a second to :22 (each one's source port logged),
# and a ping every 20 ms.
connect_loop "$X" $EXIT4 $HOST4 22 0.05 "$T/made"
GEN=$LOOP_PID
in_ns "$X" ping -q -i 0.02 $HOST4 >/dev/null 2>&1 &
PING=$!
last=0 grew=1 starts=0
kill -KILL "$DAEMON_PID"	# the first kill: the daemon of the first start
wait "$DAEMON_PID" 2>/dev/null
for i in $(seq 2 "$KILLS"); do
	# The feed changes under the daemon: a second exit address comes and goes.
	{ echo $EXIT4; [ $((i % 2)) = 0 ] && echo 198.51.100.8; } >"$T/exits.txt"
	if [ $((i % 2)) = 0 ]; then
		spawn
		sleep "0.$((RANDOM % 4))"	# maybe before it runs: in the middle of its start
	else
		spawn
		wait_for 10 grep -q "running (pid $DAEMON_PID," "$T/daemon.log" && starts=$((starts + 1))
		[ $((i % 3)) = 0 ] && tw_in "$H" feed update >/dev/null 2>&1
		sleep "0.$((RANDOM % 9 + 1))"
	fi
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	now=$(packets)
	[ "$now" -ge "$last" ] || grew=0
	last=$now
done
echo "# $KILLS kills, $((starts + 1)) of them after the daemon said it runs"
check "a start after $KILLS kills works on the state they left" start_daemon "$H" -c "$T/run.conf"
check "the packet counters only grew across the kills" test $grew = 1
kill $GEN $PING 2>/dev/null
wait $GEN $PING 2>/dev/null
# Barrier: one more connection, after the generator stopped; its alert
# comes after every event before it in the ring.
barrier=$(tcp_connects "$X" 1 $EXIT4 $HOST4 22)
echo $barrier >>"$T/made"
# The files are read while they are written: a line not whole yet is skipped.
alerts() { jq -Rc 'fromjson? | select(.rule.id == "ssh_from_tor")' "$T/alerts.json"; }
barrier_alerted() { [ -n "$(alerts | jq -c --argjson p "$barrier" 'select(.source.port == $p)')" ]; }
check "the barrier connection is alerted" wait_for 10 barrier_alerted
# By source port (a port may come again over the run: each is one key).
made=$(sort -u "$T/made" | grep -c .)
unalerted=$(comm -23 <(sort -u "$T/made") <(alerts | jq -r .source.port | sort -u))
lost=$(tw_in "$H" status --json | jq .events.ssh_lost)
echo "# $made source ports used; $(grep -c . <<<"$unalerted") without an ssh_from_tor alert${unalerted:+ (}$(paste -sd' ' <<<"$unalerted")${unalerted:+)}; $lost SSH events lost"
check "every connection was alerted or counted lost" test "$(grep -c . <<<"$unalerted")" -le "$lost"
check_eq "... and none was lost" 0 "$lost"
raised() { alerts | jq -r .event.id | sort -u; }
posted() { jq -Rr 'fromjson? | .body | fromjson | .event.id' "$T/recv/requests.jsonl" 2>/dev/null; }
received() { posted | sort -u; }
all_in() { [ -z "$(comm -23 <(raised) <(received))" ]; }
check "every ssh_from_tor alert reached the webhook" wait_for 60 all_in
dups=$(( $(posted | wc -l) - $(received | wc -l) ))
echo "# the webhook got $(received | wc -l) alerts, $dups twice"
stop_daemon
check "unload" tw_in "$H" unload
finish
