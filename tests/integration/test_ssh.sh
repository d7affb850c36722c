#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# SSH from Tor and block mode against a real OpenSSH server: a fake exit
# node (documentation range) and a clean client log in over IPv4, IPv6 and
# IPv4-to-dual-stack (mapped); block enable/disable/dry-run, the allowlist,
# a bare SYN, and block mode surviving SIGKILL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
require_root
trap 'stop_sshd; cleanup' EXIT

S=tws-$ID X=twx-$ID C=twc-$ID
EXIT4=198.51.100.7 EXIT4B=198.51.100.8 ALLOWED4=198.51.100.9 EXIT6=2001:db8:7::7
SRV4X=198.51.100.1 SRV6X=2001:db8:7::1 CLEAN4=203.0.113.50 SRV4C=203.0.113.1

add_netns "$S"; add_netns "$X"; add_netns "$C"
link_ns "$S" vX "$X" eX
link_ns "$S" vC "$C" eC
add_addrs "$S" vX $SRV4X/24 $SRV6X/64
add_addrs "$S" vC $SRV4C/24
add_addrs "$X" eX $EXIT4/24 $ALLOWED4/24 $EXIT6/64
add_addrs "$C" eC $CLEAN4/24
# A bare SYN: the exit namespace sends from $EXIT4B, an address it does not
# own (tests/tools/bare_syn), so the handshake never completes.
BARE_SYN=$TOOLS/bare_syn
ip -n "$S" neigh add $EXIT4B lladdr "$(mac_of "$X" eX)" dev vX nud permanent

printf '%s\n%s\n%s\n%s\n' $EXIT4 $EXIT4B $ALLOWED4 $EXIT6 >"$T/exits.txt"
mkdir -p "$T/state"
check "sshd starts (dual-stack :22, IPv4 :2222)" start_sshd "$S"
check "torwatch starts" start_daemon "$S" -i vX -i vC --feed "$T/exits.txt" --ssh-ports 22,2222 \
	--allow $ALLOWED4
check "the SSH detector is on the tracepoint" grep -q "SSH detector: tracepoint sock:inet_sock_set_state" "$T/daemon.log"

ssh_alerts() {	# ssh_alerts IP: the ssh_from_tor alerts for IP so far
	jq -c --arg a "$1" 'select(.rule.id=="ssh_from_tor" and .source.ip==$a)' "$T/alerts.json"
}
n_ssh_alerts() { ssh_alerts "$1" | grep -c .; }
# ssh_alerts_are IP N: re-counted on every call (for wait_for).
ssh_alerts_are() { test "$(n_ssh_alerts "$1")" = "$2"; }
ssh_alerts_on_port_are() {	# IP PORT N
	test "$(ssh_alerts "$1" | jq -c --argjson p "$2" 'select(.destination.port==$p)' | grep -c .)" = "$3"
}

# --- detection ---
check_eq "SSH from the exit node over IPv4 to dual-stack :22 logs in" logged-in "$(ssh_login "$X" $EXIT4 $SRV4X)"
check "one ssh_from_tor alert within a second" wait_for 1 ssh_alerts_are $EXIT4 1
a=$(ssh_alerts $EXIT4 | head -1)
check_eq "message" "SSH Connection Established from TOR Exit Node ($EXIT4)" "$(jq -r .message <<<"$a")"
check_eq "severity critical" "99 critical" "$(jq -r '"\(.event.severity) \(.log.level)"' <<<"$a")"
check_eq "source is the exit node (mapped address matched)" $EXIT4 "$(jq -r .source.ip <<<"$a")"
check_eq "destination" "$SRV4X 22" "$(jq -r '"\(.destination.ip) \(.destination.port)"' <<<"$a")"
check "source port is the client's" jq -e '.source.port > 1024' <<<"$a"
check_eq "the feed that listed it" "$T/exits.txt" "$(jq -r .threat.indicator.provider <<<"$a")"

check_eq "SSH from the exit node to the IPv4-only :2222 logs in" logged-in "$(ssh_login "$X" $EXIT4 $SRV4X 2222)"
check "a second alert, for port 2222" wait_for 1 ssh_alerts_on_port_are $EXIT4 2222 1
check_eq "SSH from the exit node over IPv6 logs in" logged-in "$(ssh_login "$X" $EXIT6 $SRV6X)"
check "one ssh_from_tor alert for the IPv6 exit" wait_for 1 ssh_alerts_are $EXIT6 1
check_eq "IPv6 alert network.type" ipv6 "$(ssh_alerts $EXIT6 | jq -r .network.type)"

