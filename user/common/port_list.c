// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/port_list.h"

#include <bpf/bpf.h>
#include <ctype.h>
#include <stdbool.h>
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

/* Items "P", "A-B", with "/tcp" or "/udp" when with_proto; an item without
 * a protocol goes into both sets. */
static int parse_items(const char *text, struct tw_port_set *tcp, struct tw_port_set *udp,
		       bool with_proto, char *err, size_t errlen)
{
	const char *p = text;

	memset(tcp, 0, sizeof(*tcp));
	memset(udp, 0, sizeof(*udp));
	if (!*text) {
		snprintf(err, errlen, "an empty port list");
		return -1;
	}
	while (*p) {
		const char *end = p + strcspn(p, ","), *stop = end;
		const char *slash = memchr(p, '/', (size_t)(end - p)), *dash;
		bool to_tcp = true, to_udp = true;
		long lo, hi;

		if (slash && with_proto) {
			size_t plen = (size_t)(end - slash - 1);

			to_tcp = plen == 3 && !strncmp(slash + 1, "tcp", 3);
			to_udp = plen == 3 && !strncmp(slash + 1, "udp", 3);
			if (!to_tcp && !to_udp) {
				if (p == text && !*end)
					snprintf(err, errlen, "'%.64s': the protocol must be /tcp or /udp",
						 text);
				else
					snprintf(err, errlen, "'%.*s' in '%.64s': the protocol must be /tcp or /udp",
						 (int)(end - p > 32 ? 32 : end - p), p, text);
				return -1;
			}
			stop = slash;
		}
		dash = memchr(p, '-', (size_t)(stop - p));
		if (dash ? parse_port(p, dash, &lo) || parse_port(dash + 1, stop, &hi) :
			   parse_port(p, stop, &lo)) {
			if (p == text && !*end)	/* the whole list: say it once */
				snprintf(err, errlen, "'%.64s' is not a port (1-65535) or a range A-B",
					 text);
			else
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
		for (long port = lo; port <= hi; port++) {
			if (to_tcp)
				tcp->w[port >> 6] |= 1ULL << (port & 63);
			if (to_udp)
				udp->w[port >> 6] |= 1ULL << (port & 63);
		}
		p = *end ? end + 1 : end;
		if (*end && !*p) {
			snprintf(err, errlen, "'%.64s' ends with a comma", text);
			return -1;
		}
	}
	return 0;
}

int tw_port_list_parse(const char *text, struct tw_port_set *set, char *err, size_t errlen)
{
	struct tw_port_set unused;

	return parse_items(text, set, &unused, false, err, errlen);
}

int tw_port_list_parse_proto(const char *text, struct tw_port_set *tcp, struct tw_port_set *udp,
			     char *err, size_t errlen)
{
	return parse_items(text, tcp, udp, true, err, errlen);
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
