/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by feeds.c, feed_rounds.c and file_reads.c only. */
#ifndef TW_FEEDS_INTERNAL_H
#define TW_FEEDS_INTERNAL_H

#include "feeds/feeds.h"

/* The lines of s's last list that did not parse, logged. */
void tw_feeds_log_bad_lines(const struct tw_source *s);
/* Has the file of s changed (inode, size, mtime) since the last call? The
 * first call says yes; it notes what it saw. */
bool tw_feed_file_changed(struct tw_source *s);
/* Stamps s's attempt on disk (STATE_DIR/feeds/NAME.attempt). */
void tw_feeds_note_attempt(const struct tw_feeds *f, const struct tw_source *s);

/* The allow files read (again) into f->allow. 0, or -1 with one sentence. */
int tw_feeds_read_allow_files(struct tw_feeds *f, char *err, size_t errlen);
/* s's new list refused (why): its last good data stays, feed_rejected is
 * raised, and the next attempt is scheduled. */
void tw_feeds_refused(struct tw_feeds *f, struct tw_source *s, int64_t now, const char *why);
/* What the read of file source s said (ret and err of tw_source_read_file):
 * its state, the log, a refusal's alert. TW_FEEDS_* */
int tw_feeds_file_read(struct tw_feeds *f, struct tw_source *s, int ret, const char *err,
		       int64_t now);

#endif
