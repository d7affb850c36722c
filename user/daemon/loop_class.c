// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The event loop's scheduling class (common/realtime.h): real-time unless
 * realtime-loop = no, taken at the end of the start (the start's own bulk
 * work, a first apply of up to 1M entries, stays unbounded) and before the
 * capabilities are dropped (outside the unit it needs CAP_SYS_NICE; the
 * unit gives the class at exec and forbids taking it: RestrictRealtime=). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/realtime.h"
#include "daemon/state.h"

static void on_demoted(void *ctx)
{
	struct tw_daemon *d = ctx;
	uint64_t n;

	if (read(d->loop_class.demoted_fd, &n, sizeof(n)) != sizeof(n))
		return;
	tw_warn("the event loop ran %u ms without sleeping, so it left the real-time class: "
		"it runs in the normal class until the next start, and kernel events may "
		"wait behind busy processes", TW_REALTIME_MAX_RUN_MS);
}

int daemon_loop_class(struct tw_daemon *d)
{
	int ret;

	d->loop_class.demoted_fd = -1;
	if (!d->opts->realtime_loop) {
		/* The unit may have given it: leaving needs no privilege. */
		ret = tw_realtime_leave();
		if (ret)
			tw_warn("realtime-loop = no, but the event loop cannot leave the real-time class: %s",
				strerror(-ret));
		return 0;
	}
	ret = tw_realtime_enter(TW_REALTIME_PRIORITY, TW_REALTIME_MAX_RUN_MS,
				&d->loop_class.demoted_fd);
	if (ret) {
		/* Not fatal: every alert still comes, with a longer tail on a busy host. */
		tw_warn("the event loop stays in the normal scheduling class: %s; alerts may wait "
			"behind busy processes (run as root, or under the unit, which gives the "
			"class; realtime-loop = no says this is meant)", strerror(-ret));
		return 0;
	}
	tw_info("the event loop runs in the real-time class (SCHED_RR %d), ahead of ordinary "
		"processes; a run of more than %u ms without sleeping moves it back",
		TW_REALTIME_PRIORITY, TW_REALTIME_MAX_RUN_MS);
	return tw_loop_add_fd(&d->loop, "real-time bound", d->loop_class.demoted_fd, on_demoted, d);
}
