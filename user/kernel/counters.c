// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/timeutil.h"
#include "kernel/pins.h"

#define TW_COUNTER_NAME(id, name, about) [TW_CNT_##id] = name,
#define TW_COUNTER_ABOUT(id, name, about) [TW_CNT_##id] = about,
static const char *const names[TW_CNT__MAX] = { TW_COUNTERS(TW_COUNTER_NAME) };
static const char *const abouts[TW_CNT__MAX] = { TW_COUNTERS(TW_COUNTER_ABOUT) };

const char *tw_counter_name(int i)
{
	return i >= 0 && i < TW_CNT__MAX ? names[i] : "unnamed";
}

const char *tw_counter_about(int i)
{
	return i >= 0 && i < TW_CNT__MAX ? abouts[i] : "";
}

/* One key at a time: kernels without batch lookups on hash maps. */
static int each_by_key(int fd, size_t key_len,
		       int (*fn)(const __u8 *key, size_t key_len, const struct tw_src_stats *st,
				 void *ctx),
		       void *ctx)
{
	__u8 key[16], next[16];
	void *prev = NULL;
	struct tw_src_stats st;
	int err;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_len);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &st))
			continue;
		err = fn(key, key_len, &st, ctx);
		if (err)
			return err;
	}
	return 0;
}

/* Entries per batch lookup: a few syscalls for a real list, not two per
 * entry (10,000 sources: some 20,000 syscalls one by one). */
#define BATCH 1024

int tw_for_each_source(int fd, size_t key_len,
		       int (*fn)(const __u8 *key, size_t key_len, const struct tw_src_stats *st,
				 void *ctx),
		       void *ctx)
{
	static _Thread_local __u8 keys[BATCH * 16];
	static _Thread_local struct tw_src_stats vals[BATCH];
	__u64 in = 0, out = 0;
	bool first = true, more = true;
	int err;

	while (more) {
		__u32 n = BATCH;

		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &n, NULL);
		if (err && errno != ENOENT) {
			/* A map or kernel without batches, before anything was read. */
			if (first && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP))
				return each_by_key(fd, key_len, fn, ctx);
			return -errno;
		}
		more = !err;	/* ENOENT: this was the last batch */
		first = false;
		in = out;
		for (__u32 i = 0; i < n; i++) {
			err = fn(keys + (size_t)i * key_len, key_len, &vals[i], ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

struct tw_sources_count tw_sources_count_since(int64_t since_unix_ns)
{
	/* Once per pass: two clock reads per source were 8% of a scrape. */
	return (struct tw_sources_count){
		.since_mono_ns = since_unix_ns - tw_mono_to_unix_ns(0),
	};
}

void tw_sources_count_add(struct tw_sources_count *s, const struct tw_src_stats *st)
{
	if (!st->packets)
		return;
	s->all++;
	s->recent += (int64_t)st->last_seen_ns >= s->since_mono_ns;
}

static int count_seen(const __u8 *key, size_t key_len, const struct tw_src_stats *st, void *ctx)
{
	tw_sources_count_add(ctx, st);
	return 0;
}

int tw_sources_seen(const struct tw_pinned *p, struct tw_sources_count *s)
{
	int ret = tw_exit_table_each(&p->exits_v4, count_seen, s);

	if (!ret)
		ret = tw_exit_table_each(&p->exits_v6, count_seen, s);
	if (!ret)
		ret = tw_for_each_source(p->src_stats, 16, count_seen, s);
	return ret;
}

int64_t tw_local_midnight_ns(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * (int64_t)TW_NS_PER_SEC;
}

int tw_percpu_sum(int fd, const void *key, void *out, size_t value_size)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t words = value_size / sizeof(__u64);
	__u64 *vals, *sum = out;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, value_size);
	if (!vals)
		return -ENOMEM;
	memset(out, 0, value_size);
	if (bpf_map_lookup_elem(fd, key, vals)) {
		int e = -errno;

		free(vals);
		return e;
	}
	for (int c = 0; c < ncpu; c++)
		for (size_t w = 0; w < words; w++)
			sum[w] += vals[(size_t)c * words + w];
	free(vals);
	return 0;
}
