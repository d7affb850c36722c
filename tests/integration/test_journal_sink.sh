#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The journal: sink against a real systemd-journald, started for the test in
# a mount namespace of its own (tmpfs on its sockets and journal dirs, so
# the host's journal is never touched): every alert of the file sink is an
# entry with the same event id, fields a query selects on (journalctl
# TORWATCH_RULE=...), a PRIORITY from its severity, a hostile process name
# kept byte for byte, and the JSON itself; journald gone then back is said
# once each and nothing is lost.
. "$(dirname "$0")/journald_lib.sh"
in_own_mount_ns "$@"
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$JOURNALD" ] || { echo "SKIP: systemd-journald is not installed (Debian's systemd package has it)"; exit 77; }

check "journald's directories are the test's own" own_journal_dirs
check "a journald of the test's own runs" start_journald
trap 'kill $JPID 2>/dev/null; cleanup' EXIT
jq_journal() { journalctl -D /run/log/journal --no-pager -o json "$@" 2>/dev/null; }

one_exit_node
LP=$TOOLS/listen_port
check "torwatch starts with a file and a journal: sink" start_daemon "$H" -i vX --feed "$T/exits.txt" \
	--alerts journal: --allowed-ports 22
check "the log names the journal sink" grep -q "alerts to $T/alerts.json, journal:" "$T/daemon.log"
EVIL="$T/"$'j\nl\x01\xffz'
cp "$LP" "$EVIL"
in_ns "$H" "$LP" tcp4 0.0.0.0 9601 100 >/dev/null
in_ns "$H" "$EVIL" tcp4 0.0.0.0 9602 100 >/dev/null
in_ns "$X" ping -q -c 2 -i 0.1 $HOST4 >/dev/null
# The barrier: one more listener, after those; its entry in the journal
# means every alert before it was delivered (the sink delivers in order).
in_ns "$H" "$LP" tcp4 0.0.0.0 9603 100 >/dev/null
check "the barrier alert reaches the journal" wait_for 5 sh -c \
	"journalctl -D /run/log/journal -o cat TORWATCH_RULE=unexpected_listen_port 2>/dev/null | grep -q 9603"
file_ids=$(jq -r '."event.id" // .event.id' "$T/alerts.json" | sort)
journal_ids=$(jq_journal SYSLOG_IDENTIFIER=torwatch | jq -r .TORWATCH_EVENT_ID | sort)
check_eq "every alert of the file is one journal entry, by event id" "$file_ids" "$journal_ids"
e=$(jq_journal TORWATCH_RULE=unexpected_listen_port DESTINATION_PORT=9601)
check_eq "journalctl selects by rule and port" 1 "$(grep -c . <<<"$e")"
check_eq "MESSAGE" "Unexpected Port Opened: 9601" "$(jq -r .MESSAGE <<<"$e")"
check_eq "PRIORITY: high is 3 (err)" 3 "$(jq -r .PRIORITY <<<"$e")"
check_eq "the process" "$(jq -r 'select(.destination.port==9601) | "\(.process.pid) \(.process.name)"' "$T/alerts.json")" \
	"$(jq -r '"\(.PROCESS_PID) \(.PROCESS_NAME)"' <<<"$e")"
check_eq "TORWATCH_ALERT is the alert's JSON" "$(jq -c 'select(.destination.port==9601)' "$T/alerts.json")" \
	"$(jq -r .TORWATCH_ALERT <<<"$e" | jq -c .)"
t=$(jq_journal TORWATCH_RULE=tor_traffic)
check_eq "tor_traffic: SOURCE_IP and the severity" \
	"$(jq -r 'select(.rule.id=="tor_traffic") | "\(.source.ip) \(.log.level)"' "$T/alerts.json")" \
	"$(jq -r '"\(.SOURCE_IP) \(.TORWATCH_SEVERITY)"' <<<"$t")"
# journald keeps a value with control bytes as bytes (a JSON array in -o
# json, '[blob data]' on a terminal): the same bytes as the alert's name.
want=$(jq -j 'select(.destination.port==9602) | .process.name' "$T/alerts.json" | od -An -tu1 | xargs)
got=$(jq_journal TORWATCH_RULE=unexpected_listen_port DESTINATION_PORT=9602 | jq -r '.PROCESS_NAME | if type == "array" then map(tostring) | join(" ") else . end')
check_eq "a hostile process name: the alert's bytes, kept as a blob" "$want" "$got"

# --- journald gone, then back: said once each, nothing lost ---
kill $JPID; wait $JPID 2>/dev/null
rm -f /run/systemd/journal/socket
in_ns "$H" "$LP" tcp4 0.0.0.0 9604 100 >/dev/null
check "the log says the sink is failing, once" wait_for 5 grep -q "alert sink journal: is failing: cannot write to the journal" "$T/daemon.log"
check "journald starts again" start_journald
check "the waiting alert arrives" wait_for 10 sh -c \
	"journalctl -D /run/log/journal -o cat TORWATCH_RULE=unexpected_listen_port 2>/dev/null | grep -q 9604"
check_eq "the failure was said once" 1 "$(grep -c 'alert sink journal: is failing' "$T/daemon.log")"
check "and the recovery" grep -q "alert sink journal: delivers again" "$T/daemon.log"
stop_daemon
check "unload" tw_in "$H" unload
finish
