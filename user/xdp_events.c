// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "xdp_events.h"

#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "timeutil.h"

static void add_indicator(struct json_object *a, const struct tw_prefix *src, __u32 mask,
			  const struct tw_source_info sources[TW_MAX_SOURCES])
{
	struct json_object *feeds = json_object_new_array();
	char ip[TW_ADDR_STRLEN];

	tw_prefix_format(src, ip, sizeof(ip));
	tw_json_set(a, "threat.indicator.ip", json_object_new_string(ip));
	tw_json_set(a, "threat.indicator.type",
		    json_object_new_string(src->family == AF_INET ? "ipv4-addr" : "ipv6-addr"));
	tw_json_set(a, "threat.indicator.description", json_object_new_string("Tor exit node"));
	for (unsigned i = 0; i < TW_MAX_SOURCES; i++)
		if ((mask & (1u << i)) && sources[i].in_use)
			json_object_array_add(feeds, json_object_new_string(sources[i].name));
	if (json_object_array_length(feeds))
		tw_json_set(a, "threat.indicator.provider",
			    json_object_get(json_object_array_get_idx(feeds, 0)));
	tw_json_set(a, "threat.feed.name", feeds);
}

struct json_object *tw_xdp_event_to_alert(const struct tw_event *ev,
					  const struct tw_source_info sources[TW_MAX_SOURCES])
{
	const struct tw_rule *rule = &tw_rule_tor_traffic;
	struct tw_prefix src, dst;
	char ifname[IF_NAMESIZE], pbuf[8];
	bool ports = ev->proto == IPPROTO_TCP || ev->proto == IPPROTO_UDP;
	struct json_object *a = tw_alert_new(rule, rule->name, tw_mono_to_unix_ns(ev->ts_ns));

	tw_prefix_from_in6(ev->saddr.addr, &src);
	tw_prefix_from_in6(ev->daddr.addr, &dst);
	tw_alert_set_endpoint(a, "source", &src, ports, ev->sport);
	tw_alert_set_endpoint(a, "destination", &dst, ports, ev->dport);
	tw_json_set(a, "network.transport",
		    json_object_new_string(tw_proto_name(ev->proto, pbuf, sizeof(pbuf))));
	tw_json_set(a, "network.iana_number", json_object_new_string(
		    (snprintf(pbuf, sizeof(pbuf), "%u", ev->proto), pbuf)));
	tw_json_set(a, "network.type", json_object_new_string(ev->family == AF_INET ? "ipv4" : "ipv6"));
	if (if_indextoname(ev->ifindex, ifname))
		tw_json_set(a, "observer.ingress.interface.name", json_object_new_string(ifname));
	add_indicator(a, &src, ev->sources, sources);
	return a;
}

void tw_xdp_event_alert(const struct tw_event *ev,
			const struct tw_source_info sources[TW_MAX_SOURCES],
			struct tw_alert_sink *sink)
{
	struct json_object *a = tw_xdp_event_to_alert(ev, sources);

	if (tw_alert_write(sink, a))
		tw_warn("cannot write an alert: %m");
	json_object_put(a);
}
