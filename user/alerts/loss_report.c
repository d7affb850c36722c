// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/loss_report.h"

#include <stdio.h>
#include "alerts/ecs.h"
#include "alerts/rules.h"
#include "common/timeutil.h"

void tw_losses_of_sinks(const struct tw_emitter *e, struct tw_losses *out)
{
	out->n_sinks = e->n_sinks;
	for (size_t i = 0; i < e->n_sinks; i++) {
		const struct tw_sink *s = &e->sinks[i];

		/* A sink that delivers later counts its own drops; one that
		 * writes at once fails (and is counted) in tw_emit. */
		out->sink[i] = s->counts.dropped + s->counts.too_large + (s->later ? 0 : s->failed);
	}
}

bool tw_losses_rose(const struct tw_losses *then, const struct tw_losses *now)
{
	if (now->traffic > then->traffic || now->ssh > then->ssh || now->listen > then->listen ||
	    now->session > then->session || now->tor_client > then->tor_client)
		return true;
	for (size_t i = 0; i < now->n_sinks; i++)
		if (now->sink[i] > then->sink[i])
			return true;
	return false;
}

struct json_object *tw_loss_alert(const struct tw_losses *then, const struct tw_losses *now,
				  const struct tw_emitter *e, int64_t since_ns, int64_t now_ns)
{
	uint64_t kernel = (now->traffic - then->traffic) + (now->ssh - then->ssh) +
			  (now->listen - then->listen) + (now->session - then->session) +
			  (now->tor_client - then->tor_client), sinks = 0;
	struct json_object *a, *by_sink = json_object_new_array();
	char msg[200], since[40];

	for (size_t i = 0; i < now->n_sinks; i++) {
		uint64_t n = now->sink[i] - then->sink[i];
		struct json_object *one;

		if (!n)
			continue;
		sinks += n;
		one = json_object_new_object();
		tw_json_set(one, "sink", json_object_new_string(e->sinks[i].shown));
		json_object_object_add(one, "lost", json_object_new_int64((int64_t)n));
		json_object_array_add(by_sink, one);
	}
	tw_format_iso8601_ns(since_ns, since, sizeof(since));
	snprintf(msg, sizeof(msg), "%llu kernel events and %llu alerts lost since %s",
		 (unsigned long long)kernel, (unsigned long long)sinks, since);
	a = tw_alert_new(&tw_rule_events_lost, msg, now_ns);
	tw_json_set(a, "torwatch.lost.since", json_object_new_string(since));
	tw_json_set(a, "torwatch.lost.kernel.traffic",
		    json_object_new_int64((int64_t)(now->traffic - then->traffic)));
	tw_json_set(a, "torwatch.lost.kernel.ssh",
		    json_object_new_int64((int64_t)(now->ssh - then->ssh)));
	tw_json_set(a, "torwatch.lost.kernel.listen",
		    json_object_new_int64((int64_t)(now->listen - then->listen)));
	tw_json_set(a, "torwatch.lost.kernel.session",
		    json_object_new_int64((int64_t)(now->session - then->session)));
	tw_json_set(a, "torwatch.lost.kernel.tor_client",
		    json_object_new_int64((int64_t)(now->tor_client - then->tor_client)));
	tw_json_set(a, "torwatch.lost.alerts", json_object_new_int64((int64_t)sinks));
	tw_json_set(a, "torwatch.lost.sinks", by_sink);
	return a;
}
