// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: Tor's geoip range files, IPv4 and IPv6. Whatever the bytes, the
 * reader never crashes; what it keeps is sorted and without overlaps after
 * finish, and every kept range answers for its own first address. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "geo/tor_ranges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int v6 = 0; v6 < 2; v6++) {
		struct tw_tor_ranges r = {};
		FILE *f = fmemopen((void *)data, size, "r");
		char err[256], cc[3];

		if (!f)
			return 0;
		if (!tw_tor_ranges_read(&r, f, v6, "fuzz", err, sizeof(err)) &&
		    !tw_tor_ranges_finish(&r, err, sizeof(err))) {
			for (size_t i = 0; i < (v6 ? r.n6 : r.n4); i++) {
				uint8_t a[16];
				bool named = v6 ? r.v6[i].cc[0] != '?' : r.v4[i].cc[0] != '?';

				if (v6) {
					memcpy(a, r.v6[i].lo, 16);
				} else {
					a[0] = (uint8_t)(r.v4[i].lo >> 24);
					a[1] = (uint8_t)(r.v4[i].lo >> 16);
					a[2] = (uint8_t)(r.v4[i].lo >> 8);
					a[3] = (uint8_t)r.v4[i].lo;
				}
				if (tw_tor_ranges_find(&r, v6, a, cc) != named)
					__builtin_trap();
			}
		}
		fclose(f);
		tw_tor_ranges_free(&r);
	}
	return 0;
}
