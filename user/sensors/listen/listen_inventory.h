/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Start-up inventory: the TCP listeners and bound UDP sockets that already
 * exist in this network namespace (netlink sock_diag, both families), with
 * the process that holds each (best effort, from /proc/PID/fd). */
#ifndef TW_LISTEN_INVENTORY_H
#define TW_LISTEN_INVENTORY_H

#include <stddef.h>
#include "torwatch.h"

/* Calls found() for each listener as a tw_listen_event (ts_ns now, hook
 * TW_HOOK_NONE). Returns how many were found, or -errno. */
int tw_inventory(void (*found)(const struct tw_listen_event *ev, void *ctx), void *ctx);

#endif
