#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Stop, crash, restart: Ctrl-C in the foreground leaves nothing behind; with
# --keep-on-stop (the service) a stop keeps XDP counting; SIGKILL keeps it
# and status says since when nobody tends it; a restart with traffic
# flowing counts every packet and block mode never lets one through; a
# second daemon is refused by the lock, naming the first one's pid.
. "$(dirname "$0")/lib.sh"
require_root

PACE=$(dirname "$0")/../tools/udp_pace.py
one_exit_node
xdp_on() { ip -n "$H" -j link show vX | jq -e '.[0].xdp != null' >/dev/null; }
exit_packets() { tw_in "$H" stats --json 2>/dev/null | jq .totals.exit_packets; }

# --- the foreground default: Ctrl-C leaves nothing behind ---
# -i vNope never exists: it is watched for, never attached, never detached.
nsenter --net=/run/netns/$H "$TW" run -i vX -i vNope --feed "$T/exits.txt" --sources none --relay-sources none --pin-root "$PIN" \
	--state-dir "$T/state" --alerts "$T/fg.json" </dev/null >/dev/null 2>"$T/fg.log" &
fg=$!
check "a foreground daemon starts" wait_for 10 grep -q "running (pid $fg," "$T/fg.log"
check "XDP is attached while it runs" xdp_on
kill -INT $fg; wait $fg; rc=$?
check_eq "Ctrl-C ends it with status 0" 0 $rc
check "and XDP is detached" sh -c "! ip -n $H -j link show vX | jq -e '.[0].xdp != null' >/dev/null"
check "and nothing stays pinned" test ! -e "$PIN"
check "the log says what was removed (not the interface that never was)" grep -q "XDP detached from 1 interface and $PIN removed (--keep-on-stop keeps them)" "$T/fg.log"

