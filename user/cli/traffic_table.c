// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "cli/traffic_table.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "common/addr.h"
#include "kernel/counters.h"

static struct tw_row *table_add(struct tw_table *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tw_row *r = realloc(t->rows, cap * sizeof(*r));

		if (!r)
			return NULL;
		t->rows = r;
		t->cap = cap;
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	return &t->rows[t->n++];
}

/* A new row counting packets and bytes; NULL when memory runs out. */
static struct tw_row *table_add_traffic(struct tw_table *t, const struct tw_traffic *tr)
{
	struct tw_row *r = table_add(t);

	if (r) {
		r->packets = tr->packets;
		r->bytes = tr->bytes;
		r->dropped = tr->dropped;
		r->would_drop = tr->would_drop;
		r->total = tr->packets;
	}
	return r;
}

int tw_rows_by_packets(const void *a, const void *b)
{
	const struct tw_row *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets < y->packets ? 1 : -1;
	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

static int add_source_row(const __u8 *key, size_t key_len, const struct tw_src_stats *st,
			  void *ctx)
{
	struct tw_row *r;

	if (!st->packets)
		return 0; /* listed, no traffic yet */
	r = table_add_traffic(ctx, &(struct tw_traffic){ .packets = st->packets, .bytes = st->bytes,
							 .dropped = st->dropped,
							 .would_drop = st->would_drop });
	if (!r)
		return -ENOMEM;
	if (key_len == 4) {
		tw_in6_from_v4(r->src.addr.addr, key);
	} else {
		memcpy(r->src.addr.addr, key, 16);
	}
	r->src.first_ns = st->first_seen_ns;
	r->src.last_ns = st->last_seen_ns;
	return 0;
}

/* Exact entries carry their own counters; prefix matches live in src_stats. */
int tw_read_sources(const struct tw_pinned *p, struct tw_table *t)
{
	int err = tw_exit_table_each(&p->exits_v4, add_source_row, t);

	if (!err)
		err = tw_exit_table_each(&p->exits_v6, add_source_row, t);
	if (!err)
		err = tw_for_each_source(p->src_stats, 16, add_source_row, t);
	return err;
}

int tw_read_ports(const struct tw_pinned *p, struct tw_table *t)
{
	struct tw_port_key key, next, *prev = NULL;
	struct tw_traffic tr;
	int fd = p->port_stats;

	for (__u32 port = 0; port < TW_LOW_PORTS; port++) {
		static const __u8 protos[2] = { IPPROTO_TCP, IPPROTO_UDP };

		for (int i = 0; i < 2; i++) {
			__u32 idx = tw_low_port_index(protos[i], (__u16)port);

			if (tw_percpu_sum(p->low_port_stats, &idx, &tr, sizeof(tr)) || !tr.packets)
				continue;
			struct tw_row *r = table_add_traffic(t, &tr);

			if (!r)
				return -ENOMEM;
			r->port = (struct tw_port_key){ .port = (__u16)port, .proto = protos[i] };
		}
	}

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (tw_percpu_sum(fd, &key, &tr, sizeof(tr)))
			continue;
		struct tw_row *r = table_add_traffic(t, &tr);

		if (!r)
			return -ENOMEM;
		r->port = key;
	}
	return 0;
}

int tw_read_protos(int fd, struct tw_table *t)
{
	struct tw_traffic tr;

	for (uint32_t p = 0; p < 256; p++) {
		if (tw_percpu_sum(fd, &p, &tr, sizeof(tr)) || !tr.packets)
			continue;
		struct tw_row *r = table_add_traffic(t, &tr);

		if (!r)
			return -ENOMEM;
		r->proto = p;
	}
	return 0;
}

