/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One benchmark figure for the JSON report (tests/bench/bench_report.py): a
 * JSON line appended to $BENCH_RECORDS, nothing when it is unset. goal is
 * text such as "<= 30 ns", or NULL when the figure has none. Names and units
 * are the benchmarks' own literals: no escaping. */
#ifndef TW_BENCH_RECORD_H
#define TW_BENCH_RECORD_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static inline void bench_record(const char *section, const char *name, double value,
				const char *unit, const char *goal, bool met)
{
	const char *path = getenv("BENCH_RECORDS");
	FILE *f = path ? fopen(path, "a") : NULL;

	if (!f)
		return;
	fprintf(f, "{\"section\":\"%s\",\"case\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"", section,
		name, value, unit);
	if (goal)
		fprintf(f, ",\"goal\":\"%s\",\"met\":%s", goal, met ? "true" : "false");
	fprintf(f, "}\n");
	fclose(f);
}

#endif
