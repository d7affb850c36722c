/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The floor of any per-source filter under a source storm, for the macro
 * benchmark: parse Ethernet and IPv4, hash the source as torwatch's exit
 * table does, read one word of the slot it lands on, drop. The table has
 * as many slots as torwatch's at --max-exits 1100000 (4M), in memory of the
 * same kind (an mmapable array: vmalloc'd 4 KiB pages). Its builds differ
 * in the slot's size: the 128 bytes torwatch reads (key and counters
 * together), or the 8 a table of keys alone would (an IPv4 address and the
 * index of its counters); and, with FLOOR_COUNTERS, in what a hit does
 * next: the key's word picks a 64-byte line in a dense array of 1M counters
 * (one per listed entry) and adds one to it atomically, what a table of
 * keys apart from its counters costs a hit. Whatever else a filter does per
 * packet comes on top of this. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "torwatch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define FLOOR_SLOTS (1u << 22)

struct floor_slot {
	__u64 word[FLOOR_SLOT_BYTES / 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOOR_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct floor_slot);
} floor_table SEC(".maps");

#ifdef FLOOR_COUNTERS
#define FLOOR_COUNTER_LINES (1u << 20)

struct floor_counters {
	__u64 word[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOOR_COUNTER_LINES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct floor_counters);
} floor_counters SEC(".maps");
#endif

SEC("xdp")
int xdp_storm_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct floor_slot *s;
	__u64 word;
	__u32 at;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	at = (__u32)tw_table_hash_v4(ip->saddr, 0) & (FLOOR_SLOTS - 1);
	s = bpf_map_lookup_elem(&floor_table, &at);
	if (!s)
		return XDP_PASS;
	/* Read, and decided on: the compiler cannot leave the load out. */
	word = *(volatile __u64 *)&s->word[0];
	if (word == 1)
		return XDP_PASS;
#ifdef FLOOR_COUNTERS
	/* The counters' index comes from the slot, as a real table's would:
	 * the second read waits for the first. */
	__u32 line = (__u32)(word + at) & (FLOOR_COUNTER_LINES - 1);
	struct floor_counters *c = bpf_map_lookup_elem(&floor_counters, &line);

	if (c)
		__sync_fetch_and_add(&c->word[0], 1);
#endif
	return XDP_DROP;
}
