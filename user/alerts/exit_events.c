// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/exit_events.h"

#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"

void tw_alert_add_exit_indicator(struct json_object *a, const struct tw_prefix *src, __u32 mask,
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

static const struct tw_rule *rule_of(__u32 kind)
{
	switch (kind) {
	case TW_EV_TOR_TRAFFIC:
		return &tw_rule_tor_traffic;
	case TW_EV_TOR_BLOCKED:
		return &tw_rule_tor_blocked;
	case TW_EV_SSH_FROM_TOR:
		return &tw_rule_ssh_from_tor;
	case TW_EV_ICMP_TUNNEL:
		return &tw_rule_tor_icmp_tunnel;
	case TW_EV_DNS_TUNNEL:
		return &tw_rule_tor_dns_tunnel;
	default:
		return NULL;
	}
}

struct json_object *tw_event_to_alert(const struct tw_event *ev,
				      const struct tw_source_info sources[TW_MAX_SOURCES])
{
	const struct tw_rule *rule = rule_of(ev->kind);
	struct tw_prefix src, dst;
	char ifname[IF_NAMESIZE], pbuf[8], ip[TW_ADDR_STRLEN], msg[160];
	bool ports = ev->proto == IPPROTO_TCP || ev->proto == IPPROTO_UDP;
	struct json_object *a;

	if (!rule) {
		tw_warn("ignoring a kernel event of unknown kind %u", ev->kind);
		return NULL;
	}
	tw_prefix_from_in6(ev->saddr.addr, &src);
	tw_prefix_from_in6(ev->daddr.addr, &dst);
	tw_prefix_format(&src, ip, sizeof(ip));
	if (ev->kind == TW_EV_SSH_FROM_TOR)
		snprintf(msg, sizeof(msg), "SSH Connection Established from TOR Exit Node (%s)", ip);
	else if (ev->kind == TW_EV_TOR_BLOCKED && ev->dry_run)
		snprintf(msg, sizeof(msg),
			 "Tor Exit Node Traffic to port %u Would Be Blocked (dry run, let through)",
			 ev->dport);
	else if (ev->kind == TW_EV_TOR_BLOCKED)
		snprintf(msg, sizeof(msg), "Blocked Tor Exit Node Traffic to port %u", ev->dport);
	else
		snprintf(msg, sizeof(msg), "%s", rule->name);

	a = tw_alert_new(rule, msg, tw_mono_to_unix_ns(ev->ts_ns));
	tw_alert_set_record_id(a, ev, sizeof(*ev));
	tw_alert_set_endpoint(a, "source", &src, ports, ev->sport);
	tw_alert_set_endpoint(a, "destination", &dst, ports, ev->dport);
	tw_json_set(a, "network.transport",
		    json_object_new_string(tw_proto_name(ev->proto, pbuf, sizeof(pbuf))));
	snprintf(pbuf, sizeof(pbuf), "%u", ev->proto);
	tw_json_set(a, "network.iana_number", json_object_new_string(pbuf));
	tw_json_set(a, "network.type", json_object_new_string(ev->family == AF_INET ? "ipv4" : "ipv6"));
	if (ev->ifindex && if_indextoname(ev->ifindex, ifname))
		tw_json_set(a, "observer.ingress.interface.name", json_object_new_string(ifname));
	if (ev->kind == TW_EV_TOR_BLOCKED) {
		struct json_object *type = json_object_new_array();

		json_object_array_add(type, json_object_new_string(ev->dry_run ? "allowed" : "denied"));
		tw_json_set(a, "event.type", type);
		tw_json_set(a, "torwatch.dry_run", json_object_new_boolean(ev->dry_run));
	}
	tw_alert_add_exit_indicator(a, &src, ev->sources, sources);
	return a;
}
