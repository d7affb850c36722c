/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Session events (tw_session.h) to alerts: sshd_child_egress, with the
 * process, its parents up to sshd, the destination and the session; and
 * ssh_login_from_tor. Repeats of one (session, process, destination)
 * within the window give no new alert; when it closes, one more alert
 * carries the count. The login alert goes out once per session: from the
 * uid change or program that names the user, else, 1.5 s after sshd's
 * pre-auth child reported success, as the user the session's sshd runs as. */
#ifndef TW_SESSION_ALERTS_H
#define TW_SESSION_ALERTS_H

#include <json-c/json.h>
#include <stdint.h>
#include "tw_session.h"
#include "tw_status.h"

struct tw_egress_dedup;

struct tw_egress_dedup *tw_egress_dedup_new(void);
void tw_egress_dedup_free(struct tw_egress_dedup *d);
/* The alert for ev, or NULL when it is a repeat within window_ns (counted). */
struct json_object *tw_session_event_alert(struct tw_egress_dedup *d,
					   const struct tw_session_event *ev,
					   const struct tw_source_info sources[TW_MAX_SOURCES],
					   uint64_t window_ns, uint64_t now_ns);
/* One alert for a window that closed with repeats (event.count), or a
 * login whose wait for the user's name is over; NULL when none is left. */
struct json_object *tw_egress_flush_next(struct tw_egress_dedup *d,
					 const struct tw_source_info sources[TW_MAX_SOURCES],
					 uint64_t window_ns, uint64_t now_ns);

#endif
