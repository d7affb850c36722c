/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Global per-CPU counters, shared by the XDP and tracing programs. */
#ifndef COUNTERS_BPF_H
#define COUNTERS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "torwatch.h"

/* One per-CPU struct: a single lookup per packet for all global counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_counters);
} counters SEC(".maps");

/* One more of counter i (TW_CNT_*), on this CPU. */
static __always_inline void counter_inc(int i)
{
	__u32 zero = 0;
	struct tw_counters *cnt = bpf_map_lookup_elem(&counters, &zero);

	if (cnt)
		cnt->c[i]++;
}

#endif
