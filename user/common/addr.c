// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool host_bits_clear(const struct tw_prefix *p)
{
	int bytes = addr_len(p->family);

	for (int bit = p->prefixlen; bit < bytes * 8; bit++)
		if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

int tw_prefix_parse(const char *text, struct tw_prefix *out, const char **why)
{
	char buf[TW_ADDR_STRLEN];
	const char *slash;
	size_t len = strlen(text);
	long plen = -1;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(buf)) {
		*why = len ? "too long to be an address" : "empty address";
		return -1;
	}
	memcpy(buf, text, len + 1);
	slash = strchr(text, '/');
	if (slash) {
		char *end;

		buf[slash - text] = '\0';
		if (slash[1] < '0' || slash[1] > '9') {
			*why = "prefix length is not a number";
			return -1;
		}
		plen = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end - (slash + 1) > 3) {
			*why = "prefix length is not a number";
			return -1;
		}
	}
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		/* ::ffff:a.b.c.d is an IPv4 address: store it as one. */
		if (!memcmp(out->addr, v4_mapped_prefix, 12) && (plen < 0 || plen >= 96)) {
			memmove(out->addr, out->addr + 12, 4);
			memset(out->addr + 4, 0, 12);
			out->family = AF_INET;
			if (plen >= 0)
				plen -= 96;
		}
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	if (plen < 0)
		plen = addr_len(out->family) * 8;
	if (plen > addr_len(out->family) * 8) {
		*why = out->family == AF_INET ? "prefix length over 32" : "prefix length over 128";
		return -1;
	}
	if (plen == 0) {
		*why = "a /0 prefix would match every address";
		return -1;
	}
	out->prefixlen = (uint8_t)plen;
	if (!host_bits_clear(out)) {
		*why = "host bits set after the prefix length";
		return -1;
	}
	return 0;
}

void tw_prefix_format(const struct tw_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (tw_prefix_is_exact(p))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->prefixlen);
}

bool tw_prefix_is_exact(const struct tw_prefix *p)
{
	return p->prefixlen == addr_len(p->family) * 8;
}

int tw_prefix_cmp(const struct tw_prefix *a, const struct tw_prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	return (int)a->prefixlen - (int)b->prefixlen;
}

bool tw_prefix_contains(const struct tw_prefix *p, const struct tw_prefix *a)
{
	int full = p->prefixlen / 8, rem = p->prefixlen % 8;

	if (p->family != a->family)
		return false;
	if (memcmp(p->addr, a->addr, full))
		return false;
	if (!rem)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rem));

	return (p->addr[full] & mask) == (a->addr[full] & mask);
}

void tw_prefix_from_in6(const uint8_t in6[16], struct tw_prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (!memcmp(in6, v4_mapped_prefix, 12)) {
		out->family = AF_INET;
		out->prefixlen = 32;
		memcpy(out->addr, in6 + 12, 4);
	} else {
		out->family = AF_INET6;
		out->prefixlen = 128;
		memcpy(out->addr, in6, 16);
	}
}

void tw_in6_from_v4(uint8_t in6[16], const void *v4)
{
	memcpy(in6, v4_mapped_prefix, 12);
	memcpy(in6 + 12, v4, 4);
}

void tw_prefix_to_in6(const struct tw_prefix *p, uint8_t in6[16])
{
	if (p->family == AF_INET) {
		tw_in6_from_v4(in6, p->addr);
	} else {
		memcpy(in6, p->addr, 16);
	}
}
