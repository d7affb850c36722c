/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* events_lost: what the kernel could not hand over (ring buffers full) and
 * what the sinks could not deliver, since the last report, as one alert, so
 * that a SIEM sees the gap in the stream itself. */
#ifndef TW_LOSS_REPORT_H
#define TW_LOSS_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "alerts/emit.h"

/* Loss counters, each since the daemon started. */
struct tw_losses {
	uint64_t traffic, ssh, listen, session, tor_client;	/* kernel records not reserved */
	uint64_t sink[TW_MAX_SINKS];		/* per sink: dropped, too large, failed */
	size_t n_sinks;
};

/* The losses of e's sinks (kernel counts are the caller's). */
void tw_losses_of_sinks(const struct tw_emitter *e, struct tw_losses *out);
/* Did anything in now rise over then? */
bool tw_losses_rose(const struct tw_losses *then, const struct tw_losses *now);
/* The alert for the losses between then and now, over since_ns (unix) to
 * now_ns; e names the sinks. */
struct json_object *tw_loss_alert(const struct tw_losses *then, const struct tw_losses *now,
				  const struct tw_emitter *e, int64_t since_ns, int64_t now_ns);

#endif
