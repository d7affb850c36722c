// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch stats: the databases the daemon uses (or --geoip, --asn-db),
 * and the tables by country and by network. Without a database, one
 * sentence says so and the rest of 'stats' is shown as ever. */
#include <bpf/bpf.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli/cli.h"
#include "metrics/by_geo.h"
#include "tw_status.h"

int tw_stats_geo_open(const struct tw_cli *cli, const struct tw_pinned *p, const char *geoip,
		      const char *asn_db, struct tw_geo **out)
{
	struct tw_meta m = {};
	__u32 zero = 0;
	char err[512];

	bpf_map_lookup_elem(p->meta, &zero, &m);
	m.geoip[sizeof(m.geoip) - 1] = m.asn_db[sizeof(m.asn_db) - 1] = '\0';
	if (!tw_geo_open(out, geoip ? geoip : m.geoip, asn_db ? asn_db : m.asn_db, err, sizeof(err)))
		return 0;
	/* Named here: an error. The daemon's, which this user may not read:
	 * said once, and everything else is shown without it. */
	if (geoip || asn_db)
		return tw_cli_fail(cli, "%s", err);
	fprintf(stderr, "torwatch: %s; showing the rest without countries\n", err);
	return tw_geo_open(out, "none", NULL, err, sizeof(err)) ? tw_cli_fail(cli, "%s", err) : 0;
}

/* One sentence when the grouping has no database to go by; NULL otherwise. */
static const char *missing(const struct tw_geo *g, bool asn)
{
	if (asn && !tw_geo_asn_source(g))
		return "no ASN database: name an .mmdb with --asn-db (here or to the daemon)";
	if (!asn && !tw_geo_country_source(g))
		return "no country database: install tor-geoipdb, or name an .mmdb or Tor geoip file with --geoip (here or to the daemon)";
	return NULL;
}

struct json_object *tw_stats_geo_json(const struct tw_pinned *p, const struct tw_geo *g,
				      bool asn, long top)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct tw_geo_row *rows = NULL;
	size_t n = 0;
	const char *why = missing(g, asn);

	json_object_object_add(o, "database", json_object_new_string(
		why ? why : asn ? tw_geo_asn_source(g) : tw_geo_country_source(g)));
	if (!why && !tw_traffic_by_geo(p, g, asn, NULL, &rows, &n))
		for (size_t i = 0; i < n && (long)i < top; i++) {
			struct json_object *r = json_object_new_object();

			json_object_object_add(r, asn ? "asn" : "country",
					       json_object_new_string(rows[i].key));
			json_object_object_add(r, "name", rows[i].name[0] ?
					       json_object_new_string(rows[i].name) : NULL);
			json_object_object_add(r, "sources", json_object_new_int64((int64_t)rows[i].sources));
			json_object_object_add(r, "packets", json_object_new_int64((int64_t)rows[i].packets));
			json_object_object_add(r, "bytes", json_object_new_int64((int64_t)rows[i].bytes));
			json_object_object_add(r, "dropped", json_object_new_int64((int64_t)rows[i].dropped));
			json_object_object_add(r, "would_drop",
					       json_object_new_int64((int64_t)rows[i].would_drop));
			json_object_array_add(arr, r);
		}
	free(rows);
	json_object_object_add(o, "rows", arr);
	return o;
}

void tw_stats_geo_text(const struct tw_pinned *p, const struct tw_geo *g, bool asn, long top)
{
	struct tw_geo_row *rows = NULL;
	size_t n = 0;
	const char *why = missing(g, asn);

	if (why) {
		printf("\nby %s: %s\n", asn ? "network" : "country", why);
		return;
	}
	if (tw_traffic_by_geo(p, g, asn, NULL, &rows, &n)) {
		printf("\nby %s: the counters could not be read\n", asn ? "network" : "country");
		return;
	}
	printf("\nby %s (top %ld of %zu; %s):\n", asn ? "network" : "country", top, n,
	       asn ? tw_geo_asn_source(g) : tw_geo_country_source(g));
	printf("  %-10s %-28s %8s %12s %14s %10s %10s\n", asn ? "asn" : "country", "name", "sources",
	       "packets", "bytes", "dropped", "dry run");
	for (size_t i = 0; i < n && (long)i < top; i++)
		printf("  %-10s %-28.28s %8llu %12llu %14llu %10llu %10llu\n", rows[i].key, rows[i].name,
		       (unsigned long long)rows[i].sources, (unsigned long long)rows[i].packets,
		       (unsigned long long)rows[i].bytes, (unsigned long long)rows[i].dropped,
		       (unsigned long long)rows[i].would_drop);
	free(rows);
}
