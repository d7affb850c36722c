/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Alerts about the exit set itself: a list the guard refused, and data that
 * has grown older than the owner allows. */
#ifndef TW_FEED_ALERTS_H
#define TW_FEED_ALERTS_H

#include <json-c/json.h>
#include "feeds/source_state.h"

/* s refused a list for why; s still holds its last good data. now_ns: unix
 * nanoseconds, the alert's @timestamp (to the microsecond, so that it sorts
 * after the alerts written before it). */
struct json_object *tw_feed_alert_rejected(const struct tw_source *s, const char *why,
					   int64_t now_ns);
/* The newest good data (unix s, 0 = none) is older than stale_after_s. */
struct json_object *tw_feed_alert_stale(const struct tw_sources *ss, int64_t newest,
					unsigned stale_after_s, int64_t now_ns);

#endif
