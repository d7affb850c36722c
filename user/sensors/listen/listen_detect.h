/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Loads the listen detector with the best TCP listen hook the host has,
 * probed in order (fentry, kprobe, syscall, tracepoint), and the UDP bind hooks on
 * the cgroup v2 root. */
#ifndef TW_SENSORS_LISTEN_DETECT_H
#define TW_SENSORS_LISTEN_DETECT_H

#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct listen_detect_bpf;

struct tw_listen_detect {
	struct listen_detect_bpf *skel;
	uint32_t tcp_hook;	/* enum tw_listen_hook */
	uint32_t udp_hook;	/* TW_HOOK_POST_BIND, or TW_HOOK_NONE */
	char why[512];		/* why the better hooks were not used */
};

/* Returns 0, or -errno with one sentence in err (no TCP hook at all). Its
 * ring, state and links are kept pinned under pin_root between daemons. */
int tw_listen_detect_start(struct tw_listen_detect *ld, struct bpf_object *shared_with,
			   const char *pin_root, char *err, size_t errlen);
void tw_listen_detect_stop(struct tw_listen_detect *ld);
/* "fexit", "kretprobe", "syscall", "tracepoint", "cgroup/post_bind", "none"
 * for enum tw_listen_hook. */
const char *tw_listen_hook_name(uint32_t hook);

#endif
