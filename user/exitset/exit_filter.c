// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "exitset/exit_filter.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include "torwatch.h"

uint32_t tw_exit_filter_words_for(uint32_t max_v4, uint32_t max_v6)
{
	uint64_t want = ((uint64_t)max_v4 + max_v6) * TW_FILTER_BITS_PER_ENTRY / 64;
	uint32_t words = 64;

	while (words < want && words < (1u << 26))
		words <<= 1;
	return words;
}

unsigned tw_exit_filter_shift(size_t n_words)
{
	unsigned log2 = 0;

	while (((size_t)1 << log2) < n_words)
		log2++;
	return 64 - log2;
}

uint64_t *tw_map_words(int map_fd, size_t n_words)
{
	void *m = mmap(NULL, n_words * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		       map_fd, 0);

	return m == MAP_FAILED ? NULL : m;
}

void tw_unmap_words(uint64_t **words, size_t n_words)
{
	if (*words)
		munmap(*words, n_words * sizeof(uint64_t));
	*words = NULL;
}

int tw_exit_filter_map(int map_fd, size_t n_words, struct tw_exit_filter *f)
{
	f->words = tw_map_words(map_fd, n_words);
	if (!f->words)
		return -errno;
	f->n_words = n_words;
	f->shift = tw_exit_filter_shift(n_words);
	return 0;
}

void tw_exit_filter_unmap(struct tw_exit_filter *f)
{
	tw_unmap_words(&f->words, f->n_words);
}

void tw_exit_filter_locate(const struct tw_prefix *p, unsigned shift, uint32_t *word,
			   uint64_t *mask)
{
	bool exact = tw_prefix_is_exact(p);
	__u64 h;

	if (p->family == AF_INET) {
		__u32 a;

		memcpy(&a, p->addr, 4);
		h = exact ? tw_filter_hash_v4(a) : tw_filter_hash_prefix_v4(be32toh(a), p->prefixlen);
	} else {
		__u64 halves[2];

		memcpy(halves, p->addr, 16);
		h = exact ? tw_filter_hash_v6(halves) :
			    tw_filter_hash_prefix_v6(be64toh(halves[0]), be64toh(halves[1]), p->prefixlen);
	}
	*word = tw_filter_word(h, shift);
	*mask = tw_filter_mask(h, shift);
}
