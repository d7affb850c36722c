#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Block mode must not lock the owner out: with a live SSH session from a
# clean address, a list that starts to name that address (here a feed file
# that gains 203.0.113.0/24) leaves the entry out of the set, says so with
# feed_rejected, and the session goes on. With block mode off, the same
# entry is applied.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
require_root
one_exit_node
C=twc-$ID CLIENT4=203.0.113.5 SRV4C=203.0.113.1
add_netns "$C"; link_ns "$H" vC "$C" eC
add_addrs "$H" vC $SRV4C/24; add_addrs "$C" eC $CLIENT4/24
check "sshd starts" start_sshd "$H"
echo $EXIT4 >"$T/feed.txt"
check "the daemon starts in block mode on both interfaces" \
	start_daemon "$H" -i vX -i vC --feed "$T/feed.txt" --block
# A session from the clean client that writes a line every 0.2 s.
ssh_run "$C" $CLIENT4 $SRV4C 22 'while sleep 0.2; do echo beat; done' >"$T/beats" 2>/dev/null &
SSH_PID=$!
beats() { grep -c beat "$T/beats"; }
check "the session runs" wait_for 10 bash -c "[ \$(grep -c beat '$T/beats') -ge 3 ]"
check "and is followed" wait_for 5 bash -c "[ \"\$('$TW' stats --json --pin-root '$PIN' | jq .totals.sessions)\" -ge 1 ]"
printf '%s\n203.0.113.0/24\n' $EXIT4 >"$T/feed.txt"
check "a list naming the session's client raises feed_rejected" wait_for 10 \
	has_alert '.rule.id=="feed_rejected" and (.message | test("203.0.113.0/24 names 203.0.113.5, the client of a live SSH session"))'
out=$(tw_in "$H" check $CLIENT4 2>&1); rc=$?
check_eq "the entry is kept out of the set while the session lives" 1 $rc
check "the exit node is still listed" tw_in "$H" check $EXIT4
n=$(beats)
check "the session goes on (more lines arrive)" wait_for 5 bash -c "[ \$(grep -c beat '$T/beats') -ge $((n + 5)) ]"
# Another refresh while the session lives: the barrier is its new entry.
printf '%s\n203.0.113.0/24\n198.51.100.9\n' $EXIT4 >"$T/feed.txt"
check "a later refresh is applied" wait_for 10 tw_in "$H" check 198.51.100.9
out=$(tw_in "$H" check $CLIENT4 2>&1); rc=$?
check_eq "... still without the session's client" 1 $rc
check_eq "one alert, not one per refresh" 1 "$(jq -c 'select(.rule.id=="feed_rejected")' "$T/alerts.json" | grep -c .)"
# Block mode off: nothing to spare, the entry goes in.
tw_in "$H" block disable >/dev/null
printf '%s\n203.0.113.0/24\n198.51.100.8\n' $EXIT4 >"$T/feed.txt"
check "with block mode off the entry is applied" wait_for 10 tw_in "$H" check $CLIENT4
kill $SSH_PID 2>/dev/null; wait $SSH_PID 2>/dev/null
stop_daemon
stop_sshd
finish
