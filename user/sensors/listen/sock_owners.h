/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Which process holds which socket, read from the kernel's task list by the
 * sock_owners iterator (bpf/trace/sock_owners.bpf.c): it sees what
 * /proc/PID/fd hides (PID 1 in some sandboxes and containers). */
#ifndef TW_SOCK_OWNERS_H
#define TW_SOCK_OWNERS_H

#include <stddef.h>
#include "torwatch.h"

/* Every (socket inode, tgid) on the host into *out (malloc'd, the caller
 * frees it), *n of them. 0, or -errno when the iterator cannot run here. */
int tw_sock_owners(struct tw_sock_owner **out, size_t *n);

#endif
