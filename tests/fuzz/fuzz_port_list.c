// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: port lists with and without protocols, and their round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/port_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_port_set a, b, tcp, udp;
	char *text = malloc(size + 1), err[256], out[400000];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!tw_port_list_parse(text, &a, err, sizeof(err))) {
		/* Formatting and parsing again gives the same set. */
		tw_port_list_format(&a, out, sizeof(out));
		if (strcmp(out, "none") && (tw_port_list_parse(out, &b, err, sizeof(err)) ||
					    memcmp(&a, &b, sizeof(a))))
			__builtin_trap();
	}
	tw_port_list_parse_proto(text, &tcp, &udp, err, sizeof(err));
	free(text);
	return 0;
}
