/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Block mode and the owner's live SSH sessions (block_guard.c). */
#ifndef TW_DAEMON_BLOCK_GUARD_H
#define TW_DAEMON_BLOCK_GUARD_H

#include <stddef.h>
#include "daemon/state.h"
#include "exitset/exit_set.h"

/* With block mode on, the clients of live SSH sessions that did not come
 * from an exit node (at most TW_MAX_SPARED): what a set must not name. */
size_t daemon_block_guard_clients(const struct tw_daemon *d, struct tw_prefix *out);
/* The n entries tw_exit_set_spare took out for them: feed_rejected and a
 * warning the first time each is spared. */
void daemon_block_guard_report(struct tw_daemon *d, const struct tw_spared *sp, size_t n);

#endif
