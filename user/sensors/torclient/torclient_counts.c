// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/torclient/torclient_counts.h"

#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alerts/ecs.h"
#include "common/timeutil.h"
#include "tw_tor_client.h"

static int64_t int_at(struct json_object *a, const char *path)
{
	struct json_object *v = tw_json_get(a, path);

	return v ? json_object_get_int64(v) : 0;
}

void tw_torclient_count(int clients_fd, int totals_fd, struct json_object *alert)
{
	const char *rule = tw_json_get_string(alert, "rule.id");
	const char *name = tw_json_get_string(alert, "process.name");
	const char *exe = tw_json_get_string(alert, "process.executable");
	const char *uid = tw_json_get_string(alert, "user.id");
	struct json_object *ok = tw_json_get(alert, "torwatch.tor_client.allowed_executable");
	struct tw_tor_client_key k = {};
	struct tw_tor_client_count c = {};
	int64_t n = int_at(alert, "event.count");
	__u32 slot;
	__u64 total = 0;

	if (!rule || n <= 0)
		return;
	k.kind = strcmp(rule, "tor_proxy_use") ? TW_TOR_RELAY : TW_TOR_PROXY;
	k.allowed = ok && json_object_get_boolean(ok);
	snprintf(k.comm, sizeof(k.comm), "%s", name ? name : "");
	snprintf(k.exe, sizeof(k.exe), "%s", exe ? exe : "");
	bpf_map_lookup_elem(clients_fd, &k, &c);
	c.connections += (__u64)n;
	if (!json_object_get_boolean(tw_json_get(alert, "torwatch.summary")))
		c.alerts++;
	c.last_seen = (__u64)tw_now_unix();
	c.last_pid = (__u32)int_at(alert, "process.pid");
	c.uid = uid ? (__u32)strtoul(uid, NULL, 10) : 0;
	bpf_map_update_elem(clients_fd, &k, &c, BPF_ANY);
	slot = (k.kind - 1) * 2 + k.allowed;
	bpf_map_lookup_elem(totals_fd, &slot, &total);
	total += (__u64)n;
	bpf_map_update_elem(totals_fd, &slot, &total, BPF_ANY);
}
