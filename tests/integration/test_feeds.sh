#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Live feeds against real HTTP and HTTPS servers (tests/tools/feed_server.py,
# a throwaway CA) in the watched namespace: every fault a feed can have, the
# guard, 304s, expiry, the per-source cache, deny and allow files, a proxy,
# backoff, and traffic counted through refreshes without a gap.
. "$(dirname "$0")/lib.sh"
require_root

H=twfh-$ID X=twfx-$ID
EXIT4=198.51.100.7 EXIT6=2001:db8:7::7 HOST4X=198.51.100.1 HOST6X=2001:db8:7::1
SERVER="$(cd "$(dirname "$0")/../tools" && pwd)/feed_server.py"

add_netns "$H"; add_netns "$X"
link_ns "$H" vX "$X" eX
add_addrs "$H" vX $HOST4X/24 $HOST6X/64
add_addrs "$X" eX $EXIT4/24 $EXIT6/64 198.51.100.30/24 198.51.100.31/24 198.51.100.32/24
macX=$(mac_of "$X" eX) macvX=$(mac_of "$H" vX)
for a in $EXIT4 $EXIT6 198.51.100.30 198.51.100.31 198.51.100.32; do ip -n "$H" neigh add $a lladdr "$macX" dev vX nud permanent; done
ip -n "$X" neigh add $HOST4X lladdr "$macvX" dev eX nud permanent
ip -n "$X" neigh add $HOST6X lladdr "$macvX" dev eX nud permanent

# --- a throwaway CA, a server certificate it signs, and one another CA signs ---
mkdir -p "$T/pki" "$T/www" "$T/state"
pki() { openssl "$@" >/dev/null 2>&1; }
for ca in ca other; do
	pki req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=torwatch test $ca" \
		-keyout "$T/pki/$ca.key" -out "$T/pki/$ca.pem"
	pki req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$T/pki/$ca-srv.key" -out "$T/pki/$ca-srv.csr"
	printf 'subjectAltName=IP:127.0.0.1\n' >"$T/pki/san.ext"
	pki x509 -req -in "$T/pki/$ca-srv.csr" -CA "$T/pki/$ca.pem" -CAkey "$T/pki/$ca.key" \
		-CAcreateserial -days 2 -extfile "$T/pki/san.ext" -out "$T/pki/$ca-srv.pem"
done
check "the test CA signed a server certificate" test -s "$T/pki/ca-srv.pem"

# start_server NAME [CERT KEY]: a feed server in the watched namespace; sets PORT_NAME.
SERVERS=()
start_server() {
	local name=$1
	nsenter --net="/run/netns/$H" python3 "$SERVER" --root "$T/www" --log "$T/requests.$name.json" \
		--portfile "$T/port.$name" ${2:+--cert "$2" --key "$3"} 2>>"$T/server.log" &
	SERVERS+=($!)
	wait_for 10 test -s "$T/port.$name"
	eval "PORT_$name=$(cat "$T/port.$name")"
}
stop_servers() { kill "${SERVERS[@]}" 2>/dev/null; wait "${SERVERS[@]}" 2>/dev/null; SERVERS=(); rm -f "$T"/port.*; }
trap 'stop_servers; cleanup' EXIT
start_server plain
start_server tls "$T/pki/ca-srv.pem" "$T/pki/ca-srv.key"
start_server wrong "$T/pki/other-srv.pem" "$T/pki/other-srv.key"
check "three feed servers listen" test -n "$PORT_plain" -a -n "$PORT_tls" -a -n "$PORT_wrong"

