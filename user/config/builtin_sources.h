/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exit lists torwatch knows by name. Each can be switched on or off and
 * pointed elsewhere (an internal mirror) in the config's [source NAME]. */
#ifndef TW_BUILTIN_SOURCES_H
#define TW_BUILTIN_SOURCES_H

#include <stdbool.h>
#include "common/feed_format.h"

struct tw_builtin_source {
	const char *name;
	const char *url;
	enum tw_feed_format format;
	unsigned interval_s;
	unsigned min_interval_s;	/* the publisher's own limit */
	bool on_by_default;
	const char *about;
};

extern const struct tw_builtin_source tw_builtin_sources[];
extern const unsigned tw_n_builtin_sources;

/* The index of the built-in source called name, or -1. */
int tw_builtin_find(const char *name);

#endif
