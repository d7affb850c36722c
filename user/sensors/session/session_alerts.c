// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/session/session_alerts.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alerts/ecs.h"
#include "alerts/fold.h"
#include "alerts/rules.h"
#include "common/addr.h"
#include "common/procinfo.h"
#include "common/timeutil.h"
#include "alerts/exit_events.h"

#define DEDUP_SLOTS 4096

/* What tells one connection out of a session from another. */
struct egress_key {
	uint64_t session_id;
	struct tw_in6 daddr;
	uint32_t tgid;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad;
};

#define PENDING_MAX 64
#define ALERTED_MAX 256
#define AUTH_GRACE_NS 1500000000ULL	/* for the uid change that names the user */

struct tw_egress_dedup {
	struct tw_fold *fold;	/* egress repeats; the first event of each window */
	/* Sessions that authenticated, waiting for the event that names the
	 * user; and those whose login alert went out (once per session). */
	struct {
		bool used;
		uint64_t deadline_ns;
		struct tw_session_event ev;
	} pending[PENDING_MAX];
	uint64_t alerted[ALERTED_MAX];
	size_t n_alerted;
};

static bool login_alerted(const struct tw_egress_dedup *d, uint64_t sid)
{
	for (size_t i = 0; i < ALERTED_MAX; i++)
		if (d->alerted[i] == sid)
			return true;
	return false;
}

static void note_login(struct tw_egress_dedup *d, uint64_t sid)
{
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (d->pending[i].used && d->pending[i].ev.session_id == sid)
			d->pending[i].used = false;
	d->alerted[d->n_alerted++ % ALERTED_MAX] = sid;
}

struct tw_egress_dedup *tw_egress_dedup_new(void)
{
	struct tw_egress_dedup *d = calloc(1, sizeof(struct tw_egress_dedup));

	if (d)
		d->fold = tw_fold_new(DEDUP_SLOTS, sizeof(struct egress_key),
				      sizeof(struct tw_session_event));
	if (d && !d->fold) {
		free(d);
		return NULL;
	}
	return d;
}

void tw_egress_dedup_free(struct tw_egress_dedup *d)
{
	if (d)
		tw_fold_free(d->fold);
	free(d);
}

/* The user name as the session sees it: from the process, else (it is
 * gone) from the session's sshd, else from our own /etc/passwd. */
static void session_user_name(const struct tw_session_event *ev, uint32_t uid, char *out,
			      size_t len)
{
	tw_user_name_of(ev->tgid, uid, out, len);
	if (!out[0])
		tw_user_name_of(ev->session.sshd_tgid, uid, out, len);
	if (!out[0])
		tw_user_name_here(uid, out, len);
}

static void set_ip(struct json_object *a, const char *path, const struct tw_in6 *addr)
{
	struct tw_prefix p;
	char ip[TW_ADDR_STRLEN];

	tw_prefix_from_in6(addr->addr, &p);
	tw_prefix_format(&p, ip, sizeof(ip));
	tw_json_set(a, path, json_object_new_string(ip));
}

/* torwatch.session.*, and the threat indicator when the client is an exit. */
static void add_session(struct json_object *a, const struct tw_session_event *ev,
			const struct tw_source_info sources[TW_MAX_SOURCES])
{
	const struct tw_session *s = &ev->session;
	char user[64], id[24];

	set_ip(a, "torwatch.session.client.ip", &s->client);
	tw_json_set(a, "torwatch.session.client.port", json_object_new_int(s->client_port));
	tw_json_set(a, "torwatch.session.server.port", json_object_new_int(s->local_port));
	tw_json_set(a, "torwatch.session.from_exit_node", json_object_new_boolean(s->is_exit));
	tw_json_set(a, "torwatch.session.sshd_pid", json_object_new_int64(s->sshd_tgid));
	snprintf(id, sizeof(id), "%016llx", (unsigned long long)ev->session_id);
	tw_json_set(a, "torwatch.session.id", json_object_new_string(id));
	if (s->found_at_start)
		tw_json_set(a, "torwatch.session.found_at_start", json_object_new_boolean(true));
	if (s->login_seen) {
		session_user_name(ev, s->login_uid, user, sizeof(user));
		tw_json_set(a, "torwatch.session.login.uid", json_object_new_int64(s->login_uid));
		if (user[0])
			tw_json_set(a, "torwatch.session.login.user", json_object_new_string(user));
	}
	if (s->is_exit) {
		struct tw_prefix p;

		tw_prefix_from_in6(s->client.addr, &p);
		tw_alert_add_exit_indicator(a, &p, s->sources, sources);
	}
}

/* process.*: the kernel's view (pid, comm, uid), /proc's while it lives
 * (executable, command line), and the parents up to sshd. */