# --- fixtures ---
exit_addresses() {	# exit_addresses ADDR...: a tordnsel list dated now
	local now i=0
	now=$(date -u '+%F %T')
	echo "@type tordnsel 1.0"
	for a in "$@"; do
		i=$((i + 1))
		printf 'ExitNode %040d\nPublished %s\nLastStatus %s\nExitAddress %s %s\n' $i "$now" "$now" "$a" "$now"
	done
}
exit_addresses $EXIT4 192.0.2.10 192.0.2.11 >"$T/www/exit-addresses"
cat >"$T/www/onionoo.json" <<EOT
{"version":"8.0","relays_published":"$(date -u '+%F %T')","relays":[
 {"or_addresses":["192.0.2.20:9001","[$EXIT6]:9001"],"exit_addresses":["192.0.2.21"]},
 {"or_addresses":["192.0.2.22:443","not-an-address:1"]}
],"bridges":[]}
EOT
printf '192.0.2.30\n192.0.2.31\n' >"$T/www/bulk"
printf '<html>Service Unavailable</html>\n' >"$T/www/garbage"
printf '{"version":"8.0","relays":[{"or_addresses":["192.0.2.40:1"]}\n' >"$T/www/bad.json"
for i in $(seq 1 20); do echo "203.0.113.$i"; done >"$T/www/shrink"
printf '192.0.2.50\n' >"$T/www/via-proxy"

P=http://127.0.0.1:$PORT_plain
cat >"$T/feeds.conf" <<EOT
[run]
interface = vX
sources = exit-addresses,bulk-exit-list,onionoo,dan-me-uk
ca-file = $T/pki/ca.pem
fetch-timeout = 3s
connect-timeout = 2s
retry-min = 1h
max-body = 64K
expire-after = 15s
stale-after = 1h
[source exit-addresses]
url = $P/f/exit-addresses
interval = 1h
[source onionoo]
url = $P/f/onionoo.json
[source bulk-exit-list]
url = https://127.0.0.1:$PORT_tls/f/bulk
[source dan-me-uk]
url = $P/ratelimit/403
interval = 1m
[source dan-200]
url = $P/ratelimit/200
[source wrong-cert]
url = https://127.0.0.1:$PORT_wrong/f/bulk
[source hang]
url = $P/hang
[source drip]
url = $P/drip
[source truncated]
url = $P/truncated
[source too-big]
url = $P/big/100000
[source e404]
url = $P/status/404
[source e500]
url = $P/status/500
[source garbage]
url = $P/f/garbage
[source bad-json]
url = $P/f/bad.json
format = onionoo
[source shrink]
url = $P/f/shrink
EOT

# Names each check uses.
src() { jq -c --arg n "$1" '.sources[] | select(.name==$n)' "$T/show.json"; }
field() { src "$1" | jq -r ".$2"; }
in_set() { tw_in "$H" check "$1" >/dev/null; }
not_in_set() { ! in_set "$1"; }
alerts() { jq -c --arg r "$1" 'select(.rule.id==$r)' "$T/alerts.json"; }
# (a line the server is writing may be cut: jq's complaint about it is dropped)
requests() { cat "$T"/requests.*.json 2>/dev/null | jq -c --arg p "$1" 'select(.path==$p)' 2>/dev/null; }

check "the daemon starts with 16 sources" start_daemon "$H" -c "$T/feeds.conf" \
	--sources exit-addresses,bulk-exit-list,onionoo,dan-me-uk
all_tried() { tw_in "$H" feed show --json | jq -e '[.sources[] | select(.state=="never tried")] | length == 0'; }
check "every source is tried at start, the slow ones time out within 3 s" wait_for 8 all_tried
tw_in "$H" feed show --json >"$T/show.json"; rc=$?
check_eq "feed show exits 1: some sources failed" 1 $rc

