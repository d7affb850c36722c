// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "feeds/source_cache.h"

#include "common/atomic_file.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/hash.h"

#define MAGIC "# torwatch source cache v1"

void tw_source_cache_name(const char *name, char *buf, size_t len)
{
	uint64_t h = tw_fnv1a(TW_FNV1A_INIT, name, strlen(name));
	bool safe = *name && strlen(name) < 48;

	for (const char *c = name; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			safe = false;
	}
	if (safe && name[0] != '.')
		snprintf(buf, len, "%s.cache", name);
	else
		snprintf(buf, len, "feed-%016" PRIx64 ".cache", h);
}

int tw_source_cache_write(const struct tw_source *s, const char *dir)
{
	char path[4200], addr[TW_ADDR_STRLEN];
	struct tw_atomic_file a;
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, s->cache_name);
	err = tw_atomic_open(&a, path, 0600);
	if (err)
		return err;
	fprintf(a.f, MAGIC "\nurl %s\nlisted %zu %" PRId64 "\nconfirmed %" PRId64
		     "\ndata-time %" PRId64 "\n",
		s->url, s->listed, s->listed_at, s->confirmed_at, s->data_time);
	if (s->etag[0])
		fprintf(a.f, "etag %s\n", s->etag);
	if (s->last_modified[0])
		fprintf(a.f, "last-modified %s\n", s->last_modified);
	fprintf(a.f, "entries\n");
	for (size_t i = 0; i < s->n_seen; i++) {
		tw_prefix_format(&s->seen[i].p, addr, sizeof(addr));
		fprintf(a.f, "%s %" PRId64 "\n", addr, s->seen[i].last_seen);
	}
	return tw_atomic_commit(&a);
}

static int fail(char *err, size_t errlen, unsigned long line, const char *why)
{
	snprintf(err, errlen, "line %lu: %s", line, why);
	return -EINVAL;
}

static bool parse_i64(const char *s, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return !errno && end != s && (*end == '\0' || *end == ' ') && *v >= 0;
}

static void chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* The header, up to "entries". */
static int parse_header(FILE *f, struct tw_source *c, unsigned long *line, char **buf,
			size_t *cap, char *err, size_t errlen)
{
	bool entries = false;

	while (!entries && getline(buf, cap, f) >= 0) {
		char *l = *buf, *v;

		(*line)++;
		chomp(l);
		if (*line == 1) {
			if (strcmp(l, MAGIC))
				return fail(err, errlen, 1, "not a torwatch source cache");
			continue;
		}
		v = strchr(l, ' ');
		v = v ? (*v = '\0', v + 1) : l + strlen(l);
		if (!strcmp(l, "entries")) {
			entries = true;
		} else if (!strcmp(l, "url")) {
			snprintf(c->url, sizeof(c->url), "%s", v);
		} else if (!strcmp(l, "listed")) {
			int64_t n;
			char *t = strchr(v, ' ');

			if (!t || !parse_i64(v, &n) || !parse_i64(t + 1, &c->listed_at))
				return fail(err, errlen, *line, "malformed 'listed'");
			c->listed = (size_t)n;
		} else if (!strcmp(l, "confirmed") || !strcmp(l, "data-time")) {
			if (!parse_i64(v, l[0] == 'c' ? &c->confirmed_at : &c->data_time))
				return fail(err, errlen, *line, "malformed time");
		} else if (!strcmp(l, "etag") || !strcmp(l, "last-modified")) {
			char *dst = l[0] == 'e' ? c->etag : c->last_modified;

			if (strlen(v) >= TW_FETCH_VALIDATOR_LEN)
				return fail(err, errlen, *line, "validator too long");
			strcpy(dst, v);
		} else {
			return fail(err, errlen, *line, "unknown header line");
		}
	}
	return entries ? 0 : fail(err, errlen, *line, "no entries section");
}

int tw_source_cache_parse(FILE *f, struct tw_source *c, char *err, size_t errlen)
{
	unsigned long line = 0;
	size_t cap = 0, room = 0;
	char *buf = NULL;
	int ret = parse_header(f, c, &line, &buf, &cap, err, errlen);

	while (!ret && getline(&buf, &cap, f) >= 0) {
		char *sp;
		const char *why;
		struct tw_seen e;

		line++;
		chomp(buf);
		sp = strchr(buf, ' ');
		if (!sp || (*sp = '\0', tw_prefix_parse(buf, &e.p, &why)) ||
		    !parse_i64(sp + 1, &e.last_seen)) {
			ret = fail(err, errlen, line, "malformed entry");
			break;
		}
		if (c->n_seen && tw_prefix_cmp(&c->seen[c->n_seen - 1].p, &e.p) >= 0) {
			ret = fail(err, errlen, line, "entries out of order");
			break;
		}
		if (c->n_seen == room) {
			struct tw_seen *n = realloc(c->seen, (room ? room * 2 : 1024) * sizeof(*n));

			if (!n) {
				ret = -ENOMEM;
				break;
			}
			c->seen = n;
			room = room ? room * 2 : 1024;
		}
		c->seen[c->n_seen++] = e;
	}
	free(buf);
	if (!ret && c->listed > c->n_seen)
		ret = fail(err, errlen, line, "fewer entries than listed");
	return ret;
}

int tw_source_cache_read(struct tw_source *s, const char *dir, char *err, size_t errlen)
{
	struct tw_source c = {};
	char path[4200], why[160];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, s->cache_name);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : (snprintf(err, errlen, "cannot read %s: %s", path,
							     strerror(errno)), -EINVAL);
	ret = tw_source_cache_parse(f, &c, why, sizeof(why));
	fclose(f);
	if (!ret && strcmp(c.url, s->url))
		ret = -ENOENT; /* the cache of what this source used to be */
	if (ret) {
		if (ret != -ENOENT)
			snprintf(err, errlen, "%s: %s", path, ret == -ENOMEM ? "out of memory" : why);
		free(c.seen);
		return ret == -ENOENT ? -ENOENT : -EINVAL;
	}
	tw_source_replace_seen(s, c.seen, c.n_seen);
	s->listed = c.listed;
	s->listed_at = c.listed_at;
	s->confirmed_at = c.confirmed_at;
	s->data_time = c.data_time;
	memcpy(s->etag, c.etag, sizeof(s->etag));
	memcpy(s->last_modified, c.last_modified, sizeof(s->last_modified));
	return 0;
}
