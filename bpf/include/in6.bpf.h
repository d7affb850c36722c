/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* struct tw_in6 holds IPv4 as ::ffff:a.b.c.d: the two sides of that. */
#ifndef IN6_BPF_H
#define IN6_BPF_H

#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include "torwatch.h"

static __always_inline void set_v4_mapped(struct tw_in6 *dst, __be32 addr)
{
	__u32 *w = (__u32 *)dst->addr;

	w[0] = 0;
	w[1] = 0;
	w[2] = bpf_htonl(0xffff);
	w[3] = addr;
}

static __always_inline bool addr_is_v4_mapped(const struct tw_in6 *a)
{
	const __u32 *w = (const __u32 *)a->addr;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff);
}

#endif
