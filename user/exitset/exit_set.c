// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The merged exit set in memory: entries with their sources, merged,
 * digested and searched. exit_set_apply.c writes one into the maps. */
#include "exitset/exit_set.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "common/hash.h"
#include "torwatch.h"

int tw_exit_set_reserve(struct tw_exit_set *set, size_t more)
{
	size_t cap = set->cap ? set->cap : 1024;
	struct tw_exit_entry *e;

	if (set->n + more <= set->cap)
		return 0;
	while (cap < set->n + more)
		cap *= 2;
	e = realloc(set->e, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	set->e = e;
	set->cap = cap;
	return 0;
}

int tw_exit_set_add_listed(struct tw_exit_set *set, const struct tw_prefix *first, size_t n,
			   size_t stride, unsigned source)
{
	const char *p = (const char *)first;

	if (source >= TW_MAX_SOURCES)
		return -E2BIG;
	if (tw_exit_set_reserve(set, n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++, p += stride)
		set->e[set->n++] = (struct tw_exit_entry){ .p = *(const struct tw_prefix *)p,
							   .sources = 1u << source };
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return tw_prefix_cmp(&((const struct tw_exit_entry *)a)->p,
			     &((const struct tw_exit_entry *)b)->p);
}

void tw_exit_set_finalize(struct tw_exit_set *set)
{
	size_t out = 0;

	if (set->n) /* qsort and bsearch want a non-null array, even for zero entries */
		qsort(set->e, set->n, sizeof(*set->e), entry_cmp);
	for (size_t i = 0; i < set->n; i++) {
		if (out && !tw_prefix_cmp(&set->e[out - 1].p, &set->e[i].p))
			set->e[out - 1].sources |= set->e[i].sources;
		else
			set->e[out++] = set->e[i];
	}
	set->n = out;
	set->exact_v4 = set->exact_v6 = set->prefixes_v4 = set->prefixes_v6 = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct tw_prefix *p = &set->e[i].p;
		bool v4 = p->family == AF_INET;

		if (tw_prefix_is_exact(p))
			v4 ? set->exact_v4++ : set->exact_v6++;
		else
			v4 ? set->prefixes_v4++ : set->prefixes_v6++;
	}
}

size_t tw_exit_set_spare(struct tw_exit_set *set, const struct tw_prefix *clients, size_t n,
			 struct tw_spared *out, size_t max)
{
	size_t kept = 0, spared = 0;

	for (size_t i = 0; n && i < set->n; i++) {
		const struct tw_exit_entry *e = &set->e[i];
		size_t c = 0;

		while (c < n && !tw_prefix_contains(&e->p, &clients[c]))
			c++;
		if (c == n) {
			set->e[kept++] = *e;
			continue;
		}
		if (spared < max)
			out[spared] = (struct tw_spared){ e->p, clients[c], e->sources };
		spared++;
	}
	if (spared) {
		set->n = kept;
		tw_exit_set_finalize(set);
	}
	return spared;
}

void tw_exit_set_free(struct tw_exit_set *set)
{
	free(set->e);
	memset(set, 0, sizeof(*set));
}

uint64_t tw_exit_set_digest(const struct tw_exit_set *set)
{
	uint64_t h = TW_FNV1A_INIT; /* over entries and masks */

	for (size_t i = 0; i < set->n; i++) {
		const struct tw_exit_entry *e = &set->e[i];
		uint8_t head[6] = { (uint8_t)e->p.family, e->p.prefixlen, (uint8_t)e->sources,
				    (uint8_t)(e->sources >> 8), (uint8_t)(e->sources >> 16),
				    (uint8_t)(e->sources >> 24) };

		h = tw_fnv1a(h, head, sizeof(head));
		h = tw_fnv1a(h, e->p.addr, sizeof(e->p.addr));
	}
	return h | 1; /* never 0: 0 means "nothing applied yet" */
}

const struct tw_exit_entry *tw_exit_set_find(const struct tw_exit_set *set,
					     const struct tw_prefix *p)
{
	struct tw_exit_entry key = { .p = *p };

	return set->n ? bsearch(&key, set->e, set->n, sizeof(*set->e), entry_cmp) : NULL;
}
