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

int tw_attach_cgroup_all(struct bpf_program *const *progs, size_t n, int cgroup_fd,
			 struct bpf_link **links)
{
	for (size_t i = 0; i < n; i++) {
		links[i] = bpf_program__attach_cgroup(progs[i], cgroup_fd);
		if (!links[i]) {
			int e = -errno;

			while (i--) {
				bpf_link__destroy(links[i]);
				links[i] = NULL;
			}
			return e ? e : -EINVAL;
		}
	}
	return 0;
}

static int attach_cgroup(struct tw_listen_detect *ld, char *why, size_t whylen)
{
	struct listen_detect_bpf *s = ld->skel;
	/* The port-0 hooks first: without them, the kernel's client ports
	 * would raise alerts. All four or none. */
	struct bpf_program *progs[4] = { s->progs.bind4, s->progs.bind6, s->progs.post_bind4,
					 s->progs.post_bind6 };
	struct bpf_link *links[4] = {};
	char root[512];
	int fd, ret;

	if (tw_cgroup2_root(root, sizeof(root))) {
		snprintf(why, whylen, "no cgroup v2 hierarchy is mounted");
		return -ENOENT;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open %s: %s", root, strerror(errno));
		return -errno;
	}
	ret = tw_attach_cgroup_all(progs, 4, fd, links);
	close(fd);
	if (ret) {
		snprintf(why, whylen, "cannot attach to cgroup %s (%s); none of the bind hooks stays",
			 root, strerror(-ret));
		return ret;
	}
	/* The skeleton destroys links it holds. */
	s->links.bind4 = links[0];
	s->links.bind6 = links[1];
	s->links.post_bind4 = links[2];
	s->links.post_bind6 = links[3];
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
