/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel events (struct tw_event) turned into alerts: tor_traffic and
 * tor_blocked from XDP, ssh_from_tor from the tracepoint: built here, emitted
 * by the sensor that read the record (every builder returns its alert). */
#ifndef TW_ALERTS_EXIT_EVENTS_H
#define TW_ALERTS_EXIT_EVENTS_H

#include <json-c/json.h>
#include "alerts/ecs.h"
#include "alerts/emit.h"
#include "torwatch.h"
#include "tw_status.h"

/* threat.indicator.* and threat.feed.name for an exit-node address src,
 * naming the sources of mask. */
void tw_alert_add_exit_indicator(struct json_object *a, const struct tw_prefix *src, __u32 mask,
				 const struct tw_source_info sources[TW_MAX_SOURCES]);
/* Builds the alert for ev (NULL for an unknown kind, which is logged);
 * sources names the feeds by bit. The caller emits it. */
struct json_object *tw_event_to_alert(const struct tw_event *ev,
				      const struct tw_source_info sources[TW_MAX_SOURCES]);

#endif
