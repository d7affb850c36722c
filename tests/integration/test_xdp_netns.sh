#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A host namespace watched by torwatch (native XDP on two veths), a fake
# exit node and a clean client in their own namespaces: exact counters,
# check, alerts, status, SIGHUP reload, survival of SIGKILL, unload.
. "$(dirname "$0")/lib.sh"
require_root

H=twh-$ID X=twx-$ID C=twc-$ID
EXIT4=198.51.100.7 EXIT6=2001:db8:7::7 HOST4X=198.51.100.1 HOST6X=2001:db8:7::1
CLEAN4=203.0.113.50 HOST4C=203.0.113.1

add_netns "$H"; add_netns "$X"; add_netns "$C"
link_ns "$H" vX "$X" eX
link_ns "$H" vC "$C" eC
add_addrs "$H" vX $HOST4X/24 $HOST6X/64
add_addrs "$H" vC $HOST4C/24
add_addrs "$X" eX $EXIT4/24 $EXIT6/64
add_addrs "$C" eC $CLEAN4/24
# Static neighbours: no ARP/NDP from the exit address, so counts are exact.
macX=$(mac_of "$X" eX) macvX=$(mac_of "$H" vX) macC=$(mac_of "$C" eC) macvC=$(mac_of "$H" vC)
ip -n "$H" neigh add $EXIT4 lladdr "$macX" dev vX nud permanent
ip -n "$H" neigh add $EXIT6 lladdr "$macX" dev vX nud permanent
ip -n "$X" neigh add $HOST4X lladdr "$macvX" dev eX nud permanent
ip -n "$X" neigh add $HOST6X lladdr "$macvX" dev eX nud permanent
ip -n "$H" neigh add $CLEAN4 lladdr "$macC" dev vC nud permanent
ip -n "$C" neigh add $HOST4C lladdr "$macvC" dev eC nud permanent

mkdir -p "$T/state"
printf '# fake exit nodes (documentation ranges)\n%s\n%s\n203.0.113.128/25\nnot-an-ip\n' \
	$EXIT4 $EXIT6 >"$T/plain.txt"
cat >"$T/exit-addresses.txt" <<EOT
@type tordnsel 1.0
ExitNode 0011223344556677889900AABBCCDDEEFF001122
Published 2024-03-11 13:07:19
LastStatus 2024-03-12 08:00:00
ExitAddress $EXIT4 2024-03-12 08:10:51
ExitAddress 192.0.2.99 2024-03-12 09:00:00
EOT

