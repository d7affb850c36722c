/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* At start: the TCP connections already open to a listed relay or to a
 * local Tor proxy port, found in /proc (each process's sockets, in its own
 * network namespace's /proc/PID/net/tcp and tcp6), as the events the hooks
 * would have sent. */
#ifndef TW_SENSORS_TORCLIENT_INVENTORY_H
#define TW_SENSORS_TORCLIENT_INVENTORY_H

#include "common/port_list.h"
#include "sensors/torclient/relay_list.h"
#include "tw_tor_client.h"

/* Calls fn for each such connection; returns how many. */
int tw_torclient_inventory(const struct tw_relay_list *relays, const struct tw_port_set *proxy_ports,
			   void (*fn)(const struct tw_tor_client_event *ev, void *ctx), void *ctx);

#endif
