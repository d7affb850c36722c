#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The shipped Prometheus rules and Grafana dashboard against the real thing
# (Debian's prometheus): promtool checks the rules and runs their unit tests
# (tests/prometheus/); then a real Prometheus scrapes a real daemon with
# traffic flowing in the test's namespaces, every recording rule and every
# dashboard query must return data through the HTTP API, and every alert is
# shown firing in /api/v1/alerts by the situation it describes. The
# live copy of the rules drops the 'for:' durations (minutes in production);
# the expressions are the shipped ones.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
require_root
command -v prometheus >/dev/null || { echo "SKIP: prometheus is not installed (scripts/install-deps.sh --test installs it)"; exit 77; }
REPO=$(cd "$(dirname "$0")/../.." && pwd)
RULES=$REPO/packaging/prometheus/torwatch-rules.yml
DASH=$REPO/packaging/grafana/torwatch-dashboard.json

out=$(promtool check rules "$RULES" 2>&1); rc=$?
check_eq "promtool check rules passes" 0 $rc
n_rules=$(sed -n 's/.*SUCCESS: \([0-9]*\) rules found.*/\1/p' <<<"$out")
out=$(cd "$REPO/tests/prometheus" && promtool test rules torwatch-rules.test.yml 2>&1); rc=$?
check_eq "promtool test rules: every alert's unit tests pass" 0 $rc
[ $rc = 0 ] || echo "$out" | sed 's/^/# /' | head -40
alerts=$(grep -c '^      - alert:' "$RULES")
tested=$(grep -o 'alertname: Torwatch[A-Za-z]*' "$REPO/tests/prometheus/torwatch-rules.test.yml" | sort -u | wc -l)
check_eq "each of the $alerts alerts has a unit test" "$alerts" "$tested"
echo "# $n_rules rules: $alerts alerts, $((n_rules - alerts)) recordings"
check_eq "the dashboard is JSON of the current schema" 39 "$(jq .schemaVersion "$DASH")"

# --- the stage: a host, an exit node, a dead feed source and a dead receiver ---
one_exit_node
MPORT=19480 PPORT=19490
echo "$((198 << 24 | 51 << 16 | 100 << 8)),$((198 << 24 | 51 << 16 | 100 << 8 | 255)),DE" >"$T/geoip"
touch -d '2 days ago' "$T/exits.txt"	# stale: older than --stale-after
cat >"$T/run.conf" <<EOT
[run]
interface = vX
feed = $T/exits.txt
geoip = $T/geoip
retry-min = 1s
metrics-listen = 127.0.0.1:$MPORT
tor-proxy-ports = 9050
[source dead]
url = http://127.0.0.1:9/exits
[sink hook]
url = webhook+http://127.0.0.1:9/hook
queue-size = 1
[sink full]
url = /dev/full
EOT
check "the daemon starts with metrics, a dead source and a dead receiver" start_daemon "$H" -c "$T/run.conf"

# The live rules: the shipped expressions, without 'for:'.
mkdir -p "$T/prom"
grep -v '^        for: ' "$RULES" >"$T/prom/rules.yml"
cat >"$T/prom/prometheus.yml" <<EOT
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: torwatch
    static_configs: [{targets: ['127.0.0.1:$MPORT']}]
EOT
nsenter --net="/run/netns/$H" prometheus --config.file="$T/prom/prometheus.yml" \
	--storage.tsdb.path="$T/prom/data" --web.listen-address=127.0.0.1:$PPORT \
	</dev/null >"$T/prom/log" 2>&1 &
