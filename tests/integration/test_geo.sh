#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Countries: the real databases people use (a GeoLite2 .mmdb from the npm
# registry, Tor's geoip files from Debian's tor-geoipdb) answer 'check' for
# real exit addresses; with a Tor-format file that places the documentation
# ranges, traffic from a fake exit node gets source.geo in its alerts, a
# country column and row in 'stats', and by-country metrics; without a
# database one sentence says so and the rest works; a damaged database is
# one sentence naming file, line and reason.
. "$(dirname "$0")/lib.sh"
require_root

if ! GEO=$("$(dirname "$0")/geo_fixtures.sh" 2>"$T/fixtures.err"); then
	echo "SKIP: the real geo databases could not be fetched: $(tr '\n' ' ' <"$T/fixtures.err")"
	exit 77
fi
H=twh-$ID X=twx-$ID
EXIT4=198.51.100.7 HOST4=198.51.100.1
host_and_exit
mkdir -p "$T/state"
printf '%s\n203.0.113.9\n' $EXIT4 >"$T/exits.txt"
# The documentation ranges placed, in Tor's format (IPv4 as integers).
cat >"$T/geoip" <<EOT
# test ranges
$((198 << 24 | 51 << 16 | 100 << 8)),$((198 << 24 | 51 << 16 | 100 << 8 | 255)),DE
$((203 << 24 | 113 << 8)),$((203 << 24 | 113 << 8 | 255)),NL
EOT
printf '2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,SE\n' >"$T/geoip6"
# An ASN database in GeoLite2-ASN's schema, written by MaxMind's writer.
"$(dirname "$0")/../tools/make_asn_mmdb.pl" "$T/asn.mmdb" 198.51.100.0/24 64496 "Example Exit Networks" \
	2001:db8::/32 64497 "Example Six"

# --- the real databases answer for real exit addresses ---
if [ -s "$GEO/geolite2-country.mmdb" ]; then
	out=$(tw_in "$H" check 185.220.101.1 --geoip "$GEO/geolite2-country.mmdb" 2>&1)
	check "nothing is pinned yet: check says so" grep -q "nothing is pinned" <<<"$out"
	check "the daemon starts with the real GeoLite2 .mmdb" start_daemon "$H" -i vX --feed "$T/exits.txt" \
		--geoip "$GEO/geolite2-country.mmdb"
	check "it names the database" grep -q "countries: .*(mmdb $GEO/geolite2-country.mmdb, built [0-9-]*)" "$T/daemon.log"
	j=$(tw_in "$H" check 185.220.101.1 --json)
	check_eq "GeoLite2: a Tor exit in Germany (185.220.101.1)" "DE Germany" "$(jq -r '"\(.country) \(.country_name)"' <<<"$j")"
	check_eq "a documentation address is nowhere" null "$(tw_in "$H" check $EXIT4 --json | jq .country)"
	stop_daemon
	tw_in "$H" unload >/dev/null
else
	echo "# the GeoLite2 .mmdb could not be fetched ($(tr '\n' ' ' <"$T/fixtures.err")): its checks did not run"
fi
check "a daemon starts with Tor's real geoip files" start_daemon "$H" -i vX --feed "$T/exits.txt" --geoip "$GEO/tor/geoip"
j=$(tw_in "$H" check 2001:67c:e60:c0c:192:42:116:16 --json)
check_eq "Tor's geoip6 (--geoip names geoip; geoip6 beside it is read)" "NL" "$(jq -r .country <<<"$j")"
j=$(tw_in "$H" check 185.220.101.1 --json)
check_eq "Tor's geoip: 185.220.101.1 is in Germany" "DE Germany" "$(jq -r '"\(.country) \(.country_name)"' <<<"$j")"
stop_daemon
tw_in "$H" unload >/dev/null

# --- traffic from a fake exit node, placed by the test's Tor-format file ---
check "the daemon starts with a Tor-format file and an ASN .mmdb" start_daemon "$H" -i vX --feed "$T/exits.txt" \
	--geoip "$T/geoip" --asn-db "$T/asn.mmdb" --metrics-listen 127.0.0.1:19479
check "it counts the ranges it read, and names the ASN database" \
	grep -q "countries: Tor geoip files $T/geoip (2 IPv4 + 1 IPv6 ranges); networks: GeoLite2-ASN (mmdb $T/asn.mmdb" "$T/daemon.log"
in_ns "$X" ping -q -c 3 -i 0.05 $HOST4 >/dev/null
check "the tor_traffic alert says where the source is" wait_for 3 has_alert \
	'select(.rule.id=="tor_traffic" and .source.geo.country_iso_code=="DE" and .source.geo.country_name=="Germany")'
