#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The HTTP sinks against a real HTTP receiver (tests/tools/alert_receiver.py)
# in the daemon's namespace: a generic webhook, Slack, Splunk HEC and
# Elasticsearch _bulk get every alert in their own form; while the receiver
# answers 500 nothing is lost, and after it recovers everything arrives once.
. "$(dirname "$0")/lib.sh"
require_root
LP=$TOOLS/listen_port
receiver_host ok
echo "s3cr3t-hec-token" >"$T/hec.token"
cat >"$T/hooks.conf" <<EOT
[run]
interface = vW
allowed-ports = 22
[sink hook]
url = webhook+http://127.0.0.1:$P/hook
[sink slack]
url = slack+http://127.0.0.1:$P/slack
min-severity = high
[sink hec]
url = hec+http://127.0.0.1:$P
token-file = $T/hec.token
[sink es]
url = es+http://127.0.0.1:$P/torwatch-alerts
basic-auth-file = $T/es.auth
header = X-Tenant: security
EOT
printf 'elastic:s3cr3t-es-pass\n' >"$T/es.auth"
check "torwatch starts with four HTTP sinks" start_daemon "$H" -c "$T/hooks.conf"
check "no secret is in the log" sh -c "! grep -q s3cr3t '$T/daemon.log'"
for port in 9301 9302 9303; do in_ns "$H" "$LP" tcp4 0.0.0.0 $port 50 >/dev/null; done
check "four alerts in the file (feed_stale and three listeners)" \
	wait_for 3 sh -c "[ \$(grep -c . '$T/alerts.json') -ge 4 ]"
reqs() { jq -c --arg p "$1" 'select(.path == $p and .status == 200)' "$T/recv/requests.jsonl" 2>/dev/null; }
ids() { jq -r .event.id "$T/alerts.json"; }
delivered_all() {
	local id
	for id in $(ids); do
		[ "$(reqs /hook | jq -r '.body | fromjson | .event.id' | grep -c "$id")" = 1 ] || return 1
	done
}
check "the webhook got every alert once, as its JSON" wait_for 5 delivered_all
hec_ok() { [ "$(reqs /services/collector/event | jq -r '.body' | jq -r .event.event.id | sort -u | grep -c .)" = "$(ids | grep -c .)" ]; }
check "HEC got every alert" wait_for 5 hec_ok
h=$(reqs /services/collector/event | head -1)
check_eq "HEC: Authorization: Splunk TOKEN" "Splunk s3cr3t-hec-token" "$(jq -r .authorization <<<"$h")"
e=$(jq -r .body <<<"$h" | jq -c . | head -1)	# a batch is events one after another
check_eq "HEC: the envelope (sourcetype, source, host, time)" "_json torwatch $(hostname) true" \
	"$(jq -r '"\(.sourcetype) \(.source) \(.host) \(.time > 1e9)"' <<<"$e")"
check_eq "HEC: the ECS document as the event" unexpected_listen_port,feed_stale \
	"$(reqs /services/collector/event | jq -r .body | jq -r .event.rule.id | sort -u | sort -r | paste -sd,)"
ACTION='^{"create":{"_id":"[0-9a-f]\{32\}"}}$'
es_ok() { [ "$(reqs /torwatch-alerts/_bulk | jq -r .body | grep -c "$ACTION")" = "$(ids | grep -c .)" ]; }
check "Elasticsearch _bulk: a create action per alert, its _id the event.id" wait_for 5 es_ok
b=$(reqs /torwatch-alerts/_bulk | jq -r .body)
check_eq "... each followed by its ECS document" "$(ids | sort)" \
	"$(grep -v "$ACTION" <<<"$b" | jq -r '.event.id' | sort)"
check_eq "... under the same _id" "$(grep "$ACTION" <<<"$b" | jq -r .create._id | sort)" \
	"$(grep -v "$ACTION" <<<"$b" | jq -r '.event.id' | sort)"
check_eq "... sent as NDJSON" application/x-ndjson "$(reqs /torwatch-alerts/_bulk | head -1 | jq -r .content_type)"
check_eq "... with basic auth from its file" "Basic $(printf elastic:s3cr3t-es-pass | base64)" \
	"$(reqs /torwatch-alerts/_bulk | head -1 | jq -r .authorization)"
