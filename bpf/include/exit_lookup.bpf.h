/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exit set (an open-addressing table per family for the exact entries,
 * LPM tries for prefixes) and its lookup. Exact entries are checked first;
 * the tries only when the daemon says they are non-empty, so the common
 * miss costs one prefilter word. The tables are sized by userspace before
 * load (2 entry slots per --max-exits, plus the header); only userspace
 * inserts, so XDP never allocates. */
#ifndef TW_EXIT_LOOKUP_BPF_H
#define TW_EXIT_LOOKUP_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "torwatch.h"
#include "in6.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_DEFAULT_TABLE_ENTRIES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct tw_exit_slot);
} exit_table_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_DEFAULT_TABLE_ENTRIES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct tw_exit_slot);
} exit_table_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TW_DEFAULT_PREFIX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tw_lpm_v4_key);
	__type(value, struct tw_exit_val);
} exit_prefix_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TW_DEFAULT_PREFIX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tw_lpm_v6_key);
	__type(value, struct tw_exit_val);
} exit_prefix_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_config);
} config SEC(".maps");

/* The allowlist: addresses and prefixes never dropped and never alerted. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TW_DEFAULT_PREFIX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tw_lpm_v4_key);
	__type(value, struct tw_allow_val);
} allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TW_DEFAULT_PREFIX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tw_lpm_v6_key);
	__type(value, struct tw_allow_val);
} allow_v6 SEC(".maps");

/* The miss-path prefilter (see torwatch.h); words of 64 bits, mmapable so
 * that userspace sets and clears bits with atomic stores. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_DEFAULT_FILTER_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} exit_filter SEC(".maps");

/* The prefix lengths listed (TW_PREFIX_LENS_WORDS); written by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_PREFIX_LENS_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} prefix_lens SEC(".maps");

/* False when the prefilter proves that no exact entry holds h. */
static __always_inline bool filter_may_hold(__u64 h, const struct tw_config *cfg)
{
	__u32 word, shift = cfg->filter_shift;
	__u64 mask, *w;

	if (shift < 12 || shift > 63)
		return true;
	word = tw_filter_word(h, shift);
	mask = tw_filter_mask(h, shift);
	w = bpf_map_lookup_elem(&exit_filter, &word);
	return !w || (*w & mask) == mask;
}

static __always_inline __u64 prefix_lens_word(__u32 i)
{
	__u64 *w = bpf_map_lookup_elem(&prefix_lens, &i);

	return w ? *(volatile __u64 *)w : 0;
}

/* False when the prefilter proves that no prefix of the set holds addr:
 * one filter word per listed length instead of an LPM trie walk. */
static __always_inline bool prefix_may_hold(const struct tw_in6 *addr, bool is_v4,
					    const struct tw_config *cfg)
{
	__u64 w0 = prefix_lens_word(0), hi, lo, m;

	if (!(w0 & TW_PREFIX_LENS_VALID) || cfg->filter_shift < 12 || cfg->filter_shift > 63)
		return true;
	hi = bpf_be64_to_cpu(((const __u64 *)addr->addr)[0]);
	lo = bpf_be64_to_cpu(((const __u64 *)addr->addr)[1]);
	if (is_v4) {
		m = w0 & 0xffffffffULL;
		for (__u32 len = 0; len < 32 && m; len++, m >>= 1)
			if ((m & 1) && filter_may_hold(tw_filter_hash_prefix_v4((__u32)lo, len), cfg))
				return true;
		return false;
	}
	for (__u32 half = 0; half < 2; half++) {
		m = prefix_lens_word(1 + half);
		for (__u32 bit = 0; bit < 64 && m; bit++, m >>= 1)
			if ((m & 1) && filter_may_hold(tw_filter_hash_prefix_v6(hi, lo, half * 64 + bit),
						       cfg))
				return true;
	}
	return false;
}

static __always_inline bool same_in6(const struct tw_in6 *a, const struct tw_in6 *b)
{
	const __u64 *x = (const __u64 *)a->addr, *y = (const __u64 *)b->addr;

	return x[0] == y[0] && x[1] == y[1];
}