# --- what each source got, and what the set holds ---
check_eq "exit-addresses: ok" "ok 200 3" "$(field exit-addresses state) $(field exit-addresses http_status) $(field exit-addresses listed)"
check_eq "onionoo: ok, or_ and exit_addresses, IPv6 included" "ok 4 1" "$(field onionoo state) $(field onionoo listed) $(field onionoo bad_lines)"
check_eq "onionoo: one IPv6 address" 1 "$(field onionoo exact_v6)"
check_eq "bulk-exit-list over HTTPS, verified with the test CA" "ok 200 2" "$(field bulk-exit-list state) $(field bulk-exit-list http_status) $(field bulk-exit-list listed)"
check_eq "a certificate from another CA is refused" failed "$(field wrong-cert state)"
check "the refusal names the certificate" grep -qi certificate <<<"$(field wrong-cert error)"
check_eq "a hanging server fails" failed "$(field hang state)"
check "it fails on the timeout" grep -q 'timed out after' <<<"$(field hang error)"
check_eq "a dripping server fails" failed "$(field drip state)"
check "the drip is cut at the total timeout" grep -q 'timed out after' <<<"$(field drip error)"
check "the drip took about the 3 s timeout" test "$(field drip fetch_ms)" -ge 2500 -a "$(field drip fetch_ms)" -lt 5000
check_eq "a truncated body fails" failed "$(field truncated state)"
check "it says the transfer was partial" grep -qi partial <<<"$(field truncated error)"
check_eq "a body over max-body fails" "failed the body is larger than the 65536-byte limit" "$(field too-big state) $(field too-big error)"
check_eq "404 fails, with its status" "failed 404 HTTP status 404" "$(field e404 state) $(field e404 http_status) $(field e404 error)"
check_eq "500 fails, with its status" "failed 500" "$(field e500 state) $(field e500 http_status)"
check_eq "the dan.me.uk refusal (403) is a failed fetch" "failed 403" "$(field dan-me-uk state) $(field dan-me-uk http_status)"
check "it says why" grep -q 'allows one fetch per 30 minutes' <<<"$(field dan-me-uk error)"
check_eq "the same text with 200 is a failed fetch, not an empty list" "failed 200 0" "$(field dan-200 state) $(field dan-200 http_status) $(field dan-200 listed)"
check_eq "garbage is refused by the guard" rejected "$(field garbage state)"
check_eq "malformed Onionoo JSON is refused" rejected "$(field bad-json state)"
check "the refusal says where the JSON broke" grep -q 'malformed Onionoo JSON' <<<"$(field bad-json error)"
check_eq "shrink: 20 entries" "ok 20" "$(field shrink state) $(field shrink listed)"
check_eq "feed_rejected for garbage" 1 "$(alerts feed_rejected | jq -c 'select(.torwatch.feed.name=="garbage")' | wc -l)"
check "its reason: no valid entry" sh -c "alerts() { jq -c 'select(.rule.id==\"feed_rejected\" and .torwatch.feed.name==\"garbage\")' $T/alerts.json; }; alerts | jq -r .event.reason | grep -q 'no valid entry in 1 line'"
check_eq "feed_rejected for bad JSON" 1 "$(alerts feed_rejected | jq -c 'select(.torwatch.feed.name=="bad-json")' | wc -l)"
check_eq "no feed_rejected for failed fetches" 2 "$(alerts feed_rejected | wc -l)"
st=$(tw_in "$H" status --json)
check_eq "the set: 3 + 3 + 2 + 20 IPv4 addresses" 28 "$(jq .exit_set.exact_v4 <<<"$st")"
check_eq "the set: 1 IPv6 address" 1 "$(jq .exit_set.exact_v6 <<<"$st")"
check_eq "the snapshot stands by" standby "$(jq -r '.exit_set.sources[] | select(.kind=="snapshot") | .state' <<<"$st")"
check "status reports the last apply's duration" test "$(jq .exit_set.apply_usec <<<"$st")" -gt 0
for a in $EXIT4 192.0.2.10 192.0.2.20 192.0.2.21 192.0.2.22 $EXIT6 192.0.2.30 203.0.113.20; do
	check "$a is in the set" in_set $a
done
for a in 192.0.2.40 198.51.100.1; do check "$a (from a refused or failed source) is not" not_in_set $a; done
check "check names the sources of an address" sh -c "$TW check 192.0.2.20 --pin-root $PIN | grep -q 'listed by onionoo'"
check_eq "the data is fresh" false "$(jq .exit_set.stale <<<"$st")"

