/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Bounds-checked packet parsing for XDP: Ethernet, up to two VLAN tags,
 * IPv4 (options, fragments), IPv6 (extension headers), TCP/UDP ports. */
#ifndef PARSE_PACKET_BPF_H
#define PARSE_PACKET_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "torwatch.h"
#include "in6.bpf.h"

#define TW_MAX_VLAN_TAGS 2
#define TW_MAX_IPV6_EXT_HDRS 6

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define IPV4_FRAG_OFFSET_MASK 0x1fff
#define IPV4_MORE_FRAGMENTS 0x2000
#define IPV6_FRAG_OFFSET_MASK 0xfff8

enum parse_result {
	PARSE_OK = 0,
	PARSE_NOT_IP,		/* readable frame, but not IPv4/IPv6 */
	PARSE_BAD_L2,		/* Ethernet/VLAN header cut short */
	PARSE_BAD_L3,		/* IP header cut short or malformed */
	PARSE_BAD_L4,		/* IP readable, transport header cut short */
};

struct packet_info {
	struct tw_in6 saddr;
	struct tw_in6 daddr;
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 proto;
	__u8 has_ports;		/* a TCP/UDP header was read */
	__u8 frag;		/* a fragment, first or later: its ports may lie elsewhere */
	__u16 l4_off;		/* the transport header's offset in the frame; 0 when none */
};

struct vlan_hdr_tw {
	__be16 tci;
	__be16 encap_proto;
};

/* IPv6 extension header in its generic form (hop-by-hop, routing, dest opts). */
struct ipv6_opt_hdr_tw {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag_hdr_tw {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

static __always_inline int parse_ports(void *data, void *l4, void *data_end,
				       struct packet_info *pi)
{
	pi->l4_off = (__u16)(l4 - data);
	if (pi->proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return PARSE_BAD_L4;
		pi->sport = bpf_ntohs(th->source);
		pi->dport = bpf_ntohs(th->dest);
		pi->has_ports = 1;
	} else if (pi->proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return PARSE_BAD_L4;
		pi->sport = bpf_ntohs(uh->source);
		pi->dport = bpf_ntohs(uh->dest);
		pi->has_ports = 1;
	}
	return PARSE_OK;
}

static __always_inline int parse_ipv4(void *data, void *l3, void *data_end,
				      struct packet_info *pi)
{
	struct iphdr *iph = l3;
	__u32 ihl_len;

	if ((void *)(iph + 1) > data_end)
		return PARSE_BAD_L3;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_BAD_L3;
	ihl_len = iph->ihl * 4;
	if (l3 + ihl_len > data_end)
		return PARSE_BAD_L3;

	pi->family = 2; /* AF_INET */
	pi->proto = iph->protocol;
	set_v4_mapped(&pi->saddr, iph->saddr);
	set_v4_mapped(&pi->daddr, iph->daddr);

	/* Only the first fragment carries the transport header. */
	if (iph->frag_off & bpf_htons(IPV4_FRAG_OFFSET_MASK | IPV4_MORE_FRAGMENTS))
		pi->frag = 1;
	if (iph->frag_off & bpf_htons(IPV4_FRAG_OFFSET_MASK))
		return PARSE_OK;
	return parse_ports(data, l3 + ihl_len, data_end, pi);
}

static __always_inline int parse_ipv6(void *data, void *l3, void *data_end,
				      struct packet_info *pi)
{
	struct ipv6hdr *ip6h = l3;
	void *cur = ip6h + 1;
	__u8 nexthdr;
	int i;

	if (cur > data_end)
		return PARSE_BAD_L3;
	if (ip6h->version != 6)
		return PARSE_BAD_L3;

	pi->family = 10; /* AF_INET6 */
	__builtin_memcpy(pi->saddr.addr, &ip6h->saddr, 16);
	__builtin_memcpy(pi->daddr.addr, &ip6h->daddr, 16);
	nexthdr = ip6h->nexthdr;

	for (i = 0; i < TW_MAX_IPV6_EXT_HDRS; i++) {
		if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
		    nexthdr == IPPROTO_DSTOPTS) {
			struct ipv6_opt_hdr_tw *oh = cur;

			if ((void *)(oh + 1) > data_end)
				return PARSE_BAD_L3;
			nexthdr = oh->nexthdr;
			cur += (oh->hdrlen + 1) * 8;
		} else if (nexthdr == IPPROTO_AH) {
			struct ipv6_opt_hdr_tw *oh = cur;

			if ((void *)(oh + 1) > data_end)
				return PARSE_BAD_L3;
			nexthdr = oh->nexthdr;
			cur += (oh->hdrlen + 2) * 4;
		} else if (nexthdr == IPPROTO_FRAGMENT) {
			struct ipv6_frag_hdr_tw *fh = cur;

			if ((void *)(fh + 1) > data_end)
				return PARSE_BAD_L3;
			pi->proto = fh->nexthdr;
			pi->frag = 1;
			/* Later fragments have no transport header. */
			if (fh->frag_off & bpf_htons(IPV6_FRAG_OFFSET_MASK))
				return PARSE_OK;
			nexthdr = fh->nexthdr;
			cur = fh + 1;
		} else {
			break;
		}
	}
	pi->proto = nexthdr;
	if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	    nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT || nexthdr == IPPROTO_AH)
		return PARSE_BAD_L3; /* more extension headers than we walk */
	if (cur > data_end)
		return PARSE_BAD_L3;
	return parse_ports(data, cur, data_end, pi);
}

/* Fills pi from the frame; pi->family is 0 unless an IP header was read. */
static __always_inline int parse_packet(void *data, void *data_end, struct packet_info *pi)
{
	struct ethhdr *eth = data;
	void *cur = eth + 1;
	__u16 proto;
	int i;

	if (cur > data_end)
		return PARSE_BAD_L2;
	proto = eth->h_proto;

	for (i = 0; i < TW_MAX_VLAN_TAGS; i++) {
		struct vlan_hdr_tw *vh = cur;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > data_end)
			return PARSE_BAD_L2;
		proto = vh->encap_proto;
		cur = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(data, cur, data_end, pi);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(data, cur, data_end, pi);
	return PARSE_NOT_IP;
}

#endif
