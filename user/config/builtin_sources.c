// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "config/builtin_sources.h"

#include <string.h>

const struct tw_builtin_source tw_builtin_sources[] = {
	{ "exit-addresses", "https://check.torproject.org/exit-addresses", TW_FEED_PLAIN,
	  40 * 60, 0, true, "TorDNSEL's tested exit addresses (scanned every 40 minutes)" },
	{ "bulk-exit-list", "https://check.torproject.org/torbulkexitlist", TW_FEED_PLAIN,
	  40 * 60, 0, true, "the same, IPv4 only, one address per line" },
	{ "onionoo",
	  "https://onionoo.torproject.org/details?flag=Exit&fields=exit_addresses,or_addresses",
	  TW_FEED_ONIONOO, 60 * 60, 0, true, "relays with the Exit flag, IPv6 included" },
	/* dan.me.uk answers more often than every 30 minutes with a refusal text. */
	{ "dan-me-uk", "https://www.dan.me.uk/torlist/?exit", TW_FEED_PLAIN, 60 * 60, 30 * 60,
	  false, "dan.me.uk's exit list (one fetch per 30 minutes at most)" },
};

const unsigned tw_n_builtin_sources = sizeof(tw_builtin_sources) / sizeof(tw_builtin_sources[0]);

int tw_builtin_find(const char *name)
{
	for (unsigned i = 0; i < tw_n_builtin_sources; i++)
		if (!strcmp(tw_builtin_sources[i].name, name))
			return (int)i;
	return -1;
}
