#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The systemd notify protocol as Type=notify and WatchdogSec= use it, against
# a real notify socket (these machines have no systemd as PID 1): READY=1
# after XDP is attached and the set loaded, STATUS= with the set's size,
# RELOADING=1 then READY=1 around SIGHUP, WATCHDOG=1 from the event loop (and
# none while it is frozen), STOPPING=1.
. "$(dirname "$0")/lib.sh"
require_root

NOTIFY=$(dirname "$0")/../tools/notify_socket.py
H=twh-$ID X=twx-$ID
EXIT4=198.51.100.7 HOST4=198.51.100.1
host_and_exit
mkdir -p "$T/state"
printf '198.51.100.7\n2001:db8::7\n' >"$T/exits.txt"
python3 "$NOTIFY" "$T/notify.sock" "$T/notify.log" </dev/null >/dev/null 2>&1 &
listener=$!
wait_for 5 test -S "$T/notify.sock"
msgs() { grep -c "$1" "$T/notify.log"; }
# Waits until the message numbered N (from 1) matching $1 is there.
nth() { wait_for 5 sh -c "[ \$(grep -c '$1' '$T/notify.log') -ge $2 ]"; }

NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000 \
	check "the daemon starts under a notify socket" start_daemon "$H" -i vX --feed "$T/exits.txt"
check "READY=1 arrives" nth 'READY=1' 1
ready=$(grep -m1 'READY=1' "$T/notify.log")
check "with the interface and the set's size in STATUS" \
	grep -q 'STATUS=watching vX; exit set 1 IPv4 + 1 IPv6 addresses, 0 prefixes; feeds current' <<<"$ready"
check "READY=1 comes after XDP is attached (the log's 'watching vX')" grep -q "watching vX (XDP" "$T/daemon.log"
check "XDP is attached when READY=1 is there" sh -c "ip -n $H -j link show vX | jq -e '.[0].xdp != null' >/dev/null"

w0=$(msgs WATCHDOG=1)
sleep 3
w1=$(msgs WATCHDOG=1)
check "the watchdog is fed every half WatchdogSec (5 or more in 3 s, got $((w1 - w0)))" test $((w1 - w0)) -ge 5
# Frozen, the loop feeds nothing: systemd would restart it after WatchdogSec.
kill -STOP $DAEMON_PID
w0=$(msgs WATCHDOG=1)
sleep 2
w1=$(msgs WATCHDOG=1)
kill -CONT $DAEMON_PID
check_eq "no WATCHDOG=1 while the daemon is frozen" "$w0" "$w1"
check "and it comes back when the loop runs again" nth 'WATCHDOG=1' $((w1 + 1))

# A new set: STATUS follows.
printf '198.51.100.7\n198.51.100.8\n2001:db8::7\n' >"$T/exits.txt"
check "STATUS follows the exit set" wait_for 5 grep -q 'STATUS=watching vX; exit set 2 IPv4 + 1 IPv6' "$T/notify.log"

kill -HUP $DAEMON_PID
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC" nth 'RELOADING=1|MONOTONIC_USEC=[0-9]' 1
check "then READY=1 again" nth 'READY=1' 2
check "RELOADING=1 comes before the second READY=1" \
	test "$(grep -n 'RELOADING=1' "$T/notify.log" | head -1 | cut -d: -f1)" -lt "$(grep -n 'READY=1' "$T/notify.log" | sed -n 2p | cut -d: -f1)"

stop_daemon -TERM
check "STOPPING=1 at the stop" nth 'STOPPING=1' 1

# Without NOTIFY_SOCKET nothing is sent and nothing fails.
n=$(wc -l <"$T/notify.log")
check "without a notify socket the daemon runs as before" start_daemon "$H" -i vX --feed "$T/exits.txt"
# Every point that would notify, passed: the start, a reload, the stop.
reloads=$(grep -c "SIGHUP: reloading" "$T/daemon.log")
kill -HUP $DAEMON_PID
# (The count is taken anew on every try: the line comes when the loop gets to it.)
check "it reloads" wait_for 5 sh -c "[ \$(grep -c 'SIGHUP: reloading' '$T/daemon.log') -gt $reloads ]"
stop_daemon
check_eq "and sends nothing through a start, a reload and a stop" "$n" "$(wc -l <"$T/notify.log")"
kill $listener
check "unload" tw_in "$H" unload
finish
