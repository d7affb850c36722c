// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/utf8.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The length of the well-formed sequence at p (n bytes left), or 0. The
 * ranges of the second byte are those of Unicode's table 3-7. */
static size_t sequence_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

bool tw_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t k = sequence_len(p + i, len - i);

		if (!k)
			return false;
		i += k;
	}
	return true;
}

char *tw_utf8_repair(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(len * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t k = sequence_len(p + i, len - i);

		if (k) {
			memcpy(o, p + i, k);
			o += k, i += k;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD for one bad byte */
			o += 3, i++;
		}
	}
	*o = '\0';
	return out;
}

void tw_escape_controls(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;
		unsigned char next = (unsigned char)s[1];
		bool c1 = c == 0xc2 && next >= 0x80 && next <= 0x9f;

		if (c >= 0x20 && c != 0x7f && !c1) {
			out[o++] = (char)c;
			continue;
		}
		if (o + 5 > len)
			break;
		if (c1)
			c = next, s++;
		o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
	}
	out[o < len ? o : len - 1] = '\0';
}