static void add_process(struct json_object *a, const struct tw_session_event *ev)
{
	struct json_object *chain = json_object_new_array();
	struct tw_procinfo pi;
	char name[TW_COMM_LEN + 1], user[64];

	tw_alert_set_task(a, ev->tgid, ev->pid, ev->comm, ev->uid);
	session_user_name(ev, ev->uid, user, sizeof(user));
	if (user[0])
		tw_json_set(a, "user.name", json_object_new_string(user));
	/* Gone or not, pi has what could be read (and the container). */
	tw_procinfo_read((int)ev->tgid, ev->cgroup_id, &pi);
	tw_alert_set_container(a, &pi);
	/* Gone already (a short connect): what the kernel kept from its exec. */
	if (!pi.exe[0])
		snprintf(pi.exe, sizeof(pi.exe), "%.*s", TW_EXE_LEN, ev->exe);
	if (!pi.cmdline[0] && ev->args_len) {
		size_t n = ev->args_len < TW_ARGS_LEN ? ev->args_len : TW_ARGS_LEN;

		for (size_t i = 0; i < n; i++)
			pi.cmdline[i] = ev->args[i] ? ev->args[i] : ' ';
		while (n && pi.cmdline[n - 1] == ' ')
			n--;
		pi.cmdline[n] = '\0';
		if (ev->args_len >= TW_ARGS_LEN)
			tw_json_set(a, "torwatch.command_line_cut", json_object_new_boolean(true));
	}
	if (pi.exe[0])
		tw_json_set(a, "process.executable", json_object_new_string(pi.exe));
	if (pi.cmdline[0])
		tw_json_set(a, "process.command_line", json_object_new_string(pi.cmdline));
	for (unsigned i = 0; i < ev->n_chain && i < TW_SESSION_CHAIN; i++) {
		struct json_object *link = json_object_new_object();

		snprintf(name, sizeof(name), "%.*s", TW_COMM_LEN, ev->chain[i].comm);
		tw_json_set(link, "pid", json_object_new_int64(ev->chain[i].tgid));
		tw_json_set(link, "name", json_object_new_string(name));
		json_object_array_add(chain, link);
		if (i == 0) {
			tw_json_set(a, "process.parent.pid", json_object_new_int64(ev->chain[i].tgid));
			tw_json_set(a, "process.parent.name", json_object_new_string(name));
		}
	}
	tw_json_set(a, "torwatch.process_chain", chain);
}

static struct json_object *egress_alert(const struct tw_session_event *ev,
					const struct tw_source_info sources[TW_MAX_SOURCES],
					uint64_t count, uint64_t window_ns)
{
	struct tw_prefix dst;
	char ip[TW_ADDR_STRLEN], msg[256], pbuf[8], comm[TW_COMM_LEN + 1];
	struct json_object *a;

	tw_prefix_from_in6(ev->daddr.addr, &dst);
	tw_prefix_format(&dst, ip, sizeof(ip));
	snprintf(comm, sizeof(comm), "%.*s", TW_COMM_LEN, ev->comm);
	snprintf(msg, sizeof(msg), "%s (%s to %s port %u%s)", tw_rule_sshd_child_egress.name, comm,
		 ip, ev->dport, ev->session.is_exit ? ", SSH session from a Tor exit node" : "");
	a = tw_alert_new(&tw_rule_sshd_child_egress, msg, tw_mono_to_unix_ns(ev->ts_ns));
	tw_alert_set_record_id(a, ev, sizeof(*ev));
	if (ev->session.is_exit)
		tw_alert_set_severity(a, "high");
	tw_alert_set_endpoint(a, "destination", &dst, 1, ev->dport);
	tw_json_set(a, "network.transport",
		    json_object_new_string(tw_proto_name(ev->proto, pbuf, sizeof(pbuf))));
	tw_json_set(a, "network.direction", json_object_new_string("egress"));
	tw_json_set(a, "network.type",
		    json_object_new_string(dst.family == AF_INET ? "ipv4" : "ipv6"));
	tw_json_set(a, "torwatch.forwarding", json_object_new_boolean(ev->forwarding));
	tw_json_set(a, "event.count", json_object_new_int64((int64_t)count));
	if (window_ns)
		tw_json_set(a, "torwatch.dedup_window_s",
			    json_object_new_int64((int64_t)(window_ns / TW_NS_PER_SEC)));
	add_process(a, ev);
	add_session(a, ev, sources);
	return a;
}

