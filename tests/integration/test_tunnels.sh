#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Tunnels from exit nodes, with the real tools from Debian's packages: the
# client in a fake exit node's namespace, the server in the host's.
# ptunnel-ng (ICMP) raises tor_icmp_tunnel and iodine (DNS) tor_dns_tunnel
# within seconds of carrying data; an ordinary ping, one 'ping -s 1400',
# dig, and a resolver's large answers raise nothing. Each exit node has a
# namespace (and so a window) of its own.
. "$(dirname "$0")/lib.sh"
require_root

ANSWER=$(dirname "$0")/../tools/dns_answer.py
H=twh-$ID
add_netns "$H"
# exit_node N: namespace twxN-ID with 198.51.100.N, linked to the host's vxN (.1 there is 10.N.0.1).
exit_node() {
	local ns=twx$1-$ID
	add_netns "$ns"
	link_ns "$H" vx$1 "$ns" ex
	add_addrs "$H" vx$1 203.0.113.$1/32
	add_addrs "$ns" ex 198.51.100.$1/32
	ip -n "$H" route add 198.51.100.$1/32 dev vx$1
	ip -n "$ns" route add 203.0.113.$1/32 dev ex
	ip -n "$ns" route add default via 203.0.113.$1 dev ex onlink
	echo 198.51.100.$1 >>"$T/exits.txt"
}
mkdir -p "$T/state"
: >"$T/exits.txt"
for n in 7 8 9 10; do exit_node $n; done
PT=twx7-$ID IO=twx8-$ID BN=twx9-$ID RS=twx10-$ID
check "the daemon starts on four exit links" start_daemon "$H" -i vx7 -i vx8 -i vx9 -i vx10 --feed "$T/exits.txt"
tunnel_alerts() { jq -c --arg a "$2" "select(.rule.id == \"$1\" and .source.ip == \$a)" "$T/alerts.json" | grep -c .; }

# --- ptunnel-ng: TCP carried in ICMP echo requests ---
nsenter --net=/run/netns/$H ptunnel-ng -r127.0.0.1 -R9999 -v -1 </dev/null >/dev/null 2>&1 &
PTS=$!
nsenter --net=/run/netns/$H python3 -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 9999)); s.listen()
while True:
    c, _ = s.accept()
    while c.recv(65536): pass
    c.close()' </dev/null >/dev/null 2>&1 &
SINK=$!
nsenter --net=/run/netns/$PT ptunnel-ng -p203.0.113.7 -l8000 -r127.0.0.1 -R9999 -v -1 </dev/null >/dev/null 2>&1 &
PTC=$!
wait_for 5 in_ns "$PT" sh -c "echo | nc -q 0 -w 1 127.0.0.1 8000"
t0=$(date +%s%N)
head -c 100000 /dev/urandom | in_ns "$PT" timeout 10 nc -q 1 127.0.0.1 8000 &
XFER=$!
check "ptunnel-ng raises tor_icmp_tunnel" wait_for 5 sh -c "[ \$(jq -c 'select(.rule.id == \"tor_icmp_tunnel\")' $T/alerts.json | grep -c .) -ge 1 ]"
echo "# tor_icmp_tunnel within $(( ($(date +%s%N) - t0) / 1000000 )) ms of the transfer's start"
wait $XFER
a=$(jq -c 'select(.rule.id == "tor_icmp_tunnel")' "$T/alerts.json" | head -1)
check_eq "from the exit node" 198.51.100.7 "$(jq -r .source.ip <<<"$a")"
check_eq "message" "Possible ICMP tunnel from Tor Exit Node (198.51.100.7)" "$(jq -r .message <<<"$a")"
check_eq "severity medium" medium "$(jq -r .log.level <<<"$a")"
check "it carries the figures: large packets, the largest payload, bytes per packet, the window" \
	jq -e '.torwatch.tunnel | .large_packets >= 10 and .max_payload > 800 and .window_s == 60 and .packets >= .large_packets and .bytes > 800 * .large_packets and .bytes_per_packet == ((.bytes / .packets) | floor)' <<<"$a"
echo "# ptunnel-ng: $(jq -c '.torwatch.tunnel' <<<"$a")"
check_eq "once per window" 1 "$(tunnel_alerts tor_icmp_tunnel 198.51.100.7)"
kill $PTS $PTC $SINK 2>/dev/null