s=$(tw_in "$H" stats --json --by source)
check_eq "stats --by source: a country per source" DE "$(jq -r --arg a $EXIT4 '.sources[] | select(.source==$a) | .country' <<<"$s")"
check_eq "... and bytes per packet (98-byte pings)" 98 "$(jq -r --arg a $EXIT4 '.sources[] | select(.source==$a) | .bytes_per_packet' <<<"$s")"
c=$(tw_in "$H" stats --json --by country)
check "... and its network" has_alert \
	'select(.rule.id=="tor_traffic" and .source.as.number==64496 and .source.as.organization.name=="Example Exit Networks")'
n=$(tw_in "$H" stats --json --by asn)
check_eq "stats --by asn" "AS64496 Example Exit Networks 1 3" \
	"$(jq -r '.networks.rows[0] | "\(.asn) \(.name) \(.sources) \(.packets)"' <<<"$n")"
check "check names the network" grep -q "where: DE (Germany), AS64496 Example Exit Networks" <<<"$(tw_in "$H" check $EXIT4)"
check_eq "stats --by country: Germany, one source, three packets" "DE Germany 1 3" \
	"$(jq -r '.countries.rows[0] | "\(.country) \(.name) \(.sources) \(.packets)"' <<<"$c")"
check "the text names the database" grep -q "by country (top 10 of 1; Tor geoip files $T/geoip" <<<"$(tw_in "$H" stats --by country)"
tw_in "$H" stats --prometheus >"$T/m.prom"
check_eq "metrics by country" 3 "$(awk '$1 == "torwatch_exit_country_packets_total{country=\"DE\"}" {print $2}' "$T/m.prom")"
out=$(promtool check metrics <"$T/m.prom" 2>&1); rc=$?
check_eq "promtool passes them" "0 " "$rc $out"
# The daemon's /metrics, scraped twice: the same country, counting on.
de_packets() {
	in_ns "$H" curl -sf http://127.0.0.1:19479/metrics |
		awk '$1 == "torwatch_exit_country_packets_total{country=\"DE\"}" {print $2}'
}
check_eq "/metrics by country" 3 "$(de_packets)"
in_ns "$X" ping -q -c 2 -i 0.05 $HOST4 >/dev/null
five() { [ "$(de_packets)" = 5 ]; }
check "a second scrape: the same country, two packets more" wait_for 3 five
stop_daemon
tw_in "$H" unload >/dev/null

# --- no database: one sentence, everything else as ever ---
check "the daemon starts with --geoip none" start_daemon "$H" -i vX --feed "$T/exits.txt" --geoip none
check "the log says so in one sentence" grep -q "countries: no database (install tor-geoipdb, or name an .mmdb with --geoip); alerts carry no source.geo" "$T/daemon.log"
in_ns "$X" ping -q -c 2 -i 0.05 $HOST4 >/dev/null
out=$(tw_in "$H" stats --by country); rc=$?
check_eq "stats --by country exits 0" 0 $rc
check "and says why there is no table" grep -q "by country: no country database: install tor-geoipdb, or name an .mmdb or Tor geoip file with --geoip" <<<"$out"
check "the rest is there" grep -q "from exit nodes:  2 packets" <<<"$out"
check "alerts carry no source.geo" wait_for 3 has_alert 'select(.rule.id=="tor_traffic" and (.source.geo == null))'
stop_daemon
tw_in "$H" unload >/dev/null

# --- damaged databases: one sentence, never a crash ---
head -c 1000 "$T/asn.mmdb" >"$T/cut.mmdb"
out=$(in_ns "$H" "$TW" run -i vX --sources none --relay-sources none --geoip "$T/cut.mmdb" --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check_eq "a cut .mmdb stops the start" 1 $rc
check "naming the file and what is wrong" grep -q "cannot open the geo database $T/cut.mmdb: " <<<"$out"
check "and leaves nothing pinned" test ! -e "$PIN"
printf '16777216,16777471,AU\n16777472,16778239,CN\n1677,x,US\n' >"$T/bad-geoip"
out=$(in_ns "$H" "$TW" run -i vX --sources none --relay-sources none --geoip "$T/bad-geoip" --pin-root "$PIN" --state-dir "$T/state" 2>&1)
check "a bad line names file, line and reason" grep -q "$T/bad-geoip:3: not a 32-bit number" <<<"$out"
printf '1,10,AU\n5,20,CN\n' >"$T/overlap"
out=$(in_ns "$H" "$TW" run -i vX --sources none --relay-sources none --geoip "$T/overlap" --pin-root "$PIN" --state-dir "$T/state" 2>&1)
check "overlapping ranges are refused" grep -q "the IPv4 ranges overlap at 5" <<<"$out"
check "a missing database is named" grep -q "cannot open the geo database /nonexistent.mmdb: " \
	<<<"$(in_ns "$H" "$TW" run -i vX --sources none --relay-sources none --geoip /nonexistent.mmdb --pin-root "$PIN" --state-dir "$T/state" 2>&1)"
finish
