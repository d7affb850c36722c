// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Writing an exit set into the kernel maps without a gap: what to insert,
 * update and delete per map, in batches where the kernel takes them, source
 * masks in place, the prefilter and the prefix lengths, the config map's
 * counts. */
#include "exitset/exit_set.h"
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "common/realtime.h"

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

/* Hash maps: many entries a syscall. -EINVAL/-ENOTSUPP when the kernel
 * cannot, and the caller walks key by key instead. */
static int read_batched(enum map_kind k, int fd, struct tw_exit_set *cur)
{
	enum { CHUNK = 4096 };
	size_t ks = key_size[k], vs = val_size[k];
	char *keys = malloc(CHUNK * ks), *vals = malloc(CHUNK * vs);
	__u64 in_batch = 0, out_batch = 0;
	bool first = true;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 count = CHUNK;
		int ret = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch, keys, vals,
					       &count, NULL);
		int e = ret ? errno : 0;

		for (__u32 i = 0; i < count && !err; i++)
			err = cur_add(cur, k, keys + i * ks, vals + i * vs);
		if (err || e == ENOENT)
			break; /* ENOENT: that was the last batch */
		if (ret) {
			err = -e;
			break;
		}
		in_batch = out_batch;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* What the map holds now, sorted like the set. */
static int read_current(enum map_kind k, int fd, struct tw_exit_set *cur)
{
	char key[sizeof(struct tw_lpm_v6_key)], next[sizeof(struct tw_lpm_v6_key)];
	char val[sizeof(struct tw_src_stats)];
	void *prev = NULL;
	int err;

	memset(cur, 0, sizeof(*cur));
	if (is_exact(k)) {
		err = read_batched(k, fd, cur);
		if (!err)
			goto done;
		if (err != -EINVAL && err != -ENOTSUP && err != -EOPNOTSUPP)
			return err;
		cur->n = 0; /* start again, key by key */
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
static int plan_kind(const struct tw_exit_set *set, enum map_kind k, int fd, struct batch *ins,
		     struct batch *upd, struct batch *del)
{
	char key[sizeof(struct tw_lpm_v6_key)], val[sizeof(struct tw_src_stats)];
	struct tw_exit_set cur;
	size_t i = 0, j = 0;
	int err = read_current(k, fd, &cur);

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

static int write_inserts(enum map_kind k, int fd, const struct batch *b, int *batched)
{
	__u32 count = (__u32)b->n;

	if (!b->n)
		return 0;
	/* A batch where the kernel takes one; per element where it does not
	 * (some kernels refuse LPM trie batches with ENOMEM) or a batch stopped
	 * half-way (BPF_ANY makes writing the first part again harmless). */
	if (!bpf_map_update_batch(fd, b->keys, b->vals, &count, NULL)) {
		*batched |= is_exact(k) ? 1 : 2;
		return 0;
	}
	for (size_t i = 0; i < b->n; i++)
		if (bpf_map_update_elem(fd, b->keys + i * b->ks, b->vals + i * b->vs, BPF_ANY))
			return -errno;
	return 0;
}

/* New masks for exact entries, set in place by the set_sources program in
 * chunks; the counters beside them are never rewritten. Returns how many of
 * b it set, or -errno. */
static long set_masks_in_place(const struct tw_exit_maps *maps, enum map_kind k,
			       const struct batch *b)
{
	/* Static: 24 KiB off the stack; applies run on one thread. */
	static struct tw_set_sources_entry chunk[TW_SET_SOURCES_MAX];
	static __u32 idx[TW_SET_SOURCES_MAX];
	struct tw_set_sources_ctx ctx = { .v6 = k == MAP_EXACT_V6 };
	/* The kernel writes ctx back into ctx_in (ctx_out is refused here). */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	long set = 0;

	for (size_t i = 0; i < TW_SET_SOURCES_MAX; i++)
		idx[i] = (__u32)i;
	for (size_t i = 0; i < b->n; i += TW_SET_SOURCES_MAX) {
		__u32 n = (__u32)(b->n - i < TW_SET_SOURCES_MAX ? b->n - i : TW_SET_SOURCES_MAX);

		memset(chunk, 0, n * sizeof(*chunk));
		for (__u32 j = 0; j < n; j++) {
			memcpy(&chunk[j].key, b->keys + (i + j) * b->ks, b->ks);
			chunk[j].sources = sources_of(k, b->vals + (i + j) * b->vs);
		}
		__u32 count = n;

		ctx.n = n;
		if (bpf_map_update_batch(maps->mask_updates, idx, chunk, &count, NULL) ||
		    bpf_prog_test_run_opts(maps->set_sources_prog, &opts))
			return -errno;
		set += ctx.done;
	}
	return set;
}

/* A changed source mask: exact entries keep their counters. In place when
 * the kernel runs the set_sources program; else read, modify, write (the
 * packets counted between the two calls are lost). An entry that is gone
 * is written afresh. */
static int write_updates(const struct tw_exit_maps *maps, enum map_kind k, int fd,
			 const struct batch *b)
{
	char val[sizeof(struct tw_src_stats)];

	if (!b->n)
		return 0;
	if (is_exact(k) && maps->set_sources_prog >= 0 &&
	    set_masks_in_place(maps, k, b) == (long)b->n)
		return 0;
	for (size_t i = 0; i < b->n; i++) {
		const void *key = b->keys + i * b->ks, *fresh = b->vals + i * b->vs;

		if (is_exact(k) && !bpf_map_lookup_elem(fd, key, val)) {
			if (maps->set_sources_prog >= 0 &&
			    ((struct tw_src_stats *)val)->sources == sources_of(k, fresh))
				continue; /* set in place above */
			((struct tw_src_stats *)val)->sources = sources_of(k, fresh);
			fresh = val;
		}
		if (bpf_map_update_elem(fd, key, fresh, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int write_deletes(int fd, const struct batch *b)
{
	__u32 count = (__u32)b->n;

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
 * those listed now (while a change is in progress both are in the tries). */
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

/* Prefix counts gate the tries; filter_shift switches the prefilter on
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
static int write_all(const struct tw_exit_maps *maps, const int *fds, struct batch *ins,
		     struct batch *upd, struct tw_apply_stats *stats)
{
	int err = 0;

	stats->added = stats->updated = 0;
	for (int k = 0; !err && k < MAP__N; k++) {
		err = write_inserts((enum map_kind)k, fds[k], &ins[k], &stats->batched);
		if (!err)
			err = write_updates(maps, (enum map_kind)k, fds[k], &upd[k]);
		stats->added += ins[k].n;
		stats->updated += upd[k].n;
	}
	return err;
}

static int delete_all(const int *fds, struct batch *del, struct tw_apply_stats *stats)
{
	int err = 0;

	for (int k = 0; !err && k < MAP__N; k++) {
		err = write_deletes(fds[k], &del[k]);
		stats->removed += del[k].n;
	}
	return err;
}

int tw_exit_set_apply(const struct tw_exit_set *set, const struct tw_exit_maps *maps,
		      struct tw_apply_stats *stats)
{
	const int fds[MAP__N] = { maps->exact_v4, maps->exact_v6, maps->prefix_v4, maps->prefix_v6 };
	const struct tw_exit_filter *f = &maps->filter;
	struct batch ins[MAP__N], upd[MAP__N], del[MAP__N];
	uint64_t start = tw_now_mono_ns(), *bits = NULL;
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
	set_prefix_lens(maps, set, true);
	err = set_config(maps, UINT32_MAX, UINT32_MAX);
	for (int k = 0; k < MAP__N; k++) {
		ins[k] = (struct batch){ .ks = key_size[k], .vs = val_size[k] };
		upd[k] = ins[k];
		del[k] = (struct batch){ .ks = key_size[k] };
	}
	for (int k = 0; !err && k < MAP__N; k++)
		err = plan_kind(set, (enum map_kind)k, fds[k], &ins[k], &upd[k], &del[k]);
	/* Every addition before any removal: no gap for what both sets hold.
	 * A plan that failed writes nothing: half a diff is not the set. */
	if (!err)
		err = write_all(maps, fds, ins, upd, stats);
	if (err == -E2BIG || err == -ENOSPC) {
		/* No room for old and new at once: removals first, then the rest.
		 * Unchanged keys are still never touched. */
		stats->no_room = 1;
		err = delete_all(fds, del, stats);
		if (!err)
			err = write_all(maps, fds, ins, upd, stats);
	} else if (!err) {
		err = delete_all(fds, del, stats);
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
