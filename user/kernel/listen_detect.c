// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/listen_detect.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "listen_detect.skel.h"
#include "kernel/pins.h"
#include "torwatch.h"

int tw_cgroup2_root(char *buf, size_t len)
{
	char line[1024], mnt[512], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* id parent major:minor root mountpoint opts... - fstype source superopts */
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		fclose(f);
		snprintf(buf, len, "%s", mnt);
		return 0;
	}
	fclose(f);
	return -1;
}

static struct bpf_program *tcp_prog(struct listen_detect_bpf *s, uint32_t hook)
{
	return hook == TW_HOOK_KPROBE ? s->progs.listen_kprobe :
	       hook == TW_HOOK_FENTRY ? s->progs.listen_fentry : s->progs.listen_tracepoint;
}

/* One attempt: the object with only this TCP hook (and the UDP hooks). */
static struct listen_detect_bpf *try_hook(uint32_t hook, struct bpf_object *shared_with,
					  char *why, size_t whylen)
{
	struct listen_detect_bpf *s = listen_detect_bpf__open();
	struct bpf_link *link;
	int err;

	if (!s) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (uint32_t h = TW_HOOK_KPROBE; h <= TW_HOOK_TRACEPOINT; h++)
		bpf_program__set_autoload(tcp_prog(s, h), h == hook);
	err = tw_reuse_maps(s->obj, shared_with);
	if (!err)
		err = listen_detect_bpf__load(s);
	if (err) {
		snprintf(why, whylen, "does not load (%s)", strerror(-err));
		listen_detect_bpf__destroy(s);
		return NULL;
	}
	link = bpf_program__attach(tcp_prog(s, hook));
	if (!link) {
		snprintf(why, whylen, "does not attach (%s)", strerror(errno));
		listen_detect_bpf__destroy(s);
		return NULL;
	}
	/* The skeleton destroys links it holds. */
	if (hook == TW_HOOK_KPROBE)
		s->links.listen_kprobe = link;
	else if (hook == TW_HOOK_FENTRY)
		s->links.listen_fentry = link;
	else
		s->links.listen_tracepoint = link;
	return s;
}

static int attach_cgroup(struct tw_listen_detect *ld, char *why, size_t whylen)
{
	struct listen_detect_bpf *s = ld->skel;
	char root[512];
	int fd;

	if (tw_cgroup2_root(root, sizeof(root))) {
		snprintf(why, whylen, "no cgroup v2 hierarchy is mounted");
		return -ENOENT;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open %s: %s", root, strerror(errno));
		return -errno;
	}
	s->links.bind4 = bpf_program__attach_cgroup(s->progs.bind4, fd);
	s->links.bind6 = bpf_program__attach_cgroup(s->progs.bind6, fd);
	s->links.post_bind4 = bpf_program__attach_cgroup(s->progs.post_bind4, fd);
	s->links.post_bind6 = bpf_program__attach_cgroup(s->progs.post_bind6, fd);
	close(fd);
	if (!s->links.bind4 || !s->links.bind6 || !s->links.post_bind4 || !s->links.post_bind6) {
		snprintf(why, whylen, "cannot attach to cgroup %s", root);
		return -EINVAL;
	}
	return 0;
}

int tw_listen_detect_start(struct tw_listen_detect *ld, struct bpf_object *shared_with,
			   char *err, size_t errlen)
{
	static const char *const names[] = { "", "kprobe", "fentry", "tracepoint" };
	char why[640];
	size_t o = 0;

	memset(ld, 0, sizeof(*ld));
	for (uint32_t hook = TW_HOOK_KPROBE; hook <= TW_HOOK_TRACEPOINT && !ld->skel; hook++) {
		ld->skel = try_hook(hook, shared_with, why, sizeof(why));
		if (ld->skel)
			ld->tcp_hook = hook;
		else if (o < sizeof(ld->why))
			o += (size_t)snprintf(ld->why + o, sizeof(ld->why) - o, "%s%s %s",
					      o ? "; " : "", names[hook], why);
	}
	if (!ld->skel) {
		snprintf(err, errlen, "no hook on the TCP listen path works here: %s", ld->why);
		return -ENOTSUP;
	}
	if (attach_cgroup(ld, why, sizeof(why))) {
		snprintf(err, errlen, "UDP binds are not watched: %s", why);
		ld->udp_hook = TW_HOOK_NONE;
		return 1; /* TCP works: a warning, not a failure */
	}
	ld->udp_hook = TW_HOOK_POST_BIND;
	return 0;
}

void tw_listen_detect_stop(struct tw_listen_detect *ld)
{
	listen_detect_bpf__destroy(ld->skel);
	ld->skel = NULL;
}
