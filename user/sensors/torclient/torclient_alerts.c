// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/torclient/torclient_alerts.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alerts/ecs.h"
#include "alerts/fold.h"
#include "alerts/rules.h"
#include "common/addr.h"
#include "common/procinfo.h"
#include "common/timeutil.h"

#define FOLD_SLOTS 1024

/* What tells one connection to Tor from another. */
struct fold_key {
	struct tw_in6 daddr;
	uint32_t tgid;
	uint32_t kind;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[5];
};

/* A window's first record, with the executable as it was read then: the
 * process may be gone when the summary is made. */
struct fold_rec {
	struct tw_tor_client_event ev;
	char exe[256];
};

struct tw_fold *tw_torclient_fold_new(void)
{
	return tw_fold_new(FOLD_SLOTS, sizeof(struct fold_key), sizeof(struct fold_rec));
}

static bool allowed(const struct tw_torclient_policy *pol, const char *exe)
{
	for (size_t i = 0; exe[0] && i < pol->n_allowed_exe; i++)
		if (!strcmp(exe, pol->allowed_exe[i]))
			return true;
	return false;
}

/* An executable under a directory anyone may write to (/tmp, /dev/shm, or
 * one below them), as the process's root sees it. */
static bool world_writable_dir(uint32_t tgid, const char *exe)
{
	char dir[PATH_MAX + 32], *slash;
	size_t root_len;
	struct stat st;

	if (exe[0] != '/')
		return false;
	root_len = (size_t)snprintf(dir, sizeof(dir), "/proc/%u/root", tgid);
	snprintf(dir + root_len, sizeof(dir) - root_len, "%s", exe);
	while ((slash = strrchr(dir + root_len, '/')) && slash > dir + root_len) {
		*slash = '\0';
		if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH))
			return true;
	}
	return false;
}

/* torwatch.process_chain: the parents from /proc, nearest first, up to
 * PID 1 or CHAIN_MAX: who started the Tor client. */
#define CHAIN_MAX 6

static void add_chain(struct json_object *a, int pid)
{
	struct json_object *chain = json_object_new_array();
	char name[64];

	for (int i = 0; i < CHAIN_MAX && pid > 0; i++, pid = tw_proc_ppid(pid)) {
		struct json_object *link = json_object_new_object();

		tw_proc_name(pid, name, sizeof(name));
		tw_json_set(link, "pid", json_object_new_int64(pid));
		tw_json_set(link, "name", json_object_new_string(name));
		json_object_array_add(chain, link);
		if (pid == 1)
			break;
	}
	tw_json_set(a, "torwatch.process_chain", chain);
}

/* process.*, user.*, container.*: what /proc still says, else what the
 * kernel kept (comm). */
static void add_process(struct json_object *a, const struct tw_tor_client_event *ev,
			const char *exe)
{
	char user[64], cg[24];
	struct tw_procinfo pi;
	size_t n = strlen(exe);
	const char *deleted = " (deleted)";
	char clean[PATH_MAX];

	tw_alert_set_task(a, ev->tgid, ev->pid, ev->comm, ev->uid);
	tw_user_name_of(ev->tgid, ev->uid, user, sizeof(user));
	if (user[0])
		tw_json_set(a, "user.name", json_object_new_string(user));
	snprintf(cg, sizeof(cg), "%llu", (unsigned long long)ev->cgroup_id);
	tw_json_set(a, "torwatch.cgroup_id", json_object_new_string(cg));
	if (exe[0]) {
		bool gone = n > strlen(deleted) && !strcmp(exe + n - strlen(deleted), deleted);

		snprintf(clean, sizeof(clean), "%.*s", (int)(gone ? n - strlen(deleted) : n), exe);
		tw_json_set(a, "process.executable", json_object_new_string(clean));
		tw_json_set(a, "torwatch.executable_deleted", json_object_new_boolean(gone));
		tw_json_set(a, "torwatch.executable_world_writable_dir",
			    json_object_new_boolean(world_writable_dir(ev->tgid, clean)));
	}
	/* Gone or not, the container comes from the event's cgroup. */
	tw_procinfo_read((int)ev->tgid, ev->cgroup_id, &pi);
	tw_alert_set_container(a, &pi);
	if (pi.cmdline[0])
		tw_json_set(a, "process.command_line", json_object_new_string(pi.cmdline));
	if (pi.cmdline_cut)
		tw_json_set(a, "torwatch.command_line_cut", json_object_new_boolean(true));
	if (pi.ppid) {
		tw_json_set(a, "process.parent.pid", json_object_new_int64(pi.ppid));
		if (pi.parent_name[0])
			tw_json_set(a, "process.parent.name", json_object_new_string(pi.parent_name));
		add_chain(a, pi.ppid);
	}
}

