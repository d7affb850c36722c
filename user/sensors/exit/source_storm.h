/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A flood from tens of thousands of listed sources must not become tens of
 * thousands of alerts a minute. The per-source alerts (tor_traffic,
 * tor_blocked) go out one by one up to a bound per window (a minute by
 * default); past it they fold into one tor_source_storm alert when the
 * window ends: how many sources,
 * how many alerts were folded, the packets the kernel counted for them, and
 * the top sources by packets. */
#ifndef TW_SENSORS_SOURCE_STORM_H
#define TW_SENSORS_SOURCE_STORM_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/exit_table.h"
#include "torwatch.h"

struct json_object;
struct tw_source_storm;

#define TW_STORM_TOP 10

/* Where the summary reads per-source counters: the exact IPv4 and IPv6
 * tables (mapped) and the sources that matched a prefix (an fd, -1: none). */
struct tw_storm_maps {
	struct tw_exit_table v4, v6;
	int src_stats;
};

/* limit: per-source alerts per window (window_ns) before they fold (0:
 * never). NULL when out of memory. */
struct tw_source_storm *tw_storm_new(uint32_t limit, uint64_t window_ns);
void tw_storm_free(struct tw_source_storm *s);
/* New settings (SIGHUP): from the next window on. */
void tw_storm_set_limit(struct tw_source_storm *s, uint32_t limit, uint64_t window_ns);
/* Does ev (TW_EV_TOR_TRAFFIC or TW_EV_TOR_BLOCKED) fold at now_ns? true: it
 * was counted into the minute's summary, and no alert of its own goes out. */
bool tw_storm_folds(struct tw_source_storm *s, const struct tw_event *ev, uint64_t now_ns);
/* When the window that folded alerts has ended by now_ns: its summary alert
 * (and the fold starts again), else NULL. */
struct json_object *tw_storm_summary(struct tw_source_storm *s, uint64_t now_ns,
				     const struct tw_storm_maps *maps);

#endif
