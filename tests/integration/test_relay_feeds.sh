#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Relay feeds of the Tor client sensor against a real HTTP server: an
# Onionoo details document becomes the relay set (ORPorts, DirPorts, names);
# the next download is conditional (304); a download that is not a relay
# list, and one that shrinks too much, are refused with feed_rejected and
# the last good set stays; a restart with the server gone starts from the
# cache; with no good data for longer than stale-after, feed_stale.
. "$(dirname "$0")/lib.sh"
require_root
SERVER="$(cd "$(dirname "$0")/../tools" && pwd)/feed_server.py"

H=twrh-$ID
add_netns "$H"
veth_in "$H" vR vR2
add_addrs "$H" vR 203.0.113.1/24
mkdir -p "$T/www" "$T/state"
onionoo() {	# onionoo N: a details document of N relays, 203.0.113.10 and up
	local i sep=
	printf '{"version":"8.0","relays":['
	for i in $(seq 1 "$1"); do
		printf '%s{"nickname":"relay%d","fingerprint":"%040d","or_addresses":["203.0.113.%d:9001","[2001:db8:20::%d]:443"],"dir_address":"203.0.113.%d:9030"}' \
			"$sep" "$i" "$i" $((9 + i)) "$i" $((9 + i))
		sep=,
	done
	printf ']}\n'
}
onionoo 4 >"$T/www/relays.json"
in_ns "$H" python3 "$SERVER" --root "$T/www" --log "$T/requests.json" --portfile "$T/port" 2>>"$T/server.log" &
SRV=$!
trap 'kill $SRV 2>/dev/null; cleanup' EXIT
check "the feed server listens" wait_for 10 test -s "$T/port"
URL=http://127.0.0.1:$(cat "$T/port")/f/relays.json
run_daemon() {
	start_daemon "$H" -i vR --builtin-relays no --relay-feed "$URL" --relay-interval 2s --retry-min 1s \
		--stale-after 4s --dedup-window 0 "$@"
}
connect() {	# connect NAME ADDR PORT
	in_ns "$H" python3 - "$@" <<'PY'
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET); s.settimeout(1)
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
except OSError:
    pass
PY
}
alerted() { has_alert "select(.rule.id==\"tor_client_connection\" and .process.name==\"$1\")"; }

check "the daemon starts with a relay feed" run_daemon
check "the feed becomes the relay set: 4 relays, 12 addresses and ports" \
	wait_for 10 grep -q "relay set: 12 addresses and ports" "$T/daemon.log"
check_eq "nothing was refused at the start (no data yet is not a refusal)" "" \
	"$(jq -c 'select(.rule.id=="feed_rejected")' "$T/alerts.json")"
connect feedorport 203.0.113.11 9001
check "a connection to a fetched ORPort is alerted" wait_for 5 alerted feedorport
check_eq "named as Onionoo names it" relay2 \
	"$(jq -r 'select(.process.name=="feedorport") | .torwatch.tor_client.relay.nickname' "$T/alerts.json")"
connect feeddir6 2001:db8:20::3 443
check "and an IPv6 ORPort" wait_for 5 alerted feeddir6
check "the next download is conditional (If-None-Match: the ETag it got)" wait_for 10 sh -c \
	"jq -e 'select(.if_none_match != \"\")' $T/requests.json"

# --- bad downloads: refused, the last good set stays ---
printf '<html><body>maintenance</body></html>\n' >"$T/www/relays.json"
check "a download that is not a relay list is refused" wait_for 10 has_alert \
	"select(.rule.id==\"feed_rejected\" and (.message | contains(\"relays.json\")) and (.message | contains(\"not\")))"
connect afterbad 203.0.113.10 9030
check "the last good set still alerts" wait_for 5 alerted afterbad
onionoo 1 >"$T/www/relays.json"
check "a download that shrinks the set by more than max-shrink is refused" wait_for 10 has_alert \
	'select(.rule.id=="feed_rejected" and (.message | contains("shrink from 12 to 3")))'
connect aftershrink 203.0.113.13 9001
check "and the relays it left out still alert" wait_for 5 alerted aftershrink
onionoo 4 >"$T/www/relays.json"

# --- the cache: a restart with the server gone ---
stop_daemon
kill $SRV; wait $SRV 2>/dev/null
check "the accepted list was cached" test -s "$T/state/relays/relay-feed-1.list"
check "the daemon starts again without its server" run_daemon
check "the relay set comes from the cache" wait_for 5 grep -q "relay set: 12 addresses and ports" \
	<(tail -n 40 "$T/daemon.log")
connect fromcache 203.0.113.12 9001
check "and alerts" wait_for 5 alerted fromcache
check "the failed downloads are logged" wait_for 10 grep -q "relay feed relay-feed-1: .*retry in" "$T/daemon.log"
check "no good data for longer than stale-after: feed_stale" wait_for 15 has_alert \
	'select(.rule.id=="feed_stale" and .torwatch.feed.kind=="relays")'
stop_daemon
finish
