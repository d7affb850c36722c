/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The formats an exit list comes in: named by the config ([source] format)
 * and the built-in sources, understood by the parsers in feeds/. */
#ifndef TW_FEED_FORMAT_H
#define TW_FEED_FORMAT_H

enum tw_feed_format {
	TW_FEED_PLAIN = 0,
	TW_FEED_EXIT_ADDRESSES,
	TW_FEED_ONIONOO,	/* Onionoo details JSON, parsed by feeds/onionoo.c */
};

#endif
