/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tor's geoip range files (Debian's tor-geoipdb: /usr/share/tor/geoip and
 * geoip6): "LOW,HIGH,CC" per line, IPv4 as decimal integers, IPv6 as
 * addresses; "??" is no country. Read into sorted arrays, looked up by
 * binary search. The file is hostile input: a line that is not a range
 * ends the read with its number and the reason, never a crash. */
#ifndef TW_TOR_RANGES_H
#define TW_TOR_RANGES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct tw_range4 {
	uint32_t lo, hi;	/* host order */
	char cc[2];
};

struct tw_range6 {
	uint8_t lo[16], hi[16];
	char cc[2];
};

struct tw_tor_ranges {
	struct tw_range4 *v4;
	size_t n4;
	struct tw_range6 *v6;
	size_t n6;
};

/* Adds the ranges of one file (IPv4 or IPv6 by v6) from f, named name in
 * errors. 0, or -EINVAL with "NAME:LINE: reason" in err (nothing of that
 * file kept), or -ENOMEM. */
int tw_tor_ranges_read(struct tw_tor_ranges *r, FILE *f, bool v6, const char *name, char *err,
		       size_t errlen);
/* Sorts what was read and refuses overlaps: 0 or -EINVAL with err. */
int tw_tor_ranges_finish(struct tw_tor_ranges *r, char *err, size_t errlen);
/* The country of an address (network order; IPv4 as 4 bytes): cc gets two
 * letters and a NUL; false when no range holds it or its country is "??". */
bool tw_tor_ranges_find(const struct tw_tor_ranges *r, bool v6, const uint8_t *addr, char cc[3]);
void tw_tor_ranges_free(struct tw_tor_ranges *r);

#endif
