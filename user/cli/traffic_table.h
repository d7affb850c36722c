/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Exit traffic read from the pinned counters into rows: by source, by port,
 * by protocol. 'stats' and 'top' render them. */
#ifndef TW_TRAFFIC_TABLE_H
#define TW_TRAFFIC_TABLE_H

#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include "kernel/pins.h"
#include "torwatch.h"

/* One row: a source, a port or a protocol, and its traffic. */
struct tw_row {
	uint64_t packets, bytes, dropped;
	uint64_t would_drop;	/* a dry-run block counted, let through */
	uint64_t total;		/* 'top': packets since the start, while packets is the rate */
	union {
		struct {
			struct tw_in6 addr;
			uint64_t first_ns, last_ns;
		} src;
		struct tw_port_key port;
		uint32_t proto;
	};
};

struct tw_table {
	struct tw_row *rows;
	size_t n, cap;
};

/* Appends rows (the table grows): 0 or -errno. */
int tw_read_sources(const struct tw_pinned *p, struct tw_table *t);
int tw_read_ports(const struct tw_pinned *p, struct tw_table *t);
int tw_read_protos(int fd, struct tw_table *t);
/* qsort order: most packets first, then the larger total. */
int tw_rows_by_packets(const void *a, const void *b);
/* Sorts t's rows with cmp; an empty table (no rows array) is left alone:
 * qsort must not be handed NULL, even for no rows. */
static inline void tw_table_sort(struct tw_table *t, int (*cmp)(const void *, const void *))
{
	if (t->n)
		qsort(t->rows, t->n, sizeof(*t->rows), cmp);
}

#endif
