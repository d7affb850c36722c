// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Kernel records to alerts: the ring buffers of the XDP program and the
 * tracepoint detectors, and the start-up inventory of listeners. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "daemon/state.h"
#include "alerts/exit_events.h"
#include "sensors/exit/tunnel_alerts.h"
#include "sensors/listen/listen_inventory.h"
#include "listen_detect.skel.h"
#include "session_track.skel.h"
#include "ssh_detect.skel.h"
#include "xdp_tor.skel.h"

static void on_listener(struct tw_daemon *d, const struct tw_listen_event *ev, bool at_startup)
{
	tw_emit(&d->alerts, tw_listen_handle(&d->ev.listen_policy, d->ev.listen_dedup, ev,
					     at_startup, tw_now_mono_ns()));
}

static int handle_listen_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct tw_listen_event))
		on_listener(ctx, data, false);
	return 0;
}

static void inventory_found(const struct tw_listen_event *ev, void *ctx)
{
	on_listener(ctx, ev, true);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct tw_daemon *d = ctx;

	const struct tw_event *ev = data;

	if (size < sizeof(struct tw_event))
		return 0;
	if (ev->kind == TW_EV_ICMP_TUNNEL || ev->kind == TW_EV_DNS_TUNNEL) {
		struct tw_tunnel_state st;
		bool have = !bpf_map__lookup_elem(d->k.skel->maps.tunnel_state, &ev->saddr,
						  sizeof(ev->saddr), &st, sizeof(st), 0);

		tw_emit(&d->alerts, tw_tunnel_alert(ev, have ? &st : NULL, &d->opts->tunnel,
						    d->st.info));
		return 0;
	}
	tw_event_alert(ev, d->st.info, &d->alerts);
	return 0;
}

void daemon_session_event(struct tw_daemon *d, const struct tw_session_event *ev)
{
	tw_emit(&d->alerts, tw_session_event_alert(d->ev.egress_dedup, ev, d->st.info,
						   (uint64_t)d->opts->dedup_window_s * 1000000000ULL,
						   tw_now_mono_ns()));
}

static int handle_session_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct tw_session_event))
		daemon_session_event(ctx, data);
	return 0;
}

static void on_ring(void *ctx)
{
	struct tw_daemon *d = ctx;

	ring_buffer__consume(d->ev.rb);
}

/* Listener windows that closed: one more alert each, with the count. */
static void flush_listeners(void *ctx)
{
	struct tw_daemon *d = ctx;
	uint64_t now = tw_now_mono_ns();
	struct json_object *a;

	while ((a = tw_listen_flush_next(&d->ev.listen_policy, d->ev.listen_dedup, now)))
		tw_emit(&d->alerts, a);
	while ((a = tw_egress_flush_next(d->ev.egress_dedup, d->st.info,
					 (uint64_t)d->opts->dedup_window_s * 1000000000ULL, now)))
		tw_emit(&d->alerts, a);
}

int daemon_events_start(struct tw_daemon *d)
{
	struct ring_buffer *rb;
	int ret;

	d->ev.listen_dedup = calloc(1, sizeof(*d->ev.listen_dedup));
	d->ev.egress_dedup = tw_egress_dedup_new();
	if (!d->ev.listen_dedup || !d->ev.egress_dedup)
		return -ENOMEM;
	/* The high-value ring first: it is consumed first. */
	rb = ring_buffer__new(bpf_map__fd(d->k.ssh->maps.high_events), handle_event, d, NULL);
	if (rb && (ring_buffer__add(rb, bpf_map__fd(d->k.listen.skel->maps.listen_events),
				    handle_listen_event, d) ||
		   (d->k.session &&
		    ring_buffer__add(rb, bpf_map__fd(d->k.session->maps.session_events),
				     handle_session_event, d)) ||
		   ring_buffer__add(rb, bpf_map__fd(d->k.skel->maps.xdp_events), handle_event, d)))
		ring_buffer__free(rb), rb = NULL;
	if (!rb) {
		ret = -errno;
		tw_err("cannot open the event ring buffer: %s", strerror(errno));
		return ret;
	}
	d->ev.rb = rb;
	ret = tw_loop_add_fd(&d->loop, "kernel events", ring_buffer__epoll_fd(rb), on_ring, d);
	if (!ret)
		ret = tw_loop_add_tick(&d->loop, "listener windows", TW_LOOP_BEFORE_INPUT,
				       flush_listeners, d);
	if (ret) {
		tw_err("cannot watch the kernel events: %s", strerror(-ret));
		return ret;
	}
	/* After the hooks: a listener opened meanwhile is seen twice and folded. */
	ret = tw_inventory(inventory_found, d);
	if (ret < 0)
		tw_warn("start-up inventory of listening sockets failed: %s", strerror(-ret));
	else
		tw_info("start-up inventory: %d listening socket%s", ret, ret == 1 ? "" : "s");
	return 0;
}

void daemon_events_close(struct tw_daemon *d)
{
	ring_buffer__free(d->ev.rb);
	d->ev.rb = NULL;
	free(d->ev.listen_dedup);
	d->ev.listen_dedup = NULL;
	tw_egress_dedup_free(d->ev.egress_dedup);
	d->ev.egress_dedup = NULL;
}