# --- what torwatch sent ---
r=$(requests /f/exit-addresses | head -1)
check "User-Agent names torwatch and its version" grep -Eq '^torwatch/[^ ]+ ' <<<"$(jq -r .user_agent <<<"$r")"
check "it asks for gzip (the server then compresses)" grep -q gzip <<<"$(jq -r .accept_encoding <<<"$r")"
check "the first request is unconditional" test -z "$(jq -r .if_none_match <<<"$r")"
check_eq "dan.me.uk was fetched once" 1 "$(requests /ratelimit/403 | wc -l)"

# --- 304: the second fetch is conditional; the list stays ---
start=$(date +%s%N)
tw_in "$H" feed update --json >"$T/show.json"; rc=$?
took_ms=$((($(date +%s%N) - start) / 1000000))
check_eq "feed update exits 1: some sources failed" 1 $rc
check "feed update waited for the slowest source (3 s timeout), not much more ($took_ms ms)" \
	test $took_ms -ge 2500 -a $took_ms -lt 8000
check_eq "a refusal repeated by a retry raises no second alert" 2 "$(alerts feed_rejected | wc -l)"
check_eq "exit-addresses: not modified (304)" "not modified 304 3" "$(field exit-addresses state) $(field exit-addresses http_status) $(field exit-addresses listed)"
check "the second request sent If-None-Match" sh -c "[ -n \"\$(cat $T/requests.plain.json | jq -r 'select(.path==\"/f/exit-addresses\") | .if_none_match' | tail -1)\" ]"
check "and If-Modified-Since" sh -c "cat $T/requests.plain.json | jq -r 'select(.path==\"/f/exit-addresses\") | .if_modified_since' | tail -1 | grep -q GMT"
check_eq "dan.me.uk is not fetched again within 30 minutes" 1 "$(requests /ratelimit/403 | wc -l)"
check "its skip is logged" grep -q "dan-me-uk: not fetched: the publisher allows one fetch per 1800 s" "$T/daemon.log"
check "exit-addresses entries stay" in_set 192.0.2.10

# --- a source that starts failing keeps its last good data ---
mv "$T/www/exit-addresses" "$T/www/exit-addresses.saved"
tw_in "$H" feed update --json >"$T/show.json"
check_eq "exit-addresses now fails with 404" "failed 404" "$(field exit-addresses state) $(field exit-addresses http_status)"
check "its entries stay in the set" in_set 192.0.2.11
check "status tells when its data last came" test "$(field exit-addresses age_s)" -ge 0
mv "$T/www/exit-addresses.saved" "$T/www/exit-addresses"

# --- the guard: a list shrunk by 90% is refused; --force takes it; expiry ---
printf '203.0.113.1\n203.0.113.2\n' >"$T/www/shrink"
tw_in "$H" feed update --json >"$T/show.json"
check_eq "a 90% shrink is refused" "rejected 20" "$(field shrink state) $(field shrink listed)"
check "the refusal gives the numbers" grep -q '2 entries would replace 20 (-90%, more than the 50% allowed)' <<<"$(field shrink error)"
check "a feed_rejected alert says so" has_alert 'select(.rule.id=="feed_rejected" and .torwatch.feed.name=="shrink") | select(.event.reason | contains("-90%"))'
check_eq "... saying once what stays" 1 "$(alerts feed_rejected | jq -r 'select(.torwatch.feed.name=="shrink") | .message' | grep -o 'last good data' | wc -l)"
check "the refused entries stay" in_set 203.0.113.20
set_v4() { tw_in "$H" status --json | jq .exit_set.exact_v4; }
check_eq "the set is as it was: 28 IPv4 addresses" 28 "$(set_v4)"
tw_in "$H" feed update --force --json >"$T/show.json"
check_eq "--force takes the short list" "ok 2" "$(field shrink state) $(field shrink listed)"
check "entries it no longer lists stay until they expire" in_set 203.0.113.20
check_eq "so the set still has 28 IPv4 addresses" 28 "$(set_v4)"
check "and are gone after expire-after (15 s)" wait_for 20 not_in_set 203.0.113.20
check_eq "then it has 28 - 18 = 10" 10 "$(set_v4)"
check "the listed ones stay" in_set 203.0.113.2
check "the expiry is logged" grep -q "shrink: 18 entries unlisted for over 15 s expired" "$T/daemon.log"
for i in $(seq 1 20); do echo "203.0.113.$i"; done >"$T/www/shrink"
tw_in "$H" feed update >/dev/null
printf '203.0.113.1\n203.0.113.2\n' >"$T/www/shrink"
sed -i "s/^expire-after = 15s$/expire-after = 15s\\nmax-shrink = 95/" "$T/feeds.conf"
kill -HUP "$DAEMON_PID"
tw_in "$H" feed update --json >"$T/show.json"
check_eq "after SIGHUP with max-shrink = 95, the same 90% shrink is taken" "ok 2" "$(field shrink state) $(field shrink listed)"
sed -i '/^max-shrink = 95$/d' "$T/feeds.conf"
kill -HUP "$DAEMON_PID"

