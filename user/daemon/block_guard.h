/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Block mode and the owner's live SSH sessions (block_guard.c). */
#ifndef TW_DAEMON_BLOCK_GUARD_H
#define TW_DAEMON_BLOCK_GUARD_H

#include <stddef.h>
#include "daemon/state.h"
#include "exitset/exit_set.h"

/* With block mode on, takes out of set every entry that names the client
 * of a live SSH session that did not come from an exit node, raising
 * feed_rejected the first time an entry is spared; returns how many. */
size_t daemon_block_guard(struct tw_daemon *d, struct tw_exit_set *set);

#endif
