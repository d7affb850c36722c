/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* IPv4/IPv6 addresses and prefixes as the exit set stores them. */
#ifndef TW_ADDR_H
#define TW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TW_ADDR_STRLEN 64	/* enough for an IPv6 address with "/128" */

struct tw_prefix {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefixlen;	/* 32 or 128 for a single address */
	uint8_t addr[16];	/* network byte order; IPv4 uses the first 4 bytes */
};

/* Parses "ADDR" or "ADDR/LEN". Returns 0, or -1 with a reason in *why. */
int tw_prefix_parse(const char *text, struct tw_prefix *out, const char **why);
/* Formats as "ADDR" for single addresses, "ADDR/LEN" otherwise. */
void tw_prefix_format(const struct tw_prefix *p, char *buf, size_t len);
bool tw_prefix_is_exact(const struct tw_prefix *p);
/* Orders by family, address, prefix length: a total order for sorting. */
int tw_prefix_cmp(const struct tw_prefix *a, const struct tw_prefix *b);
/* Does prefix p contain the single address a (same family)? */
bool tw_prefix_contains(const struct tw_prefix *p, const struct tw_prefix *a);

/* Converts a 16-byte address as the kernel reports it (IPv4 as ::ffff:a.b.c.d). */
void tw_prefix_from_in6(const uint8_t in6[16], struct tw_prefix *out);
void tw_prefix_to_in6(const struct tw_prefix *p, uint8_t in6[16]);
/* ::ffff:a.b.c.d from 4 bytes in network order. */
void tw_in6_from_v4(uint8_t in6[16], const void *v4);

#endif
