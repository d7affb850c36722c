// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/torclient/relay_sources.h"

#include <stdio.h>
#include <string.h>

static void add_feed(struct tw_relay_set *rs, struct tw_relay_feeds *fs, const char *name,
		     const char *url, unsigned interval_s)
{
	struct tw_relay_source *src = &rs->src[rs->n_src];
	struct tw_relay_feed *f = &fs->f[fs->n++];

	memset(src, 0, sizeof(*src));
	src->is_feed = true;
	snprintf(src->name, sizeof(src->name), "%s", url);
	memset(f, 0, sizeof(*f));
	f->src = rs->n_src++;
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->url, sizeof(f->url), "%s", url);
	f->interval_s = interval_s;
}

static size_t n_feed_sources(const struct tw_relay_set *rs)
{
	size_t n = 0;

	while (n < rs->n_src && rs->src[n].is_feed)
		n++;
	return n;
}

bool tw_relay_sources_configure(struct tw_relay_set *rs, struct tw_relay_feeds *fs,
				const struct torclient_settings *s, bool first)
{
	size_t nf = first ? 0 : n_feed_sources(rs);
	bool changed = first || s->builtin != rs->builtin || rs->n_src - nf != s->n_files;

	for (size_t i = 0; !changed && i < s->n_files; i++)
		changed = strcmp(s->files[i], rs->src[nf + i].name) != 0;
	rs->builtin = s->builtin;
	rs->max_relays = s->max_relays;
	rs->max_shrink_pct = s->max_shrink_pct;
	fs->limits = s->limits;
	fs->retry_min_s = s->retry_min_s;
	if (first) {
		char name[32];

		tw_relay_set_clear_sources(rs);
		fs->n = 0;
		snprintf(fs->cache_dir, sizeof(fs->cache_dir), "%.4080s/relays", s->state_dir);
		if (s->onionoo)
			add_feed(rs, fs, "onionoo", TW_ONIONOO_RELAYS_URL, s->feed_interval_s);
		for (size_t i = 0; i < s->n_feeds; i++) {
			snprintf(name, sizeof(name), "relay-feed-%zu", i + 1);
			add_feed(rs, fs, name, s->feeds[i], s->feed_interval_s);
		}
		nf = rs->n_src;
	}
	if (!changed)
		return false;
	for (size_t i = nf; i < rs->n_src; i++) {
		tw_relay_list_free(&rs->src[i].good);
		tw_relay_list_free(&rs->src[i].pending);
	}
	rs->n_src = nf;
	for (size_t i = 0; i < s->n_files && rs->n_src < TW_MAX_RELAY_SOURCES; i++) {
		struct tw_relay_source *src = &rs->src[rs->n_src++];

		memset(src, 0, sizeof(*src));
		snprintf(src->name, sizeof(src->name), "%s", s->files[i]);
	}
	return true;
}
