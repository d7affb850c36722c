/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The relay set: the built-in directories and the relay files, each
 * keeping its last good list, merged, guarded (empty, too large, shrunk
 * too much: refused, the last good set stays) and written to the kernel's
 * relays map gap-free (new entries first, then the ones that left). */
#ifndef TW_SENSORS_TORCLIENT_RELAY_SET_H
#define TW_SENSORS_TORCLIENT_RELAY_SET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "config/run_opts.h"
#include "sensors/torclient/relay_list.h"

struct tw_relay_file {
	char path[256];
	dev_t dev;
	ino_t ino;
	int64_t mtime_ns;
	off_t size;
	bool seen;			/* stat()ed once */
	struct tw_relay_list good;	/* its last good list */
};

struct tw_relay_set {
	bool builtin;
	struct tw_relay_file files[TW_MAX_LIST_FILES];
	size_t n_files;
	unsigned max_relays;
	unsigned max_shrink_pct;
	struct tw_relay_list current;	/* sorted: what the map holds */
	uint64_t apply_usec;		/* the last write to the map */
};

/* What one refresh did, for the log and the alerts. */
struct tw_relay_refresh {
	bool changed;			/* a new set was written */
	char refused[8][320];		/* "FILE: reason", one per refused list */
	size_t n_refused;
	size_t added, removed;
};

/* Reads the files whose stat changed (all with force) and, when the merged
 * set differs, writes it to map_fd (-1: only computes it). */
int tw_relay_set_refresh(struct tw_relay_set *rs, int map_fd, bool force,
			 struct tw_relay_refresh *r);
void tw_relay_set_free(struct tw_relay_set *rs);

#endif
