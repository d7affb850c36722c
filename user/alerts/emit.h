/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one way out for alerts: every rule builds its alert (ecs.h) and hands
 * it to tw_emit(), which renders it once and writes it to every sink. */
#ifndef TW_EMIT_H
#define TW_EMIT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "alerts/sink.h"
#include "alerts/throttle.h"
#include "tw_status.h"

struct tw_geo;


struct tw_emitter {
	struct tw_sink sinks[TW_MAX_SINKS];
	size_t n_sinks;
	uint64_t emitted;	/* alerts that went out to the sinks */
	uint64_t by_rule[TW_MAX_RULES];	/* the same by rule (tw_rule_index) */
	uint64_t folded;	/* per-source alerts folded into a storm summary (never built) */
	struct tw_recent_alert recent[TW_RECENT_ALERTS];	/* slot: number % TW_RECENT_ALERTS */
	struct tw_throttle throttle;	/* per-rule limits; none until set */
	const struct tw_geo *geo;	/* adds .geo and .as to source and destination; NULL: none */
};

/* Adds the sink that target names ("-", a path, a URL). 0 or -errno with one
 * sentence in err. */
int tw_emitter_add(struct tw_emitter *e, const char *target, char *err, size_t errlen);
/* The same with a [sink NAME] section's settings (set may be NULL). */
int tw_emitter_add_with(struct tw_emitter *e, const char *target,
			const struct tw_sink_settings *set, char *err, size_t errlen);
/* The last sink added takes only alerts of min_severity ("high": high and
 * critical; NULL: all) and of the rules in the comma list rules (NULL: all).
 * 0, or -EINVAL with one sentence in err (an unknown rule or severity). */
int tw_emitter_filter_last(struct tw_emitter *e, const char *min_severity, const char *rules,
			   char *err, size_t errlen);
/* Writes alert to every sink and drops the caller's reference, unless its
 * rule's throttle holds it back (counted there); a sink that fails is logged
 * and counted, the others still get it. NULL is ignored. */
void tw_emit(struct tw_emitter *e, struct json_object *alert);
/* Every sink opens what it writes to again (SIGHUP, after logrotate). */
void tw_emitter_reopen(struct tw_emitter *e);
/* Waits until the writer threads (file, stdout) wrote what they were given,
 * at most wait_ms each: true when all did. */
bool tw_emitter_flush(struct tw_emitter *e, unsigned wait_ms);
/* Closes every sink; the writer threads write what is queued first (at
 * most a few seconds: one stuck in a write is left, and said). */
void tw_emitter_close(struct tw_emitter *e);

#endif