# --- one daemon per pin root: the lock, not the pid in a map ---
check "the service-like daemon starts" start_daemon "$H" -i vX --feed "$T/exits.txt"
out=$(in_ns "$H" "$TW" run -i vX --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check_eq "a second daemon exits 1" 1 $rc
check "and names the running one's pid" grep -q "another torwatch daemon (pid $DAEMON_PID) already uses pin root $PIN; stop it first or use --pin-root" <<<"$out"
check "the refusal left the first one's XDP attached" xdp_on
# Two started at the same instant on a fresh pin root: exactly one runs.
ip -n "$H" link add race0 type veth peer name race1 && ip -n "$H" link set race0 up && ip -n "$H" link set race1 up
for i in 1 2; do
	nsenter --net=/run/netns/$H "$TW" run -i race0 --xdp-mode skb --feed "$T/exits.txt" --sources none --relay-sources none \
		--pin-root "$PIN-race" --state-dir "$T/state" --alerts "$T/race$i.json" </dev/null >/dev/null 2>"$T/race$i.log" &
	eval race$i=$!
done
wait_for 10 sh -c "grep -q running $T/race1.log || grep -q running $T/race2.log"
sleep 1
check_eq "of two started at once, one runs" 1 "$(cat "$T/race1.log" "$T/race2.log" | grep -c 'running (pid')"
check_eq "and the other is refused" 1 "$(cat "$T/race1.log" "$T/race2.log" | grep -c 'another torwatch daemon (pid [0-9]*) already uses pin root')"
kill -INT $race1 $race2 2>/dev/null; wait $race1 $race2 2>/dev/null
check "the race's pin root is gone with its daemon" test ! -e "$PIN-race"

# --- SIGKILL: XDP counts on; status says since when nobody tends it ---
in_ns "$X" ping -q -c 2 -i 0.05 $HOST4 >/dev/null
before=$(exit_packets)
sleep 1.2	# a heartbeat after the pings
stop_daemon -KILL
killed_at=$(date +%s)
in_ns "$X" ping -q -c 3 -i 0.05 $HOST4 >/dev/null
check_eq "XDP counts with the daemon killed" $((before + 3)) "$(exit_packets)"
out=$(tw_in "$H" status 2>/dev/null)
check "status says no daemon tends the state, since when" grep -q "daemon:      not running: no daemon has tended this state since .* (.* ago; it did not stop cleanly); XDP and the exit set stay as pinned, counting on" <<<"$out"
since=$(tw_in "$H" status --json 2>/dev/null | jq -r .daemon.untended_since)
check "untended_since is the last heartbeat, within 2 s of the kill" \
	test $((killed_at - $(date -d "$since" +%s))) -le 2
check_eq "status --json: not a clean stop" false "$(tw_in "$H" status --json 2>/dev/null | jq .daemon.clean_stop)"
check "status names the torwatch that pinned the state" grep -q "pinned by:   torwatch .* (layout [0-9]*)" <<<"$out"

# --- a restart with traffic flowing: every packet counted ---
check "a daemon starts over the killed one's state" start_daemon "$H" -i vX --feed "$T/exits.txt"
before=$(exit_packets)
# 6,000 packets over some 9 s: long enough to span two restarts on a slow host.
in_ns "$X" python3 "$PACE" send $EXIT4 $HOST4 9 6000 1.5 &
sender=$!
sleep 0.7
stop_daemon -KILL
check "restarted while packets flow (after SIGKILL)" start_daemon "$H" -i vX --feed "$T/exits.txt"
stop_daemon -TERM
check "restarted while packets flow (after SIGTERM)" start_daemon "$H" -i vX --feed "$T/exits.txt"
running_at_end=$(kill -0 $sender 2>/dev/null && echo yes || echo no)
wait $sender
check_eq "the packets were still flowing when the last daemon started" yes "$running_at_end"
check_eq "every one of the 6000 packets sent across two restarts is counted" $((before + 6000)) "$(exit_packets)"
check_eq "the XDP link was adopted, never re-made" 3 "$(grep -c 'vX: adopted the pinned XDP link' "$T/daemon.log")"

# --- block mode never lapses across a restart ---
nsenter --net=/run/netns/$H python3 "$PACE" count 9 "$T/received" </dev/null >/dev/null 2>&1 &
counter=$!
wait_for 5 test -s "$T/received"
in_ns "$X" python3 "$PACE" send $EXIT4 $HOST4 9 20 1
received_is() { [ "$(cat "$T/received")" -eq "$1" ]; }
check "the counter receives exit traffic before block mode" wait_for 5 received_is 20
check "block enable --all" tw_in "$H" block enable --all --force
dropped=$(tw_in "$H" block show --json | jq .dropped)
in_ns "$X" python3 "$PACE" send $EXIT4 $HOST4 9 3000 2 &
sender=$!
sleep 0.7
stop_daemon -TERM
check "restarted in block mode while packets flow" start_daemon "$H" -i vX --feed "$T/exits.txt"
check "... and they still flow" kill -0 $sender
wait $sender
# The barrier: one datagram from an address that is not an exit, behind
# the 3000 on the same veth; once it is counted, any that got through were.
ip -n "$X" addr add 198.51.100.9/32 dev eX
in_ns "$X" python3 "$PACE" send 198.51.100.9 $HOST4 9 1 0
check "the barrier datagram arrives" wait_for 5 received_is 21
check_eq "not one of the 3000 packets got through" 21 "$(cat "$T/received")"
check_eq "all 3000 were dropped and counted" $((dropped + 3000)) "$(tw_in "$H" block show --json | jq .dropped)"
kill $counter; wait $counter 2>/dev/null

# --- a clean stop with --keep-on-stop: status says when it stopped ---
stop_daemon -TERM
check "status after a clean stop says when" grep -q "daemon:      not running: stopped at .* ago); XDP and the exit set stay as pinned, counting on" \
	<<<"$(tw_in "$H" status 2>/dev/null)"
check_eq "status --json: a clean stop" true "$(tw_in "$H" status --json 2>/dev/null | jq .daemon.clean_stop)"
check "the log of the kept stop says so" grep -q "stopped; XDP stays attached with the current exit set, counting on, until the next start" "$T/daemon.log"
out=$(tw_in "$H" status 2>&1); rc=$?
check_eq "status after a kept stop exits 3: no daemon runs" 3 $rc
check "unload removes what a kept stop left" tw_in "$H" unload
check "and XDP is gone" sh -c "! ip -n $H -j link show vX | jq -e '.[0].xdp != null' >/dev/null"
out=$(tw_in "$H" unload 2>&1); rc=$?
check_eq "a second unload has nothing to do, and that is not an error" "0 nothing to unload: $PIN does not exist" "$rc $out"
out=$(tw_in "$H" status 2>&1); rc=$?
check_eq "status with nothing pinned exits 3 too" 3 $rc

# --- the CLI's words ---
out=$("$TW" st 2>&1); rc=$?
check_eq "an ambiguous object names what it could be" "2 torwatch: ambiguous object 'st': it could be status stats" "$rc $out"
check "'torwatch help block' is block's help" grep -q "^usage: torwatch block enable" <<<"$("$TW" help block)"
out=$("$TW" block enable --ports --pin-root "$PIN" 2>&1); rc=$?
check_eq "a missing option value is named" "2 torwatch: option --ports needs a value" "$rc $out"
out=$("$TW" status --pin-root "" 2>&1); rc=$?
check "--pin-root '' is refused in one sentence" grep -q "^torwatch: --pin-root needs a directory" <<<"$out"
out=$(in_ns "$H" "$TW" run -i vX --pin-root "" --state-dir "$T/state" 2>&1); rc=$?
check_eq "run --pin-root '' is refused in one sentence" "1 torwatch: error: the pin root must be an absolute path under /sys/fs/bpf, not ''" "$rc $(tail -n 1 <<<"$out")"
out=$(in_ns "$H" "$TW" run -i vX --pin-root "$T/notbpf/pins" --state-dir "$T/state" 2>&1); rc=$?
check "a pin root off bpffs is refused" grep -q "pin root $T/notbpf/pins must be a folder of torwatch's own on bpffs" <<<"$out"
check "... leaving no directory behind" test ! -e "$T/notbpf"
# Options that do not apply are refused, not ignored.
for args in "stats --prometheus --json" "stats --prometheus --by port" "stats --prometheus --top 3"; do
	out=$("$TW" $args --pin-root "$PIN" 2>&1); rc=$?
	check_eq "'$args' is refused (exit 2)" 2 $rc
	check "... saying why" grep -q "go with the tables" <<<"$out"
done
out=$("$TW" feed export --json --pin-root "$PIN" 2>&1); rc=$?
check "'feed export --json' is refused, saying why" grep -q "plain list format that --feed reads; --json does not apply" <<<"$out"
finish
