#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The state directory removed under the daemon (a clean-up gone wrong)
# while high alerts wait in a webhook sink's spool, its receiver down (500):
# the next high alert makes the spool again at its path with what it held,
# said once; a SIGKILL then loses nothing: after the restart, with the
# receiver back, every high alert arrives once, in order.
. "$(dirname "$0")/lib.sh"
require_root
receiver_host 500
trap 'kill $RPID 2>/dev/null; cleanup' EXIT
hook_conf "timeout = 2s"
listen() { for port in "$@"; do in_ns "$H" "$TOOLS/listen_port" tcp4 0.0.0.0 "$port" 50 >/dev/null; done; }
raised() { jq -r 'select(.rule.id == "unexpected_listen_port") | .destination.port' "$T/alerts.json" 2>/dev/null | grep -c '^96'; }
raised_is() { [ "$(raised)" = "$1" ]; }
delivered() { jq -r 'select(.status == 200) | .body | fromjson | select(.rule.id == "unexpected_listen_port") | .destination.port' \
	"$T/recv/requests.jsonl" 2>/dev/null | grep '^96' | paste -sd' '; }
pending() { tw_in "$H" status --json | jq '.alerts.sinks[] | select(.kind == "webhook") | .spool_pending'; }
check "the daemon starts, the receiver down" start_daemon "$H" -c "$T/run.conf"
listen $(seq 9601 9605)
check "5 high alerts are raised" wait_for 10 raised_is 5
# The start-up inventory's alerts (the receiver's port) wait there too.
before=$(pending)
check "... and wait in the spool" test "$before" -ge 5
# The alert file is not in the state directory: it stays.
rm -rf "$T/state"
listen $(seq 9606 9610)
check "5 more after the state directory is removed" wait_for 10 raised_is 10
check "the spool is made again at its path" sh -c "ls $T/state/spool/hook-*.spool"
check "... said once, with the $before records it held" sh -c \
	"[ \$(grep -c 'was removed under the daemon; made again with its $before records not delivered' $T/daemon.log) = 1 ]"
check "no write error was said" sh -c "! grep -q 'cannot write its spool' $T/daemon.log"
check_eq "all of them wait in it" $((before + 5)) "$(pending)"
stop_daemon -KILL
echo ok >"$T/recv/mode"
check "the daemon starts again after a SIGKILL" start_daemon "$H" -c "$T/run.conf"
check_eq "every high alert arrives once, in order" "$(seq 9601 9610 | paste -sd' ')" \
	"$(wait_for 20 sh -c "[ \$(jq -r 'select(.status == 200) | .body | fromjson | .destination.port' $T/recv/requests.jsonl 2>/dev/null | grep -c '^96') -ge 10 ]"; delivered)"
stop_daemon
check "unload" tw_in "$H" unload
finish