/* The counters of addr's live slot in table, or NULL: the probe walks from
 * the home slot to the key, an empty slot or TW_TABLE_PROBES slots (no live
 * entry lies further from its home: userspace does not put it there). The
 * table is a parameter so that each family's copy, inlined, looks up one
 * map (which the verifier then inlines too). */
static __always_inline struct tw_src_stats *table_lookup(void *table, const struct tw_in6 *addr,
							 bool is_v4)
{
	__u32 zero = 0, tag, mask;
	struct tw_table_head *head = bpf_map_lookup_elem(table, &zero);
	__u64 h;

	if (!head || head->magic != TW_TABLE_MAGIC)
		return NULL;
	if (is_v4) {
		tag = ((const __u32 *)addr->addr)[3];
		h = tw_table_hash_v4(tag, head->seed);
	} else {
		h = tw_table_hash_v6((const __u64 *)addr->addr, head->seed);
		tag = tw_table_tag_v6(h);
	}
	mask = head->mask;
	for (__u32 i = 0; i < TW_TABLE_PROBES; i++) {
		__u32 at = tw_table_slot(h, i, mask);
		struct tw_exit_slot *s = bpf_map_lookup_elem(table, &at);
		__u32 state;

		if (!s)
			return NULL;
		/* Read first: what userspace wrote before publishing it is in. */
		state = *(volatile __u32 *)&s->state;
		if (state == TW_SLOT_EMPTY)
			return NULL;
		if (state == TW_SLOT_LIVE && s->tag == tag && (is_v4 || same_in6(&s->key, addr)))
			return &s->st;
	}
	return NULL;
}

/* Looks up addr (IPv4 as v4-mapped) in the exit set: an exact entry (with
 * its counters) in *exact, else the longest prefix in *prefix. */
static __always_inline bool exit_set_lookup(const struct tw_in6 *addr, bool is_v4,
					    const struct tw_config *cfg,
					    struct tw_src_stats **exact, struct tw_exit_val **prefix)
{
	*prefix = NULL;
	if (is_v4) {
		__u32 a4 = ((const __u32 *)addr->addr)[3];

		*exact = filter_may_hold(tw_filter_hash_v4(a4), cfg) ?
				 table_lookup(&exit_table_v4, addr, true) : NULL;
		if (*exact)
			return true;
		if (!cfg->prefixes_v4 || !prefix_may_hold(addr, true, cfg))
			return false;
		struct tw_lpm_v4_key k4 = { .prefixlen = 32 };

		__builtin_memcpy(k4.addr, &a4, 4);
		*prefix = bpf_map_lookup_elem(&exit_prefix_v4, &k4);
		return *prefix != NULL;
	}

	*exact = filter_may_hold(tw_filter_hash_v6((const __u64 *)addr->addr), cfg) ?
			 table_lookup(&exit_table_v6, addr, false) : NULL;
	if (*exact)
		return true;
	if (!cfg->prefixes_v6 || !prefix_may_hold(addr, false, cfg))
		return false;
	struct tw_lpm_v6_key k6 = { .prefixlen = 128 };

	__builtin_memcpy(k6.addr, addr->addr, 16);
	*prefix = bpf_map_lookup_elem(&exit_prefix_v6, &k6);
	return *prefix != NULL;
}

/* Is addr allowlisted? Only asked for exit-set hits, and only when the
 * allowlist has entries. */
static __always_inline bool allowlisted(const struct tw_in6 *addr, bool is_v4,
					const struct tw_config *cfg)
{
	if (!cfg->allow_entries)
		return false;
	if (is_v4) {
		struct tw_lpm_v4_key k4 = { .prefixlen = 32 };

		__builtin_memcpy(k4.addr, &addr->addr[12], 4);
		return bpf_map_lookup_elem(&allow_v4, &k4) != NULL;
	}
	struct tw_lpm_v6_key k6 = { .prefixlen = 128 };

	__builtin_memcpy(k6.addr, addr->addr, 16);
	return bpf_map_lookup_elem(&allow_v6, &k6) != NULL;
}

#endif
