// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Block mode must not lock the owner out. 'block enable' refuses when the
 * SSH session running it comes from a listed address; but a later list (a
 * bad mirror, a wide prefix in a local file) can name the client of a live
 * session that was not from an exit node when it began. At every apply
 * while block mode is on, such clients are kept out of the set, for as long
 * as their session lives, with a feed_rejected alert naming them. Sessions
 * that began from a listed address (ssh_login_from_tor's) are not spared. */
#include "daemon/block_guard.h"

#include <bpf/bpf.h>
#include <stdio.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "feeds/feed_alerts.h"
#include "tw_session.h"
#include "xdp_tor.skel.h"

static bool block_on(const struct tw_daemon *d)
{
	struct tw_block_config b = {};
	__u32 zero = 0;

	return !bpf_map__lookup_elem(d->xdp.skel->maps.block, &zero, sizeof(zero), &b, sizeof(b), 0) &&
	       b.mode == TW_BLOCK_ON;
}

/* The clients of live sessions that did not come from an exit node. */
static size_t clean_clients(int fd, struct tw_prefix *out, size_t max)
{
	__u64 key, *prev = NULL;
	struct tw_session s;
	size_t n = 0;

	while (n < max && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &s) && !s.is_exit)
			tw_prefix_from_in6(s.client.addr, &out[n++]);
	}
	return n;
}

/* The first source of mask (for the alert), or NULL. */
static const struct tw_source *first_source(const struct tw_sources *ss, uint32_t mask)
{
	for (unsigned i = 0; i < ss->n; i++)
		if (mask & (1u << i))
			return &ss->s[i];
	return NULL;
}

static bool was_spared(const struct tw_daemon *d, const struct tw_prefix *p)
{
	for (size_t i = 0; i < d->exits.n_spared; i++)
		if (!tw_prefix_cmp(&d->exits.spared[i], p))
			return true;
	return false;
}

size_t daemon_block_guard_clients(const struct tw_daemon *d, struct tw_prefix *out)
{
	/* The session sensor's map: none when it did not load. */
	int sessions = tw_sensors_map_fd(&d->sensors, "sessions");

	if (sessions < 0 || !block_on(d))
		return 0;
	return clean_clients(sessions, out, TW_MAX_SPARED);
}

void daemon_block_guard_report(struct tw_daemon *d, const struct tw_spared *sp, size_t n)
{
	size_t shown = n < TW_MAX_SPARED ? n : TW_MAX_SPARED;

	for (size_t i = 0; i < shown; i++) {
		char who[64], entry[64], why[400];
		const struct tw_source *src = first_source(&d->exits.feeds.sources, sp[i].sources);

		/* Said once, not at every refresh while the session lives. */
		if (was_spared(d, &sp[i].entry))
			continue;
		tw_prefix_format(&sp[i].client, who, sizeof(who));
		tw_prefix_format(&sp[i].entry, entry, sizeof(entry));
		snprintf(why, sizeof(why),
			 "%s names %s, the client of a live SSH session that did not come from an exit node; block mode would cut it off, so it stays out of the set while the session lives (allowlist it, or end the session)",
			 entry, who);
		tw_warn("%s", why);
		if (src)
			tw_emit(&d->alerts, tw_feed_alert_rejected(src, why, tw_now_unix_ns()));
	}
	for (size_t i = 0; i < shown; i++)
		d->exits.spared[i] = sp[i].entry;
	d->exits.n_spared = shown;
}
