/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Onionoo "details" documents (onionoo.torproject.org/details?flag=Exit&
 * fields=exit_addresses,or_addresses): the source of IPv6 exit addresses.
 * Each relay's or_addresses ("ip:port", "[v6]:port") and exit_addresses
 * ("ip") become entries; relays_published dates the data. */
#ifndef TW_FEED_ONIONOO_H
#define TW_FEED_ONIONOO_H

#include <stddef.h>
#include "feeds/list_parse.h"

/* Returns 0 (bad addresses are counted in feed, "line" = relay number), or
 * -EINVAL with one sentence in err when the document is not Onionoo JSON,
 * or -ENOMEM. */
int tw_feed_parse_onionoo(const char *buf, size_t len, struct tw_feed *feed, char *err,
			  size_t errlen);

#endif
