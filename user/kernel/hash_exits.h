/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Exact entries as torwatch kept them before the open-addressing tables:
 * hash maps pinned as exit_v4 and exit_v6. A start over such pins moves
 * each entry, with its source mask and counters, into the new tables. */
#ifndef TW_HASH_EXITS_H
#define TW_HASH_EXITS_H

#include <stdint.h>
#include "kernel/exit_table.h"

struct tw_hash_exits {
	uint8_t (*keys)[16];		/* IPv4 in the first 4 bytes */
	struct tw_src_stats *stats;	/* older, shorter values: the rest zero */
	uint32_t n;
};

/* Before the load: the entries of the pins under root, read and the pins
 * removed ([0] IPv4, [1] IPv6). How many were read, or -errno (then no pin
 * was removed). */
long tw_hash_exits_take(const char *root, struct tw_hash_exits kept[2]);
/* After the load: kept into the tables (mapped for writing), then freed.
 * How many went in; those that did not fit (-ENOSPC) are counted out. */
long tw_hash_exits_adopt(struct tw_hash_exits kept[2], struct tw_exit_table *v4,
			 struct tw_exit_table *v6);
void tw_hash_exits_free(struct tw_hash_exits kept[2]);

#endif
