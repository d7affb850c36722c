#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prometheus metrics: 'stats --prometheus' (stdout and an atomic file for
# node_exporter's textfile collector) and the daemon's /metrics over real
# HTTP, both passed through promtool (Debian's prometheus package) with no
# warning, and their values checked against the traffic sent: by protocol,
# by listed port and "other", alerts by rule; no label holds an address.
. "$(dirname "$0")/lib.sh"
require_root

one_exit_node
PORT=19477
check "the daemon starts with --metrics-listen" start_daemon "$H" -i vX --feed "$T/exits.txt" \
	--metrics-listen 127.0.0.1:$PORT --metrics-ports 22,5060
# Its own metrics port is not an unexpected listener: checked behind a
# barrier, another process's listener opened after the start and alerted.
in_ns "$H" "$TOOLS/listen_port" tcp4 127.0.0.1 19999 200 >/dev/null 2>&1
check "the barrier listener is alerted" wait_for 5 has_alert 'select(.rule.id=="unexpected_listen_port" and .destination.port==19999)'
check_eq "torwatch's own metrics port raises no unexpected_listen_port" "" \
	"$(jq -c --argjson p $PORT 'select(.rule.id=="unexpected_listen_port" and .destination.port==$p)' "$T/alerts.json")"
check "it says where" grep -q "metrics: http://127.0.0.1:$PORT/metrics" "$T/daemon.log"
# Traffic: 3 pings, 2 TCP SYNs to 22, 4 UDP datagrams to 5060, 1 to 8080.
in_ns "$X" ping -q -c 3 -i 0.05 $HOST4 >/dev/null
for i in 1 2; do in_ns "$X" nc -z -w 1 $HOST4 22 >/dev/null 2>&1; done
tcp=$(tw_in "$H" stats --json --by proto | jq '[.protocols[] | select(.transport=="tcp") | .packets] | add')
PACE=$(dirname "$0")/../tools/udp_pace.py
in_ns "$X" python3 "$PACE" send $EXIT4 $HOST4 5060 4 1
in_ns "$X" python3 "$PACE" send $EXIT4 $HOST4 8080 1 1
# XDP counts them as the veth delivers them: wait for all five, not a while.
udp_counted() { [ "$(tw_in "$H" stats --json --by proto | jq '[.protocols[] | select(.transport=="udp") | .packets] | add')" = 5 ]; }
check "the 5 datagrams are counted" wait_for 5 udp_counted
metric() { awk -v m="$1" '$1 == m {print $2}' "$2"; }

# --- stats --prometheus ---
check "stats --prometheus" sh -c "$TW stats --prometheus --pin-root $PIN >$T/cli.prom"
out=$(promtool check metrics <"$T/cli.prom" 2>&1); rc=$?
check_eq "promtool passes the CLI's text" 0 $rc
check_eq "with no warning" "" "$out"
check_eq "icmp packets" 3 "$(metric 'torwatch_exit_protocol_packets_total{protocol="icmp"}' "$T/cli.prom")"
check_eq "tcp packets (all of them, SYNs and the resets' answers' counterparts)" "$tcp" "$(metric 'torwatch_exit_protocol_packets_total{protocol="tcp"}' "$T/cli.prom")"
check_eq "udp packets to the listed 5060" 4 "$(metric 'torwatch_exit_port_packets_total{transport="udp",port="5060"}' "$T/cli.prom")"
check_eq "udp to 8080 as port=\"other\"" 1 "$(metric 'torwatch_exit_port_packets_total{transport="udp",port="other"}' "$T/cli.prom")"
check "tcp to 22 counted" test "$(metric 'torwatch_exit_port_packets_total{transport="tcp",port="22"}' "$T/cli.prom")" -ge 2
check_eq "the exit set" 1 "$(metric 'torwatch_exit_set_entries{family="ipv4",kind="address"}' "$T/cli.prom")"
check_eq "the daemon is up" 1 "$(metric torwatch_daemon_up "$T/cli.prom")"
check_eq "distinct exit sources seen, since the counters began and today" "1 1" \
	"$(metric 'torwatch_exit_sources_seen{period="since_reset"}' "$T/cli.prom") $(metric 'torwatch_exit_sources_seen{period="today"}' "$T/cli.prom")"
check_eq "stats says the same" "1 1" "$(tw_in "$H" stats --json | jq -r '.totals | "\(.sources_seen) \(.sources_seen_today)"')"
check "a tor_traffic alert is counted" wait_for 3 sh -c "$TW stats --prometheus --pin-root $PIN | grep -qx 'torwatch_alerts_total{rule=\"tor_traffic\"} 1'"
check "build_info names the version" grep -q '^torwatch_build_info{version=".*"} 1$' "$T/cli.prom"
check_eq "no label holds an address" "" "$(grep -E '198\.51\.100|2001:db8' "$T/cli.prom")"
check "every counter ends in _total" sh -c "! grep '^# TYPE' $T/cli.prom | awk '\$4 == \"counter\" && \$3 !~ /_total\$/' | grep -q ."

# --- the textfile collector's file: replaced whole ---
mkdir -p "$T/textfile"
check "stats --prometheus --output" tw_in "$H" stats --prometheus --output "$T/textfile/torwatch.prom"
check_eq "nothing but the file in the directory" "torwatch.prom" "$(ls "$T/textfile")"
out=$(promtool check metrics <"$T/textfile/torwatch.prom" 2>&1); rc=$?
check_eq "promtool passes the file" "0 " "$rc $out"
out=$(tw_in "$H" stats --output "$T/x.prom" 2>&1)
check "--output without --prometheus is refused" grep -q "output and --ports go with --prometheus" <<<"$out"

