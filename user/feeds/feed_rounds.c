// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The rounds of downloads: what is due, the request (parsed on the fetch
 * thread), the answer taken or refused with its alert, the backoff with
 * jitter, expiry and staleness, 'feed update', and the local files read
 * again when they changed. */
#include "feeds/feeds.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "feeds/feed_alerts.h"
#include "feeds/feeds_internal.h"
#include "feeds/onionoo.h"
#include "feeds/source_cache.h"
#include "common/plural.h"

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
	return tw_now_unix_ns() / (int64_t)TW_NS_PER_MS;
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
		tw_feeds_note_attempt(f, s);
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
	/* An attempt asked for out of turn keeps the schedule: it does not
	 * push the next retry further out. */
	if (s->resume_ms > now_ms())
		s->next_attempt_ms = s->resume_ms;
	else
		s->next_attempt_ms = tw_source_next_attempt(s, now_ms(), false, &f->pol, jitter());
	s->resume_ms = 0;
	tw_format_age((s->next_attempt_ms + 999) / 1000 - now, in, sizeof(in));
	if (s->n_seen)
		tw_warn("%s: fetch failed: %s; keeping its %zu %s, retry in %s", s->name, why,
			s->n_seen, tw_plural(s->n_seen, "entry", "entries"), in);
	else
		tw_warn("%s: fetch failed: %s; it has no data yet, retry in %s", s->name, why, in);
}

static void succeeded(struct tw_feeds *f, struct tw_source *s, int64_t now,
		      const struct tw_fetch_result *r)
{
	int err;

	s->failures = 0;
	s->resume_ms = 0;
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

void tw_feeds_refused(struct tw_feeds *f, struct tw_source *s, int64_t now, const char *why)
{
	/* The same refusal again (a retry) is logged, not alerted again. */
	bool again = s->state == TW_SRC_REJECTED && !strncmp(s->error, why, sizeof(s->error) - 1);

	s->failures++;
	s->resume_ms = 0;
	s->state = TW_SRC_REJECTED;
	snprintf(s->error, sizeof(s->error), "%.*s", (int)sizeof(s->error) - 1, why);
	s->next_attempt_ms = tw_source_next_attempt(s, now_ms(), false, &f->pol, jitter());
	if (s->n_seen)
		tw_warn("%s: list refused: %s; the last good data (%zu %s) stays", s->name, why,
			s->n_seen, tw_plural(s->n_seen, "entry", "entries"));
	else
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
		tw_info("%s: not modified; %zu %s confirmed", s->name, s->listed,
			tw_plural(s->listed, "entry", "entries"));
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
		tw_feeds_refused(f, s, now, why);
		return TW_FEEDS_STATE;
	}
	s->state = TW_SRC_OK;
	succeeded(f, s, now, r);
	tw_feeds_log_bad_lines(s);
	tw_info("%s: %zu %s (%lu bad %s) in %.2f s", s->name, s->listed,
		tw_plural(s->listed, "entry", "entries"), s->bad_lines,
		tw_plural(s->bad_lines, "line", "lines"), r->seconds);
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
		int64_t scheduled = s->next_attempt_ms;

		s->force = force;
		submit(f, s, now);
		s->resume_ms = scheduled;
	}
	f->round_active = true;
	return tw_feeds_reload_files(f, force, now) | TW_FEEDS_STATE;
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

int tw_feeds_file_read(struct tw_feeds *f, struct tw_source *s, int ret, const char *err,
		       int64_t now)
{
	s->last_attempt = now;
	if (ret == -EBADMSG) {
		tw_feeds_refused(f, s, now, err);
	} else if (ret) {
		snprintf(s->error, sizeof(s->error), "%.*s", (int)sizeof(s->error) - 1, err);
		s->state = TW_SRC_FAILED;
		tw_err("%s", err);
	} else {
		s->state = TW_SRC_OK;
		s->failures = 0;
		s->error[0] = '\0';
		/* The same file read again: its bad lines were said already. */
		if (tw_feed_file_changed(s))
			tw_feeds_log_bad_lines(s);
		return TW_FEEDS_DATA | TW_FEEDS_STATE;
	}
	return TW_FEEDS_STATE;
}

int tw_feeds_reload_files(struct tw_feeds *f, bool force, int64_t now)
{
	char err[512];
	int changed = 0, ret;

	for (unsigned i = 0; i < f->sources.n; i++) {
		struct tw_source *s = &f->sources.s[i];

		if (!tw_source_is_file(s))
			continue;
		if (f->defer_files) {
			/* The apply thread reads them (file_reads.h). */
			changed |= TW_FEEDS_DATA | TW_FEEDS_STATE;
			continue;
		}
		ret = tw_source_read_file(s, now, &f->pol, force, err, sizeof(err));
		changed |= tw_feeds_file_read(f, s, ret, err, now);
	}
	if (f->defer_files && changed) {
		f->files_wanted++;
		f->files_force |= force;
	}
	if (f->n_allow_files) {
		if (tw_feeds_read_allow_files(f, err, sizeof(err)))
			tw_err("%s; the allowlist stays as it was", err);
		else
			changed |= TW_FEEDS_ALLOW;
	}
	return changed;
}