# --- alerts keep flowing while a download hangs ---
tw_in "$H" feed update >/dev/null &
upd=$!
sleep 0.5
in_ns "$X" ping -q -6 -c 1 $HOST6X >/dev/null
check "a tor_traffic alert is written during the hanging fetch" wait_for 1 has_alert 'select(.rule.id=="tor_traffic" and .source.ip==$a)' --arg a $EXIT6
check "the update was still waiting for the hang" kill -0 $upd
wait $upd

# --- gap-free: traffic from an address in the old and new list, through refreshes ---
before=$(tw_in "$H" stats --json --top 100 | jq --arg a $EXIT4 '[.sources[] | select(.source==$a) | .packets] | add // 0')
in_ns "$X" ping -q -c 400 -i 0.01 $HOST4X >/dev/null &
pingpid=$!
for i in 1 2 3 4 5 6; do
	if [ $((i % 2)) = 0 ]; then exit_addresses $EXIT4 192.0.2.10 192.0.2.11; else exit_addresses $EXIT4 192.0.2.12 192.0.2.13 192.0.2.14; fi >"$T/www/exit-addresses"
	# Half-way, a second source lists it too: its source mask changes under traffic.
	[ $i = 3 ] && printf '192.0.2.30\n192.0.2.31\n%s\n' $EXIT4 >"$T/www/bulk"
	tw_in "$H" feed update >/dev/null
done
wait $pingpid
after=$(tw_in "$H" stats --json --top 100 | jq --arg a $EXIT4 '[.sources[] | select(.source==$a) | .packets] | add // 0')
check "the list changed during the traffic" test "$(grep -c 'exit-addresses: [34] entries' "$T/daemon.log")" -ge 6
check_eq "all 400 packets counted across 6 refreshes" $((before + 400)) "$after"
check "and now two sources list it" sh -c "$TW check $EXIT4 --pin-root $PIN | grep -q 'listed by exit-addresses, bulk-exit-list'"

# --- deny and allow files, re-read when they change ---
printf '198.51.100.30\n' >"$T/deny.txt"
printf '# nothing yet\n' >"$T/allow.txt"
stop_daemon
check "the daemon restarts with deny and allow files" start_daemon "$H" -c "$T/feeds.conf" \
	--sources exit-addresses,dan-me-uk --deny-file "$T/deny.txt" --allow-file "$T/allow.txt"
