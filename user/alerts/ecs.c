// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/ecs.h"

#include "common/hash.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include "common/procinfo.h"
#include "common/timeutil.h"
#include "common/utf8.h"

/* val itself, or when it is a string that is not valid UTF-8 (a process
 * name, a feed's text), a repaired copy in its place. */
static struct json_object *valid_text(struct json_object *val)
{
	const char *s;
	struct json_object *fixed;
	char *copy;
	size_t len;

	if (!json_object_is_type(val, json_type_string))
		return val;
	s = json_object_get_string(val);
	len = (size_t)json_object_get_string_len(val);
	if (tw_utf8_valid(s, len) || !(copy = tw_utf8_repair(s, len)))
		return val;
	fixed = json_object_new_string(copy);
	free(copy);
	json_object_put(val);
	return fixed;
}

void tw_json_set(struct json_object *obj, const char *path, struct json_object *val)
{
	char key[64];
	const char *dot;

	val = valid_text(val);

	while ((dot = strchr(path, '.'))) {
		struct json_object *child;
		size_t n = (size_t)(dot - path);

		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(obj, key, &child)) {
			child = json_object_new_object();
			json_object_object_add(obj, key, child);
		}
		obj = child;
		path = dot + 1;
	}
	json_object_object_add(obj, path, val);
}

/* 128 random bits as hex: a receiver drops the duplicates that delivery
 * with retries may cause. */
static void new_event_id(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* No entropy yet (early boot): time and a counter are unique here. */
		static uint64_t n;
		uint64_t t = (uint64_t)tw_now_unix_ns(), c = ++n;

		memcpy(r, &t, 8);
		memcpy(r + 8, &c, 8);
	}
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[32] = '\0';
}

struct json_object *tw_json_get(struct json_object *obj, const char *path)
{
	char key[64];
	const char *dot;

	while (obj && (dot = strchr(path, '.'))) {
		size_t n = (size_t)(dot - path);

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(obj, key, &obj))
			return NULL;
		path = dot + 1;
	}
	return obj && json_object_object_get_ex(obj, path, &obj) ? obj : NULL;
}

const char *tw_json_get_string(struct json_object *obj, const char *path)
{
	struct json_object *v = tw_json_get(obj, path);

	return v ? json_object_get_string(v) : NULL;
}

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void tw_alert_set_record_id(struct json_object *alert, const void *record, size_t len)
{
	static char boot[40];
	uint64_t h[2];
	char id[33];

	if (!boot[0]) {
		FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

		if (!f || !fgets(boot, sizeof(boot), f))
			snprintf(boot, sizeof(boot), "no-boot-id");
		if (f)
			fclose(f);
	}
	/* Two hashes of this boot and the record, seeded apart: 128 bits. */
	for (int i = 0; i < 2; i++) {
		uint64_t v = tw_fnv1a(TW_FNV1A_INIT ^ mix64((uint64_t)i + 1), boot, strlen(boot));

		h[i] = mix64(tw_fnv1a(v, record, len));
	}
	snprintf(id, sizeof(id), "%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1]);
	tw_json_set(alert, "event.id", json_object_new_string(id));
}

struct json_object *tw_alert_new(const struct tw_rule *rule, const char *message, int64_t unix_ns)
{
	char id[33];
	struct json_object *a = json_object_new_object();
	char ts[40], host[256] = "";

	tw_format_iso8601_ns(unix_ns, ts, sizeof(ts));
	gethostname(host, sizeof(host) - 1);
	json_object_object_add(a, "@timestamp", json_object_new_string(ts));
	json_object_object_add(a, "message", valid_text(json_object_new_string(message)));
	new_event_id(id);
	tw_json_set(a, "event.id", json_object_new_string(id));
	tw_json_set(a, "event.kind", json_object_new_string("alert"));
	tw_json_set(a, "event.action", json_object_new_string(rule->id));
	tw_json_set(a, "event.severity", json_object_new_int(tw_severity_score(rule->severity)));
	tw_json_set(a, "event.module", json_object_new_string("torwatch"));
	tw_json_set(a, "log.level", json_object_new_string(rule->severity));
	tw_json_set(a, "rule.id", json_object_new_string(rule->id));
	tw_json_set(a, "rule.name", json_object_new_string(rule->name));
	tw_json_set(a, "host.hostname", json_object_new_string(host));
	/* When the agent wrote the alert, as against when the kernel saw it. */
	tw_format_iso8601_ns(tw_now_unix_ns(), ts, sizeof(ts));
	tw_json_set(a, "event.created", json_object_new_string(ts));
	return a;
}

void tw_alert_set_severity(struct json_object *alert, const char *severity)
{
	tw_json_set(alert, "log.level", json_object_new_string(severity));
	tw_json_set(alert, "event.severity", json_object_new_int(tw_severity_score(severity)));
}

void tw_alert_set_task(struct json_object *alert, uint32_t tgid, uint32_t pid, const char *comm,
		       uint32_t uid)
{
	char name[TW_COMM_LEN + 1], id[16];

	snprintf(name, sizeof(name), "%.*s", TW_COMM_LEN, comm);
	snprintf(id, sizeof(id), "%u", uid);
	tw_json_set(alert, "process.pid", json_object_new_int64(tgid));
	tw_json_set(alert, "process.thread.id", json_object_new_int64(pid));
	tw_json_set(alert, "process.name", json_object_new_string(name));
	tw_json_set(alert, "user.id", json_object_new_string(id));
}

void tw_alert_set_container(struct json_object *alert, const struct tw_procinfo *pi)
{
	const struct tw_container *c = &pi->container;

	if (!pi->in_container)
		return;
	if (c->id[0]) {
		tw_json_set(alert, "container.id", json_object_new_string(c->id));
		tw_json_set(alert, "container.runtime", json_object_new_string(c->runtime));
		/* process.pid is the host's number; this is the container's. */
		if (pi->container_pid)
			tw_json_set(alert, "torwatch.container_pid",
				    json_object_new_int(pi->container_pid));
	}
	if (c->name[0])
		tw_json_set(alert, "container.name", json_object_new_string(c->name));
	tw_json_set(alert, "torwatch.cgroup", json_object_new_string(c->cgroup));
	if (c->pod_uid[0]) {
		tw_json_set(alert, "orchestrator.type", json_object_new_string("kubernetes"));
		tw_json_set(alert, "kubernetes.pod.uid", json_object_new_string(c->pod_uid));
	}
}

void tw_alert_set_endpoint(struct json_object *alert, const char *side, const struct tw_prefix *a,
			   int has_port, uint16_t port)
{
	char ip[TW_ADDR_STRLEN], path[32];

	tw_prefix_format(a, ip, sizeof(ip));
	snprintf(path, sizeof(path), "%s.ip", side);
	tw_json_set(alert, path, json_object_new_string(ip));
	if (has_port) {
		snprintf(path, sizeof(path), "%s.port", side);
		tw_json_set(alert, path, json_object_new_int(port));
	}
}

const char *tw_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_ESP:
		return "esp";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}
