// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The sensors' ring buffers and other fds in the event loop, and their
 * windows closed on every round of it. */
#include <errno.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "daemon/state.h"

static void on_ring(void *ctx)
{
	struct tw_daemon *d = ctx;

	ring_buffer__consume(d->sensors.rb);
}

static void on_round(void *ctx)
{
	struct tw_daemon *d = ctx;

	tw_sensors_tick(&d->sensors, tw_now_mono_ns());
}

int daemon_events_start(struct tw_daemon *d)
{
	struct tw_sensor_fd fds[TW_MAX_SENSORS * TW_SENSOR_MAX_FDS];
	size_t n = tw_sensors_fds(&d->sensors, fds, TW_MAX_SENSORS * TW_SENSOR_MAX_FDS);
	int ret = tw_sensors_start_events(&d->sensors);

	if (ret)
		return ret;
	for (size_t i = 0; i < n && !ret; i++)
		ret = tw_loop_add_fd(&d->loop, fds[i].name, fds[i].fd, fds[i].fn, fds[i].ctx);
	if (ret) {
		tw_err("cannot watch a sensor's fd: %s", strerror(-ret));
		return ret;
	}
	ret = tw_loop_add_fd(&d->loop, "kernel events", ring_buffer__epoll_fd(d->sensors.rb),
			     on_ring, d);
	if (!ret)
		ret = tw_loop_add_tick(&d->loop, "sensor windows", TW_LOOP_BEFORE_INPUT, on_round, d);
	if (ret)
		tw_err("cannot watch the kernel events: %s", strerror(-ret));
	return ret;
}
