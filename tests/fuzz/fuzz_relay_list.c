// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: relay lists (lines, exit-addresses, Onionoo JSON) are hostile
 * text; a list that parses sorts, and every entry is found by its key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sensors/torclient/relay_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_relay_list l = {};
	char why[200];

	if (!tw_relay_list_parse((const char *)data, size, 1, &l, why, sizeof(why))) {
		tw_relay_list_sort(&l);
		for (size_t i = 0; i < l.n; i++)
			if (tw_relay_list_find(&l, &l.e[i].key) != &l.e[i])
				__builtin_trap();
	}
	tw_relay_list_free(&l);
	return 0;
}
