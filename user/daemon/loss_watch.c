// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Watches every loss counter (the kernel's ring-buffer reservations, the
 * sinks' drops) once a second; when one rose, an events_lost alert goes
 * into the stream, at most once per --loss-report-every (a minute), with the
 * counts since the last. */
#include <bpf/libbpf.h>
#include "common/timeutil.h"
#include "daemon/state.h"
#include "kernel/counters.h"
#include "xdp_tor.skel.h"

#define CHECK_EVERY_NS TW_NS_PER_SEC

static void read_losses(struct tw_daemon *d, struct tw_losses *out)
{
	struct tw_counters cnt = {};
	__u32 zero = 0;

	tw_losses_of_sinks(&d->alerts, out);
	if (tw_percpu_sum(bpf_map__fd(d->xdp.skel->maps.counters), &zero, &cnt, sizeof(cnt)))
		return;	/* the kernel's part stays 0: no rise seen, none invented */
	out->traffic = cnt.c[TW_CNT_EVENTS_LOST];
	out->ssh = cnt.c[TW_CNT_SSH_EVENTS_LOST];
	out->listen = cnt.c[TW_CNT_LISTEN_EVENTS_LOST];
	out->session = cnt.c[TW_CNT_SESSION_EVENTS_LOST];
	out->tor_client = cnt.c[TW_CNT_TOR_CLIENT_EVENTS_LOST];
}

static void check_losses(void *ctx)
{
	struct tw_daemon *d = ctx;
	uint64_t now = tw_now_mono_ns();
	struct tw_losses cur = {};

	if (now - d->loss.last_check_mono < CHECK_EVERY_NS)
		return;
	d->loss.last_check_mono = now;
	/* d->opts is the last SIGHUP's: the interval may change meanwhile. */
	if (d->loss.last_alert_mono &&
	    now - d->loss.last_alert_mono < (uint64_t)d->opts->loss_report_s * TW_NS_PER_SEC)
		return;
	read_losses(d, &cur);
	if (!tw_losses_rose(&d->loss.reported, &cur))
		return;
	tw_emit(&d->alerts, tw_loss_alert(&d->loss.reported, &cur, &d->alerts, d->loss.since_ns,
					  tw_now_unix_ns()));
	d->loss.reported = cur;
	d->loss.since_ns = tw_now_unix_ns();
	d->loss.last_alert_mono = now;
	daemon_history_losses_seen(d, &cur);
}

int daemon_loss_watch_start(struct tw_daemon *d)
{
	struct tw_losses now = {};

	/* The kernel's counters outlive a daemon: losses count from what the
	 * daemon before reported, so that events lost while none ran (the
	 * pinned SSH ring full in a long gap) are reported now, with the time
	 * they count from; from here on a fresh state. */
	read_losses(d, &now);
	d->loss.reported = now;
	d->loss.since_ns = tw_now_unix_ns();
	if (daemon_history_losses_before(d, &d->loss.reported, &d->loss.since_ns))
		tw_losses_of_sinks(&d->alerts, &d->loss.reported);
	else
		daemon_history_losses_seen(d, &now);
	return tw_loop_add_tick(&d->loop, "loss watch", TW_LOOP_AFTER_INPUT, check_losses, d);
}
