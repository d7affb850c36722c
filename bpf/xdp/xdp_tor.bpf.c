// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* XDP: count traffic from Tor exit nodes per source, port and protocol, emit
 * at most one event per source per window, and in block mode drop what goes
 * to the blocked ports. Never aborts: what cannot be parsed passes. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>
#include "torwatch.h"
#include "tw_status.h"
#include "parse_packet.bpf.h"
#include "exit_lookup.bpf.h"
#include "counters.bpf.h"
#include "port_set.bpf.h"
#include "tunnel.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Sources that matched a prefix. LRU so that a flood of distinct sources
 * cannot exhaust memory (exact entries carry their own counters). */
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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_block_config);
} block SEC(".maps");

struct tw_clock {
	struct bpf_timer timer;
	__u64 now_ns;		/* CLOCK_MONOTONIC (coarse), at most a tick old */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_clock);
} clock SEC(".maps");

/* Written by the daemon only; here so that they are created and pinned with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_meta);
} meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_alert_stats);
} alert_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_MAX_SINKS);
	__type(key, __u32);
	__type(value, struct tw_sink_stat);
} sink_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_history);
} history SEC(".maps");

/* The last alerts the daemon raised, for 'torwatch top' (slot = number %
 * TW_RECENT_ALERTS). Written by the daemon only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_RECENT_ALERTS);
	__type(key, __u32);
	__type(value, struct tw_recent_alert);
} recent_alerts SEC(".maps");

/* How long each input held the daemon's event loop. Written by the daemon only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_LOOP_STATS);
	__type(key, __u32);
	__type(value, struct tw_loop_stat);
} loop_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TW_MAX_SOURCES);
	__type(key, __u32);
	__type(value, struct tw_source_info);
} sources SEC(".maps");

/* drop: 0 pass, TW_DROP_DONE dropped, TW_DROP_WOULD a dry run let it through. */
enum { TW_DROP_NONE, TW_DROP_DONE, TW_DROP_WOULD };

static __always_inline void count_traffic(void *map, void *key, __u64 bytes, int drop)
{
	struct tw_traffic *t = bpf_map_lookup_elem(map, key);

	if (t) {
		t->packets++;
		t->bytes += bytes;
		t->dropped += drop == TW_DROP_DONE;
		t->would_drop += drop == TW_DROP_WOULD;
	}
}

static __always_inline void count_port(const struct packet_info *pi, __u64 bytes, int drop)
{
	if (pi->dport < TW_LOW_PORTS) {
		__u32 idx = tw_low_port_index(pi->proto, pi->dport);

		count_traffic(&low_port_stats, &idx, bytes, drop);
		return;
	}
	struct tw_port_key pk = { .port = pi->dport, .proto = pi->proto };
	struct tw_traffic *t = bpf_map_lookup_elem(&port_stats, &pk);

	if (t) {
		t->packets++;
		t->bytes += bytes;
		t->dropped += drop == TW_DROP_DONE;
		t->would_drop += drop == TW_DROP_WOULD;
		return;
	}
	struct tw_traffic init = { .packets = 1, .bytes = bytes, .dropped = drop == TW_DROP_DONE,
				   .would_drop = drop == TW_DROP_WOULD };

	/* Another CPU may insert first: its per-CPU slot is separate, retry once. */
	if (bpf_map_update_elem(&port_stats, &pk, &init, BPF_NOEXIST))
		count_traffic(&port_stats, &pk, bytes, drop);
}

static __always_inline void emit_event(__u32 kind, const struct packet_info *pi, __u32 sources,
				       __u32 len, __u32 ifindex, __u64 now, bool dry_run,
				       struct tw_counters *cnt)
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
	ev->kind = kind;
	ev->ifindex = ifindex;
	ev->sources = sources;
	ev->pkt_len = len;
	ev->sport = pi->sport;
	ev->dport = pi->dport;
	ev->family = pi->family;
	ev->proto = pi->proto;
	ev->dry_run = dry_run;
	bpf_ringbuf_submit(ev, 0);
	cnt->c[TW_CNT_EVENTS]++;
}

/* True for exactly one caller (one CPU) when a new window starts at now. */
static __always_inline bool window_opens(__u64 *last_ns, __u64 now, __u64 window)
{
	__u64 last = *last_ns;

	/* now < last: another CPU's clock ran ahead and opened this window. */
	if (last && now < last + window)
		return false;
	return __sync_val_compare_and_swap(last_ns, last, now) == last;
}

