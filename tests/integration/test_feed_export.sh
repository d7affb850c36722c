#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A fleet fetches the Tor lists once: host A exports its merged exit set
# ('feed export'), an internal mirror serves the file over HTTP, host B
# reads it with --feed URL. The list round-trips exactly; its data-time
# carries the age of A's data, so B's staleness rule fires on old data; B's
# shrink guard refuses a mirror that lost most of it; a failed export leaves
# the published file whole.
. "$(dirname "$0")/lib.sh"
require_root

SERVER="$(cd "$(dirname "$0")/../tools" && pwd)/feed_server.py"
A=twa-$ID B=twb-$ID P=twp-$ID
add_netns "$A"; add_netns "$B"; add_netns "$P"
link_ns "$A" vA "$P" eA
link_ns "$B" vB "$P" eB
mkdir -p "$T/state" "$T/stateB" "$T/www"
# A's sources: dated exit-addresses data (old: 2024) and a plain file with
# an IPv6 address and prefixes of both families.
cat >"$T/exit-addresses.txt" <<EOT
@type tordnsel 1.0
ExitNode 0011223344556677889900AABBCCDDEEFF001122
Published 2024-03-11 13:07:19
LastStatus 2024-03-12 08:00:00
ExitAddress 198.51.100.7 2024-03-12 08:10:51
ExitNode 1111223344556677889900AABBCCDDEEFF001122
Published 2024-03-11 13:07:19
LastStatus 2024-03-12 08:00:00
ExitAddress 198.51.100.9 2024-03-12 09:00:00
EOT
printf '# data-time: 2024-03-12 08:30:00\n2001:db8:7::7\n203.0.113.128/25\n2001:db8:9::/48\n198.51.100.20\n' >"$T/plain.txt"

# A reader of the pins (not root) for the failed export below.
getent group $SVC_GROUP >/dev/null || groupadd --system $SVC_GROUP
id -u twtest-reader >/dev/null 2>&1 || useradd --system --no-create-home -G $SVC_GROUP twtest-reader
chmod 0711 "$T"
install -D -m 0755 "$TW" "$T/bin/torwatch" && chmod 0755 "$T/bin"	# the checkout may be root's alone
check "host A runs on its two sources" start_daemon "$A" -i vA --feed "$T/exit-addresses.txt" --feed "$T/plain.txt"
out=$(tw_in "$A" feed export 2>&1)
check_eq "export to stdout: the entries, sorted, v4 first" "198.51.100.7
198.51.100.9
198.51.100.20
203.0.113.128/25
2001:db8:7::7
2001:db8:9::/48" "$(grep -v '^#' <<<"$out")"
check "the header counts the set" grep -qx "# 3 IPv4 + 1 IPv6 addresses, 1 IPv4 + 1 IPv6 prefixes" <<<"$out"
check "it names each source with its data's date" grep -q "^# source .*exit-addresses.txt (file.*): 2 entries, data of 2024-03-12 09:00:00 UTC (.* old)" <<<"$out"
check "and the plain file" grep -q "^# source .*plain.txt (file.*): 4 entries" <<<"$out"
check "data-time is the newest data of the set, for the receivers' staleness" grep -qx "# data-time: 2024-03-12 09:00:00" <<<"$out"

check "export --output writes the mirror's file" tw_in "$A" feed export --output "$T/www/exits.txt"
check_eq "the same content as on stdout (but the export time)" "$(grep -v '^# torwatch exit set' <<<"$out")" \
	"$(grep -v '^# torwatch exit set' "$T/www/exits.txt")"
check_eq "no temporary is left beside it" "exits.txt" "$(ls "$T/www")"
check_eq "world-readable, for the web server" 644 "$(stat -c %a "$T/www/exits.txt")"
mkdir "$T/ro" && cp "$T/www/exits.txt" "$T/ro/" && chown -R twtest-reader "$T/ro" && chmod 0555 "$T/ro"

# --- host B reads the mirror ---
nsenter --net="/run/netns/$B" python3 "$SERVER" --root "$T/www" --log "$T/requests.json" \
	--portfile "$T/port" </dev/null >/dev/null 2>>"$T/server.log" &
server=$!
wait_for 10 test -s "$T/port"
url="http://127.0.0.1:$(cat "$T/port")/f/exits.txt"
nsenter --net="/run/netns/$B" "$TW" run -i vB --feed "$url" --sources none --relay-sources none --pin-root "$PIN-b" \
	--state-dir "$T/stateB" --alerts "$T/alertsB.json" --keep-on-stop </dev/null >/dev/null 2>"$T/b.log" &
bpid=$!
check "host B starts on the mirror" wait_for 10 grep -q "running (pid $bpid," "$T/b.log"
set_of() { in_ns "$1" "$TW" status --json --pin-root "$2" | jq -r '.exit_set | "\(.exact_v4) \(.exact_v6) \(.prefixes_v4) \(.prefixes_v6)"'; }
set_is() { [ "$(set_of "$1" "$2")" = "$3" ]; }
check "B's set is A's" wait_for 5 set_is "$B" "$PIN-b" "3 1 1 1"
for a in 198.51.100.9 2001:db8:7::7 203.0.113.200 2001:db8:9::1; do
	check "B matches $a" in_ns "$B" "$TW" check $a --pin-root "$PIN-b"
done
check "B's staleness rule sees A's old data (feed_stale)" wait_for 5 grep -q '"rule":{"id":"feed_stale"' "$T/alertsB.json"
check_eq "B dates its source by A's data, not by the fetch" "2024-03-12T09:00:00Z" \
	"$(in_ns "$B" "$TW" status --json --pin-root "$PIN-b" | jq -r '.exit_set.newest_data')"

# --- the mirror loses most of the list (a half-synced mirror, a broken
# exporter): B's guard refuses it ---
{ grep '^#' "$T/www/exits.txt"; echo 198.51.100.7; } >"$T/www/exits.txt.new"
mv "$T/www/exits.txt.new" "$T/www/exits.txt"
out=$(in_ns "$B" "$TW" feed update --pin-root "$PIN-b" 2>&1)
check "B refuses the shrunk mirror (feed_rejected)" wait_for 5 grep -q '"rule":{"id":"feed_rejected"' "$T/alertsB.json"
check "and keeps the last good set" in_ns "$B" "$TW" check 198.51.100.9 --pin-root "$PIN-b"

# --- a failed export leaves the published file as it was: a reader of the
# pins (the readers' group) exports into a directory it may not write ---
before=$(md5sum <"$T/ro/exits.txt")
out=$(in_ns "$A" setpriv --reuid twtest-reader --regid "$(id -g twtest-reader)" --init-groups \
	"$T/bin/torwatch" feed export --output "$T/ro/exits.txt" --pin-root "$PIN" 2>&1); rc=$?
check_eq "an export that cannot write exits 2" 2 $rc
check_eq "in one sentence" "torwatch: cannot write $T/ro/exits.txt: Permission denied (the file there, if any, is unchanged)" "$out"
check_eq "and the file there is whole" "$before" "$(md5sum <"$T/ro/exits.txt")"
check_eq "with nothing beside it" "exits.txt" "$(ls "$T/ro")"

kill $bpid $server; wait $bpid $server 2>/dev/null
"$TW" unload --pin-root "$PIN-b" >/dev/null
stop_daemon
check "unload" tw_in "$A" unload
finish
