/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading the kernel's per-CPU counters: 'stats', 'status', 'block show',
 * and later metrics and a live view, share these. */
#ifndef TW_COUNTERS_H
#define TW_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include "torwatch.h"

/* The name of counter i (enum tw_counter), as TW_COUNTERS declares it. */
const char *tw_counter_name(int i);
/* What counter i counts, one line. */
const char *tw_counter_about(int i);
/* Sums a per-CPU value of value_size (made of __u64 fields) over all CPUs. */
int tw_percpu_sum(int fd, const void *key, void *out, size_t value_size);
/* Calls fn for each entry of a hash map of per-source counters (src_stats:
 * key_len 16), read in batches; entries that vanish meanwhile are skipped.
 * The exact tables are walked with tw_exit_table_each. Stops at fn's first
 * non-zero return, which it returns. Not reentrant (its batch buffers are
 * per thread). */
int tw_for_each_source(int fd, size_t key_len,
		       int (*fn)(const __u8 *key, size_t key_len, const struct tw_src_stats *st,
				 void *ctx),
		       void *ctx);

/* Distinct exit sources that sent traffic (all), and of those the ones seen
 * at or after a time (recent): counted one source at a time. */
struct tw_sources_count {
	int64_t since_mono_ns;	/* on the kernel's clock: no clock read per source */
	uint64_t all, recent;
};
/* A count whose recent ones are those seen at or after since_unix_ns. */
struct tw_sources_count tw_sources_count_since(int64_t since_unix_ns);
void tw_sources_count_add(struct tw_sources_count *s, const struct tw_src_stats *st);

struct tw_pinned;
/* Counts into s (tw_sources_count_since) every source of the per-source
 * maps: those that sent traffic since the counters began, and the recent
 * ones. 0 or -errno. */
int tw_sources_seen(const struct tw_pinned *p, struct tw_sources_count *s);
/* Unix nanoseconds of the last local midnight: where "today" begins. */
int64_t tw_local_midnight_ns(void);

#endif
