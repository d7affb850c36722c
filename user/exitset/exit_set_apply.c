// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Writing an exit set into the kernel maps without a gap: what to insert,
 * update and delete per map (the exact tables through their mapping, the
 * prefix hash maps in batches where the kernel takes them), source masks in place, the
 * prefilter and the prefix lengths, the config map's counts. */
#include "exitset/exit_set.h"
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "common/realtime.h"

/* The four kernel maps, one per (family, exact table|prefix map). */
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

static const size_t val_size[MAP__N] = {
	sizeof(struct tw_src_stats), sizeof(struct tw_src_stats), sizeof(struct tw_exit_val),
	sizeof(struct tw_exit_val),
};

static bool is_exact(enum map_kind k)
{
	return k == MAP_EXACT_V4 || k == MAP_EXACT_V6;
}

static __u32 sources_of(enum map_kind k, const void *val)
{
	return is_exact(k) ? ((const struct tw_src_stats *)val)->sources :
			     ((const struct tw_exit_val *)val)->sources;
}

/* A fresh value: exact entries start with zero traffic counters. */
static void make_value(enum map_kind k, const struct tw_exit_entry *e, void *val)
{
	memset(val, 0, val_size[k]);
	if (is_exact(k)) {
		((struct tw_src_stats *)val)->sources = e->sources;
	} else {
		((struct tw_exit_val *)val)->sources = e->sources;
		((struct tw_exit_val *)val)->prefixlen = e->p.prefixlen;
	}
}

/* Keys (and values) to write or delete for one map. */
struct batch {
	char *keys, *vals;
	size_t n, cap, ks, vs;
};

static int batch_add(struct batch *b, const void *key, const void *val)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *k = realloc(b->keys, cap * b->ks), *v = b->vs ? realloc(b->vals, cap * b->vs) : NULL;

		if (k)
			b->keys = k;
		if (v)
			b->vals = v;
		if (!k || (b->vs && !v))
			return -ENOMEM;
		b->cap = cap;
	}
	memcpy(b->keys + b->n * b->ks, key, b->ks);
	if (b->vs)
		memcpy(b->vals + b->n * b->vs, val, b->vs);
	b->n++;
	return 0;
}

static void batch_free(struct batch *b)
{
	free(b->keys);
	free(b->vals);
	memset(b, 0, sizeof(*b));
}

static int cur_add(struct tw_exit_set *cur, enum map_kind k, const void *key, const void *val)
{
	if (tw_exit_set_reserve(cur, 1))
		return -ENOMEM;
	prefix_from_key(k, key, &cur->e[cur->n].p);
	cur->e[cur->n++].sources = sources_of(k, val);
	return 0;
}

static int add_live(const uint8_t *key, size_t key_len, const struct tw_src_stats *st, void *cur)
{
	return cur_add(cur, key_len == 4 ? MAP_EXACT_V4 : MAP_EXACT_V6, key, st);
}

static struct tw_exit_table *table_of(struct tw_exit_maps *maps, enum map_kind k)
{
	return k == MAP_EXACT_V4 ? &maps->exact_v4 : &maps->exact_v6;
}

/* A new apply on both tables: the last one's tombstones may go or be reused. */
static void tables_begin(struct tw_exit_maps *maps)
{
	tw_exit_table_begin(&maps->exact_v4);
	tw_exit_table_begin(&maps->exact_v6);
}

static int fd_of(const struct tw_exit_maps *maps, enum map_kind k)
{
	return k == MAP_PREFIX_V4 ? maps->prefix_v4 : maps->prefix_v6;
}

/* What the map holds now, sorted like the set. */
static int read_current(struct tw_exit_maps *maps, enum map_kind k, struct tw_exit_set *cur)
{
	char key[sizeof(struct tw_lpm_v6_key)], next[sizeof(struct tw_lpm_v6_key)];
	char val[sizeof(struct tw_src_stats)];
	int err, fd = is_exact(k) ? -1 : fd_of(maps, k);
	void *prev = NULL;

	memset(cur, 0, sizeof(*cur));
	if (is_exact(k)) {
		err = tw_exit_table_each(table_of(maps, k), add_live, cur);
		if (err)
			return err;
		goto done;
	}
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size[k]);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		err = cur_add(cur, k, key, val);
		if (err)
			return err;
	}
	/* ENOENT ends the walk; any other error is a map we could not read,
	 * which must not pass for an empty one. */
	if (errno != ENOENT)
		return -errno;
done:
	tw_exit_set_finalize(cur);
	return 0;
}

/* Diffs the set's entries of kind k against the map: new keys, keys whose
 * sources changed, and keys to delete. Unchanged keys are not touched, so
 * their traffic counters go on. */
static int plan_kind(const struct tw_exit_set *set, enum map_kind k, struct tw_exit_maps *maps,
		     struct batch *ins, struct batch *upd, struct batch *del)
{
	char key[sizeof(struct tw_lpm_v6_key)], val[sizeof(struct tw_src_stats)];
	struct tw_exit_set cur;
	size_t i = 0, j = 0;
	int err = read_current(maps, k, &cur);

