#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# logrotate without copytruncate while alerts flow: the alert file is moved
# away and the daemon told with SIGHUP, ten times, while rounds of distinct
# exit sources raise tor_traffic alerts. Every alert the daemon wrote is in
# exactly one of the files, each line whole.
. "$(dirname "$0")/lib.sh"
require_root
H=twr-$ID X=twq-$ID
FLOOD=$TOOLS/flood_sources
add_netns "$H"; add_netns "$X"
link_ns "$H" vX "$X" eX
mkdir -p "$T/state"
"$FLOOD" list 60000 >"$T/exits.txt"
# Every source alerted (no storm fold): the alerts flow while the files rotate.
check "torwatch starts" start_daemon "$H" -i vX --feed "$T/exits.txt" --max-exits 65536 --allowed-ports 22 \
	--source-alert-limit 0
mac=$(mac_of "$H" vX)
(for round in 0 1 2 3 4 5; do
	in_ns "$X" "$FLOOD" send eX "$mac" 10000 $((round * 10000)) >/dev/null
	sleep 0.2
done) &
SENDER=$!
# Each rotation once the new file has alerts in it: while they flow, not
# after a while that a loaded machine may stretch past the flood.
for i in $(seq 1 10); do
	wait_for 10 test -s "$T/alerts.json" || break
	mv "$T/alerts.json" "$T/alerts.json.$i"
	kill -HUP "$DAEMON_PID"
done
wait $SENDER
raised() { tw_in "$H" status --json | jq .alerts.raised; }
# ... and the file's writer thread has taken every line it was given.
queued() { tw_in "$H" status --json | jq '[.alerts.sinks[].queued] | add'; }
quiet() { a=$(raised); sleep 1; [ "$a" = "$(raised)" ] && [ "$(queued)" = 0 ]; }
check "the alerts stop flowing" wait_for 30 quiet
files=("$T"/alerts.json*)
check "the alerts went to more than one file" test "$(for f in "${files[@]}"; do [ -s "$f" ] && echo "$f"; done | grep -c .)" -gt 2
check "every file ends with a whole line" sh -c 'for f; do [ ! -s "$f" ] || [ -z "$(tail -c1 "$f")" ] || exit 1; done' _ "${files[@]}"
check "every line is one JSON object" sh -c 'cat "$@" | jq -e . >/dev/null' _ "${files[@]}"
total=$(cat "${files[@]}" | grep -c .)
check_eq "no line lost: the files hold what the daemon says it wrote" "$(tw_in "$H" status --json | jq .alerts.written)" "$total"
check_eq "no line twice: every event id once" "$total" "$(cat "${files[@]}" | jq -r .event.id | sort -u | grep -c .)"
echo "# $total alerts over ${#files[@]} files"
stop_daemon
check "unload" tw_in "$H" unload
finish
