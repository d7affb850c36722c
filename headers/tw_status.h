/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the daemon publishes for the CLI in pinned maps (meta, sources), so
 * that 'status', 'feed show' and 'check' work with or without it. Not read
 * on the packet path. */
#ifndef TW_STATUS_H
#define TW_STATUS_H

#include <linux/types.h>
#include "torwatch.h"

#define TW_MAX_IFACES 8
#define TW_SOURCE_NAME_LEN 128
#define TW_IFNAME_LEN 16

/* The XDP mode the kernel gave an interface. */
enum tw_xdp_mode {
	TW_XDP_NONE = 0,
	TW_XDP_NATIVE,
	TW_XDP_SKB,
};

struct tw_iface {
	__u32 ifindex;		/* 0 while the interface is gone */
	__u32 xdp_mode;		/* enum tw_xdp_mode requested at attach */
	char name[TW_IFNAME_LEN];
	__u64 gone_since;	/* unix seconds it disappeared (or was missing at start); 0 while there */
};

struct tw_meta {
	__u64 set_loaded_at;	/* unix seconds of the last applied exit set */
	__u64 set_newest_data;	/* unix seconds of the newest feed data */
	__u64 started_at;	/* unix seconds the daemon started */
	__u64 apply_usec;	/* duration of the last apply */
	__u32 daemon_pid;
	__u32 n_ifaces;
	__u32 exact_v4;
	__u32 exact_v6;
	__u32 prefixes_v4;
	__u32 prefixes_v6;
	__u32 listen_hook;	/* enum tw_listen_hook for TCP listeners */
	__u32 udp_hook;		/* TW_HOOK_POST_BIND, or TW_HOOK_NONE */
	__u32 feed_rounds;	/* refreshes asked for by 'feed update' and finished */
	__u32 feed_stale;	/* 1 while the newest good data is older than stale-after */
	struct tw_iface ifaces[TW_MAX_IFACES];
	__u64 heartbeat_at;	/* unix seconds, renewed every second while a daemon runs */
	__u64 stopped_at;	/* unix seconds of a clean stop that kept the state; 0 otherwise */
	__u32 layout;		/* TW_PIN_LAYOUT of the torwatch that pinned the state */
	__u32 pad;
	char version[32];	/* the version of the torwatch that pinned it */
	char geoip[128];	/* the country database the daemon uses ("" for none) */
	char asn_db[128];	/* its ASN database ("" for none) */
};

/* The alerts the daemon wrote (every rule, kernel and userspace), in a map
 * of its own so that a pin root from before it still loads. */
#define TW_MAX_RULES 16		/* rules in the catalogue at most (alerts/rules.c) */

struct tw_alert_stats {
	__u64 emitted;		/* alerts raised */
	__u64 written;		/* lines written, summed over the sinks */
	__u64 failed;		/* lines a sink could not write */
	__u64 suppressed;	/* held back by a rule's throttle */
	__u64 by_rule[TW_MAX_RULES];	/* raised, by position in tw_rules[] */
	__u64 folded;		/* per-source alerts folded into tor_source_storm */
};

/* What the earlier daemons on this pinned state counted (the history map),
 * added up by each start from the alert_stats, sink_stats and meta the one
 * before left: a daemon's loss figures outlive it, after a crash too (those
 * maps hold its last second). Gone with the state ('unload', a stop
 * without --keep-on-stop). The kernel's own counters (events the rings
 * had no room for) are pinned and outlive daemons already. */
struct tw_history {
	__u64 since;		/* unix seconds: the first start counted */
	__u64 runs;		/* earlier daemons */
	__u64 unclean;		/* of them, ended without a clean stop (SIGKILL, a crash) */
	__u64 last_end;		/* unix seconds: the last one's stop, or last heartbeat */
	__u64 raised;		/* alerts */
	__u64 lost;		/* over the sinks: dropped, too large, not written */
	__u64 suppressed;	/* held back by throttles */
	__u64 spooled;		/* high and critical alerts written ahead */
	__u64 delivered;	/* taken by receivers (the sinks that deliver later) */
	__u64 folded_start;	/* started_at of the last daemon added: never added twice */
	/* The kernel's loss counters (TW_CNT_*_EVENTS_LOST: XDP, SSH, listen,
	 * session, Tor client) as the last daemon reported them: the next one
	 * reports what rose while none ran. 0 in seen_at: never reported. */
	__u64 kernel_lost_seen[5];
	__u64 seen_at;		/* unix seconds they were read */
};

/* One alert sink as status shows it (the sink_stats map, one entry per
 * sink, in_use 0 past the last). Counters since the daemon started. */
#define TW_MAX_SINKS 16		/* alert sinks a daemon runs at most */
#define TW_SINK_NAME_LEN 96