PROM=$!
trap 'kill $PROM 2>/dev/null; stop_sshd; cleanup' EXIT
api() { in_ns "$H" curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/$1" "${@:2}"; }
query() { api query --data-urlencode "query=$1"; }
has_data() { [ "$(query "$1" | jq '.data.result | length')" -gt 0 ] 2>/dev/null; }
check "Prometheus scrapes the daemon" wait_for 20 has_data 'up{job="torwatch"} == 1'

# --- situations ---
# Quiet first, for the surge's baseline.
in_ns "$X" ping -q -c 3 -i 0.3 $HOST4 >/dev/null
# SSH from Tor and a login from Tor: a real OpenSSH server on :22 and a
# key login from the exit node.
check "sshd starts on :22" start_sshd "$H"
check_eq "the exit node logs in" logged-in "$(ssh_login "$X" $EXIT4 $HOST4 22)"
# A Tor proxy port used from this host.
in_ns "$H" timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9050' 2>/dev/null
# Block mode dropping.
check "block mode on 5353" tw_in "$H" block enable --ports 5353
PACE=$(dirname "$0")/../tools/udp_pace.py
in_ns "$X" python3 "$PACE" send $EXIT4 $HOST4 5353 5 1
# High alerts to the dead receiver: one dropped from its queue of 1, the
# rest spooled; more listeners over time so that the spool grows.
for port in 9401 9402 9403; do in_ns "$H" "$TOOLS/listen_port" tcp4 0.0.0.0 $port 50 >/dev/null; done
# The surge: 200 packets a second, once Prometheus holds 20 s of the quiet
# rate (the host's baseline in this short life).
baseline() { [ "$(query 'count_over_time(torwatch:exit_packets:rate5m[1m])' | jq -r '.data.result[0].value[1] // 0')" -ge 20 ]; }
check "Prometheus has 20 s of the quiet baseline" wait_for 40 baseline
in_ns "$X" ping -q -i 0.005 -c 20000 $HOST4 >/dev/null &
FLOOD=$!
for port in 9404 9405 9406; do sleep 1; in_ns "$H" "$TOOLS/listen_port" tcp4 0.0.0.0 $port 50 >/dev/null; done

# Events lost: the daemon frozen while 2,000 listeners open, more than its
# 64 KiB listen ring holds; thawed, it counts what the kernel could not queue.
kill -STOP "$DAEMON_PID"
in_ns "$H" python3 -c '
import socket
for p in range(30000, 32000):
    s = socket.socket(); s.bind(("127.0.0.1", p)); s.listen(1); s.close()'
kill -CONT "$DAEMON_PID"
check "the kernel could not queue some listen events" wait_for 10 has_data 'torwatch_kernel_events_lost_total > 0'
# The thawed daemon takes the full ring in one run of its kernel events
# input: a run of 5 ms or more, what TorwatchAlertsLate counts.
check "that run held the event loop 5 ms or more" wait_for 10 has_data 'torwatch_event_loop_slow_runs_total{input="kernel events"} > 0'
echo "# its longest run: $(query 'torwatch_event_loop_longest_run_seconds{input="kernel events"}' | jq -r '.data.result[0].value[1]') s"
check "status names that input and its longest run" \
	sh -c "$TW status --pin-root $PIN | grep -Eq \"^event loop:  held 5 ms or more [0-9]+ times?, kernel events waiting: .*'kernel events' [0-9]+ \\(longest [0-9.]+ ms, last at \""

firing() { [ "$(api alerts | jq --arg a "$1" '[.data.alerts[] | select(.labels.alertname == $a and .state == "firing")] | length')" -gt 0 ] 2>/dev/null; }
for a in TorwatchSSHFromTor TorwatchLoginFromTor TorwatchEventsLost TorwatchTorClientOnHost TorwatchBlockDropping TorwatchFeedStale \
	TorwatchFeedSourceFailing TorwatchAlertsLost TorwatchSinkFailing TorwatchSpoolGrowing \
	TorwatchTorTrafficSurge TorwatchAlertsLate; do
	check "$a fires in its situation" wait_for 30 firing $a
done
check_eq "TorwatchDaemonDown does not while it runs" 1 "$(firing TorwatchDaemonDown; echo $?)"

# --- every recording rule and every dashboard query returns data ---
missing=
for r in $(sed -n 's/^      - record: //p' "$RULES"); do
	has_data "$r" || missing="$missing $r"
done
check_eq "every recording rule has data" "" "$missing"
missing=
n=0
while IFS= read -r expr; do
	n=$((n + 1))
	q=${expr//\$instance/.*}
	q=${q//\$__range/5m}
	has_data "$q" || missing="$missing [$expr]"
done < <(jq -r '.panels[] | .targets[]? | .expr' "$DASH")
check_eq "every one of the dashboard's $n queries returns data" "" "$missing"
echo "# dashboard: $(jq '[.panels[] | select(.type != "row")] | length' "$DASH") panels, $n queries checked"

# --- the daemon stops: not scraped, TorwatchDaemonDown ---
kill $FLOOD 2>/dev/null
stop_sshd
stop_daemon
check "TorwatchDaemonDown fires once it is not scraped" wait_for 20 firing TorwatchDaemonDown
kill $PROM; wait $PROM 2>/dev/null
check "unload" tw_in "$H" unload
finish
