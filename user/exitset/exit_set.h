/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The merged exit set (union of sources, each entry with a bitmask of the
 * sources listing it) and its gap-free application to the kernel maps. */
#ifndef TW_EXIT_SET_H
#define TW_EXIT_SET_H

#include <pthread.h>
#include <stdint.h>
#include "common/addr.h"
#include "exitset/exit_filter.h"
#include "kernel/exit_table.h"

struct tw_exit_entry {
	struct tw_prefix p;
	uint32_t sources;
};

struct tw_exit_set {
	struct tw_exit_entry *e;
	size_t n, cap;
	uint32_t exact_v4, exact_v6, prefixes_v4, prefixes_v6;
};

struct tw_exit_maps {
	struct tw_exit_table exact_v4, exact_v6;	/* mapped for writing */
	int prefix_v4, prefix_v6, config;
	uint64_t *prefix_lens;	/* mmapped TW_PREFIX_LENS_WORDS: the lengths the filter holds */
	struct tw_exit_filter filter;	/* words NULL: no prefilter to keep */
};

struct tw_apply_stats {
	size_t added;
	size_t updated;		/* same key, other sources */
	size_t removed;
	uint64_t usec;
	int batched;		/* bit 1: the prefix maps took batch updates */
	int no_room;		/* 1 when old and new did not fit at once: removals went first */
};

/* Room for more entries, doubling. */
int tw_exit_set_reserve(struct tw_exit_set *set, size_t more);
/* Adds n prefixes listed by source (bit number): the first at first, the
 * others stride bytes apart (a field of a larger record). Every merge of
 * sources goes through here; finalize then ORs the masks of duplicates.
 * 0, -E2BIG for a source past TW_MAX_SOURCES, or -ENOMEM. */
int tw_exit_set_add_listed(struct tw_exit_set *set, const struct tw_prefix *first, size_t n,
			   size_t stride, unsigned source);
/* Sorts and merges duplicates (OR-ing sources); fills the counts. */
void tw_exit_set_finalize(struct tw_exit_set *set);
void tw_exit_set_free(struct tw_exit_set *set);
/* A digest of the entries and their source masks (after finalize), never 0:
 * a refresh whose digest matches the last applied one has nothing to write. */
uint64_t tw_exit_set_digest(const struct tw_exit_set *set);
/* An entry taken out of a set because it names a client to spare. */
struct tw_spared {
	struct tw_prefix entry, client;
	uint32_t sources;
};

/* Takes out of set (finalized) every entry that contains one of the n
 * clients, and finalizes it again; the first max of them go to out.
 * Returns how many were taken out. */
size_t tw_exit_set_spare(struct tw_exit_set *set, const struct tw_prefix *clients, size_t n,
			 struct tw_spared *out, size_t max);
/* Binary search for an exact prefix (after finalize). */
const struct tw_exit_entry *tw_exit_set_find(const struct tw_exit_set *set,
					     const struct tw_prefix *p);

/* Held around every read-modify-write of the config map: applies may run on
 * another thread than the one writing the other settings. */
extern pthread_mutex_t tw_config_lock;

/* Makes the kernel maps hold exactly set: every entry (and its prefilter bit)
 * is written before any stale one is removed, so an address in both the old
 * and new set is never missing. Keys in both are never touched. When the
 * maps cannot hold old and new at once, stale entries go first (no_room):
 * an address moving between an exact entry and a prefix may then miss for
 * the moment between. Returns 0 or -errno. */
int tw_exit_set_apply(const struct tw_exit_set *set, struct tw_exit_maps *maps,
		      struct tw_apply_stats *stats);

#endif
