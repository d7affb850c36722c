#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A storm of listed sources: 2,000 distinct exit addresses (IPv6, 2001:db8::/32)
# each send a frame through native XDP on a veth, 5 of them a second one.
# With --source-alert-limit 50 and a 5 s window, exactly 50 tor_traffic
# alerts go out and the other 1,950 fold into one tor_source_storm alert
# when the window ends: the folded count, the sources, the kernel's packet
# counts with the 5 busiest sources on top; status and the metrics count
# the folded alerts. A high alert in the middle of it still arrives.
. "$(dirname "$0")/lib.sh"
require_root
N=2000
H=tws-$ID X=twx-$ID
FLOOD=$TOOLS/flood_sources
add_netns "$H"; add_netns "$X"
link_ns "$H" vX "$X" eX
mkdir -p "$T/state"
"$FLOOD" list $N >"$T/exits.txt"
check "the daemon starts with $N exit addresses, 50 source alerts per 5 s" start_daemon "$H" -i vX \
	--feed "$T/exits.txt" --source-alert-limit 50 --source-alert-window 5s --allowed-ports 22
MAC=$(mac_of "$H" vX)
check_eq "one frame from each of the $N" "sent $N" "$(in_ns "$X" "$FLOOD" send eX "$MAC" $N 2>&1)"
check_eq "a second frame from 5 of them" "sent 5" "$(in_ns "$X" "$FLOOD" send eX "$MAC" 5 1000 2>&1)"
in_ns "$H" "$TOOLS/listen_port" tcp4 0.0.0.0 9601 100 >/dev/null
storm() { jq -c 'select(.rule.id == "tor_source_storm")' "$T/alerts.json" 2>/dev/null; }
check "the storm is summed up when its window ends" wait_for 15 sh -c "jq -e 'select(.rule.id == \"tor_source_storm\")' $T/alerts.json >/dev/null"
a=$(storm | head -1)
check_eq "exactly 50 tor_traffic alerts went out" 50 "$(jq -c 'select(.rule.id == "tor_traffic")' "$T/alerts.json" | grep -c .)"
check_eq "... the other $((N - 50)) were folded" $((N - 50)) "$(jq .event.count <<<"$a")"
check_eq "... from as many sources" $((N - 50)) "$(jq .torwatch.storm.sources <<<"$a")"
check_eq "... their packets, as the kernel counted them" $((N - 50 + 5)) "$(jq .torwatch.storm.packets <<<"$a")"
check_eq "the 5 that sent twice are the top sources" 2 "$(jq '[.torwatch.storm.top_sources[:5][] | .packets] | min' <<<"$a")"
check_eq "... and the next ones sent once" 1 "$(jq '.torwatch.storm.top_sources[5].packets' <<<"$a")"
check_eq "it names the window" true "$(jq '.event.start < .event.end' <<<"$a")"
check_eq "one summary" 1 "$(storm | grep -c .)"
check "the high alert in the middle of the storm arrived" \
	has_alert 'select(.rule.id == "unexpected_listen_port" and .destination.port == 9601)'
check_eq "status counts the folded alerts" $((N - 50)) "$(tw_in "$H" status --json | jq .alerts.folded)"
check_eq "... and so do the metrics" $((N - 50)) \
	"$(tw_in "$H" stats --prometheus | awk '$1 == "torwatch_alerts_folded_total" {print $2}')"
stop_daemon
check "unload" tw_in "$H" unload
finish
