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
#include "kernel/kept_pins.h"
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

struct ssh_detect_bpf *tw_ssh_detect_start(struct bpf_object *shared_with, const char *pin_root,
					   char *err, size_t errlen)
{
	struct ssh_detect_bpf *s = ssh_detect_bpf__open();
	const char *link_name = TW_PIN_LINK_SSH;
	bool dropped;
	char why[128];
	int ret;

	if (!s) {
		snprintf(err, errlen, "cannot open the SSH detector: %s", strerror(errno));
		return NULL;
	}
	ensure_tracefs();
	ret = tw_reuse_maps(s->obj, shared_with);
	/* One of another size is made anew (what waited in it is lost). */
	if (!ret)
		ret = tw_keep_map(s->maps.high_events, pin_root, TW_PIN_SSH_RING, &dropped);
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
	ret = tw_keep_links(pin_root, TW_PIN_LINK_SSH, &s->links.ssh_established, &link_name, 1);
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
