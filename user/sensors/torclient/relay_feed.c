// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/torclient/relay_feed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/atomic_file.h"
#include "common/timeutil.h"

#define RETRY_MAX_S (6 * 60 * 60)

/* Parsed on the download thread. */
struct parsed {
	struct tw_relay_list list;
	int rc;
	char why[200];
	char *text;	/* the body, for the cache */
	size_t len;
};

static void *parse_body(const char *body, size_t len, void *arg)
{
	struct parsed *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->rc = tw_relay_list_parse(body, len, 0, &p->list, p->why, sizeof(p->why));
	if (!p->rc) {
		p->text = malloc(len + 1);
		if (p->text) {
			memcpy(p->text, body, len);
			p->text[len] = '\0';
			p->len = len;
		}
	}
	return p;
}

static void free_parsed(void *digest)
{
	struct parsed *p = digest;

	if (!p)
		return;
	tw_relay_list_free(&p->list);
	free(p->text);
	free(p);
}

int tw_relay_feeds_start(struct tw_relay_feeds *fs)
{
	if (!fs->n)
		return 0;
	fs->fetcher = tw_fetcher_new();
	return fs->fetcher ? 0 : -errno;
}

static void cache_paths(const struct tw_relay_feeds *fs, const struct tw_relay_feed *f, char *list,
			char *meta, size_t len)
{
	snprintf(list, len, "%s/%s.list", fs->cache_dir, f->name);
	snprintf(meta, len, "%s/%s.meta", fs->cache_dir, f->name);
}

/* The accepted body and its validators, replaced whole. */
static void write_cache(const struct tw_relay_feeds *fs, const struct tw_relay_feed *f,
			const char *text, size_t len)
{
	char list[PATH_MAX + 80], meta[PATH_MAX + 80];
	struct tw_atomic_file a;

	if (mkdir(fs->cache_dir, 0750) && errno != EEXIST)
		return;
	cache_paths(fs, f, list, meta, sizeof(list));
	if (!tw_atomic_open(&a, list, 0640)) {
		if (fwrite(text, 1, len, a.f) == len)
			tw_atomic_commit(&a);
		else
			tw_atomic_abort(&a);
	}
	if (!tw_atomic_open(&a, meta, 0640)) {
		fprintf(a.f, "url %s\ngood_at %lld\netag %s\nlast_modified %s\n", f->url,
			(long long)f->good_at, f->etag, f->last_modified);
		tw_atomic_commit(&a);
	}
}

static char *read_cache(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (buf = malloc((size_t)st.st_size + 1))) {
		n = read(fd, buf, (size_t)st.st_size);
		if (n < 0) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	close(fd);
	return buf;
}

/* A cache is used only for the URL it was fetched from. */
static bool read_meta(const char *path, struct tw_relay_feed *f)
{
	char line[1400], url[1100] = "";
	long long at = 0;
	FILE *m = fopen(path, "re");

	if (!m)
		return false;
	while (fgets(line, sizeof(line), m)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "url ", 4))
			snprintf(url, sizeof(url), "%.1099s", line + 4);
		else if (!strncmp(line, "good_at ", 8))
			at = atoll(line + 8);
		else if (!strncmp(line, "etag ", 5))
			snprintf(f->etag, sizeof(f->etag), "%.255s", line + 5);
		else if (!strncmp(line, "last_modified ", 14))
			snprintf(f->last_modified, sizeof(f->last_modified), "%.255s", line + 14);
	}
	fclose(m);
	if (strcmp(url, f->url)) {
		f->etag[0] = f->last_modified[0] = '\0';
		return false;
	}
	f->good_at = at;
	return true;
}

/* One offer's outcome into the news of the whole collect. */
static void add_news(struct tw_relay_feed_news *news, const struct tw_relay_refresh *r)
{
	struct tw_relay_refresh *all = &news->refresh;

	all->changed |= r->changed;
	all->added += r->added;
	all->removed += r->removed;
	for (size_t i = 0; i < r->n_refused && all->n_refused < 8; i++)
		memcpy(all->refused[all->n_refused++], r->refused[i], sizeof(r->refused[i]));
}

void tw_relay_feeds_load_cache(struct tw_relay_feeds *fs, struct tw_relay_set *rs, int map_fd,
			       struct tw_relay_feed_news *news)
{
	memset(news, 0, sizeof(*news));
	for (size_t i = 0; i < fs->n; i++) {
		struct tw_relay_feed *f = &fs->f[i];
		char list[PATH_MAX + 80], meta[PATH_MAX + 80], why[200];
		struct tw_relay_refresh r;
		struct tw_relay_list l = {};
		size_t len = 0;
		char *text;

		cache_paths(fs, f, list, meta, sizeof(list));
		if (!read_meta(meta, f) || !(text = read_cache(list, &len)))
			continue;
		if (tw_relay_list_parse(text, len, 0, &l, why, sizeof(why))) {
			free(text);
			tw_relay_list_free(&l);
			f->good_at = 0;
			continue;
		}
		free(text);	/* already cached */
		tw_relay_set_offer(rs, f->src, &l, map_fd, &r);
		add_news(news, &r);
		tw_relay_list_free(&l);
	}
}

