// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch run --check-config: every check the start makes that needs no
 * kernel (interfaces named, sinks and their filters, throttles, secrets,
 * the geo databases, the sources and feed files, the metrics address),
 * through the start's own code, with nothing opened, created or started:
 * no alert file, spool, cache directory, socket or download. */
#include <errno.h>
#include <stdio.h>
#include "common/fetch.h"
#include "common/log.h"
#include "daemon/state.h"
#include "feeds/feeds.h"
#include "geo/geo.h"
#include "metrics/metrics_http.h"

int tw_daemon_check(const struct tw_run_opts *opts)
{
	struct tw_daemon d = { .opts = opts, .check_only = true };
	char err[512];
	int ret = tw_fetch_global_init() ? -ENOMEM : 0;

	if (!ret)
		ret = daemon_resolve_ifaces(&d);
	if (!ret)
		ret = daemon_alerts_open(&d);
	if (!ret)
		ret = daemon_feeds_open(&d);
	if (!ret && opts->metrics_listen &&
	    (ret = tw_metrics_listen_check(opts->metrics_listen, err, sizeof(err))))
		tw_err("%s", err);
	if (d.exits.feeds_open)
		tw_feeds_close(&d.exits.feeds);
	tw_emitter_close(&d.alerts);
	tw_geo_close(d.geo);
	return ret;
}
