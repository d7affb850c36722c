// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* XDP: count traffic from Tor exit nodes per source, port and protocol, and
 * emit at most one event per source per window. Never drops, never aborts. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>
#include "torwatch.h"
#include "parse_packet.bpf.h"
#include "exit_set.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* One per-CPU struct: a single lookup per packet for all global counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_counters);
} counters SEC(".maps");

/* LRU so that a flood of distinct sources cannot exhaust memory. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TW_DEFAULT_SRC_STATS_ENTRIES);
	__type(key, struct tw_in6);
	__type(value, struct tw_src_stats);
} src_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, TW_PORT_STATS_ENTRIES);
	__type(key, struct tw_port_key);
	__type(value, struct tw_traffic);
} port_stats SEC(".maps");

/* The ports most Tor traffic goes to (22, 80, 443...): an array, no hashing. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * TW_LOW_PORTS);
	__type(key, __u32);
	__type(value, struct tw_traffic);
} low_port_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct tw_traffic);
} proto_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TW_XDP_RINGBUF_BYTES);
} xdp_events SEC(".maps");

/* Written by the daemon only; here so that they are created and pinned with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_meta);
} meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_MAX_SOURCES);
	__type(key, __u32);
	__type(value, struct tw_source_info);
} sources SEC(".maps");

static __always_inline void count_traffic(void *map, void *key, __u64 bytes)
{
	struct tw_traffic *t = bpf_map_lookup_elem(map, key);

	if (t) {
		t->packets++;
		t->bytes += bytes;
	}
}

static __always_inline void count_port(const struct packet_info *pi, __u64 bytes)
{
	if (pi->dport < TW_LOW_PORTS) {
		__u32 idx = tw_low_port_index(pi->proto, pi->dport);

		count_traffic(&low_port_stats, &idx, bytes);
		return;
	}
	struct tw_port_key pk = { .port = pi->dport, .proto = pi->proto };
	struct tw_traffic *t = bpf_map_lookup_elem(&port_stats, &pk);

	if (t) {
		t->packets++;
		t->bytes += bytes;
		return;
	}
	struct tw_traffic init = { .packets = 1, .bytes = bytes };

	/* Another CPU may insert first: its per-CPU slot is separate, retry once. */
	if (bpf_map_update_elem(&port_stats, &pk, &init, BPF_NOEXIST))
		count_traffic(&port_stats, &pk, bytes);
}

static __always_inline void emit_event(const struct packet_info *pi, __u32 sources, __u32 len,
				       __u32 ifindex, __u64 now, struct tw_counters *cnt)
{
	struct tw_event *ev = bpf_ringbuf_reserve(&xdp_events, sizeof(*ev), 0);

	if (!ev) {
		cnt->c[TW_CNT_EVENTS_LOST]++;
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->ts_ns = now;
	ev->saddr = pi->saddr;
	ev->daddr = pi->daddr;
	ev->kind = TW_EV_TOR_TRAFFIC;
	ev->ifindex = ifindex;
	ev->sources = sources;
	ev->pkt_len = len;
	ev->sport = pi->sport;
	ev->dport = pi->dport;
	ev->family = pi->family;
	ev->proto = pi->proto;
	bpf_ringbuf_submit(ev, 0);
	cnt->c[TW_CNT_EVENTS]++;
}

/* Counts the packet for its source; true when it opens a new alert window. */
static __always_inline bool account(struct tw_src_stats *st, const struct packet_info *pi,
				    __u64 bytes, __u64 now, __u64 window)
{
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, bytes);
	if (!st->first_seen_ns)
		st->first_seen_ns = now;
	st->last_seen_ns = now;
	st->last_dport = pi->dport;
	st->last_proto = pi->proto;

	__u64 last = st->last_event_ns;

	if (last && now - last < window)
		return false;
	/* Exactly one CPU wins the new window. */
	return __sync_val_compare_and_swap(&st->last_event_ns, last, now) == last;
}

/* Counters of a source that matched a prefix: an LRU entry of its own. */
static __always_inline struct tw_src_stats *prefix_source(const struct packet_info *pi,
							  __u32 sources)
{
	struct tw_src_stats *st = bpf_map_lookup_elem(&src_stats, &pi->saddr);

	if (!st) {
		struct tw_src_stats init = { .sources = sources };

		/* Another CPU may insert first: then use its entry. */
		bpf_map_update_elem(&src_stats, &pi->saddr, &init, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&src_stats, &pi->saddr);
		if (!st)
			return NULL;
	}
	st->sources = sources;
	return st;
}

SEC("xdp")
int xdp_tor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct packet_info pi = {};
	struct tw_counters *cnt;
	struct tw_src_stats *st;
	struct tw_exit_val *prefix;
	struct tw_config *cfg;
	__u32 zero = 0;
	int res;

	cnt = bpf_map_lookup_elem(&counters, &zero);
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cnt || !cfg)
		return XDP_PASS;
	cnt->c[TW_CNT_PACKETS]++;
	cnt->c[TW_CNT_BYTES] += len;

	res = parse_packet(data, data_end, &pi);
	if (res == PARSE_NOT_IP) {
		cnt->c[TW_CNT_NON_IP]++;
		return XDP_PASS;
	}
	if (res != PARSE_OK)
		cnt->c[TW_CNT_PARSE_ERRORS]++;
	if (!pi.family)
		return XDP_PASS;
	cnt->c[pi.family == 2 ? TW_CNT_IPV4 : TW_CNT_IPV6]++;

	if (!exit_set_lookup(&pi.saddr, pi.family == 2, cfg, &st, &prefix))
		return XDP_PASS;

	/* A transport header that could not be read still counts for the source.
	 * The coarse clock (tick resolution) is a few ns; the precise one ~50. */
	__u64 now = bpf_ktime_get_coarse_ns();
	__u32 proto = pi.proto;

	cnt->c[TW_CNT_EXIT_PACKETS]++;
	cnt->c[TW_CNT_EXIT_BYTES] += len;
	count_traffic(&proto_stats, &proto, len);
	if (pi.has_ports)
		count_port(&pi, len);
	if (!st && prefix)
		st = prefix_source(&pi, prefix->sources);
	if (st && account(st, &pi, len, now, cfg->alert_window_ns))
		emit_event(&pi, st->sources, len, ctx->ingress_ifindex, now, cnt);
	return XDP_PASS;
}
