// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "metrics/by_geo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "common/addr.h"
#include "common/hash.h"
#include "kernel/counters.h"

struct grouping {
	const struct tw_geo *g;
	bool asn;
	struct tw_geo_row *rows;
	size_t n, cap;
	/* An index of rows by key (open addressing, row + 1, 0 free; 2 x cap
	 * slots): a source finds its row without a walk of them all. */
	uint32_t *slot;
	struct tw_sources_count *seen;	/* NULL, or counted on the same pass */
};

static size_t slot_of(const struct grouping *gr, const char *key)
{
	return (size_t)(tw_fnv1a(TW_FNV1A_INIT, key, strlen(key)) % (2 * gr->cap));
}

static int grow(struct grouping *gr)
{
	size_t cap = gr->cap ? gr->cap * 2 : 64;
	struct tw_geo_row *v = realloc(gr->rows, cap * sizeof(*v));
	uint32_t *slot = calloc(2 * cap, sizeof(*slot));

	if (v)
		gr->rows = v;
	if (!v || !slot) {
		free(slot);
		return -ENOMEM;
	}
	free(gr->slot);
	gr->slot = slot;
	gr->cap = cap;
	for (size_t i = 0; i < gr->n; i++) {
		size_t h = slot_of(gr, gr->rows[i].key);

		while (gr->slot[h])
			h = (h + 1) % (2 * gr->cap);
		gr->slot[h] = (uint32_t)i + 1;
	}
	return 0;
}

static struct tw_geo_row *row_for(struct grouping *gr, const char *key, const char *name)
{
	size_t h;

	if (gr->n == gr->cap && grow(gr))
		return NULL;
	for (h = slot_of(gr, key); gr->slot[h]; h = (h + 1) % (2 * gr->cap))
		if (!strcmp(gr->rows[gr->slot[h] - 1].key, key))
			return &gr->rows[gr->slot[h] - 1];
	gr->slot[h] = (uint32_t)gr->n + 1;
	memset(&gr->rows[gr->n], 0, sizeof(gr->rows[0]));
	snprintf(gr->rows[gr->n].key, sizeof(gr->rows[0].key), "%s", key);
	snprintf(gr->rows[gr->n].name, sizeof(gr->rows[0].name), "%s", name);
	return &gr->rows[gr->n++];
}

static int add_source(const __u8 *key, size_t key_len, const struct tw_src_stats *st, void *ctx)
{
	struct grouping *gr = ctx;
	struct tw_geo_result r = {};
	struct tw_geo_row *row;
	struct tw_prefix a;
	char k[16];

	if (gr->seen)
		tw_sources_count_add(gr->seen, st);
	if (!st->packets)
		return 0;
	if (key_len == 4) {
		a.family = AF_INET;
		memcpy(a.addr, key, 4);
	} else {
		tw_prefix_from_in6(key, &a);	/* src_stats holds IPv4 mapped */
	}
	tw_geo_lookup(gr->g, a.family, a.addr, &r);
	if (gr->asn && r.asn)
		snprintf(k, sizeof(k), "AS%u", r.asn);
	else
		strcpy(k, !gr->asn && r.iso[0] ? r.iso : "unknown");	/* once a source: no printf */
	row = row_for(gr, k, gr->asn ? r.as_org : r.name);
	if (!row)
		return -ENOMEM;
	row->sources++;
	row->packets += st->packets;
	row->bytes += st->bytes;
	row->dropped += st->dropped;
	row->would_drop += st->would_drop;
	return 0;
}

static int by_packets(const void *a, const void *b)
{
	const struct tw_geo_row *x = a, *y = b;

	return x->packets < y->packets ? 1 : x->packets > y->packets ? -1 : strcmp(x->key, y->key);
}

int tw_traffic_by_geo(const struct tw_pinned *p, const struct tw_geo *g, bool asn,
		      struct tw_sources_count *seen, struct tw_geo_row **rows, size_t *n)
{
	struct grouping gr = { .g = g, .asn = asn, .seen = seen };
	/* Exact entries carry their own counters; prefix matches live in src_stats. */
	int ret = tw_exit_table_each(&p->exits_v4, add_source, &gr);

	if (!ret)
		ret = tw_exit_table_each(&p->exits_v6, add_source, &gr);
	if (!ret)
		ret = tw_for_each_source(p->src_stats, 16, add_source, &gr);
	free(gr.slot);
	if (ret) {
		free(gr.rows);
		return ret;
	}
	if (gr.n)
		qsort(gr.rows, gr.n, sizeof(*gr.rows), by_packets);
	*rows = gr.rows;
	*n = gr.n;
	return 0;
}

const char *tw_geo_country_of(const struct tw_geo *g, int family, const uint8_t *addr,
			      char buf[3])
{
	struct tw_geo_result r;

	if (!tw_geo_lookup(g, family, addr, &r) || !r.iso[0])
		return NULL;
	memcpy(buf, r.iso, 3);
	return buf;
}