/* Counts the packet for its source. */
static __always_inline void account(struct tw_src_stats *st, const struct packet_info *pi,
				    __u64 bytes, __u64 now)
{
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, bytes);
	/* Stored only when they change (the clock is coarse): a steady flow
	 * writes nothing here. */
	if (!st->first_seen_ns)
		st->first_seen_ns = now;
	if (st->last_seen_ns != now)
		st->last_seen_ns = now;
	if (st->last_dport != pi->dport || st->last_proto != pi->proto) {
		st->last_dport = pi->dport;
		st->last_proto = pi->proto;
	}
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

/* Block mode: does this packet go to what is blocked? A fragment, or a
 * packet whose headers could not be read to the ports, cannot be told
 * apart: a SYN split so that its first fragment holds 8 bytes of TCP, or
 * sent behind more extension headers than are walked, would otherwise
 * reach a blocked port. From a listed source, in block mode, it is dropped
 * (*unsure says so, for its counter). */
static __always_inline bool blocked(const struct packet_info *pi, int parsed,
				    const struct tw_block_config *b, bool *unsure)
{
	if (b->all)
		return true;
	if (pi->frag || parsed != PARSE_OK) {
		*unsure = true;
		return true;
	}
	return pi->has_ports && (pi->proto == IPPROTO_TCP || pi->proto == IPPROTO_UDP) &&
	       port_in_set(&block_ports, pi->dport);
}

static int clock_tick(void *map, __u32 *key, struct tw_clock *c)
{
	c->now_ns = bpf_ktime_get_coarse_ns();
	bpf_timer_start(&c->timer, TW_CLOCK_TICK_NS, 0);
	return 0;
}

/* Run once by the daemon (BPF_PROG_TEST_RUN): starts the clock. The timer
 * lives in the pinned map, so the clock runs on without the daemon. */
SEC("xdp")
int start_clock(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct tw_clock *c = bpf_map_lookup_elem(&clock, &zero);

	if (!c)
		return XDP_ABORTED;
	bpf_timer_init(&c->timer, &clock, 1 /* CLOCK_MONOTONIC */); /* -EBUSY when adopted */
	bpf_timer_set_callback(&c->timer, clock_tick);
	c->now_ns = bpf_ktime_get_coarse_ns();
	bpf_timer_start(&c->timer, TW_CLOCK_TICK_NS, 0);
	return XDP_PASS;
}

/* Run only through BPF_PROG_TEST_RUN, never attached: the "frame" is a
 * struct tw_check_ctx, answered in place. An XDP program and not a syscall
 * one because those sleep, and sleepable programs cannot read LPM tries. */
SEC("xdp")
int check_exit(struct xdp_md *ctx)
{
	struct tw_check_ctx *c = (void *)(long)ctx->data;
	struct tw_src_stats *exact;
	struct tw_exit_val prefix;
	struct tw_config *cfg;
	struct tw_in6 addr;
	__u32 zero = 0;
	bool is_v4;

	if ((void *)(c + 1) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	__builtin_memcpy(&addr, &c->addr, sizeof(addr)); /* map keys come from the stack */
	is_v4 = c->is_v4;
	c->found = c->sources = c->prefixlen = c->allowlisted = 0;
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || !exit_set_lookup(&addr, is_v4, cfg, &exact, &prefix))
		return XDP_PASS;
	c->found = 1;
	if (exact) {
		c->sources = exact->sources;
		c->prefixlen = is_v4 ? 32 : 128;
	} else {
		c->sources = prefix.sources;
		c->prefixlen = prefix.prefixlen;
	}
	c->allowlisted = allowlisted(&addr, is_v4, cfg);
	return XDP_PASS;
}

/* Traffic counters only: the source mask and the alert windows stay. */
static __always_inline void zero_counters(struct tw_src_stats *st)
{
	st->packets = 0;
	st->bytes = 0;
	st->dropped = 0;
	st->would_drop = 0;
	st->first_seen_ns = 0;
	st->last_seen_ns = 0;
	st->last_dport = 0;
	st->last_proto = 0;
}

static long zero_source(void *map, const void *key, struct tw_src_stats *st, __u64 *zeroed)
{
	zero_counters(st);
	(*zeroed)++;
	return 0;
}

struct zero_walk {
	__u64 zeroed;
	__u32 last;		/* the last entry slot: the live bitmap follows */
};

/* The table's live slots (the header, empty slots and the bitmap are not
 * sources). */
