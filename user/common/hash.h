/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* FNV-1a, 64 bits: the one hash for digests, file names and tables. */
#ifndef TW_HASH_H
#define TW_HASH_H

#include <stddef.h>
#include <stdint.h>

#define TW_FNV1A_INIT 1469598103934665603ULL

/* h (TW_FNV1A_INIT to start) carried over the len bytes at data. */
static inline uint64_t tw_fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

#endif
