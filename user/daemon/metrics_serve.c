// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --metrics-listen: /metrics on a thread of its own (metrics/metrics_http.c);
 * it reads what the daemon publishes in the pins, nothing of the loop's. */
#include <errno.h>
#include "common/log.h"
#include "daemon/state.h"
#include "metrics/metrics_http.h"

int daemon_metrics_start(struct tw_daemon *d)
{
	char err[512];

	if (!d->opts->metrics_listen)
		return 0;
	d->metrics = tw_metrics_http_start(d->opts->metrics_listen, d->opts->pin_root,
					   &d->opts->metrics_ports, d->geo, err, sizeof(err));
	if (!d->metrics) {
		tw_err("%s", err);
		return -EINVAL;
	}
	tw_info("metrics: http://%s/metrics", d->opts->metrics_listen);
	return 0;
}

void daemon_metrics_stop(struct tw_daemon *d)
{
	tw_metrics_http_stop(d->metrics);
	d->metrics = NULL;
}