check_eq "... and the configured header" security "$(reqs /torwatch-alerts/_bulk | head -1 | jq -r '.x_headers["X-Tenant"]')"
check "Slack got the high alerts as text, not the medium one" \
	wait_for 3 sh -c "[ \$(jq -r 'select(.path == \"/slack\") | .body | fromjson | .text' '$T/recv/requests.jsonl' | grep -c '^\[high\] Unexpected Port Opened: 930[123] (unexpected_listen_port)$') = 3 ]"
check_eq "... and no feed_stale" 0 "$(jq -r 'select(.path == "/slack") | .body' "$T/recv/requests.jsonl" | grep -c feed_stale)"

# --- the receiver fails: nothing is lost, all arrives once when it is back ---
echo 500 >"$T/recv/mode"
for port in 9304 9305 9306; do in_ns "$H" "$LP" tcp4 0.0.0.0 $port 50 >/dev/null; done
got() { reqs /hook | jq -r '.body | fromjson | .message' | grep -c "Unexpected Port Opened: 930[456]"; }
# The barrier is the sink's own attempt: once it was answered 500, the
# alerts it carried were not taken.
check "the sink tries" wait_for 5 sh -c "jq -r 'select(.status == 500) | .path' '$T/recv/requests.jsonl' | grep -q /hook"
check_eq "while the receiver answers 500, nothing is taken" 0 "$(got)"
echo ok >"$T/recv/mode"
recovered() { [ "$(got)" = 3 ]; }
check "after it recovers, the three alerts arrive" wait_for 12 recovered
check_eq "each exactly once, in order" "9304 9305 9306" \
	"$(reqs /hook | jq -r '.body | fromjson | .destination.port' | grep -E '^930[456]$' | paste -sd' ')"
# Said out loud, once each: the outage and the recovery.
check_eq "the log says once that the sink is failing, and why" 1 \
	"$(grep -c "alert sink \[sink hook\] webhook+http://127.0.0.1:$P/... is failing: HTTP status 500" "$T/daemon.log")"
check "the log says once that it delivers again" wait_for 3 sh -c \
	"[ \$(grep -c 'alert sink \[sink hook\] .* delivers again, after [1-9][0-9]* failed attempts\?' '$T/daemon.log') = 1 ]"
# --- status, per sink ---
hook='.alerts.sinks[] | select(.name | startswith("[sink hook]"))'
settled() { st=$(tw_in "$H" status --json); [ "$(jq "$hook | .written" <<<"$st")" = "$(jq "$hook | .delivered" <<<"$st")" ]; }
check "status: everything the webhook sink took was delivered" wait_for 3 settled
check_eq "status: its kind" webhook "$(jq -r "$hook | .kind" <<<"$st")"
check "status: it retried during the outage" test "$(jq "$hook | .retried" <<<"$st")" -gt 0
check_eq "status: ... and says why" "HTTP status 500" "$(jq -r "$hook | .last_error" <<<"$st")"
check_eq "status: the Slack sink's filter kept feed_stale out" 1 \
	"$(jq '.alerts.sinks[] | select(.name | startswith("[sink slack]")) | .filtered' <<<"$st")"
check_eq "status: five sinks (the file and the four sections)" 5 "$(jq '.alerts.sinks | length' <<<"$st")"
check "status text: one line per sink, named by its section and host" grep -q "^  webhook \[sink hook\] webhook+http://127.0.0.1:$P/...: .* delivered, [1-9][0-9]* failed attempts\? retried" <<<"$(tw_in "$H" status)"
out=$(tw_in "$H" status; tw_in "$H" status --json)
check_eq "no URL path, where tokens live, anywhere in status" "" "$(grep -o '/hook\|/slack\|/torwatch-alerts' <<<"$out")"
stop_daemon
kill $RPID 2>/dev/null; wait $RPID 2>/dev/null

printf '[run]\ninterface = vW\n[sink s]\nurl = hec+http://127.0.0.1:1\n' >"$T/nohec.conf"
out=$(in_ns "$H" "$TW" run -c "$T/nohec.conf" --pin-root "$PIN" --state-dir "$T/state" 2>&1)
check "HEC without a token is refused at start" grep -q "Splunk HEC needs a token" <<<"$out"
check "unload" tw_in "$H" unload
finish
