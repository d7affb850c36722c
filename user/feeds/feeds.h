/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Keeps the exit-list sources current for the daemon: schedules downloads
 * (with backoff and jitter), turns their answers into accepted or refused
 * lists, caches what was accepted, expires what is no longer listed, watches
 * the local files, and raises feed_rejected and feed_stale. The daemon
 * merges and applies the result. */
#ifndef TW_FEEDS_H
#define TW_FEEDS_H

#include <json-c/json.h>
#include <limits.h>
#include "alerts/emit.h"
#include "common/fetch.h"
#include "config/run_opts.h"
#include "feeds/source_state.h"


/* What a call changed: the sources' state, their entries (apply them), the
 * allow files' entries (write the allowlist). */
enum { TW_FEEDS_STATE = 1, TW_FEEDS_DATA = 2, TW_FEEDS_ALLOW = 4 };

struct tw_feeds {
	struct tw_sources sources;
	struct tw_feed_policy pol;
	struct tw_fetch_limits limits;
	unsigned stale_after_s;
	char cache_dir[PATH_MAX];
	struct tw_fetcher *fetcher;
	/* Allow files: their entries go to the XDP allowlist. */
	const char *allow_files[TW_MAX_LIST_FILES];
	size_t n_allow_files;
	struct tw_prefix *allow;
	size_t n_allow;
	/* inotify on the directories of the local files. */
	int inotify_fd;
	int wd[TW_MAX_SOURCES + TW_MAX_LIST_FILES];
	const char *watched[TW_MAX_SOURCES + TW_MAX_LIST_FILES];
	size_t n_watched;
	bool stale;		/* a feed_stale alert is out and the data is still old */
	bool round_active;	/* 'feed update' waits for the fetches in flight */
	uint32_t rounds_done;
	int64_t last_expiry;
	/* Local files read off the loop (file_reads.h): */
	bool defer_files;
	bool files_force;	/* a 'feed update --force' waits for them */
	uint64_t files_wanted, files_taken;
	struct tw_emitter *out;	/* feed_rejected, feed_stale */
};

/* The feeds' part of the options (daemon/exit_feed.c makes it): what the
 * feeds read, and nothing else. The pointers must outlive the feeds. */
struct tw_feeds_settings {
	unsigned builtin_on;		/* bit i: tw_builtin_sources[i] is enabled */
	const struct tw_source_conf *source_conf;	/* [source NAME] sections */
	size_t n_source_conf;
	const char *const *feeds;	/* --feed URLs and files */
	size_t n_feeds;
	const char *const *deny_files;
	size_t n_deny_files;
	const char *const *allow_files;
	size_t n_allow_files;
	unsigned feed_interval_s;	/* for --feed URLs */
	const char *state_dir;		/* the caches: STATE_DIR/feeds */
	/* What a SIGHUP may change: */
	struct tw_feed_policy pol;
	struct tw_fetch_limits limits;
	unsigned stale_after_s;
	bool check_only;		/* --check-config: read and checked, no cache dir, no downloads */
};

/* Sets up every source from s: built-ins, [source] sections, --feed URLs
 * and files, deny files, the snapshot; reads the files and the caches
 * (fetches start on the first tick). Returns 0 or -1 with one sentence in
 * err; tw_feeds_close then frees what was set up. */
int tw_feeds_open(struct tw_feeds *f, const struct tw_feeds_settings *s, struct tw_emitter *out,
		  char *err, size_t errlen);
void tw_feeds_close(struct tw_feeds *f);
/* The settings a SIGHUP can change: guard, expiry, staleness, retries and
 * download limits (the list of sources needs a restart). */
void tw_feeds_set_policy(struct tw_feeds *f, const struct tw_feeds_settings *s);
int tw_feeds_fetch_fd(const struct tw_feeds *f);
int tw_feeds_watch_fd(const struct tw_feeds *f);	/* -1 without local files */
/* Starts the downloads that are due, expires entries, checks staleness. */
int tw_feeds_tick(struct tw_feeds *f, int64_t now);
/* Takes the finished downloads. */
int tw_feeds_collect(struct tw_feeds *f, int64_t now);
/* 'feed update': every fetched source now (each within its publisher's
 * limit) and every file again; force: the shrink guard is off this once. */
int tw_feeds_request(struct tw_feeds *f, bool force, int64_t now);
/* Re-reads feed files, deny files and allow files (SIGHUP, or they changed). */
int tw_feeds_reload_files(struct tw_feeds *f, bool force, int64_t now);
/* Drains inotify; true when a watched file changed. */
bool tw_feeds_files_changed(struct tw_feeds *f);
/* True once per finished 'feed update' round. */
bool tw_feeds_round_finished(struct tw_feeds *f);

#endif
