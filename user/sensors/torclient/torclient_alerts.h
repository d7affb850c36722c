/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tor_client_connection and tor_proxy_use from the hooks' records: the
 * process named from /proc while it lives (executable, deleted or in a
 * world-writable directory, command line, parent, user, container), the
 * relay named from the relay set. Repeats of one process to one
 * destination within the window fold into one summary with event.count. */
#ifndef TW_SENSORS_TORCLIENT_ALERTS_H
#define TW_SENSORS_TORCLIENT_ALERTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "sensors/torclient/relay_list.h"
#include "tw_tor_client.h"

struct tw_fold;	/* alerts/fold.h */

struct tw_torclient_policy {
	const char (*allowed_exe)[128];	/* executables that may use Tor */
	size_t n_allowed_exe;
	uint64_t window_ns;		/* folding window; 0: every event alerts */
};

/* A fold table sized and keyed for these records (tw_fold_free frees it). */
struct tw_fold *tw_torclient_fold_new(void);

/* The alert for ev, or NULL: folded into an open window, or the Tor
 * daemon itself on its proxy port. found_at_start marks the inventory's. */
struct json_object *tw_torclient_alert(struct tw_fold *f,
				       const struct tw_tor_client_event *ev,
				       const struct tw_relay_list *relays,
				       const struct tw_torclient_policy *pol, bool found_at_start,
				       uint64_t now_ns);
/* Repeats the kernel still holds for ev's key (counted there, not yet
 * sent), taken: the summary of a window counts them too. */
typedef uint64_t (*tw_torclient_pending_fn)(void *ctx, const struct tw_tor_client_event *ev);

/* A summary for a window that closed with repeats; NULL when none is left. */
struct json_object *tw_torclient_flush_next(struct tw_fold *f,
					    const struct tw_relay_list *relays,
					    const struct tw_torclient_policy *pol, uint64_t now_ns,
					    tw_torclient_pending_fn pending, void *ctx);

#endif
