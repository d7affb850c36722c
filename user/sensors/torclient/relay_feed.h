/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Relay lists fetched over HTTP(S) (Onionoo's running relays by default):
 * downloads on a schedule off the event loop (common/fetch.c), parsed on
 * the download thread, conditional (ETag, Last-Modified), retried with a
 * doubling backoff; a good list is offered to the relay set and, once the
 * set's guards take it, cached in the state directory, where the next start
 * finds it before any network. */
#ifndef TW_SENSORS_TORCLIENT_RELAY_FEED_H
#define TW_SENSORS_TORCLIENT_RELAY_FEED_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "common/fetch.h"
#include "sensors/torclient/relay_set.h"

#define TW_MAX_RELAY_FEEDS 8
#define TW_ONIONOO_RELAYS_URL \
	"https://onionoo.torproject.org/details?type=relay&running=true" \
	"&fields=nickname,fingerprint,or_addresses,dir_address"

struct tw_relay_feed {
	size_t src;			/* its source in the relay set */
	char name[64];			/* in the log and the cache's file name */
	char url[1024];
	unsigned interval_s;
	uint64_t next_ns;		/* monotonic: the next download */
	unsigned retry_s;		/* the backoff in force; 0: none */
	bool in_flight;
	char etag[TW_FETCH_VALIDATOR_LEN];
	char last_modified[TW_FETCH_VALIDATOR_LEN];
	int64_t good_at;		/* unix seconds of the newest good data (a 200 or a 304) */
};

struct tw_relay_feeds {
	struct tw_fetcher *fetcher;
	struct tw_relay_feed f[TW_MAX_RELAY_FEEDS];
	size_t n;
	struct tw_fetch_limits limits;
	unsigned retry_min_s;
	char cache_dir[PATH_MAX];	/* STATE_DIR/relays */
};

/* What a collect or a cache load did: refusals and fetch failures to say. */
struct tw_relay_feed_news {
	struct tw_relay_refresh refresh;	/* the set's side */
	char failed[4][320];			/* "NAME: reason", downloads that failed */
	size_t n_failed;
};

/* The fetcher, when there are feeds. 0 or -errno. */
int tw_relay_feeds_start(struct tw_relay_feeds *fs);
/* Each feed's cached list, offered to the set (at start). */
void tw_relay_feeds_load_cache(struct tw_relay_feeds *fs, struct tw_relay_set *rs, int map_fd,
			       struct tw_relay_feed_news *news);
/* Starts the downloads that are due. */
void tw_relay_feeds_tick(struct tw_relay_feeds *fs, uint64_t now_ns);
/* Takes the finished downloads: offered to the set, cached when taken. */
void tw_relay_feeds_collect(struct tw_relay_feeds *fs, struct tw_relay_set *rs, int map_fd,
			    uint64_t now_ns, struct tw_relay_feed_news *news);
/* The newest good data of any feed (unix seconds), 0 when none has any. */
int64_t tw_relay_feeds_newest(const struct tw_relay_feeds *fs);
void tw_relay_feeds_stop(struct tw_relay_feeds *fs);

#endif