static long zero_slot(void *map, const __u32 *key, struct tw_exit_slot *s, struct zero_walk *w)
{
	if (*key > w->last)
		return 1;
	if (*key && s->state == TW_SLOT_LIVE) {
		zero_counters(&s->st);
		w->zeroed++;
	}
	return 0;
}

static __always_inline __u32 last_slot(void *table)
{
	__u32 zero = 0;
	struct tw_table_head *h = bpf_map_lookup_elem(table, &zero);

	return h && h->magic == TW_TABLE_MAGIC ? h->mask + 1 : 0;
}

/* Run only through BPF_PROG_TEST_RUN on a struct tw_reset_ctx frame. */
SEC("xdp")
int reset_counters(struct xdp_md *ctx)
{
	struct tw_reset_ctx *r = (void *)(long)ctx->data;
	struct zero_walk v4 = { .last = last_slot(&exit_table_v4) };
	struct zero_walk v6 = { .last = last_slot(&exit_table_v6) };
	__u64 zeroed;

	if ((void *)(r + 1) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	bpf_for_each_map_elem(&exit_table_v4, zero_slot, &v4, 0);
	bpf_for_each_map_elem(&exit_table_v6, zero_slot, &v6, 0);
	zeroed = v4.zeroed + v6.zeroed;
	bpf_for_each_map_elem(&src_stats, zero_source, &zeroed, 0);
	r->zeroed = zeroed;
	return XDP_PASS;
}

static __always_inline __u64 clock_now(void)
{
	__u32 zero = 0;
	struct tw_clock *c = bpf_map_lookup_elem(&clock, &zero);

	return c && c->now_ns ? c->now_ns : bpf_ktime_get_coarse_ns();
}

SEC("xdp")
int xdp_tor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct packet_info pi = {};
	struct tw_block_config *blk;
	struct tw_counters *cnt;
	struct tw_src_stats *st;
	struct tw_exit_val prefix;
	struct tw_config *cfg;
	int drop = TW_DROP_NONE;
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
	if (allowlisted(&pi.saddr, pi.family == 2, cfg)) {
		cnt->c[TW_CNT_ALLOWLISTED]++;
		return XDP_PASS;
	}

	/* A transport header that could not be read still counts for the source. */
	__u64 now = clock_now();
	__u32 proto = pi.proto;

	blk = bpf_map_lookup_elem(&block, &zero);
	bool unsure = false;

	if (blk && blk->mode != TW_BLOCK_OFF && blocked(&pi, res, blk, &unsure)) {
		drop = blk->mode == TW_BLOCK_DRY_RUN ? TW_DROP_WOULD : TW_DROP_DONE;
		cnt->c[drop == TW_DROP_WOULD ? TW_CNT_WOULD_DROP : TW_CNT_DROPPED]++;
		if (unsure && drop == TW_DROP_DONE)
			cnt->c[TW_CNT_DROPPED_UNINSPECTABLE]++;
	}
	cnt->c[TW_CNT_EXIT_PACKETS]++;
	cnt->c[TW_CNT_EXIT_BYTES] += len;
	count_traffic(&proto_stats, &proto, len, drop);
	if (pi.has_ports)
		count_port(&pi, len, drop);
	if (!st)
		st = prefix_source(&pi, prefix.sources);
	/* A dropped frame never reaches the host: it tunnels nothing. */
	__u32 tunnel = drop == TW_DROP_DONE ? 0 : tunnel_check(data, data_end, &pi, len, now);

	if (tunnel)
		emit_event(tunnel, &pi, st ? st->sources : prefix.sources, len,
			   ctx->ingress_ifindex, now, false, cnt);
	if (st) {
		account(st, &pi, len, now);
		if (window_opens(&st->last_event_ns, now, cfg->alert_window_ns))
			emit_event(TW_EV_TOR_TRAFFIC, &pi, st->sources, len, ctx->ingress_ifindex, now,
				   false, cnt);
		if (drop) {
			__sync_fetch_and_add(drop == TW_DROP_DONE ? &st->dropped : &st->would_drop, 1);
			if (window_opens(&st->last_drop_event_ns, now, cfg->alert_window_ns))
				emit_event(TW_EV_TOR_BLOCKED, &pi, st->sources, len,
					   ctx->ingress_ifindex, now, drop == TW_DROP_WOULD, cnt);
		}
	}
	return drop == TW_DROP_DONE ? XDP_DROP : XDP_PASS;
}
