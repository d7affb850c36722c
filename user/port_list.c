// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "port_list.h"

#include <bpf/bpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, const char *end, long *out)
{
	char *stop;
	long v;

	if (s == end || !isdigit((unsigned char)*s) || end - s > 5)
		return -1;
	v = strtol(s, &stop, 10);
	if (stop != end || v < 1 || v > 65535)
		return -1;
	*out = v;
	return 0;
}

int tw_port_list_parse(const char *text, struct tw_port_set *set, char *err, size_t errlen)
{
	const char *p = text;

	memset(set, 0, sizeof(*set));
	if (!*text) {
		snprintf(err, errlen, "an empty port list");
		return -1;
	}
	while (*p) {
		const char *end = p + strcspn(p, ","), *dash = memchr(p, '-', (size_t)(end - p));
		long lo, hi;

		if (dash ? parse_port(p, dash, &lo) || parse_port(dash + 1, end, &hi) :
			   parse_port(p, end, &lo)) {
			snprintf(err, errlen, "'%.*s' in '%.64s' is not a port (1-65535) or a range A-B",
				 (int)(end - p > 32 ? 32 : end - p), p, text);
			return -1;
		}
		if (!dash)
			hi = lo;
		if (hi < lo) {
			snprintf(err, errlen, "range '%.*s' ends before it starts", (int)(end - p), p);
			return -1;
		}
		for (long port = lo; port <= hi; port++)
			set->w[port >> 6] |= 1ULL << (port & 63);
		p = *end ? end + 1 : end;
		if (*end && !*p) {
			snprintf(err, errlen, "'%.64s' ends with a comma", text);
			return -1;
		}
	}
	return 0;
}

void tw_port_list_format(const struct tw_port_set *set, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (long port = 1; port <= 65535 && o < len; port++) {
		long end = port;

		if (!tw_port_set_has(set, (uint16_t)port))
			continue;
		while (end < 65535 && tw_port_set_has(set, (uint16_t)(end + 1)))
			end++;
		o += (size_t)snprintf(buf + o, len - o, end == port ? "%s%ld" : "%s%ld-%ld",
				      o ? "," : "", port, end);
		port = end;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

int tw_port_set_store(int map_fd, const struct tw_port_set *set)
{
	for (__u32 i = 0; i < TW_PORT_SET_WORDS; i++)
		if (bpf_map_update_elem(map_fd, &i, &set->w[i], BPF_ANY))
			return -errno;
	return 0;
}

int tw_port_set_load(int map_fd, struct tw_port_set *set)
{
	for (__u32 i = 0; i < TW_PORT_SET_WORDS; i++)
		if (bpf_map_lookup_elem(map_fd, &i, &set->w[i]))
			return -errno;
	return 0;
}
