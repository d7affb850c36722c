/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The Tor client sensor's settings, a plain value made from the options
 * (torclient_sensor.c) and compared byte by byte on SIGHUP. */
#ifndef TW_SENSORS_TORCLIENT_SETTINGS_H
#define TW_SENSORS_TORCLIENT_SETTINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "common/fetch.h"
#include "common/port_list.h"
#include "config/run_opts.h"
#include "sensors/torclient/relay_feed.h"

struct torclient_settings {
	bool on;
	bool builtin;
	char files[TW_MAX_LIST_FILES][256];
	size_t n_files;
	bool onionoo;			/* the built-in feed of running relays */
	char feeds[TW_MAX_RELAY_FEEDS - 1][1024];
	size_t n_feeds;
	unsigned feed_interval_s;
	struct tw_fetch_limits limits;
	unsigned retry_min_s;
	unsigned stale_after_s;
	char state_dir[PATH_MAX];
	struct tw_port_set proxy_ports;
	char allowed_exe[8][128];
	size_t n_allowed_exe;
	unsigned max_relays;
	unsigned max_shrink_pct;
	uint64_t window_ns;
};

#endif
