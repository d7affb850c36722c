// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the daemon publishes in pinned maps for the CLI: the metadata
 * (interfaces, hooks, the last apply, staleness) and each source's state. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/hash.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "alerts/delivery.h"
#include "alerts/sink_thread.h"
#include "daemon/state.h"
#include "tw_pins.h"
#include "xdp_tor.skel.h"

int daemon_status_write(struct tw_daemon *d)
{
	struct xdp_tor_bpf *skel = d->xdp.skel;
	__u32 zero = 0;

	if (bpf_map__update_elem(skel->maps.meta, &zero, sizeof(zero), &d->pub.meta,
				 sizeof(d->pub.meta), BPF_ANY))
		return -errno;
	for (__u32 i = 0; i < TW_MAX_SOURCES; i++)
		if (bpf_map__update_elem(skel->maps.sources, &i, sizeof(i), &d->pub.info[i],
					 sizeof(d->pub.info[i]), BPF_ANY))
			return -errno;
	return 0;
}

/* What waits in a sink's queue (its writer's or its HTTP worker's) and in
 * its spool. */
static void sink_backlog(const struct tw_sink *s, size_t *queued, size_t *spooled)
{
	*queued = *spooled = 0;
	if (s->later)
		tw_delivery_backlog(s->later, queued, spooled);
	else if (s->own)
		*queued = tw_sink_thread_backlog(s->own);
}

/* Each sink's counters (the HTTP workers move theirs at any time: a
 * snapshot, read without their lock, good enough for status). */
static void publish_sinks(struct tw_daemon *d)
{
	for (__u32 i = 0; i < TW_MAX_SINKS; i++) {
		struct tw_sink_stat st = {};

		if (i < d->alerts.n_sinks) {
			const struct tw_sink *s = &d->alerts.sinks[i];

			size_t queued, spooled;

			sink_backlog(s, &queued, &spooled);
			st = (struct tw_sink_stat){ .written = s->written, .failed = s->failed,
						    .filtered = s->filtered, .delivered = s->counts.delivered,
						    .retried = s->counts.retried, .rejected = s->counts.rejected,
						    .dropped = s->counts.dropped, .spooled = s->counts.spooled,
						    .spool_pending = spooled, .queued = queued,
						    .too_large = s->counts.too_large,
						    .last_error_at = s->counts.last_error_at, .in_use = 1 };
			snprintf(st.kind, sizeof(st.kind), "%s", s->ops->kind);
			snprintf(st.name, sizeof(st.name), "%s", s->shown);
			snprintf(st.last_error, sizeof(st.last_error), "%s", s->counts.last_error);
		}
		bpf_map__update_elem(d->xdp.skel->maps.sink_stats, &i, sizeof(i), &st, sizeof(st),
				     BPF_ANY);
	}
}

/* The ring of recent alerts, for 'top'. */
static void publish_recent(struct tw_daemon *d)
{
	for (__u32 i = 0; i < TW_RECENT_ALERTS; i++)
		bpf_map__update_elem(d->xdp.skel->maps.recent_alerts, &i, sizeof(i), &d->alerts.recent[i],
				     sizeof(d->alerts.recent[i]), BPF_ANY);
}

/* After each round: the alert counts, when they changed. */
static void publish_alerts(void *ctx)
{
	struct tw_daemon *d = ctx;
	struct tw_alert_stats a = { .emitted = d->alerts.emitted,
				    .suppressed = d->alerts.throttle.suppressed,
				    .folded = d->alerts.folded };

	memcpy(a.by_rule, d->alerts.by_rule, sizeof(a.by_rule));
	uint64_t mark = TW_FNV1A_INIT;
	__u32 zero = 0;

	for (size_t i = 0; i < d->alerts.n_sinks; i++) {
		const struct tw_sink *s = &d->alerts.sinks[i];

		a.written += s->written;
		a.failed += s->failed;
		size_t queued, spooled;

		/* The writers' and HTTP workers' counters and queues move on
		 * their own: a change mark, so that a queue that drained after
		 * its last count is published too. */
		sink_backlog(s, &queued, &spooled);
		const uint64_t moving[] = { s->counts.delivered, s->counts.retried, s->counts.rejected,
					    s->counts.dropped,	 s->filtered,	     s->counts.spooled,
					    s->counts.too_large, queued,	     spooled };

		/* Mixed, not summed: one alert leaving the queue as it is
		 * delivered must still change the mark. */
		mark = tw_fnv1a(mark, moving, sizeof(moving));
	}
	if (!memcmp(&a, &d->pub.alerts, sizeof(a)) && mark == d->pub.sinks_mark)
		return;
	if (a.emitted != d->pub.alerts.emitted)
		publish_recent(d);
	if (!bpf_map__update_elem(d->xdp.skel->maps.alert_stats, &zero, sizeof(zero), &a, sizeof(a),
				  BPF_ANY))
		d->pub.alerts = a;
	d->pub.sinks_mark = mark;
	publish_sinks(d);
}

