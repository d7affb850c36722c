/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The state pinned under a pin root as Prometheus' text exposition format:
 * one renderer for 'torwatch stats --prometheus' and the daemon's /metrics.
 * Names torwatch_*, base units (bytes, seconds), counters end in _total,
 * timestamps in seconds; no label takes an unbounded value (no addresses:
 * ports only from a configured list, sources and sinks only as configured). */
#ifndef TW_PROMETHEUS_H
#define TW_PROMETHEUS_H

#include <stdio.h>
#include "common/port_list.h"
#include "kernel/pins.h"

struct tw_geo;

/* Writes every metric of the state under root (maps p, opened read-only
 * will do) to f; with geo (its country database) also by country. 0 or
 * -errno. */
int tw_metrics_write(FILE *f, const char *root, const struct tw_pinned *p,
		     const struct tw_port_set *ports, const struct tw_geo *geo);

#endif
