#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Tor used from this host: Debian's real tor, pointed by its torrc at a
# directory authority in a namespace the test made (never a public
# address), is named by tor_client_connection (low from its own path, high
# from a copy in /tmp); torsocks curl through its SOCKS port is
# tor_proxy_use naming curl; a Python process to a listed relay port is
# high, and to an unlisted port or address nothing; IPv6 and IPv4-mapped
# destinations; 1000 connections fold into one alert and one summary; a
# refresh that drops a relay, and a relay list that is garbage; a
# connection already open at the start is found (found_at_start).
. "$(dirname "$0")/lib.sh"
require_root
command -v tor >/dev/null && command -v torsocks >/dev/null ||
	{ echo "# tor and torsocks are needed (scripts/install-deps.sh --test installs them)"; exit 1; }

C=twc-$ID S=tws-$ID
RELAY4=198.51.100.10 RELAY6=2001:db8:10::10 OTHER4=198.51.100.11
add_netns "$C"; add_netns "$S"
link_ns "$C" vS "$S" eC
add_addrs "$C" vS 198.51.100.20/24 2001:db8:10::20/64
add_addrs "$S" eC $RELAY4/24 $OTHER4/24 $RELAY6/64
mkdir -p "$T/state"
FP=0123456789ABCDEF0123456789ABCDEF01234567
cat >"$T/relays.txt" <<EOT
# a relay list with ports, as torwatch reads it
$RELAY4:9001 # relay testrelay $FP
[$RELAY6]:9001 # relay testrelay $FP
$RELAY4:9030 # relay testrelay $FP dirport
203.0.113.77:9001
EOT
# Something listens on the relay's ORPort, so tor's connection succeeds.
in_ns "$S" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(("::", 9001)); s.listen(64)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' </dev/null >/dev/null 2>&1 &
LISTENER=$!
trap 'kill $LISTENER ${HELD:-} 2>/dev/null; pkill -f "$T/torrc" 2>/dev/null; cleanup' EXIT

check "the relay's ORPort listens" wait_for 5 sh -c "nsenter --net=/run/netns/$S ss -Hltn 'sport = :9001' | grep -q 9001"
# A connection to the relay open before torwatch starts, held by "heldopen".
in_ns "$C" python3 -c '
import ctypes, socket, time
ctypes.CDLL(None).prctl(15, b"heldopen", 0, 0, 0)
s = socket.create_connection(("'$RELAY4'", 9001)); time.sleep(120)' </dev/null >/dev/null 2>&1 &
HELD=$!
check "it is open" wait_for 5 sh -c "nsenter --net=/run/netns/$C ss -Htn state established 'dport = :9001' | grep -q 9001"
check "the daemon starts with a relay file" start_daemon "$C" -i vS --relay-file "$T/relays.txt" --dedup-window 3
check "the relay set is written, with the built-in directories" \
	grep -q "relay set: 3[0-9][0-9] addresses and ports" "$T/daemon.log"

alerts_of() { jq -c "select(.rule.id==\"$1\") | ${2:-.}" "$T/alerts.json" 2>/dev/null; }
connect() {	# connect NAME ADDR PORT [FAMILY]: a connect() from a process named NAME
	in_ns "$C" python3 - "$@" <<'PY'
import ctypes, socket, sys
name, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)	# PR_SET_NAME: the comm the kernel reports
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam); s.settimeout(1)
try:
    s.connect((addr, port))
except OSError:
    pass
PY
}
barrier() {	# barrier NAME: a listed relay connection by NAME, alerted
	connect "$1" $RELAY4 9030
	wait_for 5 sh -c "jq -e 'select(.rule.id==\"tor_client_connection\" and .process.name==\"$1\")' $T/alerts.json"
}

check "a connection open before the start is found" wait_for 5 has_alert \
	'select(.rule.id=="tor_client_connection" and .process.name=="heldopen" and .torwatch.found_at_start)'
check "the log counts it (and any other such connection of the machine)" grep -Eq "Tor client sensor: [1-9][0-9]* connection\(s\) to Tor found open at start" "$T/daemon.log"
kill $HELD

# --- torwatch check ADDR[:PORT]: relay, with its ports ---
check_eq "check ADDR:PORT of a listed relay port" "$RELAY4:9001 is a Tor relay: ports 9001, 9030" \
	"$(tw_in "$C" check $RELAY4:9001 | grep relay)"
check_eq "check ADDR:PORT of another port of a relay" "$RELAY4 is a Tor relay, but not on port 443: listed ports 9001, 9030" \
	"$(tw_in "$C" check $RELAY4:443 | grep relay)"