	while (!err && (i < set->n || j < cur.n)) {
		if (i < set->n && kind_of(&set->e[i].p) != k) {
			i++;
			continue;
		}
		int c = i == set->n ? 1 : j == cur.n ? -1 : tw_prefix_cmp(&set->e[i].p, &cur.e[j].p);

		if (c < 0 || (c == 0 && set->e[i].sources != cur.e[j].sources)) {
			make_key(&set->e[i].p, k, key);
			make_value(k, &set->e[i], val);
			err = batch_add(c < 0 ? ins : upd, key, val);
		} else if (c > 0) {
			make_key(&cur.e[j].p, k, key);
			err = batch_add(del, key, NULL);
		}
		i += c <= 0;
		j += c >= 0;
	}
	tw_exit_set_free(&cur);
	return err;
}

/* Exact entries: published one by one through the mapping. One already
 * there (a write_all again after no_room) only takes its new mask. */
static int table_inserts(struct tw_exit_table *t, const struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const void *key = b->keys + i * b->ks;
		const struct tw_src_stats *st = (const void *)(b->vals + i * b->vs);
		int err = tw_exit_table_insert(t, key, st);

		if (err == -EEXIST)
			tw_exit_table_set_sources(tw_exit_table_find(t, key), st->sources);
		else if (err)
			return err;
	}
	return 0;
}

static int write_inserts(struct tw_exit_maps *maps, enum map_kind k, const struct batch *b,
			 int *batched)
{
	__u32 count = (__u32)b->n;
	int fd;

	if (!b->n)
		return 0;
	if (is_exact(k))
		return table_inserts(table_of(maps, k), b);
	fd = fd_of(maps, k);
	/* A batch where the kernel takes one; per element where it does not
	 * (some kernels refused batches on the LPM tries that held prefixes before) or a batch stopped
	 * half-way (BPF_ANY makes writing the first part again harmless). */
	if (!bpf_map_update_batch(fd, b->keys, b->vals, &count, NULL)) {
		*batched |= 2;
		return 0;
	}
	for (size_t i = 0; i < b->n; i++)
		if (bpf_map_update_elem(fd, b->keys + i * b->ks, b->vals + i * b->vs, BPF_ANY))
			return -errno;
	return 0;
}

/* A changed source mask. Exact entries keep their counters: the mask is
 * stored in place; an entry that is gone is written afresh. */
static int write_updates(struct tw_exit_maps *maps, enum map_kind k, const struct batch *b)
{
	if (!b->n)
		return 0;
	if (is_exact(k))
		return table_inserts(table_of(maps, k), b);
	for (size_t i = 0; i < b->n; i++)
		if (bpf_map_update_elem(fd_of(maps, k), b->keys + i * b->ks, b->vals + i * b->vs,
					BPF_ANY))
			return -errno;
	return 0;
}

static int write_deletes(struct tw_exit_maps *maps, enum map_kind k, const struct batch *b)
{
	__u32 count = (__u32)b->n;
	int fd;

	if (is_exact(k)) {
		struct tw_exit_table *t = table_of(maps, k);

		for (size_t i = 0; i < b->n; i++) {
			struct tw_exit_slot *s = tw_exit_table_find(t, b->keys + i * b->ks);

			if (s)
				tw_exit_table_remove(t, s);
		}
		return 0;
	}
	fd = fd_of(maps, k);
	/* A batch stops at a key already gone (ENOENT): then key by key. */
	if (!b->n || !bpf_map_delete_batch(fd, b->keys, &count, NULL))
		return 0;
	for (size_t i = 0; i < b->n; i++)
		if (bpf_map_delete_elem(fd, b->keys + i * b->ks) && errno != ENOENT)
			return -errno;
	return 0;
}

/* The prefilter bits of set's entries, exact and prefixes, freshly computed. */
static uint64_t *build_filter(const struct tw_exit_set *set, const struct tw_exit_filter *f)
{
	uint64_t *w = calloc(f->n_words, sizeof(*w));

	if (!w)
		return NULL;
	for (size_t i = 0; i < set->n; i++) {
		uint32_t word;
		uint64_t mask;

		tw_exit_filter_locate(&set->e[i].p, f->shift, &word, &mask);
		w[word] |= mask;
	}
	return w;
}

/* The prefix lengths of set (TW_PREFIX_LENS_WORDS): with keep_old, added to
 * those listed now (while a change is in progress both are in the prefix maps). */
