/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Port sets as bitmaps: the SSH ports and the ports block mode drops. */
#ifndef PORT_SET_BPF_H
#define PORT_SET_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "torwatch.h"

#define DECLARE_PORT_SET(name)                                  \
	struct {                                                \
		__uint(type, BPF_MAP_TYPE_ARRAY);               \
		__uint(max_entries, TW_PORT_SET_WORDS);         \
		__type(key, __u32);                             \
		__type(value, __u64);                           \
	} name SEC(".maps")

DECLARE_PORT_SET(ssh_ports);
DECLARE_PORT_SET(block_ports);

static __always_inline bool port_in_set(void *set, __u16 port)
{
	__u32 word = port >> 6;
	__u64 *w = bpf_map_lookup_elem(set, &word);

	return w && (*w & (1ULL << (port & 63)));
}

#endif
