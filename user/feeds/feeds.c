// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The exit-list sources: set up from the options (URLs, built-ins, files,
 * caches), the local files watched, and the stamps of each source's last
 * attempt. The rounds of downloads, and reading the files again, are
 * feed_rounds.c's. See feeds.h and docs/data-paths.md. */
#include "feeds/feeds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "common/url.h"
#include "config/builtin_sources.h"
#include "feeds/feeds_internal.h"
#include "feeds/source_cache.h"

static struct tw_source *add_url(struct tw_feeds *f, const char *name, const char *url,
				 enum tw_feed_format fmt, unsigned interval, unsigned min_interval,
				 char *err, size_t errlen)
{
	struct tw_source *s = tw_sources_add(&f->sources, TW_SOURCE_URL, name, url);

	if (!s) {
		snprintf(err, errlen, "at most %d sources", TW_MAX_SOURCES);
		return NULL;
	}
	s->format = fmt;
	s->interval_s = interval;
	s->min_interval_s = min_interval;
	tw_source_cache_name(name, s->cache_name, sizeof(s->cache_name));
	return s;
}

static const struct tw_source_conf *conf_of(const struct tw_feeds_settings *o, const char *name)
{
	for (size_t i = 0; i < o->n_source_conf; i++)
		if (!strcmp(o->source_conf[i].name, name))
			return &o->source_conf[i];
	return NULL;
}

/* Built-ins as 'sources' and their [source] sections say, then new
 * [source] sections, then --feed URLs. */
static int add_url_sources(struct tw_feeds *f, const struct tw_feeds_settings *o, char *err,
			   size_t errlen)
{
	for (unsigned i = 0; i < tw_n_builtin_sources; i++) {
		const struct tw_builtin_source *b = &tw_builtin_sources[i];
		const struct tw_source_conf *c = conf_of(o, b->name);
		bool on = c && c->enabled >= 0 ? c->enabled != 0 : ((o->builtin_on >> i) & 1) != 0;

		if (on && !add_url(f, b->name, c && c->url ? c->url : b->url,
				   c && c->format >= 0 ? (enum tw_feed_format)c->format : b->format,
				   c && c->interval_s ? c->interval_s : b->interval_s,
				   b->min_interval_s, err, errlen))
			return -1;
	}
	for (size_t i = 0; i < o->n_source_conf; i++) {
		const struct tw_source_conf *c = &o->source_conf[i];

		if (tw_builtin_find(c->name) >= 0 || c->enabled == 0)
			continue;
		if (!c->url) {
			snprintf(err, errlen, "[source %s] needs a url (it is not a built-in source)",
				 c->name);
			return -1;
		}
		if (!add_url(f, c->name, c->url, c->format >= 0 ? (enum tw_feed_format)c->format :
				     TW_FEED_PLAIN, c->interval_s ? c->interval_s : o->feed_interval_s,
			     0, err, errlen))
			return -1;
	}
	for (size_t i = 0; i < o->n_feeds; i++) {
		char name[TW_SOURCE_NAME_LEN];

		if (!tw_is_feed_url(o->feeds[i]))
			continue;
		tw_url_redact(o->feeds[i], name, sizeof(name));
		/* Two feeds on one host would show alike: numbered. */
		for (unsigned j = 0; j < f->sources.n; j++)
			if (!strcmp(f->sources.s[j].name, name)) {
				size_t used = strlen(name);

				snprintf(name + used, sizeof(name) - used, " #%zu", i + 1);
				break;
			}
		if (!add_url(f, name, o->feeds[i], TW_FEED_PLAIN, o->feed_interval_s, 0, err, errlen))
			return -1;
	}
	return 0;
}

static void watch(struct tw_feeds *f, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (f->inotify_fd < 0)
		f->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->inotify_fd < 0)
		return;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	/* Whole-file events only: editors and 'mv' both end in one of these. */
	f->wd[f->n_watched] = inotify_add_watch(f->inotify_fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO);
	f->watched[f->n_watched++] = path;
}

