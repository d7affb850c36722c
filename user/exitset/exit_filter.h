/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The XDP miss-path prefilter (headers/torwatch.h), mapped into userspace:
 * bits are set and cleared with atomic word operations, no syscalls. */
#ifndef TW_EXIT_FILTER_H
#define TW_EXIT_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include "common/addr.h"

struct tw_exit_filter {
	uint64_t *words;	/* the mmapped map, NULL when there is none */
	size_t n_words;		/* a power of two */
	unsigned shift;		/* 64 - log2(n_words) */
};

/* Words for maps holding max_v4 + max_v6 exact entries (a power of two). */
uint32_t tw_exit_filter_words_for(uint32_t max_v4, uint32_t max_v6);
unsigned tw_exit_filter_shift(size_t n_words);
/* The n_words 64-bit words of an mmapable array map, shared with the
 * kernel; NULL (errno set) when it cannot be mapped. */
uint64_t *tw_map_words(int map_fd, size_t n_words);
void tw_unmap_words(uint64_t **words, size_t n_words);
int tw_exit_filter_map(int map_fd, size_t n_words, struct tw_exit_filter *f);
void tw_exit_filter_unmap(struct tw_exit_filter *f);
/* The word and bits of an exact address or of a prefix (its address masked
 * to its length, hashed with it), as the XDP program computes them. */
void tw_exit_filter_locate(const struct tw_prefix *p, unsigned shift, uint32_t *word,
			   uint64_t *mask);

#endif
