/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the latency probes: clocks, ISO-8601 parsing, reading the alert
 * file until every probe has its alert, and the percentile report. */
#ifndef ALERT_LATENCY_H
#define ALERT_LATENCY_H

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../bench_record.h"
#include "../json_path.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "2026-11-22T19:45:13.123456Z" -> unix seconds. */
static double parse_iso(const char *s)
{
	struct tm tm = { 0 };
	const char *frac = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	if (!frac)
		return 0;
	return (double)timegm(&tm) + (*frac == '.' ? atof(frac) : 0);
}

/* Reads path as it grows until every one of n probes has its alert, or 3 s
 * pass. match gets each alert (once) and returns the index of the probe it
 * belongs to among those still without one (written[i] == 0), or -1. Fills,
 * per probe, when the alert was written and when the kernel saw the event. */
static int collect(const char *path, int n,
		   int (*match)(struct json_object *a, const double *written), double *written,
		   double *seen)
{
	FILE *f = NULL;
	int found = 0;
	char line[16384];

	for (double deadline = now_s() + 3; found < n && now_s() < deadline; usleep(20000)) {
		if (!f && !(f = fopen(path, "r")))
			continue;
		clearerr(f);
		while (found < n && fgets(line, sizeof(line), f)) {
			struct json_object *a = json_tokener_parse(line);
			int i = a ? match(a, written) : -1;

			if (i >= 0 && i < n && written[i] == 0) {
				written[i] = parse_iso(json_path(a, "event.created"));
				seen[i] = parse_iso(json_path(a, "@timestamp"));
				found++;
			}
			json_object_put(a);
		}
	}
	if (f)
		fclose(f);
	return found;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* p50 and p99 of one row, for the bench report. */
static void record_latency(const char *what, double p50, double p99, double goal_s)
{
	/* BENCH_CONDITION names what else the daemon was doing (busy loop). */
	const char *cond = getenv("BENCH_CONDITION");
	char name[200], goal[32];

	snprintf(name, sizeof(name), "%s: %s%s%s, p50", program_invocation_short_name, what,
		 cond ? ", while " : "", cond ? cond : "");
	bench_record("events", name, p50 * 1e3, "ms", NULL, false);
	snprintf(name, sizeof(name), "%s: %s%s%s, p99", program_invocation_short_name, what,
		 cond ? ", while " : "", cond ? cond : "");
	snprintf(goal, sizeof(goal), "< %.0f ms", goal_s * 1e3);
	bench_record("events", name, p99 * 1e3, "ms", goal_s > 0 ? goal : NULL, p99 < goal_s);
}

static void report(const char *what, double *lat, int n, double goal_s)
{
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	record_latency(what, lat[n / 2], lat[(n * 99) / 100], goal_s);
	printf("  %-44s %8.3f %8.3f %8.3f", what, lat[n / 2] * 1e3, lat[(n * 99) / 100] * 1e3,
	       lat[n - 1] * 1e3);
	if (goal_s > 0)
		printf("  (goal: p99 < %.0f) %s", goal_s * 1e3,
		       lat[(n * 99) / 100] < goal_s ? "met" : "MISSED");
	printf("\n");
}

#endif
