/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exit set (an open-addressing table per family for the exact entries,
 * hash maps keyed by length and masked address for prefixes) and its
 * lookup. Exact entries are checked first; the prefixes only when the
 * daemon says there are some, so the common miss costs one prefilter word.
 * The tables are sized by userspace before load (2 entry slots per
 * --max-exits, plus the header); only userspace inserts, so XDP never
 * allocates. */
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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TW_DEFAULT_PREFIX_ENTRIES);
	__type(key, struct tw_lpm_v4_key);
	__type(value, struct tw_exit_val);
} exit_prefix_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TW_DEFAULT_PREFIX_ENTRIES);
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
static __always_inline bool filter_may_hold(__u64 h, __u32 shift)
{
	__u32 word;
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

/* log2 of a power of two by de Bruijn multiplication: bit i of the
 * product's top 6 bits names i. */
static const __u8 debruijn_log2[64] = {
	0, 1, 2, 53, 3, 7, 54, 27, 4, 38, 41, 8, 34, 55, 48, 28,
	62, 5, 39, 46, 44, 42, 22, 9, 24, 35, 59, 56, 49, 18, 29, 11,
	63, 52, 6, 26, 37, 40, 33, 47, 61, 45, 43, 21, 23, 58, 17, 10,
	51, 25, 36, 32, 60, 20, 57, 16, 50, 31, 19, 15, 30, 14, 13, 12,
};

/* The highest set bit of w (not 0), without a branch: a branch per step
 * would give the verifier a state per outcome in every iteration of the
 * caller's loop. */
static __always_inline __u32 top_bit(__u64 w)
{
	w |= w >> 1;
	w |= w >> 2;
	w |= w >> 4;
	w |= w >> 8;
	w |= w >> 16;
	w |= w >> 32;
	return debruijn_log2[((w ^ (w >> 1)) * 0x022fdd63cc95386dULL) >> 58];
}

#define TW_PREFIX_FOUND (1ULL << 63)

/* Is the address (host order; IPv4 in lo's low 32 bits), masked to len,
 * a prefix of the set? 0 when not, else TW_PREFIX_FOUND | prefixlen << 32 |
 * sources. A global function, so that the verifier walks it once and not
 * once per length and caller state. */
__noinline __u64 tw_prefix_probe(__u64 hi, __u64 lo, __u32 len, __u32 is_v4, __u32 shift)
{
	struct tw_exit_val *v;
	__u64 net[2];

	if (is_v4) {
		struct tw_lpm_v4_key k = { .prefixlen = len };
		__u32 host = (__u32)lo, m;

		if (len > 31 || !filter_may_hold(tw_filter_hash_prefix_v4(host, len), shift))
			return 0;
		m = bpf_htonl(len ? host & (0xffffffffu << (32 - len)) : 0);
		__builtin_memcpy(k.addr, &m, 4);
		v = bpf_map_lookup_elem(&exit_prefix_v4, &k);
	} else {
		struct tw_lpm_v6_key k = { .prefixlen = len };

		if (len > 127 || !filter_may_hold(tw_filter_hash_prefix_v6(hi, lo, len), shift))
			return 0;
		tw_mask_v6(hi, lo, len, net);
		net[0] = bpf_cpu_to_be64(net[0]);
		net[1] = bpf_cpu_to_be64(net[1]);
		__builtin_memcpy(k.addr, net, 16);
		v = bpf_map_lookup_elem(&exit_prefix_v6, &k);
	}
	return v ? TW_PREFIX_FOUND | (__u64)v->prefixlen << 32 | v->sources : 0;
}

/* The longest prefix of the set holding the address (host-order halves),
 * in tw_prefix_probe's answer: one hash lookup per listed length that the
 * prefilter lets through, longest first. Without the lengths (no daemon
 * wrote them yet) every length is asked. Out of line too, so that the
 * callers' exact-entry path keeps its registers (inlined, the loop made
 * the 1M exact hit 8 ns slower). */
__noinline __u64 tw_prefix_lookup(__u64 hi, __u64 lo, __u32 is_v4, __u32 shift)
{
	__u64 w0 = prefix_lens_word(0), lens[2] = {};
	bool all = !(w0 & TW_PREFIX_LENS_VALID);

	if (is_v4) {
		lens[0] = all ? 0xffffffffULL : w0 & 0xffffffffULL;
	} else {
		lens[0] = all ? ~0ULL : prefix_lens_word(1);
		lens[1] = all ? ~0ULL : prefix_lens_word(2);
	}
	for (__u32 i = 0; i < 128; i++) {
		__u32 len;
		__u64 r;

		if (lens[1]) {
			len = 64 + top_bit(lens[1]);
			lens[1] &= ~(1ULL << (len - 64));
		} else if (lens[0]) {
			len = top_bit(lens[0]);
			lens[0] &= ~(1ULL << len);
		} else {
			return 0;
		}
		r = tw_prefix_probe(hi, lo, len, is_v4, shift);
		if (r)
			return r;
	}
	return 0;
}

/* tw_prefix_lookup for addr, its answer into *out. */
static __always_inline bool prefix_lookup(const struct tw_in6 *addr, bool is_v4,
					  const struct tw_config *cfg, struct tw_exit_val *out)
{
	__u64 r = tw_prefix_lookup(bpf_be64_to_cpu(((const __u64 *)addr->addr)[0]),
				   bpf_be64_to_cpu(((const __u64 *)addr->addr)[1]), is_v4,
				   cfg->filter_shift);

	out->sources = (__u32)r;
	out->prefixlen = (__u32)(r >> 32) & 0xff;
	return r != 0;
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
 * its counters) in *exact, else (*exact NULL) the longest prefix's value
 * copied into *prefix. */
static __always_inline bool exit_set_lookup(const struct tw_in6 *addr, bool is_v4,
					    const struct tw_config *cfg,
					    struct tw_src_stats **exact, struct tw_exit_val *prefix)
{
	if (is_v4) {
		__u32 a4 = ((const __u32 *)addr->addr)[3];

		*exact = filter_may_hold(tw_filter_hash_v4(a4), cfg->filter_shift) ?
				 table_lookup(&exit_table_v4, addr, true) : NULL;
		if (*exact)
			return true;
		return cfg->prefixes_v4 && prefix_lookup(addr, true, cfg, prefix);
	}

	*exact = filter_may_hold(tw_filter_hash_v6((const __u64 *)addr->addr), cfg->filter_shift) ?
			 table_lookup(&exit_table_v6, addr, false) : NULL;
	if (*exact)
		return true;
	return cfg->prefixes_v6 && prefix_lookup(addr, false, cfg, prefix);
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
