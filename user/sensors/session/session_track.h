/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Loads the SSH session tracker (bpf/trace/session_track.bpf.c) beside the
 * XDP object, sharing its maps: sched and syscall tracepoints, and the
 * egress hooks on the cgroup v2 root. Sets what counts as sshd, which
 * destinations are excluded, and whether forwarding is reported. */
#ifndef TW_SESSION_TRACK_H
#define TW_SESSION_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include "common/addr.h"
#include "tw_session.h"

struct bpf_object;
struct session_track_bpf;

/* Opens, shares the maps of shared_with, loads and attaches everything or
 * nothing. NULL with one sentence in err. Its maps and links are kept
 * pinned under pin_root: the sessions go on being followed between daemons. */
struct session_track_bpf *tw_session_track_start(struct bpf_object *shared_with,
						 const char *pin_root, char *err, size_t errlen);
/* The executable names that are sshd (at most TW_SSHD_NAMES, each shorter
 * than TW_COMM_LEN) and whether sshd's own connections are reported. */
int tw_session_set_config(struct session_track_bpf *s, const char *const *names, size_t n,
			  bool report_forwarding);
/* Replaces the excluded destinations with the n prefixes. 0 or -errno. */
int tw_session_set_excludes(struct session_track_bpf *s, const struct tw_prefix *p, size_t n);
/* Adds a session found in /proc and its processes (tgids, the first the
 * sshd that serves it, each with its parent). 0 or -errno. */
int tw_session_adopt(struct session_track_bpf *s, const struct tw_session *sess,
		     const uint32_t *tgids, const uint32_t *parents, const uint32_t *flags,
		     char (*comms)[TW_COMM_LEN], size_t n);
/* Is tgid in a session already? */
bool tw_session_has_proc(struct session_track_bpf *s, uint32_t tgid);
/* Sessions and session processes in the maps now (tests, status). */
void tw_session_track_stop(struct session_track_bpf *s);

#endif
