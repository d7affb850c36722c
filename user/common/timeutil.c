// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * (int64_t)TW_NS_PER_SEC + ts.tv_nsec;
}

uint64_t tw_now_mono_ns(void)
{
	return (uint64_t)clock_ns(CLOCK_MONOTONIC);
}

int64_t tw_now_unix(void)
{
	return (int64_t)time(NULL);
}

int64_t tw_now_unix_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

int64_t tw_mono_to_unix_ns(uint64_t mono_ns)
{
	return clock_ns(CLOCK_REALTIME) - (clock_ns(CLOCK_MONOTONIC) - (int64_t)mono_ns);
}

/* UTC to the second, then digits (3 or 6) of its fraction. */
static void format_iso8601_fraction(int64_t unix_ns, int digits, char *buf, size_t len)
{
	time_t s = (time_t)(unix_ns / (int64_t)TW_NS_PER_SEC);
	int64_t unit = digits == 3 ? 1000000 : 1000;
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%0*dZ", base, digits,
		 (int)((unix_ns / unit) % ((int64_t)TW_NS_PER_SEC / unit)));
}

void tw_format_iso8601_ns(int64_t unix_ns, char *buf, size_t len)
{
	format_iso8601_fraction(unix_ns, 6, buf, len);
}

void tw_format_iso8601_ms(int64_t unix_ns, char *buf, size_t len)
{
	format_iso8601_fraction(unix_ns, 3, buf, len);
}

void tw_format_iso8601(int64_t unix_s, char *buf, size_t len)
{
	time_t s = (time_t)unix_s;
	struct tm tm;

	if (!unix_s) {
		snprintf(buf, len, "never");
		return;
	}
	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void tw_format_age(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

int tw_parse_duration(const char *text, unsigned *seconds)
{
	char *end;
	unsigned long long v;
	unsigned mult = 1;

	if (!*text || *text == '-' || *text == '+' || *text == ' ')
		return -1;
	v = strtoull(text, &end, 10);
	if (end == text)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (v > 0xffffffffULL / mult)
		return -1;
	*seconds = (unsigned)(v * mult);
	return 0;
}
