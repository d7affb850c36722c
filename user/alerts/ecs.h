/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Alerts as ECS JSON objects, built with json-c so that hostile strings are
 * escaped correctly. Detectors build them here and hand them to tw_emit(). */
#ifndef TW_ECS_H
#define TW_ECS_H

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include "common/addr.h"
#include "alerts/rules.h"

/* A new alert with @timestamp, message, event.* (event.id: 32 random hex
 * digits, unique per alert), log.level, rule.*, host.hostname. */
/* event.id from a kernel record (and this boot's id) instead of random
 * bits: the same record read again (by the daemon after one killed before
 * it marked the record read) gives the alert the same id, so a receiver
 * drops the second as a duplicate. */
void tw_alert_set_record_id(struct json_object *alert, const void *record, size_t len);
struct json_object *tw_alert_new(const struct tw_rule *rule, const char *message, int64_t unix_ns);
/* obj.path (dotted, e.g. "rule.id"), or NULL when a part is missing. */
struct json_object *tw_json_get(struct json_object *obj, const char *path);
/* The same as a string, or NULL. */
const char *tw_json_get_string(struct json_object *obj, const char *path);
/* Sets obj.path (dotted, e.g. "source.ip") creating the nested objects on the
 * way. A string that is not valid UTF-8 (a process name, a feed's text) is
 * stored repaired, each bad byte as U+FFFD, so every alert is one valid line. */
void tw_json_set(struct json_object *obj, const char *path, struct json_object *val);
/* Raises (or lowers) the alert's severity from its rule's: log.level and
 * event.severity ("high", ...). */
void tw_alert_set_severity(struct json_object *alert, const char *severity);
/* Sets "<side>.ip" and "<side>.port" (port omitted when has_port is 0). */
/* process.pid, process.thread.id, process.name (the kernel's comm, cut at
 * TW_COMM_LEN) and user.id: what a hook saw of the task. */
void tw_alert_set_task(struct json_object *alert, uint32_t tgid, uint32_t pid, const char *comm,
		       uint32_t uid);
struct tw_procinfo;
/* container.id, .name, .runtime, torwatch.cgroup, torwatch.container_pid
 * and kubernetes.pod.uid, from what tw_procinfo_read found (nothing when
 * the process runs in no container or pod). */
void tw_alert_set_container(struct json_object *alert, const struct tw_procinfo *pi);
void tw_alert_set_endpoint(struct json_object *alert, const char *side, const struct tw_prefix *a,
			   int has_port, uint16_t port);
/* "tcp", "udp", "icmp", "ipv6-icmp", or the protocol number as text. */
const char *tw_proto_name(uint8_t proto, char *buf, size_t len);

#endif