tw_in "$H" feed update >/dev/null
check_eq "after a restart, dan.me.uk is still not fetched within its 30 minutes" 1 "$(requests /ratelimit/403 | wc -l)"
check "a deny-file address is in the set" in_set 198.51.100.30
check "check names the deny file" sh -c "$TW check 198.51.100.30 --pin-root $PIN | grep -q 'deny:$T/deny.txt'"
echo 198.51.100.31 >>"$T/deny.txt"
check "an address added to the deny file is matched within 2 s" wait_for 2 in_set 198.51.100.31
in_ns "$X" ping -q -c 1 -I 198.51.100.31 $HOST4X >/dev/null
check "traffic from it raises tor_traffic" wait_for 2 has_alert 'select(.rule.id=="tor_traffic" and .source.ip=="198.51.100.31")'
ports_written=$(grep -c 'SSH ports:' "$T/daemon.log")
echo 198.51.100.30 >"$T/allow.txt.new" && mv "$T/allow.txt.new" "$T/allow.txt"
check "an allow-file address is allowlisted within 2 s (file replaced by mv)" \
	wait_for 2 sh -c "$TW check 198.51.100.30 --pin-root $PIN --json | jq -e .allowlisted"
check_eq "a changed allow file rewrites the allowlist and nothing else" "$ports_written" \
	"$(grep -c 'SSH ports:' "$T/daemon.log")"
# The barrier: a listed address pinged after the allowlisted one alerts;
# XDP saw the allowlisted ping first, on the same link.
echo 198.51.100.32 >>"$T/deny.txt"
check "a barrier address is in the set" wait_for 2 in_set 198.51.100.32
in_ns "$X" ping -q -c 1 -I 198.51.100.30 $HOST4X >/dev/null
in_ns "$X" ping -q -c 1 -I 198.51.100.32 $HOST4X >/dev/null
check "the barrier address alerts" wait_for 2 has_alert 'select(.rule.id=="tor_traffic" and .source.ip=="198.51.100.32")'
check_eq "no alert for the allowlisted address" 0 "$(jq -c 'select(.source.ip=="198.51.100.30")' "$T/alerts.json" | wc -l)"
: >"$T/deny.txt"
check "an emptied deny file empties its entries" wait_for 2 not_in_set 198.51.100.31
applies=$(grep -c '^torwatch: exit set: ' "$T/daemon.log")
kill -HUP "$DAEMON_PID"
check "a SIGHUP that changes nothing writes nothing" wait_for 3 grep -q "exit set unchanged" "$T/daemon.log"
check_eq "no apply was logged for it" "$applies" "$(grep -c '^torwatch: exit set: ' "$T/daemon.log")"

# --- the per-source cache: a start without network begins with the last good data ---
stop_daemon
check "each fetched source has its cache file" test -s "$T/state/feeds/exit-addresses.cache" -a -s "$T/state/feeds/onionoo.cache"
stop_servers
printf 'garbage\n' >"$T/state/feeds/onionoo.cache"
check "the daemon starts with every server down" start_daemon "$H" -c "$T/feeds.conf" \
	--sources exit-addresses,onionoo
check "the cache is used at once" in_set 192.0.2.12
check "the broken cache is reported" grep -q "onionoo: the cache is unusable" "$T/daemon.log"
tw_in "$H" feed update --json >"$T/show.json"
check_eq "the fetch fails, the cached list stays" "failed 3" "$(field exit-addresses state) $(field exit-addresses listed)"
check "the failure says the server is unreachable" grep -qi connect <<<"$(field exit-addresses error)"
check "cached entries still in the set" in_set 192.0.2.12
check_eq "the unusable cache left onionoo empty" 0 "$(field onionoo listed)"
stop_daemon

# --- stale data: feed_stale once, with the failing sources ---
check "a daemon with stale-after 1s starts" start_daemon "$H" -c "$T/feeds.conf" --sources exit-addresses --stale-after 1s
check "feed_stale is raised" wait_for 4 has_alert 'select(.rule.id=="feed_stale")'
check "it lists the failing source" has_alert 'select(.rule.id=="feed_stale") | .torwatch.feed.failing[] | select(.name=="exit-addresses")'
# The barrier: 'feed update' is answered from the feed schedule's round,
# after a fetch that fails again: the data is still stale, and was checked.
tw_in "$H" feed update >/dev/null
check_eq "only once while it stays stale (a failed fetch after it included)" 1 "$(alerts feed_stale | wc -l)"
check_eq "status says stale" true "$(tw_in "$H" status --json | jq .exit_set.stale)"
stop_daemon
out=$(tw_in "$H" feed update 2>&1); rc=$?
check_eq "feed update without a daemon exits 2" 2 $rc
check "and says what to do" grep -q "no torwatch daemon is running for $PIN; start it with 'torwatch run'" <<<"$out"
out=$(tw_in "$H" feed show --force 2>&1); rc=$?
check "--force belongs to update" grep -q "force belongs to 'feed update'" <<<"$out"
out=$(tw_in "$H" feed frobnicate 2>&1)
check "an unknown verb names the verbs" grep -q "unknown verb 'frobnicate' for 'feed' (update, show, export)" <<<"$out"

