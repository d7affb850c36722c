// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/exit/tunnel_alerts.h"

#include <stdio.h>
#include "alerts/ecs.h"
#include "common/addr.h"
#include "common/timeutil.h"
#include "alerts/exit_events.h"

struct json_object *tw_tunnel_alert(const struct tw_event *ev, const struct tw_tunnel_state *st,
				    const struct tw_tunnel_config *cfg,
				    const struct tw_source_info sources[TW_MAX_SOURCES])
{
	bool icmp = ev->kind == TW_EV_ICMP_TUNNEL;
	struct json_object *a = tw_event_to_alert(ev, sources);
	char ip[TW_ADDR_STRLEN], msg[160], t[40];
	struct tw_prefix src;

	/* The common part (rule, source, destination, transport, indicator) as
	 * for every XDP event; the message and the tunnel's figures here. */
	if (!a)
		return NULL;
	tw_prefix_from_in6(ev->saddr.addr, &src);
	tw_prefix_format(&src, ip, sizeof(ip));
	snprintf(msg, sizeof(msg), "Possible %s tunnel from Tor Exit Node (%s)", icmp ? "ICMP" : "DNS",
		 ip);
	tw_json_set(a, "message", json_object_new_string(msg));
	tw_json_set(a, "torwatch.tunnel.window_s",
		    json_object_new_int64((int64_t)(cfg->window_ns / TW_NS_PER_SEC)));
	if (!st)
		return a;
	uint64_t bytes = icmp ? st->icmp_bytes : st->dns_bytes;
	uint32_t packets = icmp ? st->icmp_packets : st->dns_packets;
	uint32_t marked = icmp ? st->icmp_large : st->dns_long;

	/* The window is copied while XDP goes on counting in it: a count read
	 * later may be ahead of one read earlier, never the other way round. */
	if (marked > packets)
		packets = marked;

	tw_json_set(a, "torwatch.tunnel.bytes", json_object_new_int64((int64_t)bytes));
	tw_json_set(a, "torwatch.tunnel.packets", json_object_new_int64(packets));
	tw_json_set(a, "torwatch.tunnel.bytes_per_packet",
		    json_object_new_int64(packets ? (int64_t)(bytes / packets) : 0));
	tw_format_iso8601_ns(tw_mono_to_unix_ns(st->window_start_ns), t, sizeof(t));
	tw_json_set(a, "torwatch.tunnel.window_start", json_object_new_string(t));
	if (icmp) {
		tw_json_set(a, "torwatch.tunnel.large_packets", json_object_new_int64(st->icmp_large));
		tw_json_set(a, "torwatch.tunnel.max_payload", json_object_new_int64(st->icmp_max_payload));
		tw_json_set(a, "torwatch.tunnel.limit_payload", json_object_new_int64(cfg->icmp_payload));
	} else {
		tw_json_set(a, "torwatch.tunnel.long_names", json_object_new_int64(st->dns_long));
		tw_json_set(a, "torwatch.tunnel.longest_name", json_object_new_int64(st->dns_longest_name));
		tw_json_set(a, "torwatch.tunnel.limit_name", json_object_new_int64(cfg->dns_name));
	}
	return a;
}
