#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Elasticsearch _bulk answers 200 even when items fail: against a receiver
# that answers item by item as a cluster does (tests/tools/alert_receiver.py,
# mode "bulk"), items refused for good (400) count as rejected, not
# delivered; items throttled (429) are sent again; and since each action
# carries the event.id as _id, a retry makes no duplicate (409 = already in).
. "$(dirname "$0")/lib.sh"
require_root
LP=$TOOLS/listen_port
receiver_host bulk
echo unexpected_listen_port >"$T/recv/reject"
echo 2 >"$T/recv/throttle"
cat >"$T/es.conf" <<EOT
[run]
interface = vW
allowed-ports = 22
[sink es]
url = es+http://127.0.0.1:$P/torwatch-alerts
EOT
check "torwatch starts with an Elasticsearch sink" start_daemon "$H" -c "$T/es.conf"
for port in 9401 9402; do in_ns "$H" "$LP" tcp4 0.0.0.0 $port 50 >/dev/null; done
# feed_stale and two listeners: the listeners are refused (400), and the
# first two items of all are throttled (429) once.
check "three alerts in the file" wait_for 5 sh -c "[ \$(grep -c . '$T/alerts.json') -ge 3 ]"
es='.alerts.sinks[] | select(.name | startswith("[sink es]"))'
n_listen() { jq -r 'select(.rule.id=="unexpected_listen_port") | .event.id' "$T/alerts.json" | grep -c .; }
settled() {
	st=$(tw_in "$H" status --json)
	[ "$(jq "$es | .delivered + .rejected" <<<"$st")" = "$(grep -c . "$T/alerts.json")" ]
}
check "every alert was settled (delivered or refused)" wait_for 15 settled
check_eq "the listeners are counted as rejected, the rest as delivered" \
	"$(($(grep -c . "$T/alerts.json") - $(n_listen))) $(n_listen)" \
	"$(jq -r "$es | \"\(.delivered) \(.rejected)\"" <<<"$st")"
check "the throttled items were retried" test "$(jq "$es | .retried" <<<"$st")" -ge 1
check_eq "the last error names the item's refusal" "Elasticsearch refused an item: 400 mapper_parsing_exception" \
	"$(jq -r "$es | .last_error" <<<"$st")"
kept=$(jq -r 'select(.rule.id!="unexpected_listen_port") | .event.id' "$T/alerts.json" | sort | paste -sd' ')
check_eq "what was delivered is in the index once each, under its event.id" "$kept" \
	"$(sort "$T/recv/es_ids" | paste -sd' ')"
check_eq "each action names its _id: the event.id" \
	"$(jq -r .event.id "$T/alerts.json" | sort | paste -sd' ')" \
	"$(jq -r 'select(.path=="/torwatch-alerts/_bulk") | .body' "$T/recv/requests.jsonl" | grep '^{"create"' | jq -r .create._id | sort -u | paste -sd' ')"
stop_daemon
finish
