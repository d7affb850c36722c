// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/listen/listen_policy.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "common/addr.h"
#include "common/container.h"
#include "alerts/ecs.h"
#include "sensors/listen/listen_detect.h"
#include "common/timeutil.h"

static bool is_loopback(const struct tw_listen_event *ev)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	struct tw_prefix a;

	tw_prefix_from_in6(ev->laddr.addr, &a);
	if (a.family == AF_INET)
		return a.addr[0] == 127;
	return !memcmp(a.addr, v6_loopback, 16);
}

/* Is c the container an entry names: its name, or 12+ hex digits of its id? */
static bool names_container(const char *entry, const struct tw_container *c)
{
	size_t n = strlen(entry);

	return (c->name[0] && !strcmp(entry, c->name)) ||
	       (n >= 12 && c->id[0] && !strncmp(entry, c->id, n));
}

/* A port --container-allowed-ports expects from the listener's container. */
static bool container_expects(const struct tw_listen_policy *p, const struct tw_listen_event *ev)
{
	struct tw_container c;
	bool udp = ev->proto == IPPROTO_UDP;

	if (!p->n_containers || (!ev->tgid && !ev->cgroup_id) ||
	    !tw_container_of((int)ev->tgid, ev->cgroup_id, &c))
		return false;
	for (unsigned i = 0; i < p->n_containers; i++) {
		const struct tw_container_ports *e = &p->containers[i];

		if (!names_container(e->container, &c))
			continue;
		for (unsigned k = 0; k < e->n; k++)
			if (ev->lport >= e->r[k].lo && ev->lport <= e->r[k].hi &&
			    (udp ? e->r[k].udp : e->r[k].tcp))
				return true;
	}
	return false;
}

bool tw_listen_expected(const struct tw_listen_policy *p, const struct tw_listen_event *ev)
{
	const struct tw_port_set *allowed = ev->proto == IPPROTO_UDP ? &p->udp : &p->tcp;

	if (p->self_tgid && ev->tgid == p->self_tgid)
		return true;
	if (tw_port_set_has(allowed, ev->lport))
		return true;
	if (container_expects(p, ev))
		return true;
	return p->ignore_loopback && is_loopback(ev);
}

static struct json_object *build_alert(const struct tw_listen_event *ev,
				       const struct tw_procinfo *proc, bool at_startup,
				       uint32_t count)
{
	char msg[64], pbuf[8], comm[TW_COMM_LEN + 1];
	struct tw_prefix local;
	struct json_object *a;

	snprintf(msg, sizeof(msg), "Unexpected Port Opened: %u", ev->lport);
	a = tw_alert_new(&tw_rule_unexpected_listen_port, msg, tw_mono_to_unix_ns(ev->ts_ns));
	tw_alert_set_record_id(a, ev, sizeof(*ev));
	tw_prefix_from_in6(ev->laddr.addr, &local);
	/* An unspecified address on an IPv6 socket is [::] (dual-stack unless v6only). */
	tw_alert_set_endpoint(a, "destination", &local, 1, ev->lport);
	tw_json_set(a, "network.transport",
		    json_object_new_string(tw_proto_name(ev->proto, pbuf, sizeof(pbuf))));
	tw_json_set(a, "network.type",
		    json_object_new_string(ev->family == AF_INET ? "ipv4" : "ipv6"));
	if (ev->tgid) {
		memcpy(comm, ev->comm, TW_COMM_LEN);
		comm[TW_COMM_LEN] = '\0';
		tw_json_set(a, "process.pid", json_object_new_int64(ev->tgid));
		tw_json_set(a, "process.thread.id", json_object_new_int64(ev->pid));
		tw_json_set(a, "process.name", json_object_new_string(comm));
		tw_json_set(a, "user.id", json_object_new_string((snprintf(pbuf, sizeof(pbuf), "%u",
									   ev->uid), pbuf)));
	} else {
		/* Said, not left out: a reader must not take silence for "none". */
		tw_json_set(a, "torwatch.process_unknown",
			    json_object_new_string("no process torwatch can see holds this socket: neither the kernel's task list nor /proc names one (a socket of the kernel, an owner hidden from torwatch, or one that is gone)"));
	}
	if (proc->exe[0])
		tw_json_set(a, "process.executable", json_object_new_string(proc->exe));
	if (proc->cmdline[0])
		tw_json_set(a, "process.command_line", json_object_new_string(proc->cmdline));
	if (proc->cmdline_cut)
		tw_json_set(a, "torwatch.command_line_cut", json_object_new_boolean(true));
	if (proc->ppid) {
		tw_json_set(a, "process.parent.pid", json_object_new_int64(proc->ppid));
		tw_json_set(a, "process.parent.name", json_object_new_string(proc->parent_name));
	}
	/* As read when the listener was seen: a folded alert comes later. */
	tw_alert_set_container(a, proc);
	if (ev->cgroup_id)
		tw_json_set(a, "torwatch.cgroup_id", json_object_new_int64((int64_t)ev->cgroup_id));
	if (ev->netns)
		tw_json_set(a, "torwatch.netns", json_object_new_int64(ev->netns));
	/* Read from the socket by the TCP hooks only. */
	if (ev->family == AF_INET6 && ev->proto == IPPROTO_TCP)
		tw_json_set(a, "torwatch.ipv6_only", json_object_new_boolean(ev->v6only));
	tw_json_set(a, "torwatch.hook", json_object_new_string(tw_listen_hook_name(ev->hook)));
	tw_json_set(a, "torwatch.found_at_startup", json_object_new_boolean(at_startup));
	tw_json_set(a, "event.count", json_object_new_int64(count));
	return a;
}

