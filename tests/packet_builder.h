/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Crafts Ethernet frames for BPF_PROG_TEST_RUN: VLAN tags, IPv4 (options,
 * fragments), IPv6 (extension headers), TCP/UDP/ICMP. */
#ifndef TW_PACKET_BUILDER_H
#define TW_PACKET_BUILDER_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 512

struct pkt {
	/* As a driver's NET_IP_ALIGN: the IP header after 14 (or 18, 22) bytes
	 * of Ethernet lands on a 4-byte boundary, where struct iphdr may be
	 * written (UBSan checks it). */
	uint8_t ip_align[2];
	uint8_t data[PKT_MAX];
	size_t len;
	/* Offsets where each header starts: truncation points for tests. */
	size_t l3_off, l4_off;
};

struct pkt_spec {
	uint16_t vlan_tags[2];	/* TPIDs: ETH_P_8021Q / ETH_P_8021AD; 0 = none */
	int family;		/* AF_INET, AF_INET6, or 0 for a non-IP (ARP) frame */
	const char *src, *dst;
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	uint16_t sport, dport;
	uint8_t ipv4_option_words;	/* extra 32-bit words of IPv4 options */
	uint16_t ipv4_frag_off;	/* in 8-byte units; non-zero means a later fragment */
	int ipv4_more_frags;
	uint8_t ipv6_ext[4];	/* extension header types, in order; 0 ends */
	uint16_t ipv6_frag_off;	/* for an IPPROTO_FRAGMENT extension header */
	size_t payload;
};

static inline void *pkt_put(struct pkt *p, size_t n)
{
	void *at = p->data + p->len;

	memset(at, 0, n);
	p->len += n;
	return at;
}

static inline void pkt_put16(struct pkt *p, uint16_t v)
{
	uint16_t be = htons(v);

	memcpy(pkt_put(p, 2), &be, 2);
}

static inline void pkt_build_l4(struct pkt *p, const struct pkt_spec *s)
{
	p->l4_off = p->len;
	if (s->proto == IPPROTO_TCP) {
		struct tcphdr *th = pkt_put(p, sizeof(*th));

		th->source = htons(s->sport);
		th->dest = htons(s->dport);
		th->doff = 5;
		th->syn = 1;
	} else if (s->proto == IPPROTO_UDP) {
		struct udphdr *uh = pkt_put(p, sizeof(*uh));

		uh->source = htons(s->sport);
		uh->dest = htons(s->dport);
		uh->len = htons((uint16_t)(sizeof(*uh) + s->payload));
	} else {
		uint8_t *icmp = pkt_put(p, 8);

		icmp[0] = s->proto == IPPROTO_ICMPV6 ? 128 : 8; /* echo request */
	}
	pkt_put(p, s->payload);
}

static inline void pkt_build(struct pkt *p, const struct pkt_spec *s)
{
	struct ethhdr *eth;

	memset(p, 0, sizeof(*p));
	eth = pkt_put(p, sizeof(*eth) - 2);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x02", 6);
	for (int i = 0; i < 2 && s->vlan_tags[i]; i++) {
		pkt_put16(p, s->vlan_tags[i]);
		pkt_put16(p, (uint16_t)(100 + i)); /* TCI: VLAN id */
	}
	if (!s->family) {
		pkt_put16(p, ETH_P_ARP);
		pkt_put(p, 28);
		p->l3_off = p->len;
		return;
	}
	pkt_put16(p, s->family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
	p->l3_off = p->len;
	if (s->family == AF_INET) {
		struct iphdr *ip = pkt_put(p, sizeof(*ip) + s->ipv4_option_words * 4u);
		uint16_t frag = s->ipv4_frag_off | (s->ipv4_more_frags ? 0x2000 : 0);

		ip->version = 4;
		ip->ihl = (uint8_t)(5 + s->ipv4_option_words);
		ip->ttl = 64;
		ip->protocol = s->proto;
		ip->frag_off = htons(frag);
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, s->dst, &ip->daddr);
		if (s->ipv4_option_words)
			memset(ip + 1, 1, s->ipv4_option_words * 4u); /* NOP options */
		if (s->ipv4_frag_off) {
			p->l4_off = p->len;
			pkt_put(p, 8 + s->payload); /* a later fragment: payload only */
		} else {
			pkt_build_l4(p, s);
		}
		ip->tot_len = htons((uint16_t)(p->len - p->l3_off));
		return;
	}
	struct ipv6hdr *ip6 = pkt_put(p, sizeof(*ip6));
	uint8_t *prev_next = &ip6->nexthdr;

	ip6->version = 6;
	ip6->hop_limit = 64;
	inet_pton(AF_INET6, s->src, &ip6->saddr);
	inet_pton(AF_INET6, s->dst, &ip6->daddr);
	for (int i = 0; i < 4 && s->ipv6_ext[i]; i++) {
		uint8_t *h = pkt_put(p, 8);

		*prev_next = s->ipv6_ext[i];
		prev_next = &h[0];
		if (s->ipv6_ext[i] == IPPROTO_FRAGMENT) {
			uint16_t off = htons((uint16_t)(s->ipv6_frag_off << 3));

			memcpy(&h[2], &off, 2);
		} else if (s->ipv6_ext[i] == IPPROTO_AH) {
			h[1] = 0; /* (0 + 2) * 4 = 8 bytes */
		} else {
			h[1] = 0; /* (0 + 1) * 8 = 8 bytes */
		}
	}
	*prev_next = s->proto;
	if (s->ipv6_frag_off) {
		p->l4_off = p->len;
		pkt_put(p, 8 + s->payload);
	} else {
		pkt_build_l4(p, s);
	}
	ip6->payload_len = htons((uint16_t)(p->len - p->l3_off - sizeof(*ip6)));
}

#endif
