// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "exit_set.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "torwatch.h"

int tw_exit_set_add_feed(struct tw_exit_set *set, const struct tw_feed *feed, unsigned source)
{
	if (source >= TW_MAX_SOURCES)
		return -E2BIG;
	if (set->n + feed->n > set->cap) {
		size_t cap = set->cap ? set->cap : 1024;

		while (cap < set->n + feed->n)
			cap *= 2;
		struct tw_exit_entry *e = realloc(set->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		set->e = e;
		set->cap = cap;
	}
	for (size_t i = 0; i < feed->n; i++) {
		set->e[set->n].p = feed->entries[i];
		set->e[set->n].sources = 1u << source;
		set->n++;
	}
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

void tw_exit_set_free(struct tw_exit_set *set)
{
	free(set->e);
	memset(set, 0, sizeof(*set));
}

const struct tw_exit_entry *tw_exit_set_find(const struct tw_exit_set *set,
					     const struct tw_prefix *p)
{
	struct tw_exit_entry key = { .p = *p };

	return bsearch(&key, set->e, set->n, sizeof(*set->e), entry_cmp);
}

/* The four kernel maps, one per (family, exact|prefix). */
enum map_kind { MAP_EXACT_V4, MAP_EXACT_V6, MAP_PREFIX_V4, MAP_PREFIX_V6, MAP__N };

static const size_t key_size[MAP__N] = {
	sizeof(__u32), sizeof(struct tw_in6), sizeof(struct tw_lpm_v4_key),
	sizeof(struct tw_lpm_v6_key),
};

static enum map_kind kind_of(const struct tw_prefix *p)
{
	if (tw_prefix_is_exact(p))
		return p->family == AF_INET ? MAP_EXACT_V4 : MAP_EXACT_V6;
	return p->family == AF_INET ? MAP_PREFIX_V4 : MAP_PREFIX_V6;
}

static void make_key(const struct tw_prefix *p, enum map_kind k, void *key)
{
	memset(key, 0, key_size[k]);
	if (k == MAP_EXACT_V4 || k == MAP_EXACT_V6) {
		memcpy(key, p->addr, k == MAP_EXACT_V4 ? 4 : 16);
	} else {
		*(__u32 *)key = p->prefixlen;
		memcpy((char *)key + 4, p->addr, k == MAP_PREFIX_V4 ? 4 : 16);
	}
}

static void prefix_from_key(enum map_kind k, const void *key, struct tw_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = (k == MAP_EXACT_V4 || k == MAP_PREFIX_V4) ? AF_INET : AF_INET6;
	if (k == MAP_EXACT_V4 || k == MAP_EXACT_V6) {
		p->prefixlen = k == MAP_EXACT_V4 ? 32 : 128;
		memcpy(p->addr, key, k == MAP_EXACT_V4 ? 4 : 16);
	} else {
		p->prefixlen = (uint8_t)*(const __u32 *)key;
		memcpy(p->addr, (const char *)key + 4, k == MAP_PREFIX_V4 ? 4 : 16);
	}
}

/* Writes every entry of one kind: batched for hash maps, per element for
 * tries (and as the fallback where batching is refused). */
static int write_kind(const struct tw_exit_set *set, enum map_kind k, int fd, int *batched)
{
	size_t n = 0, ks = key_size[k];
	char *keys;
	struct tw_exit_val *vals;
	int err = 0;

	for (size_t i = 0; i < set->n; i++)
		n += kind_of(&set->e[i].p) == k;
	if (!n)
		return 0;
	keys = calloc(n, ks);
	vals = calloc(n, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	n = 0;
	for (size_t i = 0; i < set->n; i++) {
		if (kind_of(&set->e[i].p) != k)
			continue;
		make_key(&set->e[i].p, k, keys + n * ks);
		vals[n].sources = set->e[i].sources;
		vals[n].prefixlen = set->e[i].p.prefixlen;
		n++;
	}
	if (k == MAP_EXACT_V4 || k == MAP_EXACT_V6) {
		__u32 count = (__u32)n;

		if (!bpf_map_update_batch(fd, keys, vals, &count, NULL)) {
			*batched = 1;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_update_elem(fd, keys + i * ks, &vals[i], BPF_ANY)) {
			err = -errno;
			break;
		}
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* Deletes the keys of map k that set does not hold. */
static int remove_stale(const struct tw_exit_set *set, enum map_kind k, int fd, size_t *removed)
{
	char key[sizeof(struct tw_lpm_v6_key)], next[sizeof(struct tw_lpm_v6_key)];
	size_t n = 0, cap = 0, ks = key_size[k];
	char *stale = NULL;
	void *prev = NULL;
	int err = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		struct tw_prefix p;

		memcpy(key, next, ks);
		prev = key;
		prefix_from_key(k, key, &p);
		if (tw_exit_set_find(set, &p))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			char *s = realloc(stale, cap * ks);

			if (!s) {
				free(stale);
				return -ENOMEM;
			}
			stale = s;
		}
		memcpy(stale + n * ks, key, ks);
		n++;
	}
	/* Collected first: deleting while walking a hash map restarts the walk. */
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_delete_elem(fd, stale + i * ks) && errno != ENOENT) {
			err = -errno;
			break;
		}
		(*removed)++;
	}
	free(stale);
	return err;
}

/* The prefilter bits of set's exact entries, freshly computed. */
static uint64_t *build_filter(const struct tw_exit_set *set, const struct tw_exit_filter *f)
{
	uint64_t *w = calloc(f->n_words, sizeof(*w));

	if (!w)
		return NULL;
	for (size_t i = 0; i < set->n; i++) {
		if (!tw_prefix_is_exact(&set->e[i].p))
			continue;
		uint64_t bit = tw_exit_filter_bit(&set->e[i].p, f->shift);

		w[bit >> 6] |= 1ULL << (bit & 63);
	}
	return w;
}

static void filter_add_bits(const struct tw_exit_filter *f, const uint64_t *want)
{
	for (size_t i = 0; i < f->n_words; i++)
		if (want[i] & ~__atomic_load_n(&f->words[i], __ATOMIC_RELAXED))
			__atomic_fetch_or(&f->words[i], want[i], __ATOMIC_SEQ_CST);
}

static void filter_keep_only(const struct tw_exit_filter *f, const uint64_t *want)
{
	for (size_t i = 0; i < f->n_words; i++)
		if (__atomic_load_n(&f->words[i], __ATOMIC_RELAXED) != want[i])
			__atomic_store_n(&f->words[i], want[i], __ATOMIC_SEQ_CST);
}

/* Prefix counts gate the tries; filter_shift switches the prefilter on
 * (only ever after its bits for the new set are in). */
static int set_config(const struct tw_exit_maps *maps, __u32 v4, __u32 v6)
{
	struct tw_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(maps->config, &zero, &cfg))
		return -errno;
	cfg.prefixes_v4 = v4;
	cfg.prefixes_v6 = v6;
	cfg.filter_shift = maps->filter.words ? maps->filter.shift : 0;
	return bpf_map_update_elem(maps->config, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int tw_exit_set_apply(const struct tw_exit_set *set, const struct tw_exit_maps *maps,
		      struct tw_apply_stats *stats)
{
	const int fds[MAP__N] = { maps->exact_v4, maps->exact_v6, maps->prefix_v4, maps->prefix_v6 };
	const struct tw_exit_filter *f = &maps->filter;
	uint64_t start = now_usec(), *bits = NULL;
	int err;

	memset(stats, 0, sizeof(*stats));
	if (f->words) {
		bits = build_filter(set, f);
		if (!bits)
			return -ENOMEM;
		filter_add_bits(f, bits);
	}
	/* While old and new prefixes coexist the tries must be consulted; after
	 * a failure they stay consulted: slower, never wrong. */
	err = set_config(maps, UINT32_MAX, UINT32_MAX);
	for (int k = 0; !err && k < MAP__N; k++)
		err = write_kind(set, (enum map_kind)k, fds[k], &stats->batched);
	stats->added_or_updated = err ? 0 : set->n;
	for (int k = 0; !err && k < MAP__N; k++)
		err = remove_stale(set, (enum map_kind)k, fds[k], &stats->removed);
	if (!err)
		err = set_config(maps, set->prefixes_v4, set->prefixes_v6);
	/* Stale bits go only once their entries are gone; on failure the union stays. */
	if (!err && bits)
		filter_keep_only(f, bits);
	free(bits);
	stats->usec = now_usec() - start;
	return err;
}
