/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exit-list sources and what each last brought: every entry remembers
 * when its source last listed it, so that an outage of one source does not
 * empty the set and stale addresses leave after a while. The guard refuses
 * lists that are empty or shrank too much; a refused list changes nothing. */
#ifndef TW_SOURCE_STATE_H
#define TW_SOURCE_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "exitset/exit_set.h"
#include "feeds/list_parse.h"
#include "common/fetch.h"
#include "torwatch.h"
#include "tw_status.h"

/* The dated snapshot linked into the binary (feeds/snapshot.S); the Makefile
 * takes TW_SNAPSHOT_DATE from its file name. */
#ifndef TW_SNAPSHOT_DATE
#error "TW_SNAPSHOT_DATE comes from the Makefile"
#endif

struct tw_seen {
	struct tw_prefix p;
	int64_t last_seen;	/* unix seconds; == listed_at: in the last good list */
};

struct tw_feed_policy {
	unsigned expire_s;		/* fetched entries unseen this long leave the set */
	unsigned max_shrink_pct;	/* refuse a list this much smaller than the last */
	unsigned retry_min_s;		/* first retry after a failure; doubles each time */
	unsigned widest_v4, widest_v6;	/* shortest prefix length a fetched list may give (0: any) */
	unsigned max_entries;		/* a fetched source's share, kept entries included (0: any) */
};

struct tw_source {
	enum tw_source_kind kind;
	enum tw_feed_format format;	/* URL sources: PLAIN (any text format) or ONIONOO */
	char name[TW_SOURCE_NAME_LEN];
	char url[1024];			/* URL, or the path of a file */
	char cache_name[80];		/* file in the state dir's feeds/; "" = not cached */
	unsigned interval_s;		/* between successful fetches */
	unsigned min_interval_s;	/* never sooner, retries included (dan.me.uk: 30 min) */

	struct tw_seen *seen;		/* sorted by prefix, unique */
	size_t n_seen;
	size_t listed;			/* entries in the last good list: the guard's baseline */
	int64_t listed_at;		/* when that list was accepted */
	int64_t confirmed_at;		/* the last 200 or 304 (or file read) */
	int64_t data_time;		/* the data's own newest date, if it has one */
	unsigned long bad_lines;
	struct tw_feed_error errors[TW_FEED_MAX_REPORTED];	/* the first bad lines */
	char etag[TW_FETCH_VALIDATOR_LEN];
	char last_modified[TW_FETCH_VALIDATOR_LEN];

	int64_t last_attempt;
	int64_t next_attempt_ms;	/* unix ms; 0 = not scheduled */
	unsigned failures;
	long http_status;
	uint32_t fetch_ms;
	enum tw_source_state state;
	char error[TW_SOURCE_ERR_LEN];
	bool in_flight;
	bool answered;			/* a download finished since the start */
	bool force;			/* the guard is off for the attempt in flight */
	int64_t resume_ms;		/* an attempt asked for out of turn: the schedule it interrupted */
	uint64_t file_key;		/* files: inode, size and mtime at the last read */
	/* The entries are shared with the apply thread's copies, never copied
	 * (tw_sources_lend): a copy's source borrows them and never frees
	 * them; the loop's, while lent, neither frees nor changes them. */
	bool borrowed;
	unsigned lent;
	struct tw_seen **retired;	/* replaced while lent: freed when no longer */
	size_t n_retired;
};

struct tw_sources {
	struct tw_source s[TW_MAX_SOURCES];
	unsigned n;
};

/* A new source, or NULL when TW_MAX_SOURCES are in use. */
struct tw_source *tw_sources_add(struct tw_sources *ss, enum tw_source_kind kind,
				 const char *name, const char *url);
/* Takes a parsed list: 0 when accepted, -EBADMSG when the guard refused it
 * (why says so, and the source keeps its last good list), -ENOMEM. URL
 * sources keep entries missing from the new list until they expire; files
 * are taken as they are. force skips the shrink check (never the empty one,
 * except for deny files, which may be empty). */
int tw_source_accept(struct tw_source *s, const struct tw_feed *feed, int64_t now,
		     const struct tw_feed_policy *pol, bool force, char *why, size_t whylen);
