/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tunnels from exit nodes, in XDP: per exit source and window, ICMP packets
 * with a large payload (ICMP tunnels such as ptunnel carry about a
 * kilobyte each; an ordinary ping 56 bytes) and DNS queries with long
 * names (DNS tunnels such as iodine pack data into the query name; an
 * ordinary name is short). Only ICMP and UDP to port 53 from exit sources
 * come here, so the rest of the path pays one comparison. The limits are
 * the tunnel_config map's (struct tw_tunnel_config). */
#ifndef TW_TUNNEL_BPF_H
#define TW_TUNNEL_BPF_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "parse_packet.bpf.h"
#include "torwatch.h"

#define TW_TUNNEL_SOURCES 16384

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_tunnel_config);
} tunnel_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TW_TUNNEL_SOURCES);
	__type(key, struct tw_in6);
	__type(value, struct tw_tunnel_state);
} tunnel_state SEC(".maps");

#define TW_DNS_HDR_LEN 12
#define TW_UDP_HDR_LEN 8
#define TW_ICMP_HDR_LEN 8
#define TW_DNS_MAX_LABELS 128	/* a name of 255 octets has at most 127 labels */

/* The length, as text, of the first query name of the DNS message at off
 * ("a.example" is 9): the labels walked one by one, each read checked
 * against the frame's end. 0 when there is none. */
static __always_inline __u32 dns_qname_len(void *data, void *data_end, __u32 off)
{
	__u32 total = 0;

	for (int i = 0; i < TW_DNS_MAX_LABELS; i++) {
		__u8 *p = data + (off & 0x3fff);
		__u8 label;

		if ((void *)(p + 1) > data_end)
			break;
		label = *p;
		/* The end of the name, or a compression pointer (not in a query). */
		if (!label || (label & 0xc0))
			break;
		total += label + 1;
		off += label + 1;
		if (total > 255)
			break;
	}
	return total ? total - 1 : 0;
}

/* The window of this source: a new one (counts at zero) when it is over. */
static __always_inline struct tw_tunnel_state *tunnel_window(const struct tw_in6 *src, __u64 now,
							     __u64 window)
{
	struct tw_tunnel_state *st = bpf_map_lookup_elem(&tunnel_state, src);

	if (!st) {
		struct tw_tunnel_state init = { .window_start_ns = now };

		bpf_map_update_elem(&tunnel_state, src, &init, BPF_NOEXIST);
		return bpf_map_lookup_elem(&tunnel_state, src);
	}
	if (now - st->window_start_ns >= window) {
		__builtin_memset(st, 0, sizeof(*st));
		st->window_start_ns = now;
	}
	return st;
}

/* The event kind to raise for this packet, 0 for none. */
static __always_inline __u32 tunnel_check(void *data, void *data_end,
					  const struct packet_info *pi, __u64 len, __u64 now)
{
	bool icmp = pi->proto == IPPROTO_ICMP || pi->proto == IPPROTO_ICMPV6;
	bool dns = pi->proto == IPPROTO_UDP && pi->dport == 53;
	struct tw_tunnel_config *cfg;
	struct tw_tunnel_state *st;
	__u32 zero = 0;

	if ((!icmp && !dns) || !pi->l4_off)
		return 0;
	cfg = bpf_map_lookup_elem(&tunnel_config, &zero);
	if (!cfg || !cfg->window_ns)
		return 0;
	st = tunnel_window(&pi->saddr, now, cfg->window_ns);
	if (!st)
		return 0;
	if (icmp) {
		__u64 head = (__u64)pi->l4_off + TW_ICMP_HDR_LEN;
		__u32 payload = len > head ? (__u32)(len - head) : 0;

		st->icmp_packets++;
		st->icmp_bytes += len;
		if (payload > st->icmp_max_payload)
			st->icmp_max_payload = payload > 0xffff ? 0xffff : (__u16)payload;
		if (payload > cfg->icmp_payload)
			st->icmp_large++;
		if (st->icmp_large >= cfg->icmp_large && !st->icmp_alerted) {
			st->icmp_alerted = 1;
			return TW_EV_ICMP_TUNNEL;
		}
		return 0;
	}
	__u32 name = dns_qname_len(data, data_end,
				   (__u32)pi->l4_off + TW_UDP_HDR_LEN + TW_DNS_HDR_LEN);

	st->dns_packets++;
	st->dns_bytes += len;
	if (name > st->dns_longest_name)
		st->dns_longest_name = (__u16)name;
	if (name > cfg->dns_name)
		st->dns_long++;
	if (st->dns_long >= cfg->dns_long && !st->dns_alerted) {
		st->dns_alerted = 1;
		return TW_EV_DNS_TUNNEL;
	}
	return 0;
}

#endif
