// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sources.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "timeutil.h"

extern const char tw_snapshot_start[];
extern const char tw_snapshot_end[];

static void log_bad_lines(const struct tw_source *src, const struct tw_feed *feed)
{
	if (!feed->bad_lines)
		return;
	tw_warn("%s: %lu bad line%s of %lu skipped", src->name, feed->bad_lines,
		feed->bad_lines == 1 ? "" : "s", feed->lines);
	for (unsigned long i = 0; i < feed->bad_lines && i < TW_FEED_MAX_REPORTED; i++)
		tw_warn("%s:%lu: %s: \"%s\"", src->name, feed->errors[i].line,
			feed->errors[i].reason, feed->errors[i].excerpt);
}

static int parse_source(const struct tw_source *src, struct tw_feed *feed, char *err,
			size_t errlen)
{
	if (src->kind != TW_SOURCE_SNAPSHOT)
		return tw_feed_parse_file(src->path, feed, err, errlen);

	FILE *f = fmemopen((void *)tw_snapshot_start,
			   (size_t)(tw_snapshot_end - tw_snapshot_start), "r");
	int ret;

	if (!f) {
		snprintf(err, errlen, "cannot open the embedded snapshot: %s", strerror(errno));
		return -errno;
	}
	ret = tw_feed_parse(f, feed);
	fclose(f);
	if (ret)
		snprintf(err, errlen, "cannot parse the embedded snapshot: %s", strerror(-ret));
	return ret;
}

int tw_source_load(struct tw_source *src, char *err, size_t errlen)
{
	struct tw_feed feed;
	int ret = parse_source(src, &feed, err, errlen);

	if (ret)
		return ret;
	log_bad_lines(src, &feed);
	if (!feed.n) {
		snprintf(err, errlen, "%s has no valid entry (%lu lines, %lu bad)%s", src->name,
			 feed.lines, feed.bad_lines,
			 src->loaded ? "; keeping its last good data" : "");
		tw_feed_free(&feed);
		return -ENODATA;
	}
	tw_feed_free(&src->last_good);
	src->last_good = feed;
	src->loaded_at = tw_now_unix();
	src->loaded = true;
	return 0;
}

static struct tw_source *add(struct tw_sources *ss, enum tw_source_kind kind, const char *path)
{
	struct tw_source *s;

	if (ss->n == TW_MAX_SOURCES)
		return NULL;
	s = &ss->s[ss->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->name, sizeof(s->name), "%s", path);
	return s;
}

int tw_sources_add_file(struct tw_sources *ss, const char *path)
{
	return add(ss, TW_SOURCE_FILE, path) ? 0 : -E2BIG;
}

int tw_sources_add_default(struct tw_sources *ss, const char *cache_path)
{
	struct tw_source *s = add(ss, TW_SOURCE_CACHE, cache_path);
	char err[512];

	if (!s)
		return -E2BIG;
	snprintf(s->name, sizeof(s->name), "cache %.100s", cache_path);
	if (!access(cache_path, R_OK) && !tw_source_load(s, err, sizeof(err)))
		return 0;
	if (!access(cache_path, F_OK))
		tw_warn("the cached exit set is unusable (%s); using the shipped snapshot", err);
	memset(s, 0, sizeof(*s));
	s->kind = TW_SOURCE_SNAPSHOT;
	snprintf(s->name, sizeof(s->name), "snapshot %s (embedded)", TW_SNAPSHOT_DATE);
	return tw_source_load(s, err, sizeof(err)) ? (tw_err("%s", err), -EINVAL) : 0;
}

int tw_sources_build_set(const struct tw_sources *ss, struct tw_exit_set *set)
{
	int err;

	memset(set, 0, sizeof(*set));
	for (unsigned i = 0; i < ss->n; i++) {
		err = tw_exit_set_add_feed(set, &ss->s[i].last_good, i);
		if (err) {
			tw_exit_set_free(set);
			return err;
		}
	}
	tw_exit_set_finalize(set);
	return 0;
}

void tw_sources_free(struct tw_sources *ss)
{
	for (unsigned i = 0; i < ss->n; i++)
		tw_feed_free(&ss->s[i].last_good);
	ss->n = 0;
}

void tw_sources_describe(const struct tw_sources *ss, const struct tw_exit_set *set,
			 struct tw_source_info info[TW_MAX_SOURCES])
{
	memset(info, 0, sizeof(*info) * TW_MAX_SOURCES);
	for (unsigned i = 0; i < ss->n; i++) {
		const struct tw_source *s = &ss->s[i];

		info[i].in_use = 1;
		info[i].loaded_at = (__u64)s->loaded_at;
		info[i].newest_data = (__u64)s->last_good.newest_data;
		info[i].bad_lines = (__u32)s->last_good.bad_lines;
		snprintf(info[i].name, sizeof(info[i].name), "%s", s->name);
	}
	for (size_t j = 0; j < set->n; j++) {
		const struct tw_exit_entry *e = &set->e[j];
		bool exact = tw_prefix_is_exact(&e->p), v4 = e->p.family == AF_INET;

		for (unsigned i = 0; i < ss->n; i++) {
			if (!(e->sources & (1u << i)))
				continue;
			if (exact)
				v4 ? info[i].exact_v4++ : info[i].exact_v6++;
			else
				v4 ? info[i].prefixes_v4++ : info[i].prefixes_v6++;
		}
	}
}

int tw_cache_write(const char *path, const struct tw_exit_set *set, int64_t newest_data)
{
	char tmp[4200], date[32], addr[TW_ADDR_STRLEN];
	time_t t = (time_t)newest_data;
	struct tm tm;
	FILE *f;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "# torwatch: last good exit set (%zu entries)\n", set->n);
	if (newest_data)
		fprintf(f, "# data-time: %s\n", date);
	for (size_t i = 0; i < set->n; i++) {
		tw_prefix_format(&set->e[i].p, addr, sizeof(addr));
		fprintf(f, "%s\n", addr);
	}
	if (fflush(f) || fsync(fd))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