void tw_relay_feeds_tick(struct tw_relay_feeds *fs, uint64_t now_ns)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct tw_relay_feed *f = &fs->f[i];
		struct tw_fetch_request req = { .id = (int)i, .digest = parse_body,
						.free_digest = free_parsed, .limits = fs->limits };

		if (f->in_flight || now_ns < f->next_ns)
			continue;
		snprintf(req.url, sizeof(req.url), "%s", f->url);
		snprintf(req.etag, sizeof(req.etag), "%s", f->etag);
		snprintf(req.last_modified, sizeof(req.last_modified), "%s", f->last_modified);
		if (!tw_fetcher_submit(fs->fetcher, &req))
			f->in_flight = true;
		else
			f->next_ns = now_ns + (uint64_t)fs->retry_min_s * TW_NS_PER_SEC;
	}
}

static void failed(struct tw_relay_feed_news *news, struct tw_relay_feeds *fs,
		   struct tw_relay_feed *f, uint64_t now_ns, const char *why)
{
	f->retry_s = f->retry_s ? f->retry_s * 2 : fs->retry_min_s;
	if (f->retry_s > RETRY_MAX_S)
		f->retry_s = RETRY_MAX_S;
	if (f->retry_s > f->interval_s)
		f->retry_s = f->interval_s;
	f->next_ns = now_ns + (uint64_t)f->retry_s * TW_NS_PER_SEC;
	if (news->n_failed < sizeof(news->failed) / sizeof(news->failed[0]))
		snprintf(news->failed[news->n_failed++], sizeof(news->failed[0]),
			 "%s: %s; retry in %u s", f->name, why, f->retry_s);
}

static void got(struct tw_relay_feeds *fs, struct tw_relay_feed *f, struct tw_fetch_result *res,
		struct tw_relay_set *rs, int map_fd, uint64_t now_ns, struct tw_relay_feed_news *news)
{
	struct parsed *p = res->digest;
	struct tw_relay_refresh r;
	char why[300];

	if (!res->ok) {
		failed(news, fs, f, now_ns, res->error);
		return;
	}
	if (res->http_status == 304) {
		f->good_at = tw_now_unix();
		f->retry_s = 0;
		f->next_ns = now_ns + (uint64_t)f->interval_s * TW_NS_PER_SEC;
		return;
	}
	if (res->http_status != 200) {
		snprintf(why, sizeof(why), "HTTP %ld", res->http_status);
		failed(news, fs, f, now_ns, why);
		return;
	}
	if (!p || p->rc) {
		snprintf(why, sizeof(why), "%s", p ? p->why : "out of memory");
		if (news->refresh.n_refused < 8)
			snprintf(news->refresh.refused[news->refresh.n_refused++],
				 sizeof(news->refresh.refused[0]), "%.1000s: %.250s", f->url, why);
		failed(news, fs, f, now_ns, why);
		return;
	}
	tw_relay_set_offer(rs, f->src, &p->list, map_fd, &r);
	add_news(news, &r);
	if (!r.accepted[f->src]) {
		failed(news, fs, f, now_ns, "the relay set refused it");
		return;
	}
	f->good_at = tw_now_unix();
	f->retry_s = 0;
	f->next_ns = now_ns + (uint64_t)f->interval_s * TW_NS_PER_SEC;
	snprintf(f->etag, sizeof(f->etag), "%s", res->etag);
	snprintf(f->last_modified, sizeof(f->last_modified), "%s", res->last_modified);
	if (p->text)
		write_cache(fs, f, p->text, p->len);
}

void tw_relay_feeds_collect(struct tw_relay_feeds *fs, struct tw_relay_set *rs, int map_fd,
			    uint64_t now_ns, struct tw_relay_feed_news *news)
{
	struct tw_fetch_result *res;

	memset(news, 0, sizeof(*news));
	while (fs->fetcher && (res = tw_fetcher_next(fs->fetcher))) {
		if (res->id >= 0 && (size_t)res->id < fs->n) {
			fs->f[res->id].in_flight = false;
			got(fs, &fs->f[res->id], res, rs, map_fd, now_ns, news);
		}
		tw_fetch_result_free(res);
	}
}

int64_t tw_relay_feeds_newest(const struct tw_relay_feeds *fs)
{
	int64_t newest = 0;

	for (size_t i = 0; i < fs->n; i++)
		if (fs->f[i].good_at > newest)
			newest = fs->f[i].good_at;
	return newest;
}

void tw_relay_feeds_stop(struct tw_relay_feeds *fs)
{
	tw_fetcher_free(fs->fetcher);
	fs->fetcher = NULL;
}