check_eq "SSH from the clean client logs in" logged-in "$(ssh_login "$C" $CLEAN4 $SRV4C)"
check "a bare SYN from an exit node stays half-open" in_ns "$X" "$BARE_SYN" $EXIT4B $SRV4X 22
# A TCP connect without SSH, after those: its alert on the same ring is the
# barrier for the two that must raise nothing.
in_ns "$X" timeout 3 bash -c "exec 3<>/dev/tcp/$SRV4X/22" 2>/dev/null
check "an established TCP connection to :22 counts as SSH (3rd alert for $EXIT4)" \
	wait_for 2 ssh_alerts_are $EXIT4 3
check_eq "no alert for the clean client" 0 "$(n_ssh_alerts $CLEAN4)"
check_eq "no alert for a bare SYN from an exit node" 0 "$(n_ssh_alerts $EXIT4B)"
check "the bare SYN itself was seen by XDP" \
	wait_for 2 has_alert 'select(.rule.id=="tor_traffic" and .source.ip==$a)' --arg a $EXIT4B
check_eq "the allowlisted exit logs in" logged-in "$(ssh_login "$X" $ALLOWED4 $SRV4X)"
in_ns "$X" timeout 3 bash -c "exec 3<>/dev/tcp/$SRV6X/22" 2>/dev/null	# the barrier
check "a TCP connection from the IPv6 exit after it alerts" wait_for 2 ssh_alerts_are $EXIT6 2
check_eq "no alert for the allowlisted exit" 0 "$(n_ssh_alerts $ALLOWED4)"
check_eq "status counts the SSH events" 5 "$(tw_in "$S" status --json | jq .events.ssh_written)"

# --- block mode ---
# The way people run it: sudo (whose env_reset drops SSH_CONNECTION), in a
# real SSH session that comes out of an exit node.
check "sudo drops SSH_CONNECTION here (the case being tested)" \
	test -z "$(ssh_run "$X" $EXIT4 $SRV4X 22 sudo printenv SSH_CONNECTION)"
out=$(ssh_run "$X" $EXIT4 $SRV4X 22 sudo "$TW" block enable --pin-root "$PIN" 2>&1); rc=$?
check_eq "sudo block enable over SSH from an exit node is refused" 2 $rc
check "... naming the session's client" grep -q "this SSH session comes from $EXIT4, which is in the exit set" <<<"$out"
check_eq "... and nothing was blocked" off "$(tw_in "$S" block show --json | jq -r .mode)"
out=$(SSH_CONNECTION="$EXIT4 50000 $SRV4X 22" tw_in "$S" block enable 2>&1); rc=$?
check_eq "block enable from an SSH session out of an exit node is refused" 2 $rc
check "the refusal says why" grep -q "this SSH session comes from $EXIT4, which is in the exit set" <<<"$out"
check_eq "nothing was blocked" off "$(tw_in "$S" block show --json | jq -r .mode)"
out=$(SSH_CONNECTION="$ALLOWED4 50000 $SRV4X 22" tw_in "$S" block enable); rc=$?
check_eq "from an allowlisted session it is fine" 0 $rc
check_eq "block on, SSH ports by default" "on 22,2222" "$(tw_in "$S" block show --json | jq -r '"\(.mode) \(.ports)"')"
out=$(ssh_login "$X" $EXIT4 $SRV4X 2>&1); rc=$?
check "SSH from the exit node is dropped" test $rc -ne 0
check_eq "SSH from the clean client still works" logged-in "$(ssh_login "$C" $CLEAN4 $SRV4C)"
check_eq "the allowlisted exit still logs in" logged-in "$(ssh_login "$X" $ALLOWED4 $SRV4X)"
b=$(tw_in "$S" block show --json)
check "drop counters rose" test "$(jq .dropped <<<"$b")" -gt 0
s=$(tw_in "$S" stats --json --top 50)
check "drops counted for the source" test "$(jq --arg a $EXIT4 '.sources[] | select(.source==$a) | .dropped' <<<"$s")" -gt 0
check "drops counted for port 22" test "$(jq '.ports[] | select(.port==22 and .transport=="tcp") | .dropped' <<<"$s")" -gt 0
check_eq "one tor_blocked alert for the source" 1 "$(jq -c --arg a $EXIT4 'select(.rule.id=="tor_blocked" and .source.ip==$a)' "$T/alerts.json" | grep -c .)"
check_eq "tor_blocked message" "Blocked Tor Exit Node Traffic to port 22" "$(jq -r --arg a $EXIT4 'select(.rule.id=="tor_blocked" and .source.ip==$a) | .message' "$T/alerts.json")"
check_eq "nothing blocked or alerted for the allowlisted exit" 0 "$(jq -c --arg a $ALLOWED4 'select(.source.ip==$a)' "$T/alerts.json" | grep -c .)"
check_eq "status shows block mode" on "$(tw_in "$S" status --json | jq -r .block.mode)"

