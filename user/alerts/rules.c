// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/rules.h"

#include <stdio.h>
#include <string.h>

const struct tw_rule tw_rule_tor_traffic = {
	.id = "tor_traffic",
	.name = "Known Tor Exit Node Traffic",
	.severity = "low",
	.hook = "bpf/xdp/xdp_tor.bpf.c",
	.abi = "headers/torwatch.h: struct tw_event, TW_EV_TOR_TRAFFIC",
	.builder = "user/alerts/exit_events.c",
};

const struct tw_rule tw_rule_tor_icmp_tunnel = {
	.id = "tor_icmp_tunnel",
	.name = "Possible ICMP tunnel from Tor Exit Node",
	.severity = "medium",
	.hook = "bpf/include/tunnel.bpf.h",
	.abi = "headers/torwatch.h: struct tw_event, TW_EV_ICMP_TUNNEL, struct tw_tunnel_state",
	.builder = "user/sensors/exit/tunnel_alerts.c",
};

const struct tw_rule tw_rule_tor_dns_tunnel = {
	.id = "tor_dns_tunnel",
	.name = "Possible DNS tunnel from Tor Exit Node",
	.severity = "medium",
	.hook = "bpf/include/tunnel.bpf.h",
	.abi = "headers/torwatch.h: struct tw_event, TW_EV_DNS_TUNNEL, struct tw_tunnel_state",
	.builder = "user/sensors/exit/tunnel_alerts.c",
};

const struct tw_rule tw_rule_tor_blocked = {
	.id = "tor_blocked",
	.name = "Blocked Tor Exit Node Traffic",
	.severity = "info",
	.hook = "bpf/xdp/xdp_tor.bpf.c",
	.abi = "headers/torwatch.h: struct tw_event, TW_EV_TOR_BLOCKED",
	.builder = "user/alerts/exit_events.c",
};

const struct tw_rule tw_rule_tor_source_storm = {
	.id = "tor_source_storm",
	.name = "Tor Exit Traffic Storm",
	.severity = "medium",
	.hook = "bpf/xdp/xdp_tor.bpf.c",
	.abi = "headers/torwatch.h: struct tw_event, TW_EV_TOR_TRAFFIC, TW_EV_TOR_BLOCKED",
	.builder = "user/sensors/exit/source_storm.c",
};

const struct tw_rule tw_rule_ssh_from_tor = {
	.id = "ssh_from_tor",
	.name = "SSH Connection Established from TOR Exit Node",
	.severity = "critical",
	.hook = "bpf/trace/ssh_detect.bpf.c",
	.abi = "headers/torwatch.h: struct tw_event, TW_EV_SSH_FROM_TOR",
	.builder = "user/alerts/exit_events.c",
};

const struct tw_rule tw_rule_unexpected_listen_port = {
	.id = "unexpected_listen_port",
	.name = "Unexpected Port Opened",
	.severity = "high",
	.hook = "bpf/trace/listen_detect.bpf.c",
	.abi = "headers/torwatch.h: struct tw_listen_event",
	.builder = "user/sensors/listen/listen_policy.c",
};

const struct tw_rule tw_rule_feed_rejected = {
	.id = "feed_rejected",
	.name = "Exit List Update Rejected",
	.severity = "medium",
	.builder = "user/feeds/feed_alerts.c",
};

const struct tw_rule tw_rule_feed_stale = {
	.id = "feed_stale",
	.name = "Exit List Data Stale",
	.severity = "medium",
	.builder = "user/feeds/feed_alerts.c",
};

const struct tw_rule tw_rule_events_lost = {
	.id = "events_lost",
	.name = "Events or Alerts Lost",
	.severity = "medium",
	.abi = "headers/torwatch.h: TW_CNT_EVENTS_LOST, TW_CNT_SSH_EVENTS_LOST, TW_CNT_LISTEN_EVENTS_LOST",
	.builder = "user/alerts/loss_report.c",
};

const struct tw_rule tw_rule_sshd_child_egress = {
	.id = "sshd_child_egress",
	.name = "Network Connection Initiated by SSHD Child Process",
	.severity = "medium",	/* high when the session came from an exit node */
	.hook = "bpf/trace/session_track.bpf.c",
	.abi = "headers/tw_session.h: struct tw_session_event, TW_EV_SSHD_EGRESS",
	.builder = "user/sensors/session/session_alerts.c",
};

const struct tw_rule tw_rule_ssh_login_from_tor = {
	.id = "ssh_login_from_tor",
	.name = "SSH Login from TOR Exit Node",
	.severity = "critical",
	.hook = "bpf/trace/session_track.bpf.c",
	.abi = "headers/tw_session.h: struct tw_session_event, TW_EV_SSH_LOGIN",
	.builder = "user/sensors/session/session_alerts.c",
};

const struct tw_rule tw_rule_tor_client_connection = {
	.id = "tor_client_connection",
	.name = "Process Connects to the Tor Network",
	.severity = "high",	/* low when its executable may use Tor */
	.hook = "bpf/trace/tor_client.bpf.c",
	.abi = "headers/tw_tor_client.h: struct tw_tor_client_event, TW_TOR_RELAY",
	.builder = "user/sensors/torclient/torclient_alerts.c",
};

const struct tw_rule tw_rule_tor_proxy_use = {
	.id = "tor_proxy_use",
	.name = "Process Uses the Local Tor Proxy",
	.severity = "medium",
	.hook = "bpf/trace/tor_client.bpf.c",
	.abi = "headers/tw_tor_client.h: struct tw_tor_client_event, TW_TOR_PROXY",
	.builder = "user/sensors/torclient/torclient_alerts.c",
};

const struct tw_rule *const tw_rules[] = {
	&tw_rule_ssh_from_tor,	&tw_rule_unexpected_listen_port, &tw_rule_tor_traffic,
	&tw_rule_tor_blocked,	&tw_rule_feed_rejected,		 &tw_rule_feed_stale,
	&tw_rule_events_lost,	&tw_rule_sshd_child_egress,	 &tw_rule_ssh_login_from_tor,
	&tw_rule_tor_icmp_tunnel, &tw_rule_tor_dns_tunnel,	 &tw_rule_tor_client_connection,
	&tw_rule_tor_proxy_use,	&tw_rule_tor_source_storm,
	NULL,
};

int tw_rule_index(const char *id)
{
	for (int i = 0; tw_rules[i]; i++)
		if (!strcmp(tw_rules[i]->id, id))
			return i;
	return -1;
}

const struct tw_rule *tw_rule_find(const char *id)
{
	int i = tw_rule_index(id);

	return i < 0 ? NULL : tw_rules[i];
}

void tw_rule_ids(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; tw_rules[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 tw_rules[i]->id);
}

bool tw_severity_is_high(int score)
{
	return score >= tw_severity_score("high");
}

int tw_severity_score(const char *severity)
{
	static const struct {
		const char *word;
		int score;
	} scores[] = { { "low", 21 }, { "medium", 47 }, { "high", 73 }, { "critical", 99 } };

	for (size_t i = 0; i < sizeof(scores) / sizeof(scores[0]); i++)
		if (!strcmp(severity, scores[i].word))
			return scores[i].score;
	return 0;
}