# --- iodine: IP over DNS queries ---
nsenter --net=/run/netns/$H iodined -f -c -P tw-test-secret 10.77.0.1 t.example </dev/null >"$T/iodined.log" 2>&1 &
IOS=$!
nsenter --net=/run/netns/$IO iodine -f -r -P tw-test-secret 203.0.113.8 t.example </dev/null >"$T/iodine.log" 2>&1 &
IOC=$!
check "iodine's tunnel comes up" wait_for 15 grep -q "Connection setup complete" "$T/iodine.log"
check "and carries data (ping through it)" in_ns "$IO" ping -c 2 -W 3 10.77.0.1
check "iodine raises tor_dns_tunnel" wait_for 5 sh -c "[ \$(jq -c 'select(.rule.id == \"tor_dns_tunnel\")' $T/alerts.json | grep -c .) -ge 1 ]"
a=$(jq -c 'select(.rule.id == "tor_dns_tunnel")' "$T/alerts.json" | head -1)
check_eq "from the exit node" 198.51.100.8 "$(jq -r .source.ip <<<"$a")"
check_eq "message" "Possible DNS tunnel from Tor Exit Node (198.51.100.8)" "$(jq -r .message <<<"$a")"
check "it carries the longest query name and the long ones" \
	jq -e '.torwatch.tunnel | .long_names >= 10 and .longest_name > 90 and .longest_name <= 253 and .packets >= .long_names' <<<"$a"
echo "# iodine: $(jq -c '.torwatch.tunnel' <<<"$a")"
kill $IOC $IOS 2>/dev/null

# --- what must raise nothing: ping, one large ping, dig, a resolver's answers ---
in_ns "$BN" ping -q -c 20 -i 0.05 203.0.113.9 >/dev/null
in_ns "$BN" ping -q -c 1 -s 1400 203.0.113.9 >/dev/null
for name in www.example.com mail.example.org a-rather-long-but-ordinary-subdomain.cdn.example.net; do
	in_ns "$BN" dig +tries=1 +time=1 @203.0.113.9 "$name" >/dev/null 2>&1
done
nsenter --net=/run/netns/$RS python3 "$ANSWER" 198.51.100.10 1200 </dev/null >/dev/null 2>&1 &
RSP=$!
sleep 0.5
for i in $(seq 12); do in_ns "$H" dig +tries=1 +time=1 @198.51.100.10 "q$i.example.com" TXT >/dev/null; done
answer=$(in_ns "$H" dig +tries=1 +time=1 +ignore +short @198.51.100.10 x.example TXT)
check "the resolver answered with large TXT records (${#answer} characters)" test ${#answer} -ge 1200
kill $RSP
# The barrier: the DNS-tunnel exit (.8) now pings with large payloads; its
# ICMP alert, read from the same XDP ring after everything above, comes
# only once the benign traffic's records are processed.
in_ns "$IO" ping -q -c 12 -i 0.05 -s 1000 203.0.113.8 >/dev/null
check "the barrier: large pings from .8 raise its ICMP tunnel alert" \
	wait_for 3 sh -c "[ \$(jq -c 'select(.rule.id == \"tor_icmp_tunnel\" and .source.ip == \"198.51.100.8\")' $T/alerts.json | grep -c .) -ge 1 ]"
check_eq "ordinary ping, one ping -s 1400 and dig: no tunnel alert" 0 "$(tunnel_alerts tor_icmp_tunnel 198.51.100.9)$(tunnel_alerts tor_dns_tunnel 198.51.100.9 | sed 's/^0$//')"
check_eq "a resolver's large answers: no tunnel alert" 0 "$(jq -c 'select((.rule.id | test("tunnel")) and .source.ip == "198.51.100.10")' "$T/alerts.json" | grep -c .)"
check "the benign traffic was seen (tor_traffic from .9)" has_alert 'select(.rule.id == "tor_traffic" and .source.ip == "198.51.100.9")'

# --- off, and settings ---
out=$(in_ns "$H" "$TW" run --tunnel-window soon --check-config 2>&1); rc=$?
check_eq "a bad window is a usage error" 2 $rc
check "named in one sentence" grep -q "tunnel-window must be a duration" <<<"$out"
check "--tunnel-window off is valid" in_ns "$H" "$TW" run -i vx7 --sources none --relay-sources none --tunnel-window off --check-config
stop_daemon
check "unload" tw_in "$H" unload
finish
