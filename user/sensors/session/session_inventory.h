/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* SSH sessions that already run when torwatch starts: sshd processes (by
 * name) holding an established TCP connection that their parent does not
 * hold (the connection's first sshd; it moves the socket off fd 0 once it
 * runs), with every
 * descendant, found in /proc and handed to the session tracker, so that
 * they are followed from then on as if seen from their start. */
#ifndef TW_SESSION_INVENTORY_H
#define TW_SESSION_INVENTORY_H

#include <stddef.h>
#include "tw_session.h"

struct session_track_bpf;

/* Called for each session adopted, with a TW_EV_SSH_LOGIN event when its
 * client is an exit node and a user is logged in (else kind 0). */
typedef void (*tw_session_found_fn)(const struct tw_session_event *ev, void *ctx);

/* The number of sessions adopted, or -errno. names: what is sshd. */
int tw_session_inventory(struct session_track_bpf *s, const char (*names)[16], size_t n_names,
			 const char *pin_root, tw_session_found_fn found, void *ctx);

#endif
