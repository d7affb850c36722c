// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Benchmark driver: before each run, write the next source address from a
 * table into the frame, then tail-call the program under test. With
 * BPF_PROG_TEST_RUN repeat = N this gives a distinct source per packet
 * without a syscall between packets (steady-state caches, like a NIC loop). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "torwatch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BENCH_ADDRS 16384	/* power of two */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_ADDRS);
	__type(key, __u32);
	__type(value, struct tw_in6);
} bench_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

__u32 cursor;

SEC("xdp")
int xdp_driver(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 i = cursor++ & (BENCH_ADDRS - 1);
	struct tw_in6 *a = bpf_map_lookup_elem(&bench_addrs, &i);

	if (!a || (void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return XDP_ABORTED;
		__builtin_memcpy(&ip->saddr, &a->addr[12], 4);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_ABORTED;
		__builtin_memcpy(&ip6->saddr, a->addr, 16);
	}
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}
