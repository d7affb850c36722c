/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where the relay set's lists come from, as the settings say: the feeds
 * (sources 0.., fixed at the first apply: a change takes a restart, since
 * the loop watches their download thread) and the files after them (a
 * SIGHUP may change them). */
#ifndef TW_SENSORS_TORCLIENT_RELAY_SOURCES_H
#define TW_SENSORS_TORCLIENT_RELAY_SOURCES_H

#include <stdbool.h>
#include "sensors/torclient/relay_feed.h"
#include "sensors/torclient/relay_set.h"
#include "sensors/torclient/torclient_settings.h"

/* Sets the sources up (the feeds only the first time); true when the
 * files changed, so that they must be read again. */
bool tw_relay_sources_configure(struct tw_relay_set *rs, struct tw_relay_feeds *fs,
				const struct torclient_settings *s, bool first);

#endif
