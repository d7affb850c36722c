// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/ssh/ssh_detect.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "kernel/pin_upgrade.h"
#include "kernel/pins.h"
#include "ssh_detect.skel.h"
#include "tw_pins.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

/* Tracepoint ids are read from tracefs; some hosts do not mount it. */
static void ensure_tracefs(void)
{
	struct statfs st;

	if (!statfs("/sys/kernel/tracing", &st) && st.f_type == TRACEFS_MAGIC)
		return;
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
}

/* The ring pinned by the daemon before, used again when its size is this
 * one's; one of another size is removed (its events with it). */
static int pin_ring(struct ssh_detect_bpf *s, const char *root)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, TW_PIN_SSH_RING);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.max_entries != bpf_map__max_entries(s->maps.high_events))
			unlink(path);
		close(fd);
	}
	return bpf_map__set_pin_path(s->maps.high_events, path);
}

/* The new link in place of the old one, with a link pinned at every
 * moment, so that a daemon killed here leaves one watching: the new one is
 * pinned under a name of its own and renamed over the old pin (atomic in
 * bpffs); the old link then goes with our fd to it. The old is detached only
 * after the new is attached, so no connection goes unseen between them
 * (one may be reported twice). */
static int replace_link(struct ssh_detect_bpf *s, const char *root)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct bpf_link *old;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", root, TW_PIN_LINK_SSH);
	/* bpffs refuses names with a dot. */
	snprintf(tmp, sizeof(tmp), "%s/%s_new", root, TW_PIN_LINK_SSH);
	old = bpf_link__open(path);
	unlink(tmp);	/* left by a daemon killed between the two steps */
	ret = bpf_link__pin(s->links.ssh_established, tmp);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	bpf_link__destroy(old);	/* no longer pinned: detached with our fd */
	return ret;
}

struct ssh_detect_bpf *tw_ssh_detect_start(struct bpf_object *shared_with, const char *pin_root,
					   char *err, size_t errlen)
{
	struct ssh_detect_bpf *s = ssh_detect_bpf__open();
	char why[128];
	int ret;

	if (!s) {
		snprintf(err, errlen, "cannot open the SSH detector: %s", strerror(errno));
		return NULL;
	}
	ensure_tracefs();
	ret = tw_reuse_maps(s->obj, shared_with);
	if (!ret)
		ret = pin_ring(s, pin_root);
	if (!ret)
		ret = ssh_detect_bpf__load(s);
	if (!ret)
		ret = ssh_detect_bpf__attach(s);
	if (ret) {
		libbpf_strerror(ret, why, sizeof(why));
		snprintf(err, errlen,
			 "cannot attach the SSH detector to tracepoint sock:inet_sock_set_state: %s", why);
		ssh_detect_bpf__destroy(s);
		return NULL;
	}
	ret = replace_link(s, pin_root);
	if (ret) {
		libbpf_strerror(ret, why, sizeof(why));
		snprintf(err, errlen, "cannot pin the SSH detector's link under %s: %s", pin_root, why);
		ssh_detect_bpf__destroy(s);
		return NULL;
	}
	return s;
}

void tw_ssh_detect_stop(struct ssh_detect_bpf *s)
{
	ssh_detect_bpf__destroy(s);
}
