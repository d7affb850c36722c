/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* unexpected_listen_port: which new listeners are unexpected (the allowed
 * ports, loopback), folding of repeats (same port, protocol, executable in
 * a window: one alert now, one with the count when the window closes), and
 * the alert itself with the process that opened the port. */
#ifndef TW_LISTEN_POLICY_H
#define TW_LISTEN_POLICY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "common/port_list.h"
#include "common/container.h"
#include "common/procinfo.h"
#include "alerts/fold.h"
#include "sensors/listen/listen_detect.h"
#include "torwatch.h"

#define TW_LISTEN_DEDUP_SLOTS 1024

struct tw_listen_policy {
	struct tw_port_set tcp, udp;	/* allowed */
	bool ignore_loopback;
	uint64_t window_ns;
	uint32_t self_tgid;	/* torwatch itself: its listeners (--metrics-listen) are expected */
	struct tw_container_ports containers[TW_MAX_CONTAINER_PORTS];	/* expected per container */
	unsigned n_containers;
};

struct tw_listen_seen {
	uint64_t first_ns;	/* CLOCK_MONOTONIC of the alert that opened the window */
	uint32_t repeats;	/* folded since */
	uint16_t port;
	uint8_t proto;
	bool used;
	char exe[512];
	struct tw_listen_event last;	/* for the summary alert */
	struct tw_procinfo proc;
};

struct tw_listen_dedup {
	struct tw_listen_seen slot[TW_LISTEN_DEDUP_SLOTS];
	struct tw_open_windows windows;
};

/* Is this listener expected (an allowed port, or loopback-only when ignored)? */
bool tw_listen_expected(const struct tw_listen_policy *p, const struct tw_listen_event *ev);
/* Decides what ev gives: an alert to write now (returned, the caller
 * writes and frees it), or NULL when it is expected or folded into an open
 * window. at_startup marks what the start-up inventory found. */
struct json_object *tw_listen_handle(const struct tw_listen_policy *p, struct tw_listen_dedup *d,
				     const struct tw_listen_event *ev, bool at_startup,
				     uint64_t now_ns);
/* Closes windows older than the policy's; returns the next alert carrying
 * the count of a closed window that had repeats, NULL when none is left.
 * Call until NULL. */
struct json_object *tw_listen_flush_next(const struct tw_listen_policy *p,
					 struct tw_listen_dedup *d, uint64_t now_ns);

#endif