static struct tw_listen_seen *find_slot(struct tw_listen_dedup *d, uint16_t port, uint8_t proto,
					const char *exe)
{
	struct tw_listen_seen *free_slot = NULL, *oldest = &d->slot[0];

	for (int i = 0; i < TW_LISTEN_DEDUP_SLOTS; i++) {
		struct tw_listen_seen *s = &d->slot[i];

		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->port == port && s->proto == proto && !strcmp(s->exe, exe))
			return s;
		if (s->first_ns < oldest->first_ns)
			oldest = s;
	}
	/* Full: reuse the oldest window (its repeats go unreported). */
	return free_slot ? free_slot : oldest;
}

struct json_object *tw_listen_handle(const struct tw_listen_policy *p, struct tw_listen_dedup *d,
				     const struct tw_listen_event *ev, bool at_startup,
				     uint64_t now_ns)
{
	struct tw_procinfo proc;
	struct tw_listen_seen *s;

	if (tw_listen_expected(p, ev))
		return NULL;
	if (ev->tgid)
		tw_procinfo_read((int)ev->tgid, ev->cgroup_id, &proc);
	else
		memset(&proc, 0, sizeof(proc));
	s = find_slot(d, ev->lport, ev->proto, proc.exe);
	if (s->used && s->port == ev->lport && s->proto == ev->proto && !strcmp(s->exe, proc.exe) &&
	    now_ns - s->first_ns < p->window_ns) {
		s->repeats++;
		s->last = *ev;
		s->proc = proc;
		return NULL;
	}
	/* A slot taken over (the table full) keeps its window counted. */
	if (!s->used)
		tw_window_opened(&d->windows, now_ns);
	*s = (struct tw_listen_seen){ .first_ns = now_ns, .port = ev->lport, .proto = ev->proto,
				      .used = true, .last = *ev, .proc = proc };
	snprintf(s->exe, sizeof(s->exe), "%s", proc.exe);
	return build_alert(ev, &proc, at_startup, 1);
}

struct json_object *tw_listen_flush_next(const struct tw_listen_policy *p,
					 struct tw_listen_dedup *d, uint64_t now_ns)
{
	uint64_t oldest = UINT64_MAX;

	if (!tw_window_may_close(&d->windows, now_ns, p->window_ns))
		return NULL;
	for (int i = 0; i < TW_LISTEN_DEDUP_SLOTS; i++) {
		struct tw_listen_seen *s = &d->slot[i];
		struct json_object *a = NULL;

		if (!s->used)
			continue;
		if (now_ns - s->first_ns < p->window_ns) {
			if (s->first_ns < oldest)
				oldest = s->first_ns;
			continue;
		}
		if (s->repeats) {
			/* The window's total: the first alert and the repeats folded since. */
			a = build_alert(&s->last, &s->proc, false, 1 + s->repeats);
			tw_json_set(a, "torwatch.repeated", json_object_new_boolean(true));
		}
		s->used = false;
		d->windows.open--;
		if (a)
			return a;
	}
	d->windows.oldest_ns = oldest;	/* a whole turn: the bound is exact */
	return NULL;
}