# --- a large set is applied on its own thread: alerts do not wait for it ---
echo 198.51.100.30 >"$T/big.txt"
tw_in "$H" unload >/dev/null	# maps of another size need a fresh pin root
check "a daemon with a feed file starts" start_daemon "$H" -i vX --feed "$T/big.txt" --max-exits 600000
python3 -c "
import sys
out = sys.stdout
for i in range(500000):
    out.write('10.%d.%d.%d\\n' % (i >> 16, (i >> 8) & 255, i & 255))
out.write('198.51.100.30\\n')" >"$T/big.new"
mv "$T/big.new" "$T/big.txt"
check "the 500,001-entry file is read and applied on the apply thread" \
	wait_for 10 grep -q "building the exit set on the apply thread, the local files read there" "$T/daemon.log"
in_ns "$X" ping -q -c 1 -I 198.51.100.30 $HOST4X >/dev/null
check "a tor_traffic alert is written while it is applied" wait_for 1 has_alert 'select(.rule.id=="tor_traffic" and .source.ip=="198.51.100.30")'
check "the apply was still running then" sh -c "! grep -q '^torwatch: exit set: 500001 IPv4' $T/daemon.log"
check "and it finishes" wait_for 20 grep -q '^torwatch: exit set: 500001 IPv4' "$T/daemon.log"
check "an address from it is in the set" in_set 10.7.161.31
stop_daemon
tw_in "$H" unload >/dev/null

# --- a proxy from the environment; backoff with jitter ---
start_server plain
P=http://127.0.0.1:$PORT_plain
printf '[run]\ninterface = vX\nretry-min = 1s\n[source via-proxy]\nurl = http://feeds.example.invalid/f/via-proxy\n[source backoff]\nurl = http://127.0.0.1:%s/status/503\n' \
	"$PORT_plain" >"$T/proxy.conf"
: >"$T/requests.plain.json"
export http_proxy=$P no_proxy=127.0.0.1
check "a daemon with http_proxy set starts" start_daemon "$H" -c "$T/proxy.conf"
unset http_proxy no_proxy
check "the list comes through the proxy" wait_for 5 in_set 192.0.2.50
check "the proxy saw the absolute URL" jq_any "$T/requests.plain.json" 'select(.path=="/f/via-proxy" and .proxied)'
sleep 9.5
n=$(requests /status/503 | wc -l)
check_eq "backoff: 4 attempts in 9.5 s (after 1, 2, 4 s), not 9" 4 "$n"
t=$(requests /status/503 | jq -s 'map(.t)')
check "the gaps grow: 1 s, 2 s, 4 s (+-20%)" jq -e '(.[2]-.[1]) > (.[1]-.[0]) and (.[3]-.[2]) > 2 * (.[1]-.[0])' <<<"$t"
# A manual update while the source is down does not push its retry out.
next=$(tw_in "$H" feed show --json | jq '.sources[] | select(.name=="backoff") | .next_attempt')
tw_in "$H" feed update >/dev/null
check_eq "a manual update that fails keeps the scheduled retry" "$next" \
	"$(tw_in "$H" feed show --json | jq '.sources[] | select(.name=="backoff") | .next_attempt')"
check "... and it did try" test "$(requests /status/503 | wc -l)" -gt "$n"
stop_daemon

finish
