/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The allowlist tries: addresses and prefixes never dropped or alerted. */
#ifndef TW_ALLOWLIST_H
#define TW_ALLOWLIST_H

#include <stddef.h>
#include "common/addr.h"

/* Makes the tries hold exactly list (new entries first, then removals).
 * Returns 0 or -errno. */
int tw_allowlist_apply(int fd_v4, int fd_v6, const struct tw_prefix *list, size_t n);

#endif