# --- /metrics over HTTP ---
code=$(in_ns "$H" curl -s -o "$T/http.prom" -w '%{http_code} %{content_type}' http://127.0.0.1:$PORT/metrics)
check_eq "GET /metrics: 200, the exposition format" "200 text/plain; version=0.0.4; charset=utf-8" "$code"
out=$(promtool check metrics <"$T/http.prom" 2>&1); rc=$?
check_eq "promtool passes what /metrics serves" "0 " "$rc $out"
check_eq "the same values as the CLI" "$(metric 'torwatch_exit_protocol_packets_total{protocol="icmp"}' "$T/cli.prom")" \
	"$(metric 'torwatch_exit_protocol_packets_total{protocol="icmp"}' "$T/http.prom")"
in_ns "$X" ping -q -c 2 -i 0.05 $HOST4 >/dev/null
in_ns "$H" curl -s -o "$T/http2.prom" http://127.0.0.1:$PORT/metrics
check_eq "each scrape reads the kernel's counters afresh" 5 "$(metric 'torwatch_exit_protocol_packets_total{protocol="icmp"}' "$T/http2.prom")"
# The event loop's own figures, published once a second: by then the
# kernel events input has run for the alert above.
loop_runs() { tw_in "$H" status --json | jq -e '.event_loop.inputs[] | select(.name == "kernel events") | .runs > 0' >/dev/null; }
check "status: the event loop's inputs, kernel events among them, have run" wait_for 3 loop_runs
check_eq "each with its slow runs and its longest (the slow bound: 5 ms)" "5 true" \
	"$(tw_in "$H" status --json | jq -r '"\(.event_loop.slow_run_ms) \([.event_loop.inputs[] | (.slow >= 0 and .longest_ms >= 0)] | all)"')"
check "status says it in its text" sh -c "$TW status --pin-root $PIN | grep -q '^event loop:  '"
in_ns "$H" curl -s -o "$T/http3.prom" http://127.0.0.1:$PORT/metrics
check "/metrics: slow runs by input" grep -q '^torwatch_event_loop_slow_runs_total{input="kernel events"} [0-9]*$' "$T/http3.prom"
check "/metrics: the longest run by input, in seconds" \
	grep -Eq '^torwatch_event_loop_longest_run_seconds\{input="kernel events"\} [0-9]+\.[0-9]{6}$' "$T/http3.prom"
out=$(promtool check metrics <"$T/http3.prom" 2>&1); rc=$?
check_eq "promtool passes them" "0 " "$rc $out"
check_eq "another path: 404" 404 "$(in_ns "$H" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/)"
check_eq "POST: 405" 405 "$(in_ns "$H" curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$PORT/metrics)"
check_eq "not served outside the namespace's loopback" 000 "$(in_ns "$X" curl -s -m 2 -o /dev/null -w '%{http_code}' http://$HOST4:$PORT/metrics)"

# --- slow clients: 32 connections trickling a header byte a second ---
cat >"$T/slow.py" <<'EOF'
import socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
conns = []
for _ in range(n):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    try:
        s.connect(("127.0.0.1", port)); s.sendall(b"G"); conns.append(s)
    except OSError:
        pass
end = time.time() + secs
while time.time() < end:
    time.sleep(1)
    for s in list(conns):
        try:
            s.sendall(b"E")
            s.setblocking(False)
            if s.recv(1) == b"":
                conns.remove(s)
        except BlockingIOError:
            pass
        except OSError:
            conns.remove(s)
        finally:
            s.setblocking(True)
print(len(conns))
EOF
in_ns "$H" python3 "$T/slow.py" $PORT 32 8 >"$T/slow.out" 2>&1 &
slow=$!
sleep 1
t0=$(date +%s%N)
code=$(in_ns "$H" curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/metrics)
t1=$(date +%s%N)
check_eq "a scrape while 32 slow clients trickle headers: 200" 200 "$code"
echo "# that scrape took $(((t1 - t0) / 1000000)) ms"
check "within a second" test $(((t1 - t0) / 1000000)) -lt 1000
wait $slow
check_eq "after 8 s no slow client is still connected (5 s for the headers)" 0 "$(tail -1 "$T/slow.out")"

# --- bad settings: one sentence ---
out=$(in_ns "$H" "$TW" run -i vX --metrics-listen 127.0.0.1:$PORT --pin-root "$PIN-2" --state-dir "$T/state" --sources none --relay-sources none 2>&1); rc=$?
check_eq "a second server on the port: the start fails" 1 $rc
check "saying why" grep -q "cannot serve metrics on 127.0.0.1:$PORT: .*(is the port in use?)" <<<"$out"
check "and leaves nothing pinned" test ! -e "$PIN-2"
out=$(in_ns "$H" "$TW" run --metrics-listen 127.0.0.1 --check-config 2>&1); rc=$?
check_eq "an address without a port is a usage error" 2 $rc
check "named in one sentence" grep -q "metrics-listen takes ADDR:PORT (e.g. 127.0.0.1:9477, \[::1\]:9477, :9477), not '127.0.0.1'" <<<"$out"
out=$(in_ns "$H" "$TW" run --metrics-ports 22,x --check-config 2>&1)
check "a bad port list is named" grep -q "metrics-ports: " <<<"$out"

stop_daemon
check "unload" tw_in "$H" unload
finish