check_eq "check of an unlisted address" "$OTHER4 is not a known Tor relay" "$(tw_in "$C" check $OTHER4 | grep relay)"
check_eq "check [IPv6]:PORT --json" true "$(tw_in "$C" check "[$RELAY6]:9001" --json | jq .relay.listed)"
check_eq "check of a built-in directory authority (moria1's ORPort)" true \
	"$(tw_in "$C" check 128.31.0.39:9201 --json | jq .relay.listed)"
check "check of a bad port says why" sh -c "$TW check $RELAY4:99999 --pin-root $PIN 2>&1 | grep -q 'the port must be 1 to 65535'"

# --- a process to a listed relay port: high, named; elsewhere: nothing ---
connect probe1 $RELAY4 9001
check "a connection to a listed relay port raises tor_client_connection" \
	wait_for 5 has_alert 'select(.rule.id=="tor_client_connection" and .process.name=="probe1")'
a=$(alerts_of tor_client_connection 'select(.process.name=="probe1")' | head -1)
check_eq "it is high for an executable that may not use Tor" 73 "$(jq .event.severity <<<"$a")"
check_eq "it names the relay" "Process probe1 ($(jq .process.pid <<<"$a")) connects to the Tor network (relay $RELAY4:9001)" "$(jq -r .message <<<"$a")"
check_eq "with its nickname and fingerprint" "testrelay $FP" "$(jq -r '.torwatch.tor_client.relay | "\(.nickname) \(.fingerprint)"' <<<"$a")"
check_eq "listed by address and port" address_and_port "$(jq -r .torwatch.tor_client.relay_listed_by <<<"$a")"
check "and the process's executable" jq -e '.process.executable | test("python")' <<<"$a"
check "and who started it: its parents, nearest first" jq -e '.torwatch.process_chain | length >= 2 and .[0].pid == (input.process.parent.pid)' <<<"$a
$a"
connect probe2 $RELAY4 443
connect probe3 $OTHER4 9001
check "the barrier after them is alerted" barrier barrier1
check_eq "the same address on a port that is not listed: nothing" "" "$(alerts_of tor_client_connection 'select(.process.name=="probe2")')"
check_eq "an unlisted address: nothing" "" "$(alerts_of tor_client_connection 'select(.process.name=="probe3")')"

# --- IPv6, and IPv4 as an IPv4-mapped IPv6 destination ---
connect probe6 $RELAY6 9001
check "an IPv6 relay" wait_for 5 has_alert 'select(.rule.id=="tor_client_connection" and .process.name=="probe6" and .destination.ip=="2001:db8:10::10")'
connect probemapped ::ffff:$RELAY4 9001
check "an IPv4-mapped destination is the IPv4 relay" wait_for 5 has_alert \
	'select(.rule.id=="tor_client_connection" and .process.name=="probemapped" and .destination.ip=="198.51.100.10")'

# --- 1000 connections from one process: one alert, one summary ---
in_ns "$C" python3 - <<PY
import ctypes, socket
ctypes.CDLL(None).prctl(15, b"many", 0, 0, 0)
for i in range(1000):
    s = socket.socket(); s.settimeout(1)
    try:
        s.connect(("203.0.113.77", 9001))
    except OSError:
        pass
    s.close()
PY
check "the window's summary arrives" wait_for 10 has_alert 'select(.rule.id=="tor_client_connection" and .process.name=="many" and .torwatch.summary)'
check_eq "one alert at once for 1000 connections" 1 "$(alerts_of tor_client_connection 'select(.process.name=="many" and (.torwatch.summary|not))' | wc -l)"
check_eq "and their counts add up to 1000" 1000 "$(alerts_of tor_client_connection 'select(.process.name=="many") | .event.count' | jq -s add)"

# --- counted per process in stats, by rule and allowed/not in the metrics ---
check_eq "stats counts the 1000 connections of 'many'" 1000 \
	"$(tw_in "$C" stats --json | jq '[.tor_clients[] | select(.name=="many")] | .[0].connections')"
check "stats shows Tor used from this host by process" sh -c \
	"$TW stats --pin-root $PIN | grep -A3 'Tor used from this host, by process' | grep -q 'many .*tor_client_connection .*no .*1000'"
check "status says what the Tor client sensor watches" grep -Eq \
	"^tor client:  connect\(\) watched against 3[0-9][0-9] relay addresses and ports; [1-9][0-9]* process\(es\) seen using Tor" \
	<<<"$(tw_in "$C" status)"
