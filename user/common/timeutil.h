/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Wall-clock formatting and conversion of kernel CLOCK_MONOTONIC stamps. */
#ifndef TW_TIMEUTIL_H
#define TW_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include "torwatch.h"	/* TW_NS_PER_SEC and the other units */

/* Unix time in nanoseconds for a bpf_ktime_get_coarse_ns() stamp. */
int64_t tw_mono_to_unix_ns(uint64_t mono_ns);
uint64_t tw_now_mono_ns(void);
int64_t tw_now_unix(void);
int64_t tw_now_unix_ns(void);
/* "2024-03-12T14:24:53.123456Z" (microseconds) from unix nanoseconds. */
void tw_format_iso8601_ns(int64_t unix_ns, char *buf, size_t len);
/* The same to the millisecond: for times of the coarse kernel clock, which
 * has no finer digits to show. */
void tw_format_iso8601_ms(int64_t unix_ns, char *buf, size_t len);
/* "2024-03-12T14:24:53Z" from unix seconds; "never" for 0. */
void tw_format_iso8601(int64_t unix_s, char *buf, size_t len);
/* "3d 4h", "5m 2s": a short human age. */
void tw_format_age(int64_t seconds, char *buf, size_t len);

/* "90", "90s", "40m", "48h", "2d" into seconds; -1 if malformed. */
int tw_parse_duration(const char *text, unsigned *seconds);

#endif
