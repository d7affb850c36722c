/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The rule catalogue: every alert torwatch raises, with where it comes from
 * (kernel hook, ABI record, the code that builds the alert), so that one
 * table answers "where does this alert come from". docs/rules.md describes
 * each; tests/unit/test_rules.c checks that the files named here exist. */
#ifndef TW_RULES_H
#define TW_RULES_H

#include <stdbool.h>
#include <stddef.h>

struct tw_rule {
	const char *id;
	const char *name;
	const char *severity;	/* low, medium, high, critical, info */
	const char *hook;	/* the BPF program that sees it; NULL for userspace rules */
	const char *abi;	/* the record it crosses to userspace in (headers/) */
	const char *builder;	/* the file that turns it into an alert */
};

extern const struct tw_rule tw_rule_tor_traffic;
extern const struct tw_rule tw_rule_tor_blocked;
extern const struct tw_rule tw_rule_tor_source_storm;
extern const struct tw_rule tw_rule_ssh_from_tor;
extern const struct tw_rule tw_rule_unexpected_listen_port;
extern const struct tw_rule tw_rule_feed_rejected;
extern const struct tw_rule tw_rule_feed_stale;
extern const struct tw_rule tw_rule_events_lost;
extern const struct tw_rule tw_rule_sshd_child_egress;
extern const struct tw_rule tw_rule_ssh_login_from_tor;
extern const struct tw_rule tw_rule_tor_icmp_tunnel;
extern const struct tw_rule tw_rule_tor_dns_tunnel;
extern const struct tw_rule tw_rule_tor_client_connection;
extern const struct tw_rule tw_rule_tor_proxy_use;

/* Every rule, NULL-terminated. */
extern const struct tw_rule *const tw_rules[];
/* The rule called id, or NULL. */
const struct tw_rule *tw_rule_find(const char *id);
/* Every rule's id, separated by ", ", for a message that names them. */
void tw_rule_ids(char *buf, size_t len);
/* Its position in tw_rules[] (counts by rule are kept in that order), or -1. */
int tw_rule_index(const char *id);

/* ECS event.severity as Elastic risk scores: low 21 ... critical 99, info 0. */
int tw_severity_score(const char *severity);
/* Is score high or critical: what is written ahead and never made room with? */
bool tw_severity_is_high(int score);

#endif
