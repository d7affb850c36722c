#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# torwatch top under a real pseudo-terminal (tmux): with traffic flowing the
# screen shows the rate, the source with its country and bytes per packet,
# the port and the alert; it redraws to a smaller terminal; q and Ctrl-C
# quit it. Without a terminal it writes one plain line per interval.
. "$(dirname "$0")/lib.sh"
require_root

one_exit_node
echo "$((198 << 24 | 51 << 16 | 100 << 8)),$((198 << 24 | 51 << 16 | 100 << 8 | 255)),DE" >"$T/geoip"
S=twtop$ID
trap 'tmux kill-session -t $S 2>/dev/null; cleanup' EXIT
check "the daemon starts" start_daemon "$H" -i vX --feed "$T/exits.txt" --geoip "$T/geoip"
# Ten pings a second from the exit node for the whole test.
in_ns "$X" ping -q -i 0.1 -s 200 $HOST4 >/dev/null 2>&1 &
PINGER=$!
screen() { tmux capture-pane -p -t $S; }
shows() { screen | grep -q "$1"; }

check "top runs in a 120x40 tmux pane" tmux new-session -d -s $S -x 120 -y 40 "$TW top --pin-root $PIN"
check "its screen appears" wait_for 5 shows "torwatch top  $PIN  daemon running"
check "the exit source, its country, 242 bytes per packet (200 + ICMP, IP, Ethernet)" wait_for 4 shows "198.51.100.7 .* 242 DE "
s=$(screen)
rate=$(grep "^exit nodes:" <<<"$s" | awk '{print $3}')
check "about ten packets a second from exit nodes (got $rate)" awk -v r="$rate" 'BEGIN { exit !(r >= 5 && r <= 15) }'
check "the port: ICMP has none, so the table is empty or names a port" grep -q "top ports" <<<"$s"
check "the recent alert, with its source" wait_for 3 shows "tor_traffic .*Known Tor Exit Node Traffic from 198.51.100.7"
check_eq "nothing wider than the pane" 0 "$(screen | awk 'length > 120' | grep -c .)"

tmux resize-window -t $S -x 70 -y 18
sleep 1.5
check "after a resize to 70x18 it is redrawn" shows "torwatch top"
check_eq "no line wider than 70" 0 "$(screen | awk 'length > 70' | grep -c .)"
check "the source still shows" shows "198.51.100.7"

tmux send-keys -t $S q
check "q quits" wait_for 2 sh -c "! tmux has-session -t $S 2>/dev/null"
check "Ctrl-C: top runs again" tmux new-session -d -s $S -x 100 -y 30 "$TW top --pin-root $PIN"
check "... draws" wait_for 5 shows "torwatch top"
tmux send-keys -t $S C-c
check "Ctrl-C quits" wait_for 2 sh -c "! tmux has-session -t $S 2>/dev/null"

# --- not a terminal: plain lines ---
out=$(timeout 3.6 "$TW" top --interval 1 --pin-root "$PIN" | cat)
check "a pipe gets plain lines, one per second" test "$(grep -c 'exit_pps=' <<<"$out")" -ge 2
check "... naming the top source and its country" grep -q "top=198.51.100.7/DE" <<<"$out"
check_eq "... and no escape codes" "" "$(grep -P '\x1b' <<<"$out")"
out=$(tw_in "$H" top --interval 0 2>&1); rc=$?
check_eq "a bad interval is a usage error" 2 $rc
check "said in one sentence" grep -q "interval takes seconds from 0.1 to 3600, not '0'" <<<"$out"

# The daemon stops (the state stays, as the unit's --keep-on-stop leaves
# it), then the state is removed: top ends rather than show the removed
# maps' old figures.
in_ns "$H" timeout 20 "$TW" top --interval 0.2 --pin-root "$PIN" >"$T/top.out" 2>"$T/top.err" &
topper=$!
check "top runs in line mode" wait_for 3 grep -q exit_pps= "$T/top.out"
kill $PINGER
stop_daemon
check "unload" tw_in "$H" unload
wait $topper; rc=$?
check_eq "when the state is removed, top ends with status 3" 3 $rc
check "... saying why" grep -q "the state under $PIN is gone (removed by the daemon as it stopped, or by unload); top ends" "$T/top.err"
finish
