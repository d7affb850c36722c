/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where an address is: its country (and, with an ASN database, its network)
 * from a MaxMind-format .mmdb (libmaxminddb: GeoLite2, DB-IP, the
 * @ip-location-db files) or from Tor's geoip range files. Country names
 * come from the database, else from Debian's iso-codes when installed.
 * Opened once, read-only afterwards: lookups may run on any thread. */
#ifndef TW_GEO_H
#define TW_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_GEO_TOR_DEFAULT "/usr/share/tor/geoip"	/* and geoip6 beside it */

struct tw_geo;

struct tw_geo_result {
	char iso[3];		/* "DE"; "" when unknown */
	char name[64];		/* "Germany"; "" when unknown */
	uint32_t asn;		/* 0 when unknown (or no ASN database) */
	char as_org[96];
};

/* country: an .mmdb, Tor's geoip file (geoip6 read beside it when there),
 * "none", or NULL/"" for Tor's files where Debian's tor-geoipdb puts them
 * if present. asn: an .mmdb or NULL/"". Returns 0 with *out set (a geo that
 * knows nothing when no database is there), or -errno with one sentence in
 * err for a database that is named but missing or damaged. */
int tw_geo_open(struct tw_geo **out, const char *country, const char *asn, char *err,
		size_t errlen);
/* What answers, for logs and for 'stats': "GeoLite2-Country (mmdb,
 * built 2026-06-17)", "Tor geoip files (385602 IPv4 + 276626 IPv6 ranges)";
 * NULL when nothing does. */
const char *tw_geo_country_source(const struct tw_geo *g);
const char *tw_geo_asn_source(const struct tw_geo *g);
/* family AF_INET (addr: 4 bytes) or AF_INET6 (16): true when anything is
 * known of it. */
bool tw_geo_lookup(const struct tw_geo *g, int family, const uint8_t *addr,
		   struct tw_geo_result *r);
void tw_geo_close(struct tw_geo *g);

#endif
