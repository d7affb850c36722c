/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The SSH-from-Tor tracepoint program, loaded beside the XDP object and
 * sharing its maps (exit set, config, allowlist, counters, SSH ports). */
#ifndef TW_SSH_DETECT_H
#define TW_SSH_DETECT_H

#include <stddef.h>

struct bpf_object;
struct ssh_detect_bpf;

/* Opens, points the shared maps at those of shared_with, loads and attaches.
 * Its ring and link are pinned under pin_root: a ring pinned by the daemon
 * before is used again (the events it raised while none ran are read
 * next), and its link is replaced by the new one once that is attached.
 * Returns NULL with one sentence in err. */
struct ssh_detect_bpf *tw_ssh_detect_start(struct bpf_object *shared_with, const char *pin_root,
					   char *err, size_t errlen);
void tw_ssh_detect_stop(struct ssh_detect_bpf *s);

#endif
