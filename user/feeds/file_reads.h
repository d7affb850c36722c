/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The local list files, read off the event loop. Once the daemon runs, a
 * file that changed (SIGHUP, inotify, 'feed update') is only marked wanted
 * here; the apply thread reads and parses it into a copy of the sources
 * (a 1M-line file takes about half a second), builds the set from that
 * copy, and the loop then takes the copy's files back with what their
 * read said: the same logs, refusals and states as a read on the loop. */
#ifndef TW_FILE_READS_H
#define TW_FILE_READS_H

#include <stdbool.h>
#include <stdint.h>
#include "feeds/feeds.h"

struct tw_file_reads {
	struct tw_sources *lender;	/* the loop's sources */
	struct tw_sources copy;		/* borrowing their entries; a file read its own */
	bool read;			/* the files are to be read into copy */
	bool force;
	int64_t now;
	struct tw_feed_policy pol;
	uint64_t wanted;		/* the request this read answers */
	int ret[TW_MAX_SOURCES];	/* of each file's read */
	char err[TW_MAX_SOURCES][512];
};

/* From now on, tw_feeds_reload_files marks the files wanted instead of
 * reading them on the caller's thread. */
void tw_feeds_defer_files(struct tw_feeds *f);
/* Loop: a copy of the sources into r (their entries lent, not copied),
 * with the files to read when some are wanted. */
void tw_file_reads_begin(struct tw_feeds *f, struct tw_file_reads *r, int64_t now);
/* Any thread: reads and parses the files into r->copy (when r->read). */
void tw_file_reads_run(struct tw_file_reads *r);
/* Loop: the files read into r->copy become the sources' own, and each
 * read's outcome is said; TW_FEEDS_* of what changed. */
int tw_feeds_take_file_reads(struct tw_feeds *f, struct tw_file_reads *r);
/* Loop: the lent entries given back (the arrays freed by it into out). */
void tw_file_reads_give_back(struct tw_file_reads *r, struct tw_retired *out);
/* Frees r's copy: on the loop, or on any thread once given back. */
void tw_file_reads_free(struct tw_file_reads *r);

#endif