static void set_prefix_lens(const struct tw_exit_maps *maps, const struct tw_exit_set *set,
			    bool keep_old)
{
	uint64_t w[TW_PREFIX_LENS_WORDS] = { TW_PREFIX_LENS_VALID, 0, 0 };

	if (!maps->prefix_lens)
		return;
	for (size_t i = 0; i < set->n; i++) {
		const struct tw_prefix *p = &set->e[i].p;

		if (tw_prefix_is_exact(p))
			continue;
		if (p->family == AF_INET)
			w[0] |= 1ULL << p->prefixlen;
		else
			w[1 + p->prefixlen / 64] |= 1ULL << (p->prefixlen % 64);
	}
	for (int i = 0; i < TW_PREFIX_LENS_WORDS; i++)
		if (keep_old)
			__atomic_fetch_or(&maps->prefix_lens[i], w[i], __ATOMIC_SEQ_CST);
		else
			__atomic_store_n(&maps->prefix_lens[i], w[i], __ATOMIC_SEQ_CST);
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

/* Prefix counts gate the prefix maps; filter_shift switches the prefilter on
 * (only ever after its bits for the new set are in). */
pthread_mutex_t tw_config_lock;

/* Before main: the loop and the apply thread share it (tw_mutex_init_pi). */
__attribute__((constructor)) static void config_lock_init(void)
{
	tw_mutex_init_pi(&tw_config_lock);
}

static int set_config(const struct tw_exit_maps *maps, __u32 v4, __u32 v6)
{
	struct tw_config cfg;
	__u32 zero = 0;
	int err = 0;

	pthread_mutex_lock(&tw_config_lock);
	if (bpf_map_lookup_elem(maps->config, &zero, &cfg)) {
		err = -errno;
	} else {
		cfg.prefixes_v4 = v4;
		cfg.prefixes_v6 = v6;
		cfg.filter_shift = maps->filter.words ? maps->filter.shift : 0;
		if (bpf_map_update_elem(maps->config, &zero, &cfg, BPF_ANY))
			err = -errno;
	}
	pthread_mutex_unlock(&tw_config_lock);
	return err;
}

/* Inserts and updates of every map; what is already in stays (BPF_ANY). */
static int write_all(struct tw_exit_maps *maps, struct batch *ins, struct batch *upd,
		     struct tw_apply_stats *stats)
{
	int err = 0;

	stats->added = stats->updated = 0;
	for (int k = 0; !err && k < MAP__N; k++) {
		err = write_inserts(maps, (enum map_kind)k, &ins[k], &stats->batched);
		if (!err)
			err = write_updates(maps, (enum map_kind)k, &upd[k]);
		stats->added += ins[k].n;
		stats->updated += upd[k].n;
	}
	return err;
}

static int delete_all(struct tw_exit_maps *maps, struct batch *del,
		      struct tw_apply_stats *stats)
{
	int err = 0;

	for (int k = 0; !err && k < MAP__N; k++) {
		err = write_deletes(maps, (enum map_kind)k, &del[k]);
		stats->removed += del[k].n;
	}
	return err;
}

int tw_exit_set_apply(const struct tw_exit_set *set, struct tw_exit_maps *maps,
		      struct tw_apply_stats *stats)
{
	const struct tw_exit_filter *f = &maps->filter;
	struct batch ins[MAP__N], upd[MAP__N], del[MAP__N];
	uint64_t start = tw_now_mono_ns(), *bits = NULL;
	int err;

	memset(stats, 0, sizeof(*stats));
	tables_begin(maps);
	if (f->words) {
		bits = build_filter(set, f);
		if (!bits)
			return -ENOMEM;
		filter_add_bits(f, bits);
	}
	/* While old and new prefixes coexist the prefix maps must be consulted; after
	 * a failure they stay consulted: slower, never wrong. */
	set_prefix_lens(maps, set, true);
	err = set_config(maps, UINT32_MAX, UINT32_MAX);
	for (int k = 0; k < MAP__N; k++) {
		ins[k] = (struct batch){ .ks = key_size[k], .vs = val_size[k] };
		upd[k] = ins[k];
		del[k] = (struct batch){ .ks = key_size[k] };
	}
	for (int k = 0; !err && k < MAP__N; k++)
		err = plan_kind(set, (enum map_kind)k, maps, &ins[k], &upd[k], &del[k]);
	/* Every addition before any removal: no gap for what both sets hold.
	 * A plan that failed writes nothing: half a diff is not the set. */
	if (!err)
		err = write_all(maps, ins, upd, stats);
	if (err == -E2BIG || err == -ENOSPC) {
		/* No room for old and new at once: removals first, then the rest.
		 * Unchanged keys are still never touched. */
		stats->no_room = 1;
		err = delete_all(maps, del, stats);
		/* The slots just left may be taken now: a packet XDP counts into
		 * one meanwhile may land on its next address. Only here. */
		tables_begin(maps);
		if (!err)
			err = write_all(maps, ins, upd, stats);
	} else if (!err) {
		err = delete_all(maps, del, stats);
	}
	for (int k = 0; k < MAP__N; k++) {
		batch_free(&ins[k]);
		batch_free(&upd[k]);
		batch_free(&del[k]);
	}
	if (!err)
		set_prefix_lens(maps, set, false);
	if (!err)
		err = set_config(maps, set->prefixes_v4, set->prefixes_v6);
	/* Stale bits go only once their entries are gone; on failure the union stays. */
	if (!err && bits)
		filter_keep_only(f, bits);
	free(bits);
	stats->usec = (tw_now_mono_ns() - start) / TW_NS_PER_US;
	return err;
}
