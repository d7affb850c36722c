// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "feeds/source_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "common/url.h"

extern const char tw_snapshot_start[];
extern const char tw_snapshot_end[];

struct tw_source *tw_sources_add(struct tw_sources *ss, enum tw_source_kind kind,
				 const char *name, const char *url)
{
	struct tw_source *s;

	if (ss->n == TW_MAX_SOURCES)
		return NULL;
	s = &ss->s[ss->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->url, sizeof(s->url), "%s", url);
	return s;
}

static int seen_cmp(const void *a, const void *b)
{
	return tw_prefix_cmp(&((const struct tw_seen *)a)->p, &((const struct tw_seen *)b)->p);
}

int64_t tw_source_entry_seen(const struct tw_source *s, size_t i)
{
	return s->seen[i].last_seen == s->listed_at ? s->confirmed_at : s->seen[i].last_seen;
}

/* feed's entries, sorted and unique, all seen at now. */
static struct tw_seen *unique_entries(const struct tw_feed *feed, int64_t now, size_t *n)
{
	struct tw_seen *e = malloc((feed->n ? feed->n : 1) * sizeof(*e));
	size_t out = 0;

	if (!e)
		return NULL;
	for (size_t i = 0; i < feed->n; i++)
		e[i] = (struct tw_seen){ .p = feed->entries[i], .last_seen = now };
	if (feed->n)
		qsort(e, feed->n, sizeof(*e), seen_cmp);
	for (size_t i = 0; i < feed->n; i++)
		if (!out || tw_prefix_cmp(&e[out - 1].p, &e[i].p))
			e[out++] = e[i];
	*n = out;
	return e;
}

