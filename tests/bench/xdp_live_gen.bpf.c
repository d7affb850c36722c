// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Traffic generator for the macro benchmark, run with BPF_PROG_TEST_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES): each run writes the next
 * source address from gen_addrs into the IPv4 frame, recomputes the header
 * checksum (the inet input hook checks it) and redirects the frame out of
 * out_ifindex, a veth whose peer runs the filter under test. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define GEN_ADDRS 65536		/* power of two */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GEN_ADDRS);
	__type(key, __u32);
	__type(value, __u32);	/* IPv4 source, network order */
} gen_addrs SEC(".maps");

const volatile __u32 out_ifindex;
const volatile __u32 n_addrs = 1;	/* how many of gen_addrs to cycle over */
/* Paced (frame_ns set: the pace's time a frame): a burst of PACED_BURST
 * frames every PACED_BURST * frame_ns, the runs between bursts dropped
 * here. A burst is half the veth's ring (256), so a receiver that keeps up
 * never finds it full, and long enough that the receiver's wake-up per
 * burst weighs little on a frame. */
#define PACED_BURST 128
const volatile __u64 frame_ns;
__u32 cursor;
__u64 next_burst_ns;
__u32 burst_left;

static __always_inline __u16 ip_checksum(struct iphdr *ip)
{
	__u16 *w = (__u16 *)ip;
	__u32 sum = 0;

	ip->check = 0;
#pragma unroll
	for (int i = 0; i < (int)sizeof(*ip) / 2; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int xdp_live_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 i = cursor++;
	__u32 *a;

	if ((void *)(ip + 1) > data_end)
		return XDP_ABORTED;
	if (frame_ns && !burst_left) {
		__u64 now = bpf_ktime_get_ns(), next = next_burst_ns + PACED_BURST * frame_ns;

		if (now < next_burst_ns)
			return XDP_DROP;
		/* Behind schedule (between test runs, nothing goes out): one
		 * burst now, and the schedule restarts from here. */
		next_burst_ns = next > now ? next : now + PACED_BURST * frame_ns;
		burst_left = PACED_BURST;
	}
	if (frame_ns)
		burst_left--;
	i = n_addrs ? i % n_addrs : 0;
	a = bpf_map_lookup_elem(&gen_addrs, &i);
	if (!a)
		return XDP_ABORTED;
	ip->saddr = *a;
	ip->check = ip_checksum(ip);
	return bpf_redirect(out_ifindex, 0);
}
