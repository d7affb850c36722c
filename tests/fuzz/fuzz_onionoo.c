// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the Onionoo parser on any bytes. What it keeps must be exact
 * addresses that print and parse back to themselves. */
#include <stdint.h>
#include <stdlib.h>
#include "feeds/onionoo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_feed feed;
	char err[200];

	if (tw_feed_parse_onionoo((const char *)data, size, &feed, err, sizeof(err)))
		return 0;
	for (size_t i = 0; i < feed.n; i++) {
		char text[TW_ADDR_STRLEN];
		struct tw_prefix back;
		const char *why;

		if (!tw_prefix_is_exact(&feed.entries[i]))
			__builtin_trap();
		tw_prefix_format(&feed.entries[i], text, sizeof(text));
		if (tw_prefix_parse(text, &back, &why) || tw_prefix_cmp(&back, &feed.entries[i]))
			__builtin_trap();
	}
	tw_feed_free(&feed);
	return 0;
}