bool tw_feed_file_changed(struct tw_source *s)
{
	struct stat st;
	uint64_t key;

	if (stat(s->url, &st))
		return true;
	key = ((uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec) ^
	      ((uint64_t)st.st_size << 20) ^ (uint64_t)st.st_ino;
	if (key == s->file_key)
		return false;
	s->file_key = key;
	return true;
}

int tw_feeds_read_allow_files(struct tw_feeds *f, char *err, size_t errlen)
{
	struct tw_prefix *all = NULL;
	size_t n = 0;

	for (size_t i = 0; i < f->n_allow_files; i++) {
		struct tw_feed feed;
		struct tw_prefix *grown;

		if (tw_feed_parse_file(f->allow_files[i], &feed, err, errlen)) {
			free(all);
			return -1;
		}
		if (feed.bad_lines)
			tw_warn("%s: %lu bad line%s skipped (first: line %lu: %s)", f->allow_files[i],
				feed.bad_lines, feed.bad_lines == 1 ? "" : "s", feed.errors[0].line,
				feed.errors[0].reason);
		grown = realloc(all, (n + feed.n + 1) * sizeof(*all));
		if (!grown) {
			tw_feed_free(&feed);
			free(all);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		all = grown;
		if (feed.n)	/* an empty file has no entries to copy (NULL) */
			memcpy(all + n, feed.entries, feed.n * sizeof(*all));
		n += feed.n;
		tw_feed_free(&feed);
	}
	free(f->allow);
	f->allow = all;
	f->n_allow = n;
	return 0;
}

void tw_feeds_log_bad_lines(const struct tw_source *s)
{
	if (!s->bad_lines)
		return;
	tw_warn("%s: %lu bad line%s skipped", s->name, s->bad_lines, s->bad_lines == 1 ? "" : "s");
	for (unsigned long i = 0; i < s->bad_lines && i < TW_FEED_MAX_REPORTED; i++)
		tw_warn("%s:%lu: %s: \"%s\"", s->url, s->errors[i].line, s->errors[i].reason,
			s->errors[i].excerpt);
}

void tw_feeds_set_policy(struct tw_feeds *f, const struct tw_feeds_settings *s)
{
	f->pol = s->pol;
	f->limits = s->limits;
	f->stale_after_s = s->stale_after_s;
}


/* Each fetched source starts from its cache, if it has a usable one. */
/* STATE_DIR/feeds/NAME.attempt: its mtime is the source's last attempt, so
 * that a publisher's limit holds across restarts (failed fetches included). */
static void attempt_path(const struct tw_feeds *f, const struct tw_source *s, char *buf,
			 size_t len)
{
	snprintf(buf, len, "%s/%.*s.attempt", f->cache_dir,
		 (int)(strlen(s->cache_name) - strlen(".cache")), s->cache_name);
}

void tw_feeds_note_attempt(const struct tw_feeds *f, const struct tw_source *s)
{
	char path[PATH_MAX + 100];
	int fd;

	attempt_path(f, s, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
}

static int64_t last_attempt_on_disk(const struct tw_feeds *f, const struct tw_source *s)
{
	char path[PATH_MAX + 100];
	struct stat st;

	attempt_path(f, s, path, sizeof(path));
	return stat(path, &st) ? 0 : (int64_t)st.st_mtime;
}

static void load_caches(struct tw_feeds *f, int64_t now)
{
	for (unsigned i = 0; i < f->sources.n; i++) {
		struct tw_source *s = &f->sources.s[i];
		char why[512];
		int ret = tw_source_cache_read(s, f->cache_dir, why, sizeof(why));

		if (!ret) {
			s->state = TW_SRC_CACHED;
			tw_info("%s: %zu entries from the cache (fetched %lld s ago)", s->name,
				s->n_seen, (long long)(now - s->confirmed_at));
		} else if (ret != -ENOENT) {
			tw_warn("%s: the cache is unusable (%s); waiting for a fetch", s->name, why);
		}
		/* A publisher's limit holds across restarts too. */
		if (s->min_interval_s)
			s->last_attempt = last_attempt_on_disk(f, s);
		s->next_attempt_ms = 1000 * (s->last_attempt && s->last_attempt + s->min_interval_s > now ?
					     s->last_attempt + s->min_interval_s : now);
	}
}

/* --feed files and deny files: read now (a file that cannot be read stops
 * the start), and watched. */
static int add_file_sources(struct tw_feeds *f, const struct tw_feeds_settings *o, int64_t now,
			    char *err, size_t errlen)
{
	for (size_t i = 0; i < o->n_feeds + o->n_deny_files; i++) {
		bool deny = i >= o->n_feeds;
		const char *path = deny ? o->deny_files[i - o->n_feeds] : o->feeds[i];
		char name[TW_SOURCE_NAME_LEN];
		struct tw_source *s;

		if (!deny && tw_is_feed_url(path))
			continue;
		snprintf(name, sizeof(name), "%s%s", deny ? "deny:" : "", path);
		s = tw_sources_add(&f->sources, deny ? TW_SOURCE_DENY : TW_SOURCE_FILE, name, path);
		if (!s) {
			snprintf(err, errlen, "at most %d sources", TW_MAX_SOURCES);
			return -1;
		}
		if (tw_source_read_file(s, now, &f->pol, true, err, errlen))
			return -1;
		s->state = TW_SRC_OK;
		s->last_attempt = now;
		tw_feed_file_changed(s);	/* its bad lines are said once */
		tw_feeds_log_bad_lines(s);
		watch(f, s->url);
	}
	for (size_t i = 0; i < o->n_allow_files; i++) {
		f->allow_files[f->n_allow_files++] = o->allow_files[i];
		watch(f, o->allow_files[i]);
	}
	return tw_feeds_read_allow_files(f, err, errlen);
}

int tw_feeds_open(struct tw_feeds *f, const struct tw_feeds_settings *o, struct tw_emitter *out,
		  char *err, size_t errlen)
{
	int64_t now = tw_now_unix();
	struct tw_source *s;

	memset(f, 0, sizeof(*f));
	f->inotify_fd = -1;
	f->out = out;
	tw_feeds_set_policy(f, o);
	f->last_expiry = now;
	srandom((unsigned)(now ^ getpid()));
	snprintf(f->cache_dir, sizeof(f->cache_dir), "%s/feeds", o->state_dir);
	if (!o->check_only && mkdir(f->cache_dir, 0700) && errno != EEXIST)
		tw_warn("cannot create %s: %s; fetched lists will not be cached", f->cache_dir,
			strerror(errno));
	if (add_url_sources(f, o, err, errlen))
		return -1;
	load_caches(f, now);
	if (add_file_sources(f, o, now, err, errlen))
		return -1;
	s = tw_sources_add(&f->sources, TW_SOURCE_SNAPSHOT, "snapshot " TW_SNAPSHOT_DATE " (embedded)",
			   "");
	if (!s || tw_source_read_snapshot(s, now)) {
		snprintf(err, errlen, "cannot read the embedded snapshot");
		return -1;
	}
	s->state = TW_SRC_OK;
	if (o->check_only)
		return 0;
	f->fetcher = tw_fetcher_new();
	if (!f->fetcher) {
		snprintf(err, errlen, "cannot start the download thread: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void tw_feeds_close(struct tw_feeds *f)
{
	tw_fetcher_free(f->fetcher);
	f->fetcher = NULL;
	if (f->inotify_fd >= 0)
		close(f->inotify_fd);
	f->inotify_fd = -1;
	free(f->allow);
	f->allow = NULL;
	tw_sources_free(&f->sources);
}

int tw_feeds_fetch_fd(const struct tw_feeds *f)
{
	return tw_fetcher_fd(f->fetcher);
}

int tw_feeds_watch_fd(const struct tw_feeds *f)
{
	return f->inotify_fd;
}

bool tw_feeds_files_changed(struct tw_feeds *f)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t len;

	while ((len = read(f->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			for (size_t i = 0; ev->len && i < f->n_watched; i++) {
				const char *base = strrchr(f->watched[i], '/');

				base = base ? base + 1 : f->watched[i];
				if (f->wd[i] == ev->wd && !strcmp(base, ev->name))
					hit = true;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit;
}
