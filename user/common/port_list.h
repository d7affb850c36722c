/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Port lists as users write them ("22,2222,8000-8100") and as the kernel
 * reads them (a bitmap of TW_PORT_SET_WORDS 64-bit words). */
#ifndef TW_PORT_LIST_H
#define TW_PORT_LIST_H

#include <stddef.h>
#include <stdint.h>
#include "torwatch.h"

struct tw_port_set {
	uint64_t w[TW_PORT_SET_WORDS];
};

/* Parses text into set (cleared first). Returns 0, or -1 with a sentence in err. */
int tw_port_list_parse(const char *text, struct tw_port_set *set, char *err, size_t errlen);
/* The same with protocol suffixes: "22,53/udp,8000-8100/tcp"; an item with
 * no suffix is in both sets. */
int tw_port_list_parse_proto(const char *text, struct tw_port_set *tcp, struct tw_port_set *udp,
			     char *err, size_t errlen);
/* "22,80,8000-8100"; "none" for an empty set. */
void tw_port_list_format(const struct tw_port_set *set, char *buf, size_t len);
static inline int tw_port_set_has(const struct tw_port_set *set, uint16_t port)
{
	return (set->w[port >> 6] >> (port & 63)) & 1;
}
/* Writes set into a TW_PORT_SET_WORDS array map; reads one back. */
int tw_port_set_store(int map_fd, const struct tw_port_set *set);
int tw_port_set_load(int map_fd, struct tw_port_set *set);

#endif