static struct json_object *login_alert(const struct tw_session_event *ev,
				       const struct tw_source_info sources[TW_MAX_SOURCES])
{
	struct tw_prefix client;
	char ip[TW_ADDR_STRLEN], msg[256], user[64], uid[16];
	struct json_object *a;

	tw_prefix_from_in6(ev->session.client.addr, &client);
	tw_prefix_format(&client, ip, sizeof(ip));
	session_user_name(ev, ev->session.login_uid, user, sizeof(user));
	snprintf(uid, sizeof(uid), "%u", ev->session.login_uid);
	snprintf(msg, sizeof(msg), "SSH Login from TOR Exit Node (%s) as %s", ip,
		 user[0] ? user : uid);
	a = tw_alert_new(&tw_rule_ssh_login_from_tor, msg, tw_mono_to_unix_ns(ev->ts_ns));
	tw_alert_set_record_id(a, ev, sizeof(*ev));
	tw_alert_set_endpoint(a, "source", &client, 1, ev->session.client_port);
	tw_json_set(a, "destination.port", json_object_new_int(ev->session.local_port));
	tw_json_set(a, "network.transport", json_object_new_string("tcp"));
	tw_json_set(a, "event.category", json_object_new_array());
	json_object_array_add(tw_json_get(a, "event.category"),
			      json_object_new_string("authentication"));
	tw_json_set(a, "event.outcome", json_object_new_string("success"));
	add_process(a, ev);
	/* The user logged in as, whatever the process reporting it runs as. */
	tw_json_set(a, "user.id", json_object_new_string(uid));
	if (user[0])
		tw_json_set(a, "user.name", json_object_new_string(user));
	add_session(a, ev, sources);
	return a;
}

struct json_object *tw_session_event_alert(struct tw_egress_dedup *d,
					   const struct tw_session_event *ev,
					   const struct tw_source_info sources[TW_MAX_SOURCES],
					   uint64_t window_ns, uint64_t now_ns)
{
	if (ev->kind == TW_EV_SSH_LOGIN) {
		if (d && login_alerted(d, ev->session_id))
			return NULL;
		if (d)
			note_login(d, ev->session_id);
		return login_alert(ev, sources);
	}
	if (ev->kind == TW_EV_SSH_AUTH) {
		/* Wait a moment for the uid change or program that names the user. */
		for (size_t i = 0; d && i < PENDING_MAX && !login_alerted(d, ev->session_id); i++)
			if (!d->pending[i].used) {
				d->pending[i].used = true;
				d->pending[i].deadline_ns = now_ns + AUTH_GRACE_NS;
				d->pending[i].ev = *ev;
				break;
			}
		return NULL;
	}
	if (ev->kind != TW_EV_SSHD_EGRESS)
		return NULL;
	if (window_ns && d) {
		struct egress_key k = { .session_id = ev->session_id, .daddr = ev->daddr,
					.tgid = ev->tgid, .dport = ev->dport, .proto = ev->proto };

		if (tw_fold_seen(d->fold, &k, ev, 1 + ev->repeats, now_ns, window_ns))
			return NULL;
	}
	return egress_alert(ev, sources, 1 + ev->repeats, window_ns);
}

/* The real uid of pid, from /proc/PID/status; false when it is gone. */
static bool real_uid_of(uint32_t pid, uint32_t *uid)
{
	char path[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4)) {
			*uid = (uint32_t)strtoul(line + 4, NULL, 10);
			found = true;
		}
	fclose(f);
	return found;
}

struct json_object *tw_egress_flush_next(struct tw_egress_dedup *d,
					 const struct tw_source_info sources[TW_MAX_SOURCES],
					 uint64_t window_ns, uint64_t now_ns)
{
	/* Authenticated, and nothing named the user meanwhile: it is the user
	 * the session's sshd runs as (root: OpenSSH 9.2 keeps no separate
	 * process for a root login). */
	for (size_t i = 0; d && i < PENDING_MAX; i++) {
		struct tw_session_event ev;

		if (!d->pending[i].used || now_ns < d->pending[i].deadline_ns)
			continue;
		ev = d->pending[i].ev;
		d->pending[i].used = false;
		ev.kind = TW_EV_SSH_LOGIN;
		ev.tgid = ev.pid = ev.session.sshd_tgid;
		if (!real_uid_of(ev.session.sshd_tgid, &ev.session.login_uid))
			continue;	/* the session ended: no login to speak of */
		ev.session.login_seen = 1;
		note_login(d, ev.session_id);
		return login_alert(&ev, sources);
	}

	struct tw_session_event first;
	uint64_t repeats;

	while (d && tw_fold_next_closed(d->fold, now_ns, window_ns, &first, &repeats)) {
		struct json_object *a;

		if (!repeats)
			continue;
		a = egress_alert(&first, sources, repeats, window_ns);
		tw_json_set(a, "torwatch.summary", json_object_new_boolean(true));
		return a;
	}
	return NULL;
}
