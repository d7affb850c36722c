/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* XDP ring-buffer events turned into tor_traffic alerts. */
#ifndef TW_XDP_EVENTS_H
#define TW_XDP_EVENTS_H

#include <json-c/json.h>
#include "alert.h"
#include "torwatch.h"

/* Builds the alert for ev; sources names the feeds by bit. */
struct json_object *tw_xdp_event_to_alert(const struct tw_event *ev,
					  const struct tw_source_info sources[TW_MAX_SOURCES]);
void tw_xdp_event_alert(const struct tw_event *ev,
			const struct tw_source_info sources[TW_MAX_SOURCES],
			struct tw_alert_sink *sink);

#endif
