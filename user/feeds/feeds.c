// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Keeps the exit-list sources current: the schedule of downloads, their
 * answers turned into accepted or refused lists, files watched, expiry and
 * staleness. See feeds.h and docs/data-paths.md. */
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
#include "feeds/feed_alerts.h"
#include "feeds/onionoo.h"
#include "feeds/source_cache.h"

/* dan.me.uk's answer to a fetch within 30 minutes of the last one. */
#define RATE_LIMIT_TEXT "Umm... You can only fetch the data every 30 minutes"
#define EXPIRY_PERIOD_S 60

static double jitter(void)
{
	return (double)random() / ((double)RAND_MAX + 1.0);
}

/* Retries are scheduled to the millisecond, so that jitter means something. */
static int64_t now_ms(void)
{
	return tw_now_unix_ns() / 1000000;
}

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

static const struct tw_source_conf *conf_of(const struct tw_run_opts *o, const char *name)
{
	for (size_t i = 0; i < o->n_source_conf; i++)
		if (!strcmp(o->source_conf[i].name, name))
			return &o->source_conf[i];
	return NULL;
}

/* Built-ins as 'sources' and their [source] sections say, then new
 * [source] sections, then --feed URLs. */
static int add_url_sources(struct tw_feeds *f, const struct tw_run_opts *o, char *err,
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

static int read_allow_files(struct tw_feeds *f, char *err, size_t errlen)
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
		memcpy(all + n, feed.entries, feed.n * sizeof(*all));
		n += feed.n;
		tw_feed_free(&feed);
	}
	free(f->allow);
	f->allow = all;
	f->n_allow = n;
	return 0;
}

static void log_bad_lines(const struct tw_source *s)
{
	if (!s->bad_lines)
		return;
	tw_warn("%s: %lu bad line%s skipped", s->name, s->bad_lines, s->bad_lines == 1 ? "" : "s");
	for (unsigned long i = 0; i < s->bad_lines && i < TW_FEED_MAX_REPORTED; i++)
		tw_warn("%s:%lu: %s: \"%s\"", s->url, s->errors[i].line, s->errors[i].reason,
			s->errors[i].excerpt);
}

void tw_feeds_set_policy(struct tw_feeds *f, const struct tw_run_opts *o)
{
	f->pol = (struct tw_feed_policy){ .expire_s = o->expire_s,
					  .max_shrink_pct = o->max_shrink_pct,
					  .retry_min_s = o->retry_min_s,
					  .widest_v4 = o->widest_v4,
					  .widest_v6 = o->widest_v6,
					  .max_entries = o->max_exits };
	f->limits = (struct tw_fetch_limits){ .connect_timeout_s = o->connect_timeout_s,
					      .timeout_s = o->fetch_timeout_s,
					      .max_body = o->max_body };
	snprintf(f->limits.ca_file, sizeof(f->limits.ca_file), "%s", o->ca_file ? o->ca_file : "");
	f->stale_after_s = o->stale_after_s;
}

static int64_t last_attempt_on_disk(const struct tw_feeds *f, const struct tw_source *s);

/* Each fetched source starts from its cache, if it has a usable one. */
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
static int add_file_sources(struct tw_feeds *f, const struct tw_run_opts *o, int64_t now,
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
		log_bad_lines(s);
		watch(f, s->url);
	}
	for (size_t i = 0; i < o->n_allow_files; i++) {
		f->allow_files[f->n_allow_files++] = o->allow_files[i];
		watch(f, o->allow_files[i]);
	}
	return read_allow_files(f, err, errlen);
}