# --- block mode outlives the daemon ---
stop_daemon -KILL
out=$(ssh_login "$X" $EXIT4 $SRV4X 2>&1); rc=$?
check "with the daemon killed, SSH from the exit node is still dropped" test $rc -ne 0
check_eq "and the clean client still logs in" logged-in "$(ssh_login "$C" $CLEAN4 $SRV4C)"
check_eq "block show works without the daemon" on "$(tw_in "$S" block show --json 2>/dev/null | jq -r .mode)"
check "a restarted daemon keeps block mode" start_daemon "$S" -i vX -i vC --feed "$T/exits.txt" --ssh-ports 22,2222 --allow $ALLOWED4
check_eq "block still on after the restart" on "$(tw_in "$S" block show --json | jq -r .mode)"

# --- disable, dry run ---
check "block disable" tw_in "$S" block disable
check_eq "SSH from the exit node works again" logged-in "$(ssh_login "$X" $EXIT4 $SRV4X)"
check "block enable --dry-run" tw_in "$S" block enable --dry-run
check_eq "dry run lets the connection through" logged-in "$(ssh_login "$X" $EXIT4 $SRV4X 2222)"
check "dry run counts what it would drop" test "$(tw_in "$S" block show --json | jq .would_drop)" -gt 0
check_eq "dry run: IPv6 too" logged-in "$(ssh_login "$X" $EXIT6 $SRV6X)"
check "dry run alerts with dry_run true" wait_for 1 has_alert 'select(.rule.id=="tor_blocked" and .source.ip==$a and .torwatch.dry_run==true)' --arg a $EXIT6
check_eq "the dry-run alert says nothing was blocked" \
	"Tor Exit Node Traffic to port 22 Would Be Blocked (dry run, let through)" \
	"$(jq -r --arg a $EXIT6 'select(.rule.id=="tor_blocked" and .source.ip==$a) | .message' "$T/alerts.json")"
# Would-drops are counted apart in every table, never as drops.
s=$(tw_in "$S" stats --json --top 50)
check_eq "dry run, per source: nothing dropped, some would be" "0 true" \
	"$(jq -r --arg a $EXIT6 '.sources[] | select(.source==$a) | "\(.dropped) \(.would_drop > 0)"' <<<"$s")"
check_eq "dry run, port 2222: nothing dropped, some would be" "0 true" \
	"$(jq -r '.ports[] | select(.port==2222 and .transport=="tcp") | "\(.dropped) \(.would_drop > 0)"' <<<"$s")"
check_eq "dry run, tcp: dropped equals the real drops, would_drop equals the totals'" \
	"$(jq -r '"\(.totals.dropped) \(.totals.would_drop)"' <<<"$s")" \
	"$(jq -r '.protocols[] | select(.transport=="tcp") | "\(.dropped) \(.would_drop)"' <<<"$s")"
check "the text table has a dry run column" grep -Eq '^  2222/tcp +[0-9]+ +[0-9]+ +0 +[1-9]' <<<"$(tw_in "$S" stats --by port)"
check "block enable --all --ports is refused" sh -c "! $TW block enable --all --ports 22 --pin-root $PIN 2>/dev/null"
out=$(tw_in "$S" block enable --ports 22,x 2>&1); rc=$?
check_eq "a bad port list is refused" 2 $rc
check "and named" grep -q "'x' in '22,x' is not a port" <<<"$out"
out=$(tw_in "$S" block enable --ports 0 2>&1)
check_eq "a single bad port is named once" "torwatch: --ports: '0' is not a port (1-65535) or a range A-B" "$out"
out=$(tw_in "$S" block enable --ports 8080/tcp 2>&1); rc=$?
check "a protocol in --ports is refused, saying why" grep -q "block mode drops TCP and UDP to its ports alike" <<<"$out"
check_eq "... and nothing changed" dry-run "$(tw_in "$S" block show --json | jq -r .mode)"
# A positive control first: the same ping gets through before --all.
check "ping from the exit node gets through before --all" in_ns "$X" ping -c 1 -W 2 $SRV4X
dropped=$(tw_in "$S" block show --json | jq .dropped)
check "block enable --all --force" tw_in "$S" block enable --all --force
out=$(in_ns "$X" ping -c 2 -W 1 -i 0.2 $SRV4X 2>&1); rc=$?
check "--all drops ICMP too: no reply" grep -q ' 0 received' <<<"$out"
check "--all drops ICMP too: the drops are counted" \
	test "$(tw_in "$S" block show --json | jq .dropped)" -ge $((dropped + 2))
check "block disable" tw_in "$S" block disable
stop_daemon

# --- run --block ---
check "run --block" start_daemon "$S" -i vX --feed "$T/exits.txt" --ssh-ports 2222 --block
check_eq "blocks the SSH ports given" "on 2222" "$(tw_in "$S" block show --json | jq -r '"\(.mode) \(.ports)"')"
out=$(ssh_login "$X" $EXIT4 $SRV4X 2222 2>&1); rc=$?
check "SSH to 2222 from the exit node is dropped" test $rc -ne 0
stop_daemon
check "unload" tw_in "$S" unload

finish
