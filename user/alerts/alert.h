/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Alerts: one ECS JSON object per line, built with json-c so that hostile
 * strings are escaped correctly. */
#ifndef TW_ALERT_H
#define TW_ALERT_H

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include "common/addr.h"

struct tw_rule {
	const char *id;
	const char *name;
	const char *severity;	/* low, medium, high, critical, info */
};

extern const struct tw_rule tw_rule_tor_traffic;
extern const struct tw_rule tw_rule_tor_blocked;
extern const struct tw_rule tw_rule_ssh_from_tor;
extern const struct tw_rule tw_rule_unexpected_listen_port;
extern const struct tw_rule tw_rule_feed_rejected;
extern const struct tw_rule tw_rule_feed_stale;

/* ECS event.severity as Elastic risk scores: low 21 ... critical 99, info 0. */
int tw_severity_score(const char *severity);

/* A new alert with @timestamp, message, event.*, log.level, rule.*, host.hostname. */
struct json_object *tw_alert_new(const struct tw_rule *rule, const char *message, int64_t unix_ns);
/* Sets obj.path (dotted, e.g. "source.ip") creating the nested objects on the way. */
void tw_json_set(struct json_object *obj, const char *path, struct json_object *val);
/* Sets "<side>.ip" and "<side>.port" (port omitted when has_port is 0). */
void tw_alert_set_endpoint(struct json_object *alert, const char *side, const struct tw_prefix *a,
			   int has_port, uint16_t port);
/* "tcp", "udp", "icmp", "ipv6-icmp", or the protocol number as text. */
const char *tw_proto_name(uint8_t proto, char *buf, size_t len);

struct tw_alert_sink {
	FILE *f;
	int owned;
};

/* path "-" is stdout; else the file is opened for appending. */
int tw_alert_sink_open(struct tw_alert_sink *s, const char *path, char *err, size_t errlen);
int tw_alert_write(struct tw_alert_sink *s, struct json_object *alert);
void tw_alert_sink_close(struct tw_alert_sink *s);

#endif
