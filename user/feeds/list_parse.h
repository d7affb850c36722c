/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Parsers for exit lists: check.torproject.org exit-addresses and plain
 * lists (one address or CIDR per line). Input is hostile: every bad line is
 * counted, the first few are kept with their line number and reason, and no
 * bad line spoils the rest. */
#ifndef TW_LIST_PARSE_H
#define TW_LIST_PARSE_H

#include <stdint.h>
#include <stdio.h>
#include "common/addr.h"
#include "common/feed_format.h"
#include "exitset/exit_set.h"
#include "torwatch.h"

#define TW_FEED_MAX_REPORTED 5


struct tw_feed_error {
	unsigned long line;
	char reason[64];
	char excerpt[48];	/* the line, shortened, non-printables escaped */
};

struct tw_feed {
	struct tw_prefix *entries;
	size_t n, cap;
	unsigned long lines;
	unsigned long bad_lines;
	struct tw_feed_error errors[TW_FEED_MAX_REPORTED];
	int64_t newest_data;	/* unix seconds of the newest dated record, 0 if none */
	enum tw_feed_format format;
};

/* Parses a whole stream, detecting the format. Returns 0, or -errno if
 * reading failed or memory ran out (the feed is then unusable). */
int tw_feed_parse(FILE *f, struct tw_feed *feed);
/* Opens and parses path; on failure writes one sentence into err. */
int tw_feed_parse_file(const char *path, struct tw_feed *feed, char *err, size_t errlen);
/* The same from memory (a downloaded body). */
int tw_feed_parse_buffer(const char *buf, size_t len, struct tw_feed *feed);
void tw_feed_free(struct tw_feed *feed);
/* For the parsers: one more entry (-ENOMEM), one more bad item with its
 * excerpt and reason, and the newest data time seen. */
int tw_feed_add(struct tw_feed *feed, const struct tw_prefix *p);
void tw_feed_bad_item(struct tw_feed *feed, const char *item, size_t len, const char *reason);
void tw_feed_note_data_time(struct tw_feed *feed, int64_t t);
/* Parses "YYYY-MM-DD HH:MM:SS" (UTC) into unix seconds; -1 if malformed. */
int64_t tw_parse_utc(const char *text);

/* Adds the feed's entries to set as listed by source (bit number). */
int tw_exit_set_add_feed(struct tw_exit_set *set, const struct tw_feed *feed, unsigned source);

#endif
