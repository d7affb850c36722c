// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Tor used from this host, seen at connect() on the cgroup v2 root (TCP,
 * and UDP connect): a destination that is a listed relay address and port
 * (or a relay listed by address only), or a local Tor SOCKS or control
 * port, sends one event naming the process. Repeats of the same process to
 * the same destination within a second are counted and ride on the next
 * event. Every hook returns 1: it watches, it never refuses a connection.
 * Its counts go to the XDP object's counters map, reused. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>
#include "torwatch.h"
#include "tw_tor_client.h"
#include "counters.bpf.h"
#include "in6.bpf.h"
#include "sock_addr.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TW_MAX_RELAYS);
	__type(key, struct tw_relay_key);
	__type(value, struct tw_relay);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} relays SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_tor_client_config);
} tor_client_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tw_tor_client_seen_key);
	__type(value, struct tw_tor_client_seen);
} tor_client_seen SEC(".maps");

/* Written by the sensor from its alerts, pinned for the CLI and metrics. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TW_MAX_TOR_CLIENTS);
	__type(key, struct tw_tor_client_key);
	__type(value, struct tw_tor_client_count);
} tor_clients SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} tor_client_totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TW_TOR_CLIENT_RINGBUF_BYTES);
} tor_client_events SEC(".maps");

static __always_inline bool is_loopback(const struct tw_in6 *a)
{
	const __u32 *w = (const __u32 *)a->addr;

	if (addr_is_v4_mapped(a))
		return (bpf_ntohl(w[3]) >> 24) == 127;
	return !w[0] && !w[1] && !w[2] && w[3] == bpf_htonl(1);
}

static __always_inline bool proxy_port(__u16 port)
{
	__u32 zero = 0;
	struct tw_tor_client_config *c = bpf_map_lookup_elem(&tor_client_config, &zero);

	return c && (c->proxy_ports[(port >> 6) & (TW_PORT_SET_WORDS - 1)] & (1ULL << (port & 63)));
}

/* Counted when the same connection was sent less than a second ago. */
static __always_inline bool repeat(const struct tw_tor_client_seen_key *k, __u64 now,
				   __u64 *repeats)
{
	struct tw_tor_client_seen *seen = bpf_map_lookup_elem(&tor_client_seen, k), fresh = {};

	if (seen && now - seen->last_ns < TW_TOR_CLIENT_REPEAT_NS) {
		__sync_fetch_and_add(&seen->repeats, 1);
		return true;
	}
	if (seen) {
		*repeats = seen->repeats;
		seen->repeats = 0;
		seen->last_ns = now;
	} else {
		fresh.last_ns = now;
		bpf_map_update_elem(&tor_client_seen, k, &fresh, BPF_ANY);
	}
	return false;
}

static __always_inline void check(const struct tw_in6 *daddr, __u16 dport, __u8 proto)
{
	struct tw_relay_key rk = { .addr = *daddr, .port = dport };
	struct tw_tor_client_seen_key sk = {};
	struct tw_tor_client_event *ev;
	struct tw_relay *relay = NULL;
	__u64 pid_tgid, now, repeats = 0;
	__u8 kind, any_port = 0;

	if (is_loopback(daddr)) {
		if (!proxy_port(dport))
			return;
		kind = TW_TOR_PROXY;
	} else {
		relay = bpf_map_lookup_elem(&relays, &rk);
		if (!relay) {
			rk.port = 0;
			relay = bpf_map_lookup_elem(&relays, &rk);
			if (!relay)
				return;
			any_port = 1;
		}
		kind = TW_TOR_RELAY;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	now = bpf_ktime_get_ns();
	sk.daddr = *daddr;
	sk.tgid = pid_tgid >> 32;
	sk.dport = dport;
	sk.kind = kind;
	sk.proto = proto;
	if (repeat(&sk, now, &repeats))
		return;
	ev = bpf_ringbuf_reserve(&tor_client_events, sizeof(*ev), 0);
	if (!ev) {
		counter_inc(TW_CNT_TOR_CLIENT_EVENTS_LOST);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->ts_ns = now;
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->repeats = repeats;
	ev->daddr = *daddr;
	ev->kind = kind;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->sources = relay ? relay->sources : 0;
	ev->dport = dport;
	ev->proto = proto;
	ev->any_port = any_port;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, 0);
	counter_inc(TW_CNT_TOR_CLIENT_EVENTS);
}

SEC("cgroup/connect4")
int tor_client_connect4(struct bpf_sock_addr *ctx)
{
	struct tw_in6 d;
	__u8 proto = sock_addr_proto(ctx);

	if (proto) {
		set_v4_mapped(&d, ctx->user_ip4);
		check(&d, bpf_ntohs((__u16)ctx->user_port), proto);
	}
	return 1;
}

SEC("cgroup/connect6")
int tor_client_connect6(struct bpf_sock_addr *ctx)
{
	struct tw_in6 d;
	__u8 proto = sock_addr_proto(ctx);

	if (proto) {
		sock_addr_dst6(ctx, &d);
		check(&d, bpf_ntohs((__u16)ctx->user_port), proto);
	}
	return 1;
}
