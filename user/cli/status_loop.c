// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch status: how long each input held the daemon's event loop (the
 * loop_stats map). A slow run there is a delay of every kernel event behind
 * it, so the owner can tell a late alert's cause: a busy disk under a spool,
 * a feed apply, a scrape. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "common/timeutil.h"
#include "tw_status.h"

static size_t in_use(const struct tw_loop_stat *st)
{
	size_t n = 0;

	while (n < TW_LOOP_STATS && st[n].name[0])
		n++;
	return n;
}

struct json_object *tw_loop_stats_json(const struct tw_loop_stat *st)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	size_t n = in_use(st);

	json_object_object_add(o, "slow_run_ms", json_object_new_int(TW_LOOP_SLOW_US / 1000));
	for (size_t i = 0; i < n; i++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "name", json_object_new_string_len(st[i].name,
					(int)strnlen(st[i].name, sizeof(st[i].name))));
		json_object_object_add(j, "runs", json_object_new_int64((int64_t)st[i].runs));
		json_object_object_add(j, "slow", json_object_new_int64((int64_t)st[i].slow));
		json_object_object_add(j, "longest_ms",
				       json_object_new_double((double)st[i].longest_us / 1000.0));
		json_object_object_add(j, "total_ms",
				       json_object_new_double((double)st[i].total_us / 1000.0));
		json_object_object_add(j, "last_slow_at", tw_json_time(st[i].last_slow_at));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "inputs", arr);
	return o;
}

void tw_loop_stats_print(const struct tw_loop_stat *st)
{
	size_t n = in_use(st), longest = 0;
	unsigned long long slow = 0;
	const char *sep = "";

	for (size_t i = 0; i < n; i++) {
		slow += st[i].slow;
		if (st[i].longest_us > st[longest].longest_us)
			longest = i;
	}
	if (!n)
		return;
	if (!slow) {
		printf("event loop:  no input held it %d ms or more; the longest run: '%.*s', %.1f ms\n",
		       TW_LOOP_SLOW_US / 1000, TW_LOOP_NAME_LEN, st[longest].name, (double)st[longest].longest_us / 1000.0);
		return;
	}
	printf("event loop:  held %d ms or more %llu time%s, kernel events waiting: ",
	       TW_LOOP_SLOW_US / 1000, slow, slow == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		char at[32];

		if (!st[i].slow)
			continue;
		tw_format_iso8601((int64_t)st[i].last_slow_at, at, sizeof(at));
		printf("%s'%.*s' %llu (longest %.1f ms, last at %s)", sep, TW_LOOP_NAME_LEN,
		       st[i].name, (unsigned long long)st[i].slow, (double)st[i].longest_us / 1000.0, at);
		sep = ", ";
	}
	printf("\n");
}
