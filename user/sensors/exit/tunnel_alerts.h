/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tor_icmp_tunnel and tor_dns_tunnel: an XDP event (TW_EV_ICMP_TUNNEL,
 * TW_EV_DNS_TUNNEL) with the source's window as the tunnel_state map holds
 * it when the event is read. */
#ifndef TW_TUNNEL_ALERTS_H
#define TW_TUNNEL_ALERTS_H

#include <json-c/json.h>
#include "torwatch.h"
#include "tw_status.h"

/* The alert; st NULL when the window was no longer in the map (the alert
 * then carries the event alone). */
struct json_object *tw_tunnel_alert(const struct tw_event *ev, const struct tw_tunnel_state *st,
				    const struct tw_tunnel_config *cfg,
				    const struct tw_source_info sources[TW_MAX_SOURCES]);

#endif
