/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's exit-list sources (feed files, the state-dir cache, the
 * embedded snapshot), each keeping its last good data. */
#ifndef TW_SOURCES_H
#define TW_SOURCES_H

#include <stdbool.h>
#include <stdint.h>
#include "exit_set.h"
#include "feed_parse.h"
#include "torwatch.h"

enum tw_source_kind {
	TW_SOURCE_FILE = 0,
	TW_SOURCE_CACHE,
	TW_SOURCE_SNAPSHOT,
};

struct tw_source {
	enum tw_source_kind kind;
	char name[TW_SOURCE_NAME_LEN];	/* shown in status and alerts */
	char path[4096];		/* file to (re)read; empty for the snapshot */
	struct tw_feed last_good;	/* what the exit set uses */
	int64_t loaded_at;
	bool loaded;
};

struct tw_sources {
	struct tw_source s[TW_MAX_SOURCES];
	unsigned n;
};

/* The dated snapshot linked into the binary. */
#define TW_SNAPSHOT_DATE "2024-03-12"

/* (Re)reads source i. A source that cannot be read or yields no valid entry
 * keeps its last good data; err then says why. Bad lines are logged. */
int tw_source_load(struct tw_source *src, char *err, size_t errlen);
int tw_sources_add_file(struct tw_sources *ss, const char *path);
/* With no feeds: the state-dir cache if it parses, else the embedded snapshot. */
int tw_sources_add_default(struct tw_sources *ss, const char *cache_path);
/* The union of every source's last good data. */
int tw_sources_build_set(const struct tw_sources *ss, struct tw_exit_set *set);
void tw_sources_free(struct tw_sources *ss);
/* Fills the pinned per-source metadata from the merged set. */
void tw_sources_describe(const struct tw_sources *ss, const struct tw_exit_set *set,
			 struct tw_source_info info[TW_MAX_SOURCES]);
/* Writes set as a dated plain list, atomically (tmp, fsync, rename). */
int tw_cache_write(const char *path, const struct tw_exit_set *set, int64_t newest_data);

#endif
