/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counts in words people read: "1 line", "2 lines", "1 prefix". */
#ifndef TW_PLURAL_H
#define TW_PLURAL_H

static inline const char *tw_plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

#endif