static struct json_object *build(const struct tw_tor_client_event *ev, const char *exe,
				 const struct tw_relay_list *relays,
				 const struct tw_torclient_policy *pol, uint64_t count,
				 bool found_at_start)
{
	const struct tw_rule *rule = ev->kind == TW_TOR_PROXY ? &tw_rule_tor_proxy_use :
								 &tw_rule_tor_client_connection;
	struct tw_relay_key key = { .addr = ev->daddr, .port = ev->any_port ? 0 : ev->dport };
	const struct tw_relay_entry *relay = tw_relay_list_find(relays, &key);
	char comm[TW_COMM_LEN + 1], dst[TW_ADDR_STRLEN + 8], msg[320], pbuf[8];
	struct tw_relay_key shown = { .addr = ev->daddr, .port = ev->dport };
	struct json_object *a;
	struct tw_prefix d;
	bool ok = allowed(pol, exe);

	snprintf(comm, sizeof(comm), "%.*s", TW_COMM_LEN, ev->comm);
	tw_relay_key_format(&shown, dst, sizeof(dst));
	if (ev->kind == TW_TOR_PROXY)
		snprintf(msg, sizeof(msg), "Process %s (%u) uses the local Tor proxy (%s)", comm,
			 ev->tgid, dst);
	else
		snprintf(msg, sizeof(msg), "Process %s (%u) connects to the Tor network (relay %s)",
			 comm, ev->tgid, dst);
	a = tw_alert_new(rule, msg, tw_mono_to_unix_ns(ev->ts_ns));
	tw_alert_set_record_id(a, ev, sizeof(*ev));
	if (ev->kind == TW_TOR_RELAY && ok)
		tw_alert_set_severity(a, "low");
	tw_prefix_from_in6(ev->daddr.addr, &d);
	tw_alert_set_endpoint(a, "destination", &d, 1, ev->dport);
	tw_json_set(a, "network.transport",
		    json_object_new_string(tw_proto_name(ev->proto, pbuf, sizeof(pbuf))));
	tw_json_set(a, "network.direction", json_object_new_string("egress"));
	tw_json_set(a, "network.type", json_object_new_string(d.family == AF_INET ? "ipv4" : "ipv6"));
	tw_json_set(a, "event.count", json_object_new_int64((int64_t)count));
	tw_json_set(a, "torwatch.tor_client.allowed_executable", json_object_new_boolean(ok));
	if (ev->kind == TW_TOR_RELAY) {
		tw_json_set(a, "torwatch.tor_client.relay_listed_by",
			    json_object_new_string(ev->any_port ? "address" : "address_and_port"));
		if (relay && relay->nickname[0])
			tw_json_set(a, "torwatch.tor_client.relay.nickname",
				    json_object_new_string(relay->nickname));
		if (relay && relay->fingerprint[0])
			tw_json_set(a, "torwatch.tor_client.relay.fingerprint",
				    json_object_new_string(relay->fingerprint));
	}
	if (found_at_start)
		tw_json_set(a, "torwatch.found_at_start", json_object_new_boolean(true));
	add_process(a, ev, exe);
	return a;
}

static void exe_of(uint32_t tgid, char *out, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/exe", tgid);
	n = readlink(path, out, len - 1);	/* cut: it no longer names an allowed path */
	out[n > 0 ? n : 0] = '\0';
}

struct json_object *tw_torclient_alert(struct tw_fold *f,
				       const struct tw_tor_client_event *ev,
				       const struct tw_relay_list *relays,
				       const struct tw_torclient_policy *pol, bool found_at_start,
				       uint64_t now_ns)
{
	char exe[PATH_MAX];

	exe_of(ev->tgid, exe, sizeof(exe));
	/* The Tor daemon on its own proxy port is the proxy, not a client. */
	if (ev->kind == TW_TOR_PROXY && allowed(pol, exe))
		return NULL;
	if (pol->window_ns && f && !found_at_start) {
		struct fold_key k = { .daddr = ev->daddr, .tgid = ev->tgid, .kind = ev->kind,
				      .dport = ev->dport, .proto = ev->proto };
		struct fold_rec rec = { .ev = *ev };

		snprintf(rec.exe, sizeof(rec.exe), "%.255s", exe);
		if (tw_fold_seen(f, &k, &rec, 1 + ev->repeats, now_ns,
				 pol->window_ns))
			return NULL;
	}
	return build(ev, exe, relays, pol, 1 + ev->repeats, found_at_start);
}

struct json_object *tw_torclient_flush_next(struct tw_fold *f,
					    const struct tw_relay_list *relays,
					    const struct tw_torclient_policy *pol, uint64_t now_ns,
					    tw_torclient_pending_fn pending, void *ctx)
{
	struct fold_rec rec;
	uint64_t repeats;

	while (f && tw_fold_next_closed(f, now_ns, pol->window_ns, &rec, &repeats)) {
		struct json_object *a;

		if (pending)
			repeats += pending(ctx, &rec.ev);
		if (!repeats)
			continue;
		a = build(&rec.ev, rec.exe, relays, pol, repeats, false);
		tw_json_set(a, "torwatch.summary", json_object_new_boolean(true));
		return a;
	}
	return NULL;
}
