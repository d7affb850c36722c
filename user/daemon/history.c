// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* At a start on pinned state, what the daemon before counted (its
 * alert_stats, sink_stats and meta, as it last published them: at a clean
 * stop, or within a second of SIGKILL or a crash) is added to the history
 * map before this daemon publishes its own figures over them, so that
 * 'status' still shows what was raised, lost and spooled before. */
#include <bpf/libbpf.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "daemon/state.h"
#include "xdp_tor.skel.h"

static int lookup(const struct bpf_map *m, __u32 key, void *value, size_t size)
{
	return bpf_map__lookup_elem(m, &key, sizeof(key), value, size, 0);
}

void daemon_history_fold(struct tw_daemon *d)
{
	struct xdp_tor_bpf *skel = d->xdp.skel;
	struct tw_history h = {};
	struct tw_alert_stats a = {};
	struct tw_meta m = {};

	if (lookup(skel->maps.history, 0, &h, sizeof(h)) || lookup(skel->maps.meta, 0, &m, sizeof(m)) ||
	    !m.started_at || m.started_at == h.folded_start)
		return;	/* no daemon ran on this state, or it was added already */
	h.folded_start = m.started_at;
	h.since = h.since ? h.since : m.started_at;
	h.runs++;
	h.unclean += !m.stopped_at;
	h.last_end = m.stopped_at ? m.stopped_at : m.heartbeat_at;
	if (!lookup(skel->maps.alert_stats, 0, &a, sizeof(a))) {
		h.raised += a.emitted;
		h.suppressed += a.suppressed;
	}
	for (__u32 i = 0; i < TW_MAX_SINKS; i++) {
		struct tw_sink_stat st;

		if (lookup(skel->maps.sink_stats, i, &st, sizeof(st)) || !st.in_use)
			break;
		/* Lost as events_lost counts it: a file sink's lines not
		 * written; a delivering sink's dropped and too large (what it
		 * could not queue is among its dropped). */
		h.lost += strcmp(st.kind, "file") ? st.dropped + st.too_large : st.failed;
		h.spooled += st.spooled;
		h.delivered += st.delivered;
	}
	if (bpf_map__update_elem(skel->maps.history, &(__u32){ 0 }, sizeof(__u32), &h, sizeof(h),
				 BPF_ANY))
		tw_warn("cannot keep the figures of the daemon before in the pinned state");
	else if (!m.stopped_at)
		tw_warn("the daemon before (pid %u) ended without a clean stop (SIGKILL or a crash); its figures stay in 'torwatch status', and the high alerts it had not delivered are sent from the spools",
			m.daemon_pid);
}

void daemon_history_losses_seen(struct tw_daemon *d, const struct tw_losses *l)
{
	const struct bpf_map *m = d->xdp.skel->maps.history;
	struct tw_history h = {};

	if (lookup(m, 0, &h, sizeof(h)))
		return;
	h.kernel_lost_seen[0] = l->traffic;
	h.kernel_lost_seen[1] = l->ssh;
	h.kernel_lost_seen[2] = l->listen;
	h.kernel_lost_seen[3] = l->session;
	h.kernel_lost_seen[4] = l->tor_client;
	h.seen_at = (__u64)tw_now_unix();
	bpf_map__update_elem(m, &(__u32){ 0 }, sizeof(__u32), &h, sizeof(h), BPF_ANY);
}

bool daemon_history_losses_before(struct tw_daemon *d, struct tw_losses *l, int64_t *since_ns)
{
	struct tw_history h = {};

	if (lookup(d->xdp.skel->maps.history, 0, &h, sizeof(h)) || !h.seen_at)
		return false;
	l->traffic = h.kernel_lost_seen[0];
	l->ssh = h.kernel_lost_seen[1];
	l->listen = h.kernel_lost_seen[2];
	l->session = h.kernel_lost_seen[3];
	l->tor_client = h.kernel_lost_seen[4];
	*since_ns = (int64_t)h.seen_at * (int64_t)TW_NS_PER_SEC;
	return true;
}
