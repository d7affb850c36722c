/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exact entries' open-addressing table (struct tw_exit_slot in
 * torwatch.h), mapped into userspace: the apply thread inserts and removes
 * through it, every reader walks or probes it. One writer per table. */
#ifndef TW_EXIT_TABLE_H
#define TW_EXIT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "torwatch.h"

struct tw_exit_table {
	struct tw_exit_slot *slot;	/* mmapped; slot[0] is the header; NULL: read by fd */
	size_t bytes;
	int fd;				/* the caller's; -1: no table */
	uint32_t mask;			/* entry slots - 1 */
	uint64_t seed;
	bool v6;
	bool write;
	uint32_t apply;			/* the apply in progress: its tombstones wait */
	uint32_t *gone;			/* slots it left as tombstones, swept at the next */
	size_t n_gone, cap_gone;
};

/* The map's max_entries for max_exact entries: the header and a power of
 * two of slots at least twice max_exact (half full at most: probes stay
 * short). */
uint32_t tw_exit_table_entries(uint32_t max_exact);
/* Maps the table behind fd (an array of struct tw_exit_slot; fd stays the
 * caller's). With write, a table no one has written gets its header (a
 * random seed) and the tombstones an earlier run left before an empty slot
 * are cleared. Without, an fd the kernel will not map (one opened
 * read-only: a member of the pins' group) is read slot by slot and in
 * batches instead. 0, or -errno (-EINVAL: fd is not such a table). */
int tw_exit_table_map(int fd, bool v6, bool write, struct tw_exit_table *t);
void tw_exit_table_unmap(struct tw_exit_table *t);
/* The live slot of addr (4 bytes, network order, or 16), or NULL. Mapped
 * tables only. */
struct tw_exit_slot *tw_exit_table_find(const struct tw_exit_table *t, const void *addr);
/* A copy of addr's counters, mapped or not: true when addr is in. */
bool tw_exit_table_read(const struct tw_exit_table *t, const void *addr, struct tw_src_stats *st);
/* A new entry for addr, with st as its counters (and source mask), published
 * last. -EEXIST when addr is in, -ENOSPC when no slot within TW_TABLE_PROBES
 * of its home is free. */
int tw_exit_table_insert(struct tw_exit_table *t, const void *addr, const struct tw_src_stats *st);
/* Takes a live slot out: a tombstone, never reused or cleared within the
 * same apply (XDP may still be counting into it). */
void tw_exit_table_remove(struct tw_exit_table *t, struct tw_exit_slot *s);
/* The start of an apply: the last one's tombstones before an empty slot
 * become empty (a tombstone there ends no probe). */
void tw_exit_table_begin(struct tw_exit_table *t);
/* Sets a live slot's source mask in place: one aligned store, the counters
 * beside it untouched. */
void tw_exit_table_set_sources(struct tw_exit_slot *s, uint32_t sources);
/* Calls fn for each live entry: its address (4 or 16 bytes) and a copy of
 * its counters. Stops at fn's first non-zero return, which it returns. */
int tw_exit_table_each(const struct tw_exit_table *t,
		       int (*fn)(const uint8_t *key, size_t key_len, const struct tw_src_stats *st,
				 void *ctx),
		       void *ctx);
/* Live entries now. */
size_t tw_exit_table_count(const struct tw_exit_table *t);

#endif
