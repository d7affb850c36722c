// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: UTF-8 repair on any bytes: the result is always valid, valid
 * input comes back unchanged, and an alert holding the bytes renders as one
 * JSON line that json-c reads back. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "alerts/ecs.h"
#include "common/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *fixed;
	struct json_object *a, *back;
	const char *line;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	size = strlen(text);	/* C strings: up to the first NUL */
	fixed = tw_utf8_repair(text, size);
	if (!fixed || !tw_utf8_valid(fixed, strlen(fixed)))
		__builtin_trap();
	if (tw_utf8_valid(text, size) && strcmp(fixed, text))
		__builtin_trap();
	a = tw_alert_new(&tw_rule_unexpected_listen_port, text, 0);
	tw_json_set(a, "process.command_line", json_object_new_string(text));
	line = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	if (strchr(line, '\n') || !tw_utf8_valid(line, strlen(line)))
		__builtin_trap();
	back = json_tokener_parse(line);
	if (!back || strcmp(json_object_get_string(json_object_object_get(
				   json_object_object_get(back, "process"), "command_line")),
			    fixed))
		__builtin_trap();
	json_object_put(back);
	json_object_put(a);
	free(fixed);
	free(text);
	return 0;
}
