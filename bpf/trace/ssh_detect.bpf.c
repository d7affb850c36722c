// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* SSH from Tor: a passive TCP open on an SSH port that completes the
 * handshake (SYN_RECV -> ESTABLISHED) from an address in the exit set.
 * A SYN scan never gets here. Its maps are the XDP object's, reused. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <stdbool.h>
#include "torwatch.h"
#include "exit_lookup.bpf.h"
#include "counters.bpf.h"
#include "port_set.bpf.h"
#include "sock_state_tp.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* High-value events get a ring of their own: a flood of low-value events
 * cannot take their room. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TW_HIGH_RINGBUF_BYTES);
} high_events SEC(".maps");

/* Tracepoint records cannot be read through computed pointers: copy with
 * CO-RE-relocated probe reads. */
static __always_inline void to_in6(struct tw_in6 *dst, __u16 family, const __u8 *v4,
				   const __u8 *v6)
{
	if (family == 2) { /* AF_INET */
		__be32 a4 = 0;

		bpf_core_read(&a4, 4, v4);
		set_v4_mapped(dst, a4);
	} else {
		bpf_core_read(dst->addr, 16, v6);
	}
}

SEC("tracepoint/sock/inet_sock_set_state")
int ssh_established(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct tw_in6 remote, local;
	struct tw_src_stats *st;
	struct tw_exit_val prefix;
	struct tw_counters *cnt;
	struct tw_config *cfg;
	struct tw_event *ev;
	__u32 zero = 0;
	bool is_v4;

	if (ctx->protocol != IPPROTO_TCP || ctx->oldstate != BPF_TCP_SYN_RECV ||
	    ctx->newstate != BPF_TCP_ESTABLISHED)
		return 0;
	if (!port_in_set(&ssh_ports, ctx->sport))
		return 0;
	cfg = bpf_map_lookup_elem(&config, &zero);
	cnt = bpf_map_lookup_elem(&counters, &zero);
	if (!cfg || !cnt)
		return 0;

	/* A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d. */
	to_in6(&remote, ctx->family, ctx->daddr, ctx->daddr_v6);
	to_in6(&local, ctx->family, ctx->saddr, ctx->saddr_v6);
	is_v4 = addr_is_v4_mapped(&remote);
	if (!exit_set_lookup(&remote, is_v4, cfg, &st, &prefix))
		return 0;
	if (allowlisted(&remote, is_v4, cfg))
		return 0;

	ev = bpf_ringbuf_reserve(&high_events, sizeof(*ev), 0);
	if (!ev) {
		cnt->c[TW_CNT_SSH_EVENTS_LOST]++;
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->ts_ns = bpf_ktime_get_ns();
	ev->kind = TW_EV_SSH_FROM_TOR;
	ev->saddr = remote;
	ev->daddr = local;
	ev->sport = ctx->dport;
	ev->dport = ctx->sport;
	ev->family = is_v4 ? 2 : 10;
	ev->proto = IPPROTO_TCP;
	ev->sources = st ? st->sources : prefix.sources;
	/* Rare and urgent: wake the daemon now rather than adaptively. */
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
	cnt->c[TW_CNT_SSH_EVENTS]++;
	return 0;
}
