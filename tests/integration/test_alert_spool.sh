#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# No high alert is lost while an HTTP receiver is down: every high alert is
# written ahead to the spool on disk (a memory queue of 3 keeps copies of
# the first, and no room for the alerts below high); the receiver answers
# 500, then hangs, then resets connections; the daemon is restarted while it
# is down; when it answers again every high alert arrives once, in order.
. "$(dirname "$0")/lib.sh"
require_root
LP=$TOOLS/listen_port
receiver_host 500
cat >"$T/spool.conf" <<EOT
[run]
interface = vW
allowed-ports = 22
[sink hook]
url = webhook+http://127.0.0.1:$P/hook
queue-size = 3
timeout = 2s
EOT
check "torwatch starts with a queue of 3" start_daemon "$H" -c "$T/spool.conf"
listeners() { for port in "$@"; do in_ns "$H" "$LP" tcp4 0.0.0.0 "$port" 50 >/dev/null; done; }
# Ours, and what the start-up inventory finds (the receiver, other hosts'
# listeners): every high alert counts, whatever raised it.
ours() { jq -r 'select(.rule.id == "unexpected_listen_port") | .destination.port' "$T/alerts.json" | grep -c '^94'; }
severe() { jq -r 'select(.event.severity >= 73) | .event.id' "$T/alerts.json"; }
others() { jq -r 'select(.event.severity < 73) | .event.id' "$T/alerts.json" | grep -c .; }
listeners 9401 9402 9403 9404 9405 9406 9407 9408
check "eight high alerts raised while the receiver answers 500" wait_for 5 sh -c "[ \$(jq -r .destination.port '$T/alerts.json' | grep -c '^940') = 8 ]"
hook='.alerts.sinks[] | select(.kind == "webhook")'
sink() { tw_in "$H" status --json | jq "$hook | $1"; }
high1=$(severe | grep -c .)
check_eq "every high alert ($high1) was written ahead to the spool, and waits there" "$high1 $high1" \
	"$(sink '"\(.spooled) \(.spool_pending)"' | tr -d '"')"
# Memory holds copies of the first high alerts (not counted twice) and
# what is below high while there is room; the rest below high is dropped.
check_eq "the alerts below high wait in memory or were dropped for room" "$(others)" \
	"$(sink '.queued + .dropped')"
spool=$(ls "$T/state/spool/"hook-*.spool)
check "the spool is a file in the state dir" test -s "$spool"
check "... holding the alerts' JSON" grep -q "Unexpected Port Opened: 9408" "$spool"

echo hang >"$T/recv/mode"
timed_out() { sink .last_error | grep -q 'Timeout was reached'; }
check "a receiver that hangs is given up on after the timeout" wait_for 40 timed_out
echo reset >"$T/recv/mode"
reset_seen() { sink .last_error | grep -qv 'Timeout was reached'; }
check "a connection reset is retried too" wait_for 70 reset_seen
check "... and says why" grep -Eq "Failure when receiving|Server returned nothing|reset" <<<"$(sink .last_error)"
# The receiver logged the 500s it gave: the file is there, and a missing
# one fails this check.
check_eq "nothing reached the receiver so far" 0 "$(jq -s 'map(select(.status == 200)) | length' "$T/recv/requests.jsonl")"

# --- a restart while the receiver is down: the spool is found again ---
echo 500 >"$T/recv/mode"
stop_daemon
# Every high alert of the first run, counted once it has stopped: listeners
# elsewhere on the host (the hooks see every namespace) may have added some.
high1=$(severe | grep -c .)
check "at the stop, every high alert waits in the spool" \
	grep -q "$high1 high and critical alerts not delivered wait in its spool" "$T/daemon.log"
lines1=$(grep -c . "$T/alerts.json")
check "torwatch starts again" start_daemon "$H" -c "$T/spool.conf"
check "... and finds every high alert of the earlier run in the spool" \
	grep -q "$high1 alerts from an earlier run wait in its spool" "$T/daemon.log"
listeners 9409 9410
check "two more high alerts raised" wait_for 5 sh -c "[ \$(jq -r .destination.port '$T/alerts.json' | grep -c '^94') = 10 ]"

echo ok >"$T/recv/mode"
received() { jq -r 'select(.status == 200) | .body | fromjson | '"$1" "$T/recv/requests.jsonl" 2>/dev/null; }
ports() { received .destination.port | grep '^94'; }
all_there() { [ "$(ports | grep -c .)" -ge 10 ]; }
check "after the receiver recovers, our ten alerts arrive" wait_for 40 all_there
check_eq "each once, in the order they were raised" "$(seq 9401 9410 | paste -sd' ')" "$(ports | paste -sd' ')"
drained() { [ "$(sink '"\(.queued) \(.spool_pending)"' | tr -d '"')" = "0 0" ]; }
check "status: nothing waits any more" wait_for 5 drained
check_eq "every high alert of both runs arrived exactly once" "$(severe | sort | paste -sd' ')" \
	"$(received 'select(.event.severity >= 73) | .event.id' | sort | paste -sd' ')"
st=$(tw_in "$H" status --json | jq -c "$hook")
# dropped counts those pushed out of the queue after they were taken, and
# those refused at the door (also counted as failed, never as written).
check_eq "status: delivered = the spool found at start + taken - dropped after taken" \
	"$((high1 + $(jq .written <<<"$st") - $(jq .dropped <<<"$st") + $(jq .failed <<<"$st")))" "$(jq .delivered <<<"$st")"
check_eq "the emptied spool is back to its header" 16 "$(stat -c %s "$spool")"
stop_daemon
check "a clean stop with nothing queued leaves nothing in the spool" \
	sh -c "tail -3 '$T/daemon.log' | grep -vq 'wait in its spool' && [ \$(stat -c %s '$spool') = 16 ]"
kill $RPID 2>/dev/null; wait $RPID 2>/dev/null
check "unload" tw_in "$H" unload
finish
