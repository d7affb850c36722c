// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: address/CIDR parsing and its round trip through formatting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_prefix p, q;
	const char *why;
	char *text = malloc(size + 1), out[TW_ADDR_STRLEN];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!tw_prefix_parse(text, &p, &why)) {
		tw_prefix_format(&p, out, sizeof(out));
		if (tw_prefix_parse(out, &q, &why) || tw_prefix_cmp(&p, &q))
			__builtin_trap();
	}
	free(text);
	return 0;
}
