/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The floor of any source filter in the macro benchmark: parse Ethernet and
 * IPv4, read the source address, return FLOOR_VERDICT. The empty programs
 * never read the frame; every filter must at least do this much: to drop
 * (the floor of the drop cases) and to let a packet through after looking
 * at it (the floor of the detecting cases' misses). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_parse_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	/* Read, and decided on: the compiler cannot leave the load out. */
	if (*(volatile __u32 *)&ip->saddr == 0)
		return XDP_PASS;
	return FLOOR_VERDICT;
}
