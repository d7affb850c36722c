/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* For cmocka tests of the feed parsers: entry i of a parsed feed, as text. */
#ifndef TW_TEST_FEED_ASSERT_H
#define TW_TEST_FEED_ASSERT_H

#include "feeds/list_parse.h"

/* Include after <cmocka.h>. */
static inline void assert_entry(const struct tw_feed *feed, size_t i, const char *want)
{
	char buf[TW_ADDR_STRLEN];

	assert_true(i < feed->n);
	tw_prefix_format(&feed->entries[i], buf, sizeof(buf));
	assert_string_equal(buf, want);
}

#endif
