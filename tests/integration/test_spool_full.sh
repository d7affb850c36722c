#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The spool's disk full: the state directory's spool on a 32 KiB tmpfs, a
# receiver down (500), high alerts written ahead until the spool's disk is
# full. Said once; the alerts it could not take wait in memory; no torn
# record is left; when the receiver is back the spool drains, takes alerts
# again (said once), and every high alert arrives once, in order.
. "$(dirname "$0")/lib.sh"
require_root
receiver_host 500
mkdir -p "$T/state/spool"
mount -t tmpfs -o size=32k tmpfs "$T/state/spool"
trap 'kill $RPID 2>/dev/null; umount -l "$T/state/spool" 2>/dev/null; cleanup' EXIT
hook_conf "timeout = 2s"
check "the daemon starts, its spool on a 32 KiB tmpfs" start_daemon "$H" -c "$T/run.conf"
listen() { for port in "$@"; do in_ns "$H" "$TOOLS/listen_port" tcp4 0.0.0.0 "$port" 50 >/dev/null; done; }
ours() { jq -r 'select(.rule.id == "unexpected_listen_port") | .destination.port' "$1" 2>/dev/null | grep '^98' | paste -sd' '; }
delivered() { jq -r 'select(.status == 200) | .body | fromjson | select(.rule.id == "unexpected_listen_port") | .destination.port' \
	"$T/recv/requests.jsonl" 2>/dev/null | grep '^98' | paste -sd' '; }
hook='.alerts.sinks[] | select(.kind == "webhook")'
sink() { tw_in "$H" status --json | jq "$hook | $1"; }
N=60
listen $(seq 9801 $((9800 + N)))
check "$N high alerts raised while the receiver answers 500" wait_for 20 sh -c "[ \$(jq -r 'select(.rule.id == \"unexpected_listen_port\") | .destination.port' $T/alerts.json | grep -c '^98') = $N ]"
check_eq "the spool's full disk is said once" 1 "$(grep -c "cannot write its spool" "$T/daemon.log")"
check "... naming why" grep -q "hook.*cannot write its spool: No space left on device" "$T/daemon.log"
in_spool=$(sink .spool_pending) in_memory=$(sink .queued)
echo "# $in_spool in the spool, $in_memory in memory (the spool's disk full)"
check "some wait in the spool, the rest in memory" test "$in_spool" -gt 0 -a "$in_memory" -gt 0
spool=$(ls "$T/state/spool/"hook-*.spool)
echo ok >"$T/recv/mode"
check "the receiver back: every one of the $N arrives, in order" wait_for 40 sh -c \
	"[ \"\$(jq -r 'select(.status == 200) | .body | fromjson | select(.rule.id == \"unexpected_listen_port\") | .destination.port' $T/recv/requests.jsonl | grep '^98' | paste -sd' ')\" = \"$(seq 9801 $((9800 + N)) | paste -sd' ')\" ]"
listen 9899
check "a high alert after the spool drained is delivered" wait_for 10 sh -c "grep -q 9899 $T/recv/requests.jsonl"
check_eq "the spool takes alerts again, said once" 1 "$(grep -c "its spool takes alerts again" "$T/daemon.log")"
stop_daemon
check "the daemon starts again" start_daemon "$H" -c "$T/run.conf"
check "no torn record was left in the spool (nothing cut at open)" sh -c "! grep -q 'not whole records' $T/daemon.log"
stop_daemon
check "unload" tw_in "$H" unload
finish