# --- errors a user can make, each one sentence ---
out=$(in_ns "$H" "$TW" run -i nosuch0 --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check "missing interface is refused" test $rc -ne 0
check "missing interface names the fix" grep -q "interface nosuch0 does not exist; list interfaces with 'ip link'" <<<"$out"
printf '# nothing\nbogus\n' >"$T/empty.txt"
out=$(in_ns "$H" "$TW" run -i vX --feed "$T/empty.txt" --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check "feed with no valid entry is refused at start" test $rc -ne 0
check "the refusal names the file" grep -q "empty.txt: no valid entry in 2 lines (1 bad)" <<<"$out"
for i in $(seq 0 1099); do echo "10.77.$((i / 256)).$((i % 256))"; done >"$T/big.txt"
out=$(in_ns "$H" "$TW" run -i vX --feed "$T/big.txt" --max-exits 1024 --pin-root "$PIN-big" --state-dir "$T/state" 2>&1); rc=$?
check "a set larger than the maps is refused" test $rc -ne 0
check "the refusal names --max-exits" grep -q "the exit set has 1100 IPv4 and 0 IPv6 addresses, more than the 1024 per family the maps hold; start with a larger --max-exits\$" <<<"$out"
check "a failed first start leaves nothing pinned" test ! -e "$PIN-big"
out=$("$TW" status --pin-root "$PIN" 2>&1); rc=$?
check_eq "status with nothing loaded exits 3 (not running)" 3 $rc
check "status with nothing loaded says so" grep -q "no daemon runs and nothing is pinned under $PIN" <<<"$out"
# nobody may not be able to reach the checkout (under /root, mode 0700): a copy.
bin=$(mktemp -d /tmp/torwatch-bin.XXXXXX)
install -m 0755 "$TW" "$bin/torwatch" && chmod 0755 "$bin"
out=$(runuser -u nobody -- "$bin/torwatch" status --pin-root "$PIN" 2>&1)
check "status without root says in one sentence why not" grep -qE "needs root|no daemon runs and nothing is pinned under" <<<"$out"
rm -rf "$bin"
out=$("$TW" run --bogus 2>&1); rc=$?
check_eq "run with an unknown option is a usage error" 2 $rc
check_eq "... said in one line, not the whole help" 1 "$(grep -c . <<<"$out")"
check "... naming the option and where the list is" grep -q "unknown option '--bogus' for 'run'; 'torwatch run --help' lists the options" <<<"$out"

# --- run ---
check "daemon starts on two veths in native mode" start_daemon "$H" -i vX -i vC \
	--feed "$T/plain.txt" --feed "$T/exit-addresses.txt" --xdp-mode native
check "bad feed line reported with file and line" grep -q "plain.txt:5: not an IPv4 or IPv6 address: \"not-an-ip\"" "$T/daemon.log"
st=$(tw_in "$H" status --json)
check_eq "status: vX in native mode" native "$(jq -r '.interfaces[] | select(.name=="vX") | .xdp_mode' <<<"$st")"
check_eq "status: vC in native mode" native "$(jq -r '.interfaces[] | select(.name=="vC") | .xdp_mode' <<<"$st")"
check_eq "status: IPv4 exact entries (merged)" 2 "$(jq .exit_set.exact_v4 <<<"$st")"
check_eq "status: IPv6 exact entries" 1 "$(jq .exit_set.exact_v6 <<<"$st")"
check_eq "status: IPv4 prefixes" 1 "$(jq .exit_set.prefixes_v4 <<<"$st")"
check_eq "status: two feed sources" 2 "$(jq '[.exit_set.sources[] | select(.kind=="file")] | length' <<<"$st")"
check_eq "status: the snapshot stands by" standby "$(jq -r '.exit_set.sources[] | select(.kind=="snapshot") | .state' <<<"$st")"
check_eq "status: bad lines of the plain feed" 1 "$(jq '.exit_set.sources[0].bad_lines' <<<"$st")"
check_eq "status: newest data of the exit-addresses feed" 2024-03-12T09:00:00Z "$(jq -r .exit_set.sources[1].newest_data <<<"$st")"
check_eq "status: the set is as new as the plain file (written just now)" "$(date -u -r "$T/plain.txt" +%FT%TZ)" "$(jq -r .exit_set.newest_data <<<"$st")"
check_eq "status: daemon running" true "$(jq .daemon.running <<<"$st")"
check "ip link shows the XDP program on vX" sh -c "ip -n $H link show vX | grep -q 'xdp'"

# --- traffic: exact counts ---
in_ns "$X" ping -q -c 5 -i 0.05 $HOST4X >/dev/null
in_ns "$X" ping -q -6 -c 3 -i 0.05 $HOST6X >/dev/null
for i in 1 2 3; do in_ns "$X" bash -c "echo probe >/dev/udp/$HOST4X/5353"; done
for i in 1 2; do in_ns "$X" bash -c "echo probe >/dev/udp/$HOST4X/53"; done
in_ns "$C" ping -q -c 4 -i 0.05 $HOST4C >/dev/null
for i in 1 2 3; do in_ns "$C" bash -c "echo probe >/dev/udp/$HOST4C/5353"; done
# The UDP probes get no answer: counted once XDP saw them, not when sent.
exit_packets_are() { [ "$(tw_in "$H" stats --json | jq .totals.exit_packets)" = "$1" ]; }
check "XDP counted the exit packets" wait_for 2 exit_packets_are 13
s=$(tw_in "$H" stats --json --top 50)
check_eq "exit packets: 5 ICMP + 3 ICMPv6 + 5 UDP" 13 "$(jq .totals.exit_packets <<<"$s")"
check_eq "per source: $EXIT4" 10 "$(jq --arg a $EXIT4 '.sources[] | select(.source==$a) | .packets' <<<"$s")"
check_eq "per source: $EXIT6" 3 "$(jq --arg a $EXIT6 '.sources[] | select(.source==$a) | .packets' <<<"$s")"
check_eq "the clean source is not counted" "" "$(jq -r --arg a $CLEAN4 '.sources[] | select(.source==$a) | .packets' <<<"$s")"
check_eq "per port: 5353/udp" 3 "$(jq '.ports[] | select(.port==5353 and .transport=="udp") | .packets' <<<"$s")"
check_eq "per port: 53/udp" 2 "$(jq '.ports[] | select(.port==53 and .transport=="udp") | .packets' <<<"$s")"
check_eq "per protocol: icmp" 5 "$(jq '.protocols[] | select(.transport=="icmp") | .packets' <<<"$s")"
check_eq "per protocol: ipv6-icmp" 3 "$(jq '.protocols[] | select(.transport=="ipv6-icmp") | .packets' <<<"$s")"
check_eq "per protocol: udp" 5 "$(jq '.protocols[] | select(.transport=="udp") | .packets' <<<"$s")"
check "all packets seen covers exit and clean traffic" test "$(jq .totals.packets <<<"$s")" -ge 20
check_eq "no unreadable packets" 0 "$(jq .totals.parse_errors <<<"$s")"
check "first/last seen are set" sh -c "jq -e '.sources[0].first_seen | test(\"^20[0-9-]+T\")' >/dev/null <<'J'
$s
J"
txt=$(tw_in "$H" stats --by port)
check "stats --by port text lists 5353/udp" grep -Eq '^  5353/udp +3 ' <<<"$txt"

# --- check ---
out=$(tw_in "$H" check $EXIT4); rc=$?
check_eq "check exit address: exit 0" 0 $rc
check "check names the exact entry and both feeds" grep -q "exact entry $EXIT4, listed by $T/plain.txt, $T/exit-addresses.txt" <<<"$out"
out=$(tw_in "$H" check 203.0.113.200 --json); rc=$?
check_eq "check via prefix: exit 0" 0 $rc
check_eq "check via prefix names it" 203.0.113.128/25 "$(jq -r .entry <<<"$out")"
out=$(tw_in "$H" check $CLEAN4); rc=$?
check_eq "check clean address: exit 1" 1 $rc
check "check clean address says so" grep -q "is not in the exit set" <<<"$out"
out=$(tw_in "$H" check 300.1.2.3 2>&1); rc=$?
check_eq "check garbage: exit 2" 2 $rc

# --- alerts ---
a4=$(jq -c --arg a $EXIT4 'select(.source.ip==$a)' "$T/alerts.json")
check_eq "one alert for $EXIT4 despite 10 packets" 1 "$(grep -c . <<<"$a4")"
check_eq "one alert for $EXIT6" 1 "$(jq -c --arg a $EXIT6 'select(.source.ip==$a)' "$T/alerts.json" | grep -c .)"
check_eq "no alert for the clean source" 0 "$(jq -c --arg a $CLEAN4 'select(.source.ip==$a)' "$T/alerts.json" | grep -c .)"
for f in '."@timestamp"' .message .event.kind .event.action .event.severity .log.level .rule.id \
	.rule.name .source.ip .destination.ip .network.transport .network.type \
	.threat.indicator.ip .threat.indicator.provider .host.hostname; do
	check "alert has $f" jq -e "$f != null" <<<"$a4"
done
check_eq "alert message" "Known Tor Exit Node Traffic" "$(jq -r .message <<<"$a4")"
check_eq "alert severity" 21 "$(jq -r .event.severity <<<"$a4")"
check_eq "alert rule id" tor_traffic "$(jq -r .rule.id <<<"$a4")"
check_eq "alert destination" $HOST4X "$(jq -r .destination.ip <<<"$a4")"
check_eq "alert interface" vX "$(jq -r .observer.ingress.interface.name <<<"$a4")"

# --- a real TCP connection from the exit node ---
in_ns "$H" nc -l -p 8080 >"$T/tcp.out" &
ncpid=$!
sleep 0.2
echo hello-from-tor | in_ns "$X" nc -q 1 -w 2 $HOST4X 8080
wait $ncpid 2>/dev/null
check_eq "TCP data arrived through XDP" hello-from-tor "$(cat "$T/tcp.out")"
s=$(tw_in "$H" stats --json --by port)
check "TCP port 8080 counted (handshake, data, close)" test "$(jq '.ports[] | select(.port==8080 and .transport=="tcp") | .packets' <<<"$s")" -ge 3

# --- SIGHUP reload: gap-free, broken file keeps its last good data ---
printf '%s\n%s\n198.51.100.8\n' $EXIT4 $EXIT6 >"$T/plain.txt"
kill -HUP "$DAEMON_PID"
check "reload adds 198.51.100.8" wait_for 5 tw_in "$H" check 198.51.100.8
check "reload drops the /25 prefix" wait_for 5 sh -c "! $TW check 203.0.113.200 --pin-root $PIN"
: >"$T/plain.txt"
kill -HUP "$DAEMON_PID"
check "an empty file is reported" wait_for 5 grep -q "plain.txt: no valid entry.*; the last good data ([0-9]* entr[a-z]*) stays" "$T/daemon.log"
check "an empty file keeps the last good data" tw_in "$H" check 198.51.100.8
rm -f "$T/plain.txt"
kill -HUP "$DAEMON_PID"
check "a missing file is reported" wait_for 5 grep -q "cannot read $T/plain.txt" "$T/daemon.log"
check "a missing file keeps the last good data" tw_in "$H" check $EXIT6

# --- gap-free: traffic through 20 reloads is counted for every packet ---
before=$(tw_in "$H" stats --json --top 100 | jq --arg a $EXIT4 '.sources[] | select(.source==$a) | .packets')
printf '%s\n%s\n198.51.100.20\n' $EXIT4 $EXIT6 >"$T/a.txt"
printf '%s\n%s\n198.51.100.21\n2001:db8:9::/48\n' $EXIT4 $EXIT6 >"$T/b.txt"
in_ns "$X" ping -q -c 400 -i 0.005 $HOST4X >/dev/null &
pingpid=$!
for i in $(seq 1 20); do
	if [ $((i % 2)) = 0 ]; then cp "$T/a.txt" "$T/plain.txt"; else cp "$T/b.txt" "$T/plain.txt"; fi
	kill -HUP "$DAEMON_PID"
	sleep 0.08
done
wait $pingpid
after=$(tw_in "$H" stats --json --top 100 | jq --arg a $EXIT4 '.sources[] | select(.source==$a) | .packets')
check "20 reloads happened during the traffic" test "$(grep -c 'SIGHUP: reloading' "$T/daemon.log")" -ge 22
check_eq "all 400 packets counted across the reloads" $((before + 400)) "$after"
# The file was refused (empty) before: read well again, it has no failures.
plain() { tw_in "$H" feed show --json | jq -r --arg p "$T/plain.txt" ".sources[] | select(.url==\$p) | $1"; }
check_eq "a file read well again: ok, no failures in a row" "ok 0" "$(plain '"\(.state) \(.failures)"')"
# Its bad lines are said once per content, not at every 'feed update'.
printf '%s\n%s\nnot-an-address-7\n' $EXIT4 $EXIT6 >"$T/plain.txt"
kill -HUP "$DAEMON_PID"
check "a new bad line is logged" wait_for 5 grep -q 'not-an-address-7' "$T/daemon.log"
tw_in "$H" feed update >/dev/null
tw_in "$H" feed update >/dev/null
check_eq "... once, though the file was read twice more" 1 "$(grep -c 'not-an-address-7' "$T/daemon.log")"
check_eq "the JSON of status leaves '/' unescaped" 0 "$(tw_in "$H" status --json | grep -c '\\/')"

# --- SIGKILL: XDP and counters survive; a new daemon adopts them ---
before=$(tw_in "$H" stats --json | jq .totals.exit_packets)
stop_daemon -KILL
out=$(tw_in "$H" status 2>&1); rc=$?
check "status without a daemon says so in one sentence" grep -q "the daemon is not running; showing the state pinned under $PIN" <<<"$out"
check_eq "... and exits 3 (not running), for scripts and monitoring" 3 $rc
in_ns "$X" ping -q -c 2 -i 0.05 $HOST4X >/dev/null
after=$(tw_in "$H" stats --json 2>/dev/null | jq .totals.exit_packets)
check_eq "XDP keeps counting with the daemon dead" $((before + 2)) "$after"
check "a restarted daemon adopts the pinned link" start_daemon "$H" -i vX -i vC --feed "$T/exit-addresses.txt"
check "the adoption is logged" grep -q "vX: adopted the pinned XDP link (native mode)" "$T/daemon.log"
in_ns "$X" ping -q -c 1 $HOST4X >/dev/null
check_eq "counters go on after the restart" $((before + 3)) "$(tw_in "$H" stats --json | jq .totals.exit_packets)"
check "the new set dropped $EXIT6" sh -c "! $TW check $EXIT6 --pin-root $PIN"
out=$(in_ns "$H" "$TW" run -i vX --pin-root "$PIN" --state-dir "$T/state" 2>&1)
check "a second daemon on the same pin root is refused" grep -q "another torwatch daemon (pid $DAEMON_PID) already uses pin root" <<<"$out"

# --- stats reset: counters to zero, the exit set and the alert windows stay ---
traffic_alerts() { jq -c --arg a $EXIT4 'select(.rule.id=="tor_traffic" and .source.ip==$a)' "$T/alerts.json" | wc -l; }
in_ns "$X" ping -q -c 1 $HOST4X >/dev/null	# a window for $EXIT4 opened at most now
sleep 0.5
n_before=$(traffic_alerts)
check "stats reset" tw_in "$H" stats reset
s=$(tw_in "$H" stats --json)
check_eq "exit packets back to zero" 0 "$(jq .totals.exit_packets <<<"$s")"
check_eq "no source left with traffic" 0 "$(jq '.sources | length' <<<"$s")"
check "the exit set is untouched" tw_in "$H" check $EXIT4
in_ns "$X" ping -q -c 2 -i 0.05 $HOST4X >/dev/null
check_eq "counting starts again from zero" 2 "$(tw_in "$H" stats --json | jq --arg a $EXIT4 '.sources[] | select(.source==$a) | .packets')"
# The barrier: a first packet from another listed exit, later on the same
# ring; once its alert is written, any alert for the pings above would be.
BARRIER4=192.0.2.99
ip -n "$X" addr add $BARRIER4/32 dev eX
in_ns "$X" ping -q -c 1 -W 1 -I $BARRIER4 $HOST4X >/dev/null	# no route back: no reply
check "the barrier's tor_traffic alert is written" wait_for 5 sh -c \
	"jq -e --arg a $BARRIER4 'select(.rule.id==\"tor_traffic\" and .source.ip==\$a)' $T/alerts.json >/dev/null"
check_eq "the reset kept the alert window: no new tor_traffic for $EXIT4" "$n_before" "$(traffic_alerts)"

# --- unload ---
stop_daemon
check "unload detaches" tw_in "$H" unload
check "no XDP left on vX" sh -c "! ip -n $H link show vX | grep -q 'xdp'"
check "pin root removed" test ! -e "$PIN"

# --- config file ---
printf '[run]\ninterface = vX\nxdp-mode = fast\n' >"$T/bad.conf"
out=$(in_ns "$H" "$TW" run -c "$T/bad.conf" --pin-root "$PIN" 2>&1); rc=$?
check_eq "a bad config line stops the start (usage error)" 2 $rc
check "the error names file, line and reason" grep -q "$T/bad.conf:3: xdp-mode must be auto, native or skb, not 'fast'" <<<"$out"
printf '[run]\ninterface = vX\nxdp-mode = native\n' >"$T/torwatch.conf"

# --- no source at all: the embedded snapshot ---
n_alerts0=$(grep -c . "$T/alerts.json")
# One URL source that cannot answer (nothing listens on port 9): it has no data.
check "a daemon from a config file, with no source, starts" start_daemon "$H" -c "$T/torwatch.conf" \
	--feed http://127.0.0.1:9/exits.txt
check_eq "the config's interface is watched" vX "$(tw_in "$H" status --json | jq -r '.interfaces[0].name')"
st=$(tw_in "$H" status --json)
snap='.exit_set.sources[] | select(.kind=="snapshot")'
check_eq "it falls back to the dated snapshot" "snapshot 2024-03-12 (embedded)" "$(jq -r "$snap | .name" <<<"$st")"
check_eq "the snapshot is in use" ok "$(jq -r "$snap | .state" <<<"$st")"
check_eq "the snapshot's 1174 addresses" 1174 "$(jq .exit_set.exact_v4 <<<"$st")"
check_eq "status shows the snapshot's date" 2024-03-12 "$(jq -r '.exit_set.newest_data[0:10]' <<<"$st")"
check_eq "status says the data is stale" true "$(jq .exit_set.stale <<<"$st")"
check "a feed_stale alert names the snapshot's age" wait_for 3 has_alert 'select(.rule.id=="feed_stale") | select(.torwatch.feed.newest_data | startswith("2024-03-12"))'
check "a snapshot exit address is found" tw_in "$H" check 185.241.208.232
check "the log says detection runs on the snapshot, and how old it is" \
	grep -q "the exit set is made of: the embedded snapshot of 2024-03-12 (1174 entries, [0-9]*d [0-9]*h old; no fetched list or feed file has data yet)" "$T/daemon.log"
check "a failed fetch of a source without data says so, not 'keeping 0 entries'" \
	wait_for 3 grep -q "fetch failed: .*; it has no data yet, retry in" "$T/daemon.log"
out=$(tw_in "$H" status)
check "status names the snapshot once: 'snapshot 2024-03-12 (embedded): ok'" \
	grep -q "^  snapshot 2024-03-12 (embedded): ok" <<<"$out"
alerts_counted() { [ "$(tw_in "$H" status --json | jq .alerts.written)" = $(($(grep -c . "$T/alerts.json") - n_alerts0)) ]; }
check "status counts the alerts this daemon wrote (feed_stale among them)" wait_for 2 alerts_counted
check "... and says so in its text" grep -q "^alerts: .* [1-9][0-9]* lines\? written" <<<"$(tw_in "$H" status)"
stop_daemon
out=$(tw_in "$H" status 2>/dev/null)
check "with the daemon stopped, status promises no next fetch" \
	sh -c "! grep -q 'next fetch in' <<'EOT'
$out
EOT"
check "... it says why" grep -q "no fetch while the daemon is not running" <<<"$out"
check_eq "... (json)" 0 "$(tw_in "$H" status --json | jq '[.exit_set.sources[] | select(.next_attempt != null)] | length')"
check "unload" tw_in "$H" unload

finish