_Static_assert(TW_LOOP_STATS == TW_LOOP_MAX_INPUTS, "one loop_stats entry an input");
_Static_assert(TW_LOOP_SLOW_US * 1000ull == TW_LOOP_SLOW_NS, "one bound for a slow run");

/* How long each input held the event loop (the entries past the last
 * input were zeroed at the start). */
static void publish_loop(struct tw_daemon *d)
{
	for (__u32 i = 0; i < d->loop.n; i++) {
		const struct tw_loop_entry *e = &d->loop.e[i];
		struct tw_loop_stat st = { .runs = e->runs, .slow = e->slow,
					   .longest_us = e->longest_ns / 1000,
					   .total_us = e->total_ns / 1000,
					   .last_slow_at = (__u64)e->last_slow_at };

		snprintf(st.name, sizeof(st.name), "%s", e->name);
		bpf_map__update_elem(d->xdp.skel->maps.loop_stats, &i, sizeof(i), &st, sizeof(st),
				     BPF_ANY);
	}
}

/* Once a second: the heartbeat, so that status can tell when a daemon that
 * died (SIGKILL, a crash) last tended the state, and the loop's figures. */
static void heartbeat(void *ctx)
{
	struct tw_daemon *d = ctx;
	__u64 now = (__u64)tw_now_unix();

	if (now == d->pub.meta.heartbeat_at)
		return;
	d->pub.meta.heartbeat_at = now;
	bpf_map__update_elem(d->xdp.skel->maps.meta, &(__u32){ 0 }, sizeof(__u32), &d->pub.meta,
			     sizeof(d->pub.meta), BPF_ANY);
	publish_loop(d);
}

void daemon_status_started(struct tw_daemon *d)
{
	struct tw_meta *m = &d->pub.meta;

	m->started_at = (__u64)tw_now_unix();
	m->daemon_pid = (__u32)getpid();
	m->layout = TW_PIN_LAYOUT;
	snprintf(m->version, sizeof(m->version), "%s", TORWATCH_VERSION);
	/* A pin a daemon before left holds its own inputs' figures. */
	for (__u32 i = 0; i < TW_LOOP_STATS; i++)
		bpf_map__update_elem(d->xdp.skel->maps.loop_stats, &i, sizeof(i),
				     &(struct tw_loop_stat){}, sizeof(struct tw_loop_stat), BPF_ANY);
}

void daemon_status_stopped(struct tw_daemon *d)
{
	if (!d->pub.meta.daemon_pid)
		return;
	d->pub.meta.daemon_pid = 0;
	d->pub.meta.stopped_at = (__u64)tw_now_unix();
	daemon_status_write(d);
}

void daemon_status_exit_set(struct tw_daemon *d, const struct tw_exit_set *set, uint64_t usec)
{
	struct tw_meta *m = &d->pub.meta;

	m->set_loaded_at = (__u64)tw_now_unix();
	m->apply_usec = usec;
	m->exact_v4 = set->exact_v4;
	m->exact_v6 = set->exact_v6;
	m->prefixes_v4 = set->prefixes_v4;
	m->prefixes_v6 = set->prefixes_v6;
	daemon_status_sources(d);
}

int daemon_status_start(struct tw_daemon *d)
{
	int ret = tw_loop_add_tick(&d->loop, "heartbeat", TW_LOOP_AFTER_INPUT, heartbeat, d);

	if (ret)
		return ret;
	/* Published at once, so that a restart's status starts from zero. */
	memset(&d->pub.alerts, 0xff, sizeof(d->pub.alerts));
	publish_alerts(d);
	return tw_loop_add_tick(&d->loop, "alert counts", TW_LOOP_AFTER_INPUT, publish_alerts, d);
}

void daemon_status_sources(struct tw_daemon *d)
{
	struct tw_feeds *f = &d->exits.feeds;

	tw_sources_describe(&f->sources, NULL, d->pub.info);
	d->pub.meta.set_newest_data = (__u64)tw_sources_newest(&f->sources);
	d->pub.meta.feed_stale = f->stale;
	d->pub.meta.feed_rounds = f->rounds_done;
	if (d->xdp.skel && daemon_status_write(d))
		tw_warn("cannot update the pinned source state: %s", strerror(errno));
}
