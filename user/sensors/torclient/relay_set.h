/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The relay set: Tor's built-in directories, the relay files and the relay
 * feeds (URLs), each source keeping its last good list. A new list waits as
 * pending until the merged set passes the guards (not empty, not larger
 * than max-relays, not shrunk by more than max-shrink): then it becomes the
 * source's good list and the set is written to the kernel's relays map
 * gap-free (new entries first, then the ones that left); else it is dropped
 * and the last good set stays. */
#ifndef TW_SENSORS_TORCLIENT_RELAY_SET_H
#define TW_SENSORS_TORCLIENT_RELAY_SET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "sensors/torclient/relay_list.h"

#define TW_MAX_RELAY_SOURCES 16	/* files and feeds */

struct tw_relay_source {
	char name[1024];		/* the file's path, or the feed's URL */
	bool is_feed;
	/* A file: what it was when read. */
	dev_t dev;
	ino_t ino;
	int64_t mtime_ns;
	off_t size;
	bool seen;
	struct tw_relay_list good;	/* its last good list */
	struct tw_relay_list pending;	/* offered, not yet through the guards */
	bool has_pending;
};

struct tw_relay_set {
	bool builtin;
	struct tw_relay_source src[TW_MAX_RELAY_SOURCES];
	size_t n_src;
	unsigned max_relays;
	unsigned max_shrink_pct;
	struct tw_relay_list current;	/* sorted: what the map holds */
	uint64_t apply_usec;		/* the last write to the map */
	/* The map is an earlier daemon's, kept pinned: it holds entries that
	 * current does not know; the first write removes those not in it. */
	bool map_inherited;
};

/* What one refresh did, for the log and the alerts. */
struct tw_relay_refresh {
	bool changed;			/* a new set was written */
	char refused[8][1280];		/* "WHAT: reason", one per refusal */
	size_t n_refused;
	bool accepted[TW_MAX_RELAY_SOURCES];	/* a pending list became good */
	size_t added, removed;
};

/* Reads the files whose stat changed (all with force), then commits. */
int tw_relay_set_refresh(struct tw_relay_set *rs, int map_fd, bool force,
			 struct tw_relay_refresh *r);
/* Offers source i a new list (taken from list), then commits: the guards
 * decide; r->accepted[i] says whether it became the source's good list. */
int tw_relay_set_offer(struct tw_relay_set *rs, size_t i, struct tw_relay_list *list, int map_fd,
		       struct tw_relay_refresh *r);
/* Frees every source's lists and the current set. */
void tw_relay_set_free(struct tw_relay_set *rs);
/* Forgets the sources (their lists freed); the current set stays. */
void tw_relay_set_clear_sources(struct tw_relay_set *rs);

#endif