/* fresh plus the old entries it no longer lists, which keep their time. */
static int by_time(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* A source that churns keeps every address it stopped listing until
 * expire-after: its share is bounded, the entries gone longest leaving
 * first (those listed now, at `now`, always stay). */
static void trim_unlisted(struct tw_seen *e, size_t *n, size_t max, int64_t now)
{
	size_t over = *n - max, old = 0, k = 0, cut = 0;
	int64_t *times = malloc(*n * sizeof(*times)), limit;

	if (!times)
		return;
	for (size_t i = 0; i < *n; i++)
		if (e[i].last_seen < now)
			times[old++] = e[i].last_seen;
	if (over > old)
		over = old;
	if (!over) {
		free(times);
		return;
	}
	qsort(times, old, sizeof(*times), by_time);
	limit = times[over - 1];
	for (size_t i = 0; i < *n; i++) {
		if (e[i].last_seen < now && e[i].last_seen <= limit && cut < over) {
			cut++;
			continue;
		}
		e[k++] = e[i];
	}
	*n = k;
	free(times);
}

static struct tw_seen *keep_unlisted(const struct tw_source *s, struct tw_seen *fresh,
				     size_t m, size_t *n)
{
	struct tw_seen *out = malloc((m + s->n_seen + 1) * sizeof(*out));
	size_t i = 0, j = 0, k = 0;

	if (!out)
		return NULL;
	while (i < m || j < s->n_seen) {
		int c = i == m ? 1 : j == s->n_seen ? -1 : tw_prefix_cmp(&fresh[i].p, &s->seen[j].p);

		if (c <= 0)
			out[k++] = fresh[i];
		else
			out[k++] = (struct tw_seen){ .p = s->seen[j].p,
						     .last_seen = tw_source_entry_seen(s, j) };
		i += c <= 0;
		j += c >= 0;
	}
	*n = k;
	free(fresh);
	return out;
}

/* A fetched list comes from a server the owner does not control: a prefix
 * such as 0.0.0.0/1 would make half the Internet an exit node, and in block
 * mode lock the owner out. Wider prefixes belong in files the owner writes. */
static bool too_wide(const struct tw_feed *feed, const struct tw_feed_policy *pol, char *why,
		     size_t whylen)
{
	for (size_t i = 0; i < feed->n; i++) {
		const struct tw_prefix *p = &feed->entries[i];
		unsigned widest = p->family == AF_INET ? pol->widest_v4 : pol->widest_v6;
		char shown[64];

		if (!widest || p->prefixlen >= widest)
			continue;
		tw_prefix_format(p, shown, sizeof(shown));
		snprintf(why, whylen,
			 "it lists %s, wider than the /%u a fetched list may give (feed-widest-prefix); put wider prefixes in a --deny-file",
			 shown, widest);
		return true;
	}
	return false;
}

int tw_source_accept(struct tw_source *s, const struct tw_feed *feed, int64_t now,
		     const struct tw_feed_policy *pol, bool force, char *why, size_t whylen)
{
	size_t m, n;
	struct tw_seen *fresh = unique_entries(feed, now, &m);

	if (!fresh)
		return -ENOMEM;
	if (!m && s->kind != TW_SOURCE_DENY) {
		snprintf(why, whylen, "no valid entry in %lu line%s (%lu bad)", feed->lines,
			 feed->lines == 1 ? "" : "s", feed->bad_lines);
		free(fresh);
		return -EBADMSG;
	}
	if (s->kind == TW_SOURCE_URL && too_wide(feed, pol, why, whylen)) {
		free(fresh);
		return -EBADMSG;
	}
	if (!force && s->kind != TW_SOURCE_DENY && s->listed && pol->max_shrink_pct < 100 &&
	    m * 100 < s->listed * (100 - pol->max_shrink_pct)) {
		snprintf(why, whylen,
			 "%zu entries would replace %zu (-%zu%%, more than the %u%% allowed); 'torwatch feed update --force' takes it",
			 m, s->listed, 100 - m * 100 / s->listed, pol->max_shrink_pct);
		free(fresh);
		return -EBADMSG;
	}
	n = m;
	if (s->kind == TW_SOURCE_URL && pol->max_entries && m > pol->max_entries) {
		snprintf(why, whylen,
			 "it lists %zu entries, more than the %u the maps hold (--max-exits)", m,
			 pol->max_entries);
		free(fresh);
		return -EBADMSG;
	}
	if (s->kind == TW_SOURCE_URL && !(fresh = keep_unlisted(s, fresh, m, &n)))
		return -ENOMEM;
	if (s->kind == TW_SOURCE_URL && pol->max_entries && n > pol->max_entries)
		trim_unlisted(fresh, &n, pol->max_entries, now);
	tw_source_replace_seen(s, fresh, n);
	s->listed = m;
	s->listed_at = s->confirmed_at = now;
	s->data_time = feed->newest_data;
	s->bad_lines = feed->bad_lines;
	memcpy(s->errors, feed->errors, sizeof(s->errors));
	return 0;
}

void tw_source_take_list(struct tw_source *s, struct tw_source *from)
{
	tw_source_replace_seen(s, from->seen, from->n_seen);
	from->seen = NULL;	/* s's now */
	from->n_seen = 0;
	s->listed = from->listed;
	s->listed_at = from->listed_at;
	s->confirmed_at = from->confirmed_at;
	s->data_time = from->data_time;
	s->bad_lines = from->bad_lines;
	memcpy(s->errors, from->errors, sizeof(s->errors));
}

void tw_source_confirm(struct tw_source *s, int64_t now)
{
	s->confirmed_at = now;
}

static bool expired(const struct tw_source *s, size_t i, int64_t now, unsigned expire_s)
{
	/* The last good list itself stays: an outage must not empty the set. */
	return s->seen[i].last_seen != s->listed_at && now - s->seen[i].last_seen > (int64_t)expire_s;
}

size_t tw_source_expire(struct tw_source *s, int64_t now, unsigned expire_s)
{
	size_t out = 0, n = s->n_seen, gone = 0;
	struct tw_seen *kept = s->seen;

	for (size_t i = 0; i < n; i++)
		gone += expired(s, i, now, expire_s);
	if (!gone)
		return 0;
	/* Lent to a copy: the kept entries go to a new array. */
	if (s->lent && !(kept = malloc((n - gone) * sizeof(*kept) + 1)))
		return 0;	/* they expire at the next tick */
	for (size_t i = 0; i < n; i++)
		if (!expired(s, i, now, expire_s))
			kept[out++] = s->seen[i];
	tw_source_replace_seen(s, kept, out);
	return gone;
}

int tw_source_read_file(struct tw_source *s, int64_t now, const struct tw_feed_policy *pol,
			bool force, char *err, size_t errlen)
{
	struct tw_feed feed;
	char why[TW_SOURCE_ERR_LEN];
	struct stat st;
	int ret = tw_feed_parse_file(s->url, &feed, err, errlen);

	if (ret)
		return ret;
	ret = tw_source_accept(s, &feed, now, pol, force, why, sizeof(why));
	/* A file is as fresh as its last write: a cron job that stopped shows. */
	if (!ret && !stat(s->url, &st) && st.st_mtime < now)
		s->confirmed_at = s->listed_at = st.st_mtime;
	if (ret == -EBADMSG)
		snprintf(err, errlen, "%s: %s", s->url, why);	/* the refusal says what stays */
	else if (ret)
		snprintf(err, errlen, "%s: %s", s->url, strerror(-ret));
	tw_feed_free(&feed);
	return ret;
}

int tw_source_read_snapshot(struct tw_source *s, int64_t now)
{
	const struct tw_feed_policy pol = { .max_shrink_pct = 100 };
	struct tw_feed feed;
	char why[TW_SOURCE_ERR_LEN];
	int ret = tw_feed_parse_buffer(tw_snapshot_start,
				       (size_t)(tw_snapshot_end - tw_snapshot_start), &feed);

	if (ret)
		return ret;
	ret = tw_source_accept(s, &feed, now, &pol, true, why, sizeof(why));
	/* The snapshot is as old as its data, not as the moment it was read. */
	s->listed_at = s->confirmed_at = feed.newest_data;
	for (size_t i = 0; i < s->n_seen; i++)
		s->seen[i].last_seen = feed.newest_data;
	tw_feed_free(&feed);
	return ret;
}

int64_t tw_source_next_attempt(const struct tw_source *s, int64_t now_ms, bool success,
			       const struct tw_feed_policy *pol, double rnd)
{
	double delay = s->interval_s;

	if (success) {
		delay *= 0.9 + 0.2 * rnd; /* a fleet does not fetch in lockstep */
	} else {
		double d = pol->retry_min_s;

		for (unsigned i = 1; i < s->failures && d < s->interval_s; i++)
			d *= 2;
		delay = (d < s->interval_s ? d : s->interval_s) * (0.8 + 0.4 * rnd);
	}
	if (delay < s->min_interval_s)
		delay = s->min_interval_s;
	if (delay < 1)
		delay = 1;
	return now_ms + (int64_t)(delay * 1000);
}

static bool live_data(const struct tw_sources *ss)
{
	for (unsigned i = 0; i < ss->n; i++)
		if ((ss->s[i].kind == TW_SOURCE_URL || ss->s[i].kind == TW_SOURCE_FILE) &&
		    ss->s[i].n_seen)
			return true;
	return false;
}

static bool in_use(const struct tw_sources *ss, unsigned i, bool live)
{
	return ss->s[i].kind != TW_SOURCE_SNAPSHOT || !live;
}

int tw_sources_build_set(const struct tw_sources *ss, struct tw_exit_set *set)
{
	return tw_sources_build_set_without(ss, 0, set);
}

int tw_sources_build_set_without(const struct tw_sources *ss, uint32_t skip,
				 struct tw_exit_set *set)
{
	bool live = live_data(ss);

	memset(set, 0, sizeof(*set));
	for (unsigned i = 0; i < ss->n; i++) {
		const struct tw_source *s = &ss->s[i];

		int err;

		if (!in_use(ss, i, live) || !s->n_seen || (skip & (1u << i)))
			continue;
		err = tw_exit_set_add_listed(set, &s->seen[0].p, s->n_seen, sizeof(s->seen[0]), i);
		if (err) {
			tw_exit_set_free(set);
			return err;
		}
	}
	tw_exit_set_finalize(set);
	return 0;
}

uint32_t tw_sources_in_use(const struct tw_sources *ss, int64_t now, char *buf, size_t len)
{
	bool live = live_data(ss), fed = false;
	uint32_t mask = 0;
	size_t used = 0;
	char age[32];

	/* Whether anything could ever replace the snapshot. */
	for (unsigned i = 0; i < ss->n; i++)
		fed |= ss->s[i].kind == TW_SOURCE_URL || ss->s[i].kind == TW_SOURCE_FILE;
	buf[0] = '\0';
	for (unsigned i = 0; i < ss->n && used < len; i++) {
		const struct tw_source *s = &ss->s[i];

		if (!in_use(ss, i, live) || !s->n_seen)
			continue;
		mask |= 1u << i;
		if (s->kind == TW_SOURCE_SNAPSHOT) {
			tw_format_age(now - s->data_time, age, sizeof(age));
			used += (size_t)snprintf(buf + used, len - used,
						 "%sthe embedded snapshot of " TW_SNAPSHOT_DATE
						 " (%zu entries, %s old; %s)",
						 used ? ", " : "", s->n_seen, age,
						 fed ? "no fetched list or feed file has data yet" :
						       "no source to fetch and no --feed file are configured, so it stays");
		} else {
			used += (size_t)snprintf(buf + used, len - used, "%s%s (%zu)",
						 used ? ", " : "", s->name, s->n_seen);
		}
	}
	if (!used)
		snprintf(buf, len, "nothing (no source has data)");
	return mask;
}

int64_t tw_sources_newest(const struct tw_sources *ss)
{
	bool live = live_data(ss);
	int64_t newest = 0;

	for (unsigned i = 0; i < ss->n; i++) {
		const struct tw_source *s = &ss->s[i];

		int64_t t = s->data_time ? s->data_time : s->confirmed_at;

		/* A dated list is as old as its data: a mirror serving an old copy shows. */
		if (s->kind != TW_SOURCE_DENY && in_use(ss, i, live) && s->n_seen && t > newest)
			newest = t;
	}
	return newest;
}

void tw_sources_count_set(const struct tw_exit_set *set, struct tw_set_counts counts[TW_MAX_SOURCES])
{
	memset(counts, 0, TW_MAX_SOURCES * sizeof(*counts));
	for (size_t j = 0; j < set->n; j++) {
		const struct tw_exit_entry *e = &set->e[j];
		bool exact = tw_prefix_is_exact(&e->p), v4 = e->p.family == AF_INET;

		for (uint32_t m = e->sources; m; m &= m - 1) {
			struct tw_set_counts *c = &counts[__builtin_ctz(m) % TW_MAX_SOURCES];

			if (exact)
				v4 ? c->exact_v4++ : c->exact_v6++;
			else
				v4 ? c->prefixes_v4++ : c->prefixes_v6++;
		}
	}
}

void tw_sources_describe(const struct tw_sources *ss, const struct tw_set_counts *counts,
			 struct tw_source_info info[TW_MAX_SOURCES])
{
	bool live = live_data(ss);

	for (unsigned i = 0; i < TW_MAX_SOURCES; i++) {
		struct tw_source_info *si = &info[i];

		if (counts || i >= ss->n) {
			memset(si, 0, sizeof(*si));
		} else { /* the counts stay as the last apply left them */
			struct tw_source_info keep = *si;

			memset(si, 0, sizeof(*si));
			si->exact_v4 = keep.exact_v4;
			si->exact_v6 = keep.exact_v6;
			si->prefixes_v4 = keep.prefixes_v4;
			si->prefixes_v6 = keep.prefixes_v6;
		}
	}
	for (unsigned i = 0; i < ss->n; i++) {
		const struct tw_source *s = &ss->s[i];
		struct tw_source_info *si = &info[i];

		si->in_use = 1;
		si->kind = s->kind;
		si->state = in_use(ss, i, live) ? s->state : TW_SRC_STANDBY;
		si->loaded_at = (__u64)s->listed_at;
		si->newest_data = (__u64)(s->data_time ? s->data_time : s->confirmed_at);
		si->last_attempt = (__u64)s->last_attempt;
		si->last_success = (__u64)s->confirmed_at;
		si->next_attempt = (__u64)(s->kind == TW_SOURCE_URL ? s->next_attempt_ms / 1000 : 0);
		si->http_status = (__u32)s->http_status;
		si->failures = s->failures;
		si->listed = (__u32)s->listed;
		si->bad_lines = (__u32)s->bad_lines;
		si->fetch_ms = s->fetch_ms;
		snprintf(si->name, sizeof(si->name), "%s", s->name);
		tw_url_redact(s->url, si->url, sizeof(si->url));
		snprintf(si->error, sizeof(si->error), "%s", s->error);
	}
	for (unsigned i = 0; counts && i < ss->n; i++) {
		info[i].exact_v4 = counts[i].exact_v4;
		info[i].exact_v6 = counts[i].exact_v6;
		info[i].prefixes_v4 = counts[i].prefixes_v4;
		info[i].prefixes_v6 = counts[i].prefixes_v6;
	}
}

/* The entry arrays s replaced while they were lent: into out, or freed. */
static void free_retired(struct tw_source *s, struct tw_retired *out)
{
	void **p = out && s->n_retired ? realloc(out->p, (out->n + s->n_retired) * sizeof(*p)) : NULL;

	if (p)
		out->p = p;
	for (size_t k = 0; k < s->n_retired; k++)
		if (p)
			out->p[out->n++] = s->retired[k];
		else
			free(s->retired[k]);
	free(s->retired);
	s->retired = NULL;
	s->n_retired = 0;
}

void tw_retired_free(struct tw_retired *r)
{
	for (size_t k = 0; k < r->n; k++)
		free(r->p[k]);
	free(r->p);
	r->p = NULL;
	r->n = 0;
}

void tw_sources_free(struct tw_sources *ss)
{
	for (unsigned i = 0; i < ss->n; i++) {
		if (!ss->s[i].borrowed)
			free(ss->s[i].seen);
		free_retired(&ss->s[i], NULL);
	}
	ss->n = 0;
}

void tw_source_replace_seen(struct tw_source *s, struct tw_seen *fresh, size_t n)
{
	struct tw_seen **r;

	if (s->borrowed || fresh == s->seen) {
		/* A copy's: the loop's source owns the old entries. */
	} else if (!s->lent || !s->seen) {
		free(s->seen);
	} else if ((r = realloc(s->retired, (s->n_retired + 1) * sizeof(*r)))) {
		s->retired = r;
		s->retired[s->n_retired++] = s->seen;
	} else {
		tw_warn("%s: out of memory: %zu entries stay allocated until the exit", s->name,
			s->n_seen);
	}
	s->borrowed = false;
	s->seen = fresh;
	s->n_seen = n;
}

void tw_sources_lend(struct tw_sources *ss, struct tw_sources *to)
{
	to->n = ss->n;
	for (unsigned i = 0; i < ss->n; i++) {
		to->s[i] = ss->s[i];
		to->s[i].borrowed = true;
		to->s[i].lent = 0;
		to->s[i].retired = NULL;
		to->s[i].n_retired = 0;
		ss->s[i].lent++;
	}
}

void tw_sources_give_back(struct tw_sources *ss, struct tw_retired *out)
{
	for (unsigned i = 0; i < ss->n; i++) {
		struct tw_source *s = &ss->s[i];

		if (!s->lent || !--s->lent)
			free_retired(s, out);
	}
}

const char *tw_source_state_name(enum tw_source_state st)
{
	static const char *const names[] = { "never tried", "ok", "not modified", "failed",
					     "rejected", "cached", "standby" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

const char *tw_source_kind_name(enum tw_source_kind k)
{
	static const char *const names[] = { "url", "file", "deny-file", "snapshot" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}
