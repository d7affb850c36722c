#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A critical alert queued to a sink that writes on a thread of its own
# (stdout here, the JSON-lines file the same) survives SIGKILL: stdout is a
# pipe whose reader never reads, a storm of listed sources fills it, an SSH
# connection from the exit node raises ssh_from_tor behind the stuck lines,
# and the daemon is killed. The next start, its stdout a plain file, writes
# that alert with the same event.id (the spool held it since it was queued).
. "$(dirname "$0")/lib.sh"
require_root
one_exit_node
N=300
"$TOOLS/flood_sources" list $N >>"$T/exits.txt"
accept_and_close "$H" 22
mkfifo "$T/stuck"
# A reader that opens the pipe and never reads: the daemon's stdout fills.
sleep 100000 <"$T/stuck" &
STUCK=$!
trap 'kill $STUCK $ACCEPT_PID 2>/dev/null; cleanup' EXIT
spawn() {	# OUT: the daemon's stdout, its --alerts -
	nsenter --net="/run/netns/$H" "$TW" run --pin-root "$PIN" --state-dir "$T/state" \
		--alerts "$T/alerts.json" --alerts - --sources none --relay-sources none --keep-on-stop \
		-i vX --feed "$T/exits.txt" --allowed-ports 22 --source-alert-limit 1000 \
		</dev/null >"$1" 2>>"$T/daemon.log" &
	DAEMON_PID=$!
	wait_for 10 grep -q "running (pid $DAEMON_PID," "$T/daemon.log"
}
check "the daemon starts, its stdout a pipe nobody reads" spawn "$T/stuck"
stdout_stuck() { [ "$(tw_in "$H" status --json | jq '.alerts.sinks[] | select(.name == "stdout") | .queued')" -gt 0 ]; }
check_eq "one frame from each of $N listed sources" "sent $N" \
	"$(in_ns "$X" "$TOOLS/flood_sources" send eX "$(mac_of "$H" vX)" $N 2>&1)"
check "their alerts fill the pipe: stdout's writer is stuck, alerts wait for it" \
	wait_for 15 stdout_stuck
port=$(tcp_connects "$X" 1 $EXIT4 $HOST4 22)
ssh_alert() { jq -Rc --argjson p "$port" 'fromjson? | select(.rule.id == "ssh_from_tor" and .source.port == $p)' "$1"; }
alerted_in() { [ -n "$(ssh_alert "$1")" ]; }
# Barrier: the file sink wrote it, so the daemon queued it to stdout too.
check "ssh_from_tor is raised (the file sink has it)" wait_for 10 alerted_in "$T/alerts.json"
id=$(ssh_alert "$T/alerts.json" | jq -r .event.id | head -1)
echo "# stdout sink: $(tw_in "$H" status --json | jq -c '.alerts.sinks[] | select(.name == "stdout") | {queued, written, dropped}')"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
kill $STUCK 2>/dev/null
check "restarted, its stdout a file" spawn "$T/out2.json"
check "the critical alert the killed daemon had queued is written at the next start" \
	wait_for 10 alerted_in "$T/out2.json"
check_eq "... with its event.id" "$id" "$(ssh_alert "$T/out2.json" | jq -r .event.id | head -1)"
check "... and the log says so" grep -q "the last run had queued but not written, written now" "$T/daemon.log"
stop_daemon
# Once written, a line is not written again: a start after a clean stop has nothing to replay.
check "started again after a clean stop" spawn "$T/out3.json"
check_eq "... it replays nothing" 1 "$(grep -c "written now" "$T/daemon.log")"
check_eq "... and the alert is not written twice" "" "$(ssh_alert "$T/out3.json")"
stop_daemon
check "unload" tw_in "$H" unload
finish
