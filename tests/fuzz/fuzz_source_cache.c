// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the per-source cache reader on any bytes (a damaged state dir
 * is hostile input too). What it accepts must be sorted and unique, and
 * must survive a write and a read back unchanged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "feeds/source_cache.h"

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_source s = {}, back = {};
	char err[200];
	FILE *f;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/tw-fuzz-cache-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	if (!size || !(f = fmemopen((void *)data, size, "r")))
		return 0;
	if (!tw_source_cache_parse(f, &s, err, sizeof(err))) {
		for (size_t i = 1; i < s.n_seen; i++)
			if (tw_prefix_cmp(&s.seen[i - 1].p, &s.seen[i].p) >= 0)
				__builtin_trap();
		if (s.listed > s.n_seen)
			__builtin_trap();
		snprintf(s.cache_name, sizeof(s.cache_name), "fuzz.cache");
		/* URLs and validators with newlines cannot be written back as read. */
		if (!strchr(s.url, '\n') && !tw_source_cache_write(&s, dir)) {
			memcpy(back.url, s.url, sizeof(back.url));
			memcpy(back.cache_name, s.cache_name, sizeof(back.cache_name));
			if (tw_source_cache_read(&back, dir, err, sizeof(err)) ||
			    back.n_seen != s.n_seen || back.listed != s.listed)
				__builtin_trap();
			for (size_t i = 0; i < s.n_seen; i++)
				if (tw_prefix_cmp(&back.seen[i].p, &s.seen[i].p) ||
				    back.seen[i].last_seen != s.seen[i].last_seen)
					__builtin_trap();
		}
	}
	fclose(f);
	free(s.seen);
	free(back.seen);
	return 0;
}