/* A 304: the last good list is still current. */
void tw_source_confirm(struct tw_source *s, int64_t now);
/* Drops fetched entries unseen for longer than expire_s; returns how many. */
size_t tw_source_expire(struct tw_source *s, int64_t now, unsigned expire_s);
/* When the last seen time of entry i counts from (a 304 refreshes the list). */
int64_t tw_source_entry_seen(const struct tw_source *s, size_t i);
/* Reads and accepts a file source (feed or deny file); err says why not. */
int tw_source_read_file(struct tw_source *s, int64_t now, const struct tw_feed_policy *pol,
			bool force, char *err, size_t errlen);
int tw_source_read_snapshot(struct tw_source *s, int64_t now);
/* The next attempt (unix ms) after a success (the interval, +-10%), or after
 * failure number s->failures: retry_min doubling up to the interval, +-20%
 * jitter (rnd in [0,1)); never sooner than min_interval. */
int64_t tw_source_next_attempt(const struct tw_source *s, int64_t now_ms, bool success,
			       const struct tw_feed_policy *pol, double rnd);

/* The union of the sources' entries; the snapshot only if no other source
 * has any. */
int tw_sources_build_set(const struct tw_sources *ss, struct tw_exit_set *set);
/* The same, leaving out the sources whose bit is set in skip. */
int tw_sources_build_set_without(const struct tw_sources *ss, uint32_t skip,
				 struct tw_exit_set *set);
/* The newest good data among the sources in use: a list's own date if it
 * has one, else when it was last confirmed (fetched, or the file written). */
int64_t tw_sources_newest(const struct tw_sources *ss);
/* What the exit set is made of now, for the log: "exit-addresses (1200),
 * deny (3)", or the embedded snapshot with its age when nothing else has
 * data. Returns the sources in it as a bitmask. */
uint32_t tw_sources_in_use(const struct tw_sources *ss, int64_t now, char *buf, size_t len);
/* How many entries of a merged set each source lists. */
struct tw_set_counts {
	__u32 exact_v4, exact_v6, prefixes_v4, prefixes_v6;
};

/* Counts set's entries per source (a pass over the whole set: tens of ms
 * at 1M, so it runs where the set is built, not on the loop). */
void tw_sources_count_set(const struct tw_exit_set *set, struct tw_set_counts counts[TW_MAX_SOURCES]);
/* Fills the pinned per-source state from the sources and a set's counts
 * (NULL: the entry counts stay as they are in info). */
void tw_sources_describe(const struct tw_sources *ss, const struct tw_set_counts *counts,
			 struct tw_source_info info[TW_MAX_SOURCES]);
void tw_sources_free(struct tw_sources *ss);
/* A local file (a feed file or a deny file), read rather than fetched. */
static inline bool tw_source_is_file(const struct tw_source *s)
{
	return s->kind == TW_SOURCE_FILE || s->kind == TW_SOURCE_DENY;
}
/* The list a copy's source accepted (its entries, their counts and times,
 * its bad lines) moved into s; the rest of s (state, schedule, what the
 * loop noted of the file) stays s's own. */
void tw_source_take_list(struct tw_source *s, struct tw_source *from);
/* Entry arrays no source needs any more, to be freed by whoever holds
 * them: giving tens of MB back to the kernel costs ms, which the loop
 * hands to the apply thread. */
struct tw_retired {
	void **p;
	size_t n;
};
void tw_retired_free(struct tw_retired *r);

/* A copy of ss into to whose entries are ss's, lent: until
 * tw_sources_give_back(ss), ss's entries stay as they are (what replaces
 * them is new). Free to with tw_sources_free. */
void tw_sources_lend(struct tw_sources *ss, struct tw_sources *to);
/* The arrays replaced while lent, once no copy borrows them, move into out
 * (NULL, or no memory to note them: freed here). */
void tw_sources_give_back(struct tw_sources *ss, struct tw_retired *out);
/* s's entries replaced by fresh (n of them): the old freed, or kept until
 * no copy borrows them. */
void tw_source_replace_seen(struct tw_source *s, struct tw_seen *fresh, size_t n);
const char *tw_source_state_name(enum tw_source_state st);
const char *tw_source_kind_name(enum tw_source_kind k);

#endif
