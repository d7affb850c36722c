/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What a cgroup sock_addr hook (connect4/6, sendmsg4/6) is asked about:
 * the protocol and the destination as a struct tw_in6. */
#ifndef SOCK_ADDR_BPF_H
#define SOCK_ADDR_BPF_H

#include <linux/bpf.h>
#include <linux/in.h>
#include "torwatch.h"
#include "in6.bpf.h"

/* IPPROTO_TCP for a stream socket, IPPROTO_UDP for a datagram one, else 0. */
static __always_inline __u8 sock_addr_proto(const struct bpf_sock_addr *ctx)
{
	return ctx->type == 1 ? IPPROTO_TCP : ctx->type == 2 ? IPPROTO_UDP : 0;
}

static __always_inline void sock_addr_dst6(const struct bpf_sock_addr *ctx, struct tw_in6 *d)
{
	for (int i = 0; i < 4; i++)
		((__u32 *)d->addr)[i] = ctx->user_ip6[i];
}

#endif
