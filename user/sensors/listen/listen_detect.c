// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/listen/listen_detect.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "listen_detect.skel.h"
#include "common/log.h"
#include "kernel/cgroup.h"
#include "kernel/kept_pins.h"
#include "kernel/pin_upgrade.h"
#include "kernel/pins.h"
#include "torwatch.h"

const char *tw_listen_hook_name(uint32_t hook)
{
	static const char *const names[] = {
		[TW_HOOK_NONE] = "none",
		[TW_HOOK_KPROBE] = "kretprobe",
		[TW_HOOK_FENTRY] = "fexit",
		[TW_HOOK_TRACEPOINT] = "tracepoint",
		[TW_HOOK_POST_BIND] = "cgroup/post_bind",
		[TW_HOOK_SYSCALL] = "syscall",
	};

	return hook < sizeof(names) / sizeof(names[0]) ? names[hook] : "unknown";
}

/* The TCP listen hooks in the order they are tried: each reports a listen()
 * once it succeeded, except the last resort. */
static const uint32_t tcp_hooks[] = { TW_HOOK_FENTRY, TW_HOOK_KPROBE, TW_HOOK_SYSCALL,
				      TW_HOOK_TRACEPOINT };
#define N_TCP_HOOKS (sizeof(tcp_hooks) / sizeof(tcp_hooks[0]))

/* The programs of a hook (one or two: entry and return); their links. */
static size_t tcp_progs(struct listen_detect_bpf *s, uint32_t hook, struct bpf_program **p,
			struct bpf_link ***l)
{
	switch (hook) {
	case TW_HOOK_FENTRY:
		p[0] = s->progs.listen_fexit, l[0] = &s->links.listen_fexit;
		return 1;
	case TW_HOOK_KPROBE:
		p[0] = s->progs.listen_kprobe, l[0] = &s->links.listen_kprobe;
		p[1] = s->progs.listen_kretprobe, l[1] = &s->links.listen_kretprobe;
		return 2;
	case TW_HOOK_SYSCALL:
		p[0] = s->progs.listen_enter, l[0] = &s->links.listen_enter;
		p[1] = s->progs.listen_exit, l[1] = &s->links.listen_exit;
		return 2;
	default:
		p[0] = s->progs.listen_tracepoint, l[0] = &s->links.listen_tracepoint;
		return 1;
	}
}

/* Kept pinned between daemons: the ring, and what a listen() or bind() in
 * flight left for its return. */
static const char *const kept_maps[] = { "listen_events", "listen_in_flight", "ephemeral_binds" };

/* One attempt: the object with only this TCP hook (and the UDP hooks). */
static struct listen_detect_bpf *try_hook(uint32_t hook, struct bpf_object *shared_with,
					  const char *pin_root, char *why, size_t whylen)
{
	struct listen_detect_bpf *s = listen_detect_bpf__open();
	struct bpf_program *p[2];
	struct bpf_link **l[2];
	size_t n;
	int err;

	if (!s) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (size_t h = 0; h < N_TCP_HOOKS; h++) {
		n = tcp_progs(s, tcp_hooks[h], p, l);
		for (size_t i = 0; i < n; i++)
			bpf_program__set_autoload(p[i], tcp_hooks[h] == hook);
	}
	err = tw_reuse_maps(s->obj, shared_with);
	if (!err)
		err = tw_keep_maps(s->obj, pin_root, kept_maps, sizeof(kept_maps) / sizeof(kept_maps[0]),
				   "listen detector");
	if (!err)
		err = listen_detect_bpf__load(s);
	if (err) {
		snprintf(why, whylen, "does not load (%s)", strerror(-err));
		listen_detect_bpf__destroy(s);
		return NULL;
	}
	n = tcp_progs(s, hook, p, l);
	for (size_t i = 0; i < n; i++) {
		/* The skeleton destroys the links it holds. */
		*l[i] = bpf_program__attach(p[i]);
		if (!*l[i]) {
			snprintf(why, whylen, "does not attach (%s)", strerror(errno));
			listen_detect_bpf__destroy(s);
			return NULL;
		}
	}
	return s;
}

static int attach_cgroup(struct tw_listen_detect *ld, char *why, size_t whylen)
{
	struct listen_detect_bpf *s = ld->skel;
	/* The port-0 hooks first: without them, the kernel's client ports
	 * would raise alerts. All four or none. */
	struct bpf_program *progs[4] = { s->progs.bind4, s->progs.bind6, s->progs.post_bind4,
					 s->progs.post_bind6 };
	struct bpf_link **slots[4] = { &s->links.bind4, &s->links.bind6, &s->links.post_bind4,
				       &s->links.post_bind6 };
	char inner[400];
	int ret = tw_attach_cgroup_root(progs, slots, 4, inner, sizeof(inner));

	if (ret)
		snprintf(why, whylen, "%s; none of the bind hooks stays", inner);
	return ret;
}

/* The links pinned over an earlier daemon's: new listeners are seen while
 * no daemon runs. Without, they are seen only while one runs: a warning. */
static void keep_links(struct tw_listen_detect *ld, const char *pin_root)
{
	int ret = tw_keep_skeleton_links(ld->skel->skeleton, pin_root, TW_PIN_LINK_LISTEN);

	if (ret)
		tw_warn("cannot pin the listen detector's links under %s (%s): new listeners opened while no daemon runs are not seen",
			pin_root, strerror(-ret));
}

int tw_listen_detect_start(struct tw_listen_detect *ld, struct bpf_object *shared_with,
			   const char *pin_root, char *err, size_t errlen)
{
	char why[640];
	size_t o = 0;
	int ret;

	memset(ld, 0, sizeof(*ld));
	for (size_t h = 0; h < N_TCP_HOOKS && !ld->skel; h++) {
		ld->skel = try_hook(tcp_hooks[h], shared_with, pin_root, why, sizeof(why));
		if (ld->skel)
			ld->tcp_hook = tcp_hooks[h];
		else if (o < sizeof(ld->why))
			o += (size_t)snprintf(ld->why + o, sizeof(ld->why) - o, "%s%s %s",
					      o ? "; " : "", tw_listen_hook_name(tcp_hooks[h]), why);
	}
	if (!ld->skel) {
		snprintf(err, errlen, "no hook on the TCP listen path works here: %s", ld->why);
		return -ENOTSUP;
	}
	ret = attach_cgroup(ld, why, sizeof(why));
	ld->udp_hook = ret ? TW_HOOK_NONE : TW_HOOK_POST_BIND;
	keep_links(ld, pin_root);
	if (ret) {
		snprintf(err, errlen, "UDP binds are not watched: %s", why);
		return 1; /* TCP works: a warning, not a failure */
	}
	return 0;
}

void tw_listen_detect_stop(struct tw_listen_detect *ld)
{
	listen_detect_bpf__destroy(ld->skel);
	ld->skel = NULL;
}
