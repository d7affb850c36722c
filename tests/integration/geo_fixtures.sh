#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# geo_fixtures.sh: prints the directory that holds real geo databases for the
# country tests, fetched once and kept under /var/cache/torwatch-test:
#   geolite2-country.mmdb  from the npm registry (@ip-location-db/geolite2-country-mmdb)
#   tor/geoip, tor/geoip6  unpacked from Debian's tor-geoipdb .deb (tor is not installed)
# The .mmdb comes over HTTPS: where that fails (a proxy whose CA this root
# does not trust), the reason goes to stderr and the Tor files still come.
# Exit 77 with the reason when the Tor files cannot be fetched.
set -euo pipefail
dir=${TW_GEO_FIXTURES:-/var/cache/torwatch-test/geo}
pkg=@ip-location-db/geolite2-country-mmdb
if [ -s "$dir/geolite2-country.mmdb" ] && [ -s "$dir/tor/geoip6" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fetch_mmdb() {
	local url
	url=$(curl -fsS -m 30 "https://registry.npmjs.org/${pkg/\//%2f}" 2>"$tmp/curl.err" |
		jq -r '."dist-tags".latest as $v | .versions[$v].dist.tarball') && [ -n "$url" ] ||
		{ echo "the npm registry did not answer for $pkg: $(head -1 "$tmp/curl.err")" >&2; return 1; }
	curl -fsS -m 300 -o "$tmp/db.tgz" "$url" || { echo "cannot download $url" >&2; return 1; }
	tar -xzf "$tmp/db.tgz" -C "$tmp" package/geolite2-country.mmdb
	mv "$tmp/package/geolite2-country.mmdb" "$dir/"
}
[ -s "$dir/geolite2-country.mmdb" ] || fetch_mmdb || true
if [ ! -s "$dir/tor/geoip6" ]; then
	(cd "$tmp" && apt-get download tor-geoipdb >/dev/null 2>&1) ||
		{ echo "apt-get download tor-geoipdb failed (run apt-get update?)" >&2; exit 77; }
	dpkg-deb -x "$tmp"/tor-geoipdb_*.deb "$tmp/x"
	mkdir -p "$dir/tor"
	mv "$tmp/x/usr/share/tor/geoip" "$tmp/x/usr/share/tor/geoip6" "$dir/tor/"
fi
echo "$dir"
