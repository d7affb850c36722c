/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Exit-node traffic grouped by country or by network (ASN): the per-source
 * counters of the pins, each source looked up once. For 'stats --by
 * country|asn' and the metrics' by-country families. */
#ifndef TW_BY_GEO_H
#define TW_BY_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "geo/geo.h"
#include "kernel/counters.h"
#include "kernel/pins.h"

struct tw_geo_row {
	char key[16];		/* "DE", "AS24940", or "unknown" */
	char name[96];		/* the country's or network's name, "" when unknown */
	uint64_t sources;	/* exit sources that sent traffic */
	uint64_t packets, bytes, dropped, would_drop;
};

/* Rows sorted by packets, most first (*rows to free), from one pass over
 * the per-source maps; seen (NULL: not wanted) counts the sources that sent
 * traffic on the same pass. 0 or -errno. */
int tw_traffic_by_geo(const struct tw_pinned *p, const struct tw_geo *g, bool asn,
		      struct tw_sources_count *seen, struct tw_geo_row **rows, size_t *n);
/* The country of one source (AF_INET: 4 bytes), for a 'stats' column. */
const char *tw_geo_country_of(const struct tw_geo *g, int family, const uint8_t *addr,
			      char buf[3]);

#endif
