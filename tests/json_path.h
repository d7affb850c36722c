/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* For tests reading alerts: the string at a dotted path ("event.kind"). */
#ifndef TW_TEST_JSON_PATH_H
#define TW_TEST_JSON_PATH_H

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* NULL when a member on the way is missing. */
static inline const char *json_path(struct json_object *o, const char *path)
{
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, tok, &o))
			return NULL;
	return json_object_get_string(o);
}

#endif
