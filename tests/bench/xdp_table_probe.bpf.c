// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Benchmark only, never in the product: the IPv4 exact lookup two ways, each
 * followed by the same per-source counting torwatch does (two atomic adds),
 * so that bench_xdp can say what an open-addressing table would take out of
 * the hit path before anyone rebuilds the exit set around one:
 * - probe_hash: the hash map torwatch uses (key -> 64-byte counters);
 * - probe_table: an array of 64-byte slots, key and counters in one cache
 *   line, probed inline from a multiplicative hash (linear probing);
 * - probe_hash_plain: the hash map with plain increments, which lose counts
 *   when two CPUs count one source at once: what the atomics cost.
 * Both parse only Ethernet + IPv4: the difference is the lookup. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PROBE_MAX 32		/* longest probe sequence userspace may leave */

struct probe_slot {
	__u32 key;		/* IPv4, network order; 0 = empty */
	__u32 sources;
	__u64 packets;
	__u64 bytes;
	__u64 rest[5];		/* the remaining counters of struct tw_src_stats */
};

struct probe_counters {
	__u64 packets;
	__u64 bytes;
	__u64 rest[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);	/* sized by bench_xdp */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct probe_counters);
} probe_hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);	/* a power of two, sized by bench_xdp */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct probe_slot);
} probe_table_map SEC(".maps");

const volatile __u32 table_shift = 32;	/* 32 - log2(slots) */

static __always_inline __u32 *ipv4_saddr(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	return &ip->saddr;
}

static __always_inline int hash_and_count(struct xdp_md *ctx, bool atomic)
{
	__u32 *sa = ipv4_saddr(ctx), key;
	struct probe_counters *c;

	if (!sa)
		return XDP_PASS;
	key = *sa;
	c = bpf_map_lookup_elem(&probe_hash_map, &key);
	if (c && atomic) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, ctx->data_end - ctx->data);
	} else if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return XDP_PASS;
}

SEC("xdp")
int probe_hash(struct xdp_md *ctx)
{
	return hash_and_count(ctx, true);
}

SEC("xdp")
int probe_hash_plain(struct xdp_md *ctx)
{
	return hash_and_count(ctx, false);
}

SEC("xdp")
int probe_table(struct xdp_md *ctx)
{
	__u32 *sa = ipv4_saddr(ctx), key, slot;
	struct probe_slot *s;

	if (!sa)
		return XDP_PASS;
	key = *sa;
	slot = (__u32)(((__u64)key * 0x9e3779b97f4a7c15ULL) >> 32) >> table_shift;
	for (int i = 0; i < PROBE_MAX; i++) {
		__u32 at = (slot + i) & ((1u << (32 - table_shift)) - 1);

		s = bpf_map_lookup_elem(&probe_table_map, &at);
		if (!s || !s->key)
			return XDP_PASS;
		if (s->key == key) {
			__sync_fetch_and_add(&s->packets, 1);
			__sync_fetch_and_add(&s->bytes, ctx->data_end - ctx->data);
			return XDP_PASS;
		}
	}
	return XDP_PASS;
}
