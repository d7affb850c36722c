/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* GET /metrics over HTTP (libmicrohttpd, on a thread of its own): each
 * scrape renders the pinned state afresh (prometheus.h), so the daemon's
 * event loop never waits for a scraper, nor a scraper for the loop. */
#ifndef TW_METRICS_HTTP_H
#define TW_METRICS_HTTP_H

#include <stddef.h>
#include "common/port_list.h"

struct tw_metrics_http;

/* Serves the state pinned under root on listen ("127.0.0.1:9477",
 * "[::1]:9477", ":9477" for every address). NULL with one sentence in err. */
struct tw_geo;

/* geo: the daemon's databases (read-only, shared), NULL for none. */
struct tw_metrics_http *tw_metrics_http_start(const char *listen, const char *root,
					      const struct tw_port_set *ports,
					      const struct tw_geo *geo, char *err, size_t errlen);
void tw_metrics_http_stop(struct tw_metrics_http *h);
/* --check-config: is listen an address the server could bind (nothing is
 * bound)? 0, or -EINVAL with one sentence in err. */
int tw_metrics_listen_check(const char *listen, char *err, size_t errlen);

#endif
