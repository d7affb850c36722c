// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "geo/tor_ranges.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int bad(char *err, size_t errlen, const char *name, unsigned long line, const char *why)
{
	snprintf(err, errlen, "%s:%lu: %s", name, line, why);
	return -EINVAL;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return false;
	*v = (uint32_t)n;
	return true;
}

static bool country(const char *s, char cc[2])
{
	if (strlen(s) != 2 || !((isupper((unsigned char)s[0]) && isupper((unsigned char)s[1])) ||
				!strcmp(s, "??")))
		return false;
	memcpy(cc, s, 2);
	return true;
}

/* Splits "A,B,C" in place; false unless exactly three fields. */
static bool fields(char *line, char **a, char **b, char **c)
{
	*a = line;
	*b = strchr(line, ',');
	if (!*b)
		return false;
	*(*b)++ = '\0';
	*c = strchr(*b, ',');
	if (!*c)
		return false;
	*(*c)++ = '\0';
	return !strchr(*c, ',');
}

int tw_tor_ranges_read(struct tw_tor_ranges *r, FILE *f, bool v6, const char *name, char *err,
		       size_t errlen)
{
	size_t start = v6 ? r->n6 : r->n4, cap = start;
	char line[256];
	unsigned long no = 0;
	int ret = 0;

	while (!ret && fgets(line, sizeof(line), f)) {
		char *a, *b, *c;
		size_t len = strlen(line);

		no++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			ret = bad(err, errlen, name, no, "line too long");
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (!fields(line, &a, &b, &c)) {
			ret = bad(err, errlen, name, no, "not LOW,HIGH,COUNTRY");
			break;
		}
		if ((v6 ? r->n6 : r->n4) == cap) {
			void *nv;

			cap = cap ? cap * 2 : 4096;
			nv = v6 ? realloc(r->v6, cap * sizeof(*r->v6)) :
				  realloc(r->v4, cap * sizeof(*r->v4));
			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			if (v6)
				r->v6 = nv;
			else
				r->v4 = nv;
		}
		if (v6) {
			struct tw_range6 *e = &r->v6[r->n6];

			if (inet_pton(AF_INET6, a, e->lo) != 1 || inet_pton(AF_INET6, b, e->hi) != 1)
				ret = bad(err, errlen, name, no, "not an IPv6 address");
			else if (memcmp(e->lo, e->hi, 16) > 0)
				ret = bad(err, errlen, name, no, "LOW is above HIGH");
			else if (!country(c, e->cc))
				ret = bad(err, errlen, name, no, "not a two-letter country code");
			else
				r->n6++;
		} else {
			struct tw_range4 *e = &r->v4[r->n4];

			if (!parse_u32(a, &e->lo) || !parse_u32(b, &e->hi))
				ret = bad(err, errlen, name, no, "not a 32-bit number");
			else if (e->lo > e->hi)
				ret = bad(err, errlen, name, no, "LOW is above HIGH");
			else if (!country(c, e->cc))
				ret = bad(err, errlen, name, no, "not a two-letter country code");
			else
				r->n4++;
		}
	}
	if (!ret && ferror(f))
		ret = bad(err, errlen, name, no, "read error");
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
		/* Nothing of a damaged file stays. */
		*(v6 ? &r->n6 : &r->n4) = start;
	}
	return ret;
}

static int cmp4(const void *a, const void *b)
{
	const struct tw_range4 *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp6(const void *a, const void *b)
{
	return memcmp(((const struct tw_range6 *)a)->lo, ((const struct tw_range6 *)b)->lo, 16);
}

int tw_tor_ranges_finish(struct tw_tor_ranges *r, char *err, size_t errlen)
{
	if (r->n4)
		qsort(r->v4, r->n4, sizeof(*r->v4), cmp4);
	if (r->n6)
		qsort(r->v6, r->n6, sizeof(*r->v6), cmp6);
	for (size_t i = 1; i < r->n4; i++)
		if (r->v4[i].lo <= r->v4[i - 1].hi) {
			snprintf(err, errlen, "the IPv4 ranges overlap at %u", r->v4[i].lo);
			return -EINVAL;
		}
	for (size_t i = 1; i < r->n6; i++)
		if (memcmp(r->v6[i].lo, r->v6[i - 1].hi, 16) <= 0) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, r->v6[i].lo, a, sizeof(a));
			snprintf(err, errlen, "the IPv6 ranges overlap at %s", a);
			return -EINVAL;
		}
	return 0;
}

bool tw_tor_ranges_find(const struct tw_tor_ranges *r, bool v6, const uint8_t *addr, char cc[3])
{
	size_t lo = 0, hi = v6 ? r->n6 : r->n4;
	const char *found = NULL;

	if (v6) {
		/* The last range starting at or below addr. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (memcmp(r->v6[mid].lo, addr, 16) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && memcmp(addr, r->v6[lo - 1].hi, 16) <= 0)
			found = r->v6[lo - 1].cc;
	} else {
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
			     (uint32_t)addr[2] << 8 | addr[3];

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (r->v4[mid].lo <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && a <= r->v4[lo - 1].hi)
			found = r->v4[lo - 1].cc;
	}
	if (!found || found[0] == '?')
		return false;
	cc[0] = found[0];
	cc[1] = found[1];
	cc[2] = '\0';
	return true;
}

void tw_tor_ranges_free(struct tw_tor_ranges *r)
{
	free(r->v4);
	free(r->v6);
	memset(r, 0, sizeof(*r));
}