int tw_feeds_open(struct tw_feeds *f, const struct tw_run_opts *o, struct tw_emitter *out,
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
	if (mkdir(f->cache_dir, 0700) && errno != EEXIST)
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

/* STATE_DIR/feeds/NAME.attempt: its mtime is the source's last attempt, so
 * that a publisher's limit holds across restarts (failed fetches included). */
static void attempt_path(const struct tw_feeds *f, const struct tw_source *s, char *buf,
			 size_t len)
{
	snprintf(buf, len, "%s/%.*s.attempt", f->cache_dir,
		 (int)(strlen(s->cache_name) - strlen(".cache")), s->cache_name);
}

static void note_attempt(const struct tw_feeds *f, const struct tw_source *s)
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

static int parse(enum tw_feed_format format, const char *body, size_t len, struct tw_feed *feed,
		 char *why, size_t whylen)
{
	int ret;

	if (format == TW_FEED_ONIONOO)
		return tw_feed_parse_onionoo(body, len, feed, why, whylen);
	ret = tw_feed_parse_buffer(body, len, feed);
	if (ret)
		snprintf(why, whylen, "cannot parse the list: %s", strerror(-ret));
	return ret;
}

/* A list is parsed on the fetch thread (a 32 MB body must not hold up the
 * event loop, nor its watchdog); take() gets the result. */
struct parsed {
	int ret;
	struct tw_feed feed;
	char why[TW_SOURCE_ERR_LEN + 64];
};

static void *parse_on_fetch_thread(const char *body, size_t len, void *arg)
{
	struct parsed *p = calloc(1, sizeof(*p));

	if (p)
		p->ret = parse((enum tw_feed_format)(intptr_t)arg, body, len, &p->feed, p->why,
			       sizeof(p->why));
	return p;
}

static void free_parsed(void *v)
{
	struct parsed *p = v;

	if (p && !p->ret)
		tw_feed_free(&p->feed);
	free(p);
}

static void submit(struct tw_feeds *f, struct tw_source *s, int64_t now)
{
	struct tw_fetch_request req = { .id = (int)(s - f->sources.s), .limits = f->limits,
					.digest = parse_on_fetch_thread,
					.digest_arg = (void *)(intptr_t)s->format,
					.free_digest = free_parsed };

	snprintf(req.url, sizeof(req.url), "%s", s->url);
	/* Validators only with data to fall back on: a 304 must mean "keep it". */
	if (s->n_seen) {
		memcpy(req.etag, s->etag, sizeof(req.etag));
		memcpy(req.last_modified, s->last_modified, sizeof(req.last_modified));
	}
	if (tw_fetcher_submit(f->fetcher, &req)) {
		tw_warn("%s: cannot start a download: out of memory", s->name);
		return;
	}
	s->in_flight = true;
	s->last_attempt = now;
	s->next_attempt_ms = 0;
	if (s->min_interval_s)
		note_attempt(f, s);
}

static bool check_stale(struct tw_feeds *f, int64_t now)
{
	int64_t newest = tw_sources_newest(&f->sources);
	bool stale = now - newest > (int64_t)f->stale_after_s;

	/* Until every source has answered once, old data may be seconds from
	 * being replaced: no alarm for what the first fetches will settle. */
	for (unsigned i = 0; stale && i < f->sources.n; i++)
		if (f->sources.s[i].kind == TW_SOURCE_URL && !f->sources.s[i].answered)
			return false;
	if (stale == f->stale)
		return false;
	f->stale = stale;
	if (stale)
		tw_emit(f->out, tw_feed_alert_stale(&f->sources, newest, f->stale_after_s,
						    tw_now_unix_ns()));
	else
		tw_info("the exit set's data is fresh again");
	return true;
}

int tw_feeds_tick(struct tw_feeds *f, int64_t now)
{
	int changed = 0;

	for (unsigned i = 0; i < f->sources.n; i++) {
		struct tw_source *s = &f->sources.s[i];

		if (s->kind == TW_SOURCE_URL && !s->in_flight && s->next_attempt_ms &&
		    s->next_attempt_ms <= now_ms()) {
			submit(f, s, now);
			changed |= TW_FEEDS_STATE;
		}
	}
	/* Every minute, or sooner for a short expiry. */
	if (now - f->last_expiry >= EXPIRY_PERIOD_S ||
	    (f->pol.expire_s < 4 * EXPIRY_PERIOD_S && now - f->last_expiry >= f->pol.expire_s / 4)) {
		f->last_expiry = now;
		for (unsigned i = 0; i < f->sources.n; i++) {
			struct tw_source *s = &f->sources.s[i];
			size_t gone;

			if (s->kind != TW_SOURCE_URL)
				continue;
			gone = tw_source_expire(s, now, f->pol.expire_s);
			if (!gone)
				continue;
			tw_info("%s: %zu entr%s unlisted for over %u s expired", s->name, gone,
				gone == 1 ? "y" : "ies", f->pol.expire_s);
			changed |= TW_FEEDS_DATA;
		}
	}
	if (check_stale(f, now))
		changed |= TW_FEEDS_STATE;
	return changed;
}

static void failed(struct tw_feeds *f, struct tw_source *s, int64_t now, const char *why)
{
	char in[32];

	s->failures++;
	s->state = TW_SRC_FAILED;
	snprintf(s->error, sizeof(s->error), "%.*s", (int)sizeof(s->error) - 1, why);
	s->next_attempt_ms = tw_source_next_attempt(s, now_ms(), false, &f->pol, jitter());
	tw_format_age((s->next_attempt_ms + 999) / 1000 - now, in, sizeof(in));
	if (s->n_seen)
		tw_warn("%s: fetch failed: %s; keeping its %zu entries, retry in %s", s->name, why,
			s->n_seen, in);
	else
		tw_warn("%s: fetch failed: %s; it has no data yet, retry in %s", s->name, why, in);
}

static void succeeded(struct tw_feeds *f, struct tw_source *s, int64_t now,
		      const struct tw_fetch_result *r)
{
	int err;

	s->failures = 0;
	s->error[0] = '\0';
	memcpy(s->etag, r->etag, sizeof(s->etag));
	memcpy(s->last_modified, r->last_modified, sizeof(s->last_modified));
	s->next_attempt_ms = tw_source_next_attempt(s, now_ms(), true, &f->pol, jitter());
	err = tw_source_cache_write(s, f->cache_dir);
	if (err)
		tw_warn("%s: cannot cache the list in %s: %s", s->name, f->cache_dir, strerror(-err));
}

static int parse_body(const struct tw_source *s, const struct tw_fetch_result *r,
		      struct tw_feed *feed, char *why, size_t whylen)
{
	struct parsed *p = r->digest;

	if (!p)	/* the thread had no memory for it: here, then */
		return parse(s->format, r->body, r->len, feed, why, whylen);
	if (p->ret) {
		snprintf(why, whylen, "%s", p->why);
		return p->ret;
	}
	*feed = p->feed;	/* taken: the digest keeps an empty one */
	memset(&p->feed, 0, sizeof(p->feed));
	return 0;
}

static bool rate_limited(const struct tw_fetch_result *r)
{
	const char *b = r->body ? r->body : "";

	b += strspn(b, " \t\r\n");
	return !strncmp(b, RATE_LIMIT_TEXT, strlen(RATE_LIMIT_TEXT));
}

static void refused(struct tw_feeds *f, struct tw_source *s, int64_t now, const char *why)
{
	/* The same refusal again (a retry) is logged, not alerted again. */
	bool again = s->state == TW_SRC_REJECTED && !strncmp(s->error, why, sizeof(s->error) - 1);

	s->failures++;
	s->state = TW_SRC_REJECTED;
	snprintf(s->error, sizeof(s->error), "%.*s", (int)sizeof(s->error) - 1, why);
	s->next_attempt_ms = tw_source_next_attempt(s, now_ms(), false, &f->pol, jitter());
	tw_warn("%s: list refused: %s", s->name, why);
	if (!again)
		tw_emit(f->out, tw_feed_alert_rejected(s, why, tw_now_unix_ns()));
}

/* One finished download: returns TW_FEEDS_* */
static int take(struct tw_feeds *f, struct tw_source *s, const struct tw_fetch_result *r,
		int64_t now)
{
	char why[TW_SOURCE_ERR_LEN + 64];
	struct tw_feed feed;
	bool force = s->force;
	int ret;

	s->in_flight = false;
	s->answered = true;
	s->force = false;
	s->http_status = r->http_status;
	s->fetch_ms = (uint32_t)(r->seconds * 1000);
	if (!r->ok) {
		failed(f, s, now, r->error);
		return TW_FEEDS_STATE;
	}
	if (rate_limited(r)) {
		failed(f, s, now, "the server refused: it allows one fetch per 30 minutes");
		return TW_FEEDS_STATE;
	}
	if (r->http_status == 304 && s->n_seen) {
		tw_source_confirm(s, now);
		s->state = TW_SRC_NOT_MODIFIED;
		succeeded(f, s, now, r);
		tw_info("%s: not modified; %zu entries confirmed", s->name, s->listed);
		return TW_FEEDS_STATE;
	}
	if (r->http_status != 200) {
		snprintf(why, sizeof(why), "HTTP status %ld", r->http_status);
		failed(f, s, now, why);
		return TW_FEEDS_STATE;
	}
	ret = parse_body(s, r, &feed, why, sizeof(why));
	if (ret == -ENOMEM) {
		failed(f, s, now, "out of memory");
		return TW_FEEDS_STATE;
	}
	if (!ret) {
		ret = tw_source_accept(s, &feed, now, &f->pol, force, why, sizeof(why));
		tw_feed_free(&feed);
	}
	if (ret) {
		refused(f, s, now, why);
		return TW_FEEDS_STATE;
	}
	s->state = TW_SRC_OK;
	succeeded(f, s, now, r);
	log_bad_lines(s);
	tw_info("%s: %zu entries (%lu bad line%s) in %.2f s", s->name, s->listed, s->bad_lines,
		s->bad_lines == 1 ? "" : "s", r->seconds);
	return TW_FEEDS_DATA | TW_FEEDS_STATE;
}

int tw_feeds_collect(struct tw_feeds *f, int64_t now)
{
	struct tw_fetch_result *r;
	int changed = 0;

	while ((r = tw_fetcher_next(f->fetcher))) {
		if (r->id >= 0 && (unsigned)r->id < f->sources.n)
			changed |= take(f, &f->sources.s[r->id], r, now);
		tw_fetch_result_free(r);
	}
	if (changed)
		check_stale(f, now);
	return changed;
}

int tw_feeds_request(struct tw_feeds *f, bool force, int64_t now)
{
	for (unsigned i = 0; i < f->sources.n; i++) {
		struct tw_source *s = &f->sources.s[i];
		int64_t last = s->last_attempt > s->confirmed_at ? s->last_attempt : s->confirmed_at;
		int64_t allowed = last + s->min_interval_s;

		if (s->kind != TW_SOURCE_URL || s->in_flight)
			continue;
		if (s->min_interval_s && last && allowed > now) {
			tw_info("%s: not fetched: the publisher allows one fetch per %u s (next in %lld s)",
				s->name, s->min_interval_s, (long long)(allowed - now));
			continue;
		}
		s->force = force;
		submit(f, s, now);
	}
	f->round_active = true;
	return tw_feeds_reload_files(f, force, now) | TW_FEEDS_STATE;
}

int tw_feeds_reload_files(struct tw_feeds *f, bool force, int64_t now)
{
	char err[512];
	int changed = 0, ret;

	for (unsigned i = 0; i < f->sources.n; i++) {
		struct tw_source *s = &f->sources.s[i];

		if (s->kind != TW_SOURCE_FILE && s->kind != TW_SOURCE_DENY)
			continue;
		s->last_attempt = now;
		ret = tw_source_read_file(s, now, &f->pol, force, err, sizeof(err));
		if (ret == -EBADMSG) {
			refused(f, s, now, err);
		} else if (ret) {
			snprintf(s->error, sizeof(s->error), "%.*s", (int)sizeof(s->error) - 1, err);
			s->state = TW_SRC_FAILED;
			tw_err("%s", err);
		} else {
			s->state = TW_SRC_OK;
			s->error[0] = '\0';
			log_bad_lines(s);
			changed |= TW_FEEDS_DATA;
		}
		changed |= TW_FEEDS_STATE;
	}
	if (f->n_allow_files) {
		if (read_allow_files(f, err, sizeof(err)))
			tw_err("%s; the allowlist stays as it was", err);
		else
			changed |= TW_FEEDS_ALLOW;
	}
	return changed;
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

bool tw_feeds_round_finished(struct tw_feeds *f)
{
	if (!f->round_active)
		return false;
	for (unsigned i = 0; i < f->sources.n; i++)
		if (f->sources.s[i].in_flight)
			return false;
	f->round_active = false;
	f->rounds_done++;
	return true;
}