check_eq "status --json counts them" true "$(tw_in "$C" status --json | jq '.tor_client.relays > 300 and .tor_client.processes >= 1')"
prom=$(tw_in "$C" stats --prometheus)
check "the metrics count connections by rule and allowed" grep -Eq '^torwatch_tor_client_connections_total\{rule="tor_client_connection",allowed="no"\} [0-9]{4}' <<<"$prom"
check_eq "and never name a process or an address in a label" "" "$(grep '^torwatch_tor_client' <<<"$prom" | grep -E 'many|198\.51')"
out=$(promtool check metrics <<<"$prom" 2>&1); rc=$?
check_eq "promtool passes them, with no lint problem" "0 " "$rc $out"

# --- the real tor, pointed at an authority in the relay namespace only ---
cat >"$T/torrc" <<EOT
DataDirectory $T/tor-data
SocksPort 127.0.0.1:9050
ControlPort 0
UseDefaultFallbackDirs 0
DirAuthority testauth orport=9001 no-v2 v3ident=$FP $RELAY4:9030 $FP
Log notice file $T/tor.log
AvoidDiskWrites 1
EOT
mkdir -p "$T/tor-data" && chmod 700 "$T/tor-data"
in_ns "$C" tor -f "$T/torrc" </dev/null >/dev/null 2>&1 &
check "tor's connection to its authority's ORPort is tor_client_connection" wait_for 15 has_alert \
	'select(.rule.id=="tor_client_connection" and .process.name=="tor" and .process.executable=="/usr/bin/tor")'
a=$(alerts_of tor_client_connection 'select(.process.name=="tor")' | head -1)
check_eq "low: /usr/bin/tor may use Tor" 21 "$(jq .event.severity <<<"$a")"
check_eq "allowed_executable says so" true "$(jq .torwatch.tor_client.allowed_executable <<<"$a")"

# torsocks curl: the client is curl, not tor.
check "tor's SOCKS port listens" wait_for 10 sh -c "nsenter --net=/run/netns/$C ss -Hltn 'sport = :9050' | grep -q 9050"
in_ns "$C" timeout 5 torsocks curl -s -m 3 http://192.0.2.80/ >/dev/null 2>&1
check "torsocks curl is tor_proxy_use naming curl" wait_for 5 has_alert \
	'select(.rule.id=="tor_proxy_use" and .process.name=="curl")'
check_eq "it is medium" 47 "$(alerts_of tor_proxy_use 'select(.process.name=="curl") | .event.severity' | head -1)"
check_eq "tor itself on its proxy port is never tor_proxy_use" "" "$(alerts_of tor_proxy_use 'select(.process.name=="tor")')"
pkill -f "$T/torrc"

# A copy of tor run from under /tmp: high, and said to be there.
mkdir -p "$T/x" && cp /usr/bin/tor "$T/x/tor"
rm -rf "$T/tor-data"/*
in_ns "$C" "$T/x/tor" -f "$T/torrc" </dev/null >/dev/null 2>&1 &
check "a copy of tor in /tmp raises tor_client_connection" wait_for 15 has_alert \
	"select(.rule.id==\"tor_client_connection\" and .process.executable==\"$T/x/tor\")"
a=$(alerts_of tor_client_connection "select(.process.executable==\"$T/x/tor\")" | head -1)
check_eq "high from there" 73 "$(jq .event.severity <<<"$a")"
check_eq "in a world-writable directory" true "$(jq .torwatch.executable_world_writable_dir <<<"$a")"
pkill -f "$T/torrc"

# --- a relay list refresh that drops the relay ---
grep -v "^$RELAY4:9001" "$T/relays.txt" >"$T/relays.new" && mv "$T/relays.new" "$T/relays.txt"
check "the changed file is read again" wait_for 5 grep -q "relay set: .* (+0, -1 in" "$T/daemon.log"
connect dropped $RELAY4 9001
check "the barrier after it is alerted" barrier barrier2
check_eq "a dropped relay raises nothing" "" "$(alerts_of tor_client_connection 'select(.process.name=="dropped")')"

# --- garbage: refused, the last good set stays ---
head -c 3000 /dev/urandom | base64 >"$T/relays.txt"
check "a relay list that is not one is refused" wait_for 5 has_alert \
	"select(.rule.id==\"feed_rejected\" and (.message | contains(\"$T/relays.txt\")))"
check "the log says why" grep -q "relays.txt: not a relay list\|relays.txt: no relay address" "$T/daemon.log"
connect stillthere $RELAY4 9030
check "the last good set still alerts" wait_for 5 has_alert 'select(.rule.id=="tor_client_connection" and .process.name=="stillthere")'

stop_daemon
finish
