// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the exit-list parsers (both formats, detection) on any bytes. */
#include <stdint.h>
#include <stdio.h>
#include "exitset/exit_set.h"
#include "feeds/list_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_exit_set set = {};
	struct tw_feed feed;
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (!tw_feed_parse(f, &feed)) {
		/* What the parser keeps must merge and be found again. */
		if (!tw_exit_set_add_feed(&set, &feed, 0)) {
			tw_exit_set_finalize(&set);
			for (size_t i = 0; i < feed.n; i++)
				if (!tw_exit_set_find(&set, &feed.entries[i]))
					__builtin_trap();
		}
		tw_exit_set_free(&set);
		tw_feed_free(&feed);
	}
	fclose(f);
	return 0;
}