struct tw_sink_stat {
	__u64 written;		/* accepted: written, or queued for an HTTP sink */
	__u64 failed;		/* could not be written or queued */
	__u64 filtered;		/* kept out by its filter */
	__u64 delivered;	/* HTTP, syslog: taken by the receiver */
	__u64 retried;		/* attempts that failed and were retried */
	__u64 rejected;		/* refused for good (HTTP 4xx) */
	__u64 dropped;		/* dropped: a full queue (or spool), lost at a stop */
	__u64 spooled;		/* high and critical alerts that went to the spool */
	__u64 spool_pending;	/* in the spool now */
	__u64 queued;		/* in the memory queue now */
	__u64 too_large;	/* dropped for their size */
	__u64 last_error_at;	/* unix seconds of last_error */
	__u32 in_use;
	__u32 pad;
	char kind[16];
	char name[TW_SINK_NAME_LEN];	/* "stdout", a path, a URL without password */
	char last_error[TW_SINK_NAME_LEN];
};

/* One of the last alerts raised (the recent_alerts map, for 'top'). */
#define TW_RECENT_ALERTS 16

struct tw_recent_alert {
	__u64 number;		/* 1, 2, ...: the order raised; 0 = an empty slot */
	__u64 at_ns;		/* unix nanoseconds */
	char rule[32];
	char severity[16];
	char message[128];
};

enum tw_source_kind {
	TW_SOURCE_URL = 0,	/* fetched over HTTP(S) */
	TW_SOURCE_FILE,		/* a feed file (--feed PATH) */
	TW_SOURCE_DENY,		/* a local deny file: extra entries, no guard */
	TW_SOURCE_SNAPSHOT,	/* the embedded list, used only when no other source has data */
};

enum tw_source_state {
	TW_SRC_NEVER = 0,	/* not tried yet */
	TW_SRC_OK,		/* the last attempt brought a list that was applied */
	TW_SRC_NOT_MODIFIED,	/* 304: the last good list is current */
	TW_SRC_FAILED,		/* no usable answer: the last good list stays */
	TW_SRC_REJECTED,	/* an answer the guard refused: the last good list stays */
	TW_SRC_CACHED,		/* running on the state-dir cache until a fetch succeeds */
	TW_SRC_STANDBY,		/* the snapshot while other sources have data */
};

#define TW_SOURCE_URL_LEN 256
#define TW_SOURCE_ERR_LEN 160

struct tw_source_info {
	__u64 loaded_at;	/* unix seconds the last good list was accepted */
	__u64 newest_data;	/* unix seconds: the data's own date, else when it was confirmed */
	__u64 last_attempt;	/* unix seconds */
	__u64 last_success;	/* unix seconds of the last 200 or 304 (or file read) */
	__u64 next_attempt;	/* unix seconds, 0 when not scheduled */
	__u32 in_use;
	__u32 kind;		/* enum tw_source_kind */
	__u32 state;		/* enum tw_source_state */
	__u32 http_status;
	__u32 failures;		/* attempts failed in a row */
	__u32 listed;		/* entries in the last good list */
	__u32 exact_v4;		/* in the exit set now (unexpired entries) */
	__u32 exact_v6;
	__u32 prefixes_v4;
	__u32 prefixes_v6;
	__u32 bad_lines;
	__u32 fetch_ms;		/* duration of the last download */
	char name[TW_SOURCE_NAME_LEN];
	char url[TW_SOURCE_URL_LEN];	/* URL or path; cut to fit */
	char error[TW_SOURCE_ERR_LEN];	/* why the last attempt failed or was refused */
};

/* How long each input of the daemon's event loop held it (the loop_stats
 * map: one entry per input, in the order the daemon registered them). A
 * run that holds the loop delays every kernel event behind it. */
#define TW_LOOP_STATS 32	/* = TW_LOOP_MAX_INPUTS (common/event_loop.h) */
#define TW_LOOP_SLOW_US 5000	/* a run this long or longer is counted slow */
#define TW_LOOP_NAME_LEN 24

struct tw_loop_stat {
	char name[TW_LOOP_NAME_LEN];	/* "" past the last input */
	__u64 runs;		/* calls of its handler since the daemon started */
	__u64 slow;		/* of those, the ones of TW_LOOP_SLOW_US or longer */
	__u64 longest_us;	/* the longest */
	__u64 total_us;
	__u64 last_slow_at;	/* unix seconds of the last slow run, 0: none */
};

_Static_assert(sizeof(struct tw_iface) == 32, "tw_iface ABI");
_Static_assert(sizeof(struct tw_recent_alert) == 192, "tw_recent_alert ABI");
_Static_assert(sizeof(struct tw_alert_stats) == 40 + 8 * TW_MAX_RULES, "tw_alert_stats ABI");
_Static_assert(sizeof(struct tw_sink_stat) == 104 + 16 + 2 * TW_SINK_NAME_LEN, "tw_sink_stat ABI");
_Static_assert(sizeof(struct tw_meta) == 72 + 32 * TW_MAX_IFACES + 56 + 256, "tw_meta ABI");
_Static_assert(sizeof(struct tw_source_info) ==
	       88 + TW_SOURCE_NAME_LEN + TW_SOURCE_URL_LEN + TW_SOURCE_ERR_LEN, "tw_source_info ABI");
_Static_assert(sizeof(struct tw_loop_stat) == 40 + TW_LOOP_NAME_LEN, "tw_loop_stat ABI");

#endif
