/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The running daemon, shared by the files of daemon/ and by nothing else.
 * Each part belongs to one file: alert_out.c opens the sinks, xdp_object.c
 * loads the XDP object and the sensors, xdp_links.c attaches it,
 * exit_feed.c keeps the exit set current, sensor_events.c reads the
 * sensors' rings, loss_watch.c reports what was lost, settings.c writes
 * what SIGHUP may change, status.c publishes, service.c speaks to systemd. */
#ifndef TW_DAEMON_STATE_H
#define TW_DAEMON_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "alerts/emit.h"
#include "alerts/loss_report.h"
#include "common/event_loop.h"
#include "config/run_opts.h"
#include "exitset/exit_maps.h"
#include "feeds/feeds.h"
#include "sensors/sensor_set.h"
#include "tw_status.h"

#define TW_MAX_SPARED 64	/* live SSH sessions block mode spares (block_guard.c) */

struct tw_metrics_http;
struct tw_geo;

struct tw_daemon {
	const struct tw_run_opts *opts;	/* in force: the start's, or the last SIGHUP's */
	struct tw_run_opts *reloaded;	/* owned when a SIGHUP replaced opts */
	int argc;			/* the command line, parsed again on SIGHUP */
	char **argv;
	struct tw_event_loop loop;
	struct tw_emitter alerts;
	bool check_only;		/* --check-config: the start's checks, nothing opened */

	struct {			/* xdp_object.c, xdp_links.c */
		struct xdp_tor_bpf *skel;
		int lock_fd;		/* the pin root's lock (pin_lock.h), -1 when not held */
		bool fresh_pins;	/* nothing was pinned before this start */
		bool attached;
		const char *ifnames[TW_MAX_IFACES];
		char ifname_buf[TW_MAX_IFACES][TW_IFNAME_LEN];
		size_t n_ifaces;
	} xdp;

	struct {			/* exit_feed.c */
		struct tw_feeds feeds;
		bool feeds_open;
		struct tw_exit_maps maps;
		struct tw_apply_worker *applier;	/* NULL until the first set is in */
		uint64_t applied_digest;	/* of the set written at start (the apply thread then keeps its own) */
		uint32_t in_use;	/* the sources the set was made of at the last log line */
		uint32_t left_out;	/* sources whose entries did not fit beside the others' */
		struct tw_prefix spared[TW_MAX_SPARED];	/* block_guard.c: kept out for a live session */
		size_t n_spared;
	} exits;

	struct tw_sensor_set sensors;	/* settings.c opens and applies, xdp_object.c
					 * loads, sensor_events.c reads their rings */
	struct {			/* settings.c */
		struct tw_prefix *allow;	/* the allowlist in force */
		size_t n_allow;
		bool written;
	} allow;

	struct {			/* loss_watch.c */
		struct tw_losses reported;	/* counts at the last events_lost */
		int64_t since_ns;		/* unix: the last report, or the start */
		uint64_t last_alert_mono, last_check_mono;
	} loss;

	struct tw_metrics_http *metrics;	/* metrics_serve.c; NULL when off */
	struct tw_geo *geo;		/* alert_out.c: countries, networks */

	struct {			/* iface_watch.c */
		int fd;			/* rtnetlink, -1 when not following */
	} iface_watch;

	struct {			/* loop_class.c */
		int demoted_fd;		/* readable when the bound left the real-time class; -1 */
	} loop_class;
	struct {			/* service.c: systemd's notify protocol */
		char status[256];	/* the last STATUS= sent */
		uint64_t watchdog_ns;	/* WatchdogSec, 0 when off */
		uint64_t last_watchdog_ns;
	} service;

	struct {			/* status.c: what the CLI reads from the pins */
		struct tw_meta meta;
		struct tw_source_info info[TW_MAX_SOURCES];
		struct tw_alert_stats alerts;	/* as last published */
		uint64_t sinks_mark;		/* the sinks' counters at the last publish */
	} pub;
};

/* alert_out.c: the sinks and throttles; one sentence on failure */
int daemon_alerts_open(struct tw_daemon *d);

/* xdp_object.c and xdp_links.c */
int daemon_resolve_ifaces(struct tw_daemon *d);
int daemon_load_xdp(struct tw_daemon *d);
int daemon_load_sensors(struct tw_daemon *d);
int daemon_attach(struct tw_daemon *d);
/* --group may read the pins (after every pin made). */
void daemon_share_pins(struct tw_daemon *d);
/* An interface came, went, or the default route moved: each watched one
 * that is there and lacks our link gets XDP (again); status follows. */
void daemon_ifaces_changed(struct tw_daemon *d);

/* iface_watch.c: rtnetlink link (and route) changes into daemon_ifaces_changed */
int daemon_iface_watch_start(struct tw_daemon *d);
void daemon_iface_watch_close(struct tw_daemon *d);
/* failed: a first start that failed leaves nothing pinned behind. */
void daemon_xdp_close(struct tw_daemon *d, bool failed);

/* exit_feed.c */
int daemon_feeds_open(struct tw_daemon *d);
/* The first set, applied here and now; then the apply thread and the
 * feed inputs join the loop. */
int daemon_exits_start(struct tw_daemon *d);
/* What a feeds call returned (TW_FEEDS_*): apply, or publish. */
void daemon_feeds_changed(struct tw_daemon *d, int changed);
/* 'feed update' (SIGUSR1; SIGUSR2 with force). */
void daemon_feed_update(struct tw_daemon *d, bool force);
void daemon_exits_close(struct tw_daemon *d);

/* sensor_events.c: the sensors' rings and windows in the event loop */
int daemon_events_start(struct tw_daemon *d);

/* loop_class.c: the event loop into the real-time class (realtime-loop);
 * a refusal is a warning, not a failed start. 0 or -errno. */
int daemon_loop_class(struct tw_daemon *d);
/* loss_watch.c: events_lost, at most once a minute, when a loss counter rose */
int daemon_loss_watch_start(struct tw_daemon *d);

/* settings.c */
/* The feeds' part of o (pointers into o). */
void daemon_feeds_settings(const struct tw_run_opts *o, struct tw_feeds_settings *s);
/* The allowlist (the options' and the allow files') when it changed. */
int daemon_apply_allowlist(struct tw_daemon *d, const struct tw_run_opts *o);
/* At start: the sensors opened over the XDP object, the allowlist and
 * every sensor's settings (block mode with --block). */
int daemon_init_config(struct tw_daemon *d);
/* SIGHUP: the command line and config file again. A config that does not
 * parse changes nothing; settings that need a restart say so. True when the
 * new settings (the allowlist among them) are written. */
bool daemon_reload_settings(struct tw_daemon *d);
void daemon_settings_close(struct tw_daemon *d);

/* metrics_serve.c: --metrics-listen */
int daemon_metrics_start(struct tw_daemon *d);
void daemon_metrics_stop(struct tw_daemon *d);

/* service.c: sd_notify; silent outside systemd */
int daemon_service_ready(struct tw_daemon *d);
void daemon_service_reloading(void);
void daemon_service_reloaded(void);
void daemon_service_stopping(void);

/* status.c: the only writer of the published meta, but for the interfaces
 * (xdp_links.c) and the hooks each sensor chose (through its env). */
int daemon_status_write(struct tw_daemon *d);
/* The daemon's pid, version and start, and no figures left in loop_stats
 * by the daemon before; at the stop, that none tends it. */
void daemon_status_started(struct tw_daemon *d);
/* Adds what the daemon before counted to the pinned history (history.c). */
void daemon_history_fold(struct tw_daemon *d);
/* The kernel's loss counters as reported (kept in the history), and as the
 * daemon before last reported them, with when: false when none did. */
void daemon_history_losses_seen(struct tw_daemon *d, const struct tw_losses *l);
bool daemon_history_losses_before(struct tw_daemon *d, struct tw_losses *l, int64_t *since_ns);
void daemon_status_stopped(struct tw_daemon *d);
/* A set went into the maps: its counts, then the sources' state. */
void daemon_status_exit_set(struct tw_daemon *d, const struct tw_exit_set *set, uint64_t usec);
/* Publishes the alert counts after every round of the loop. */
int daemon_status_start(struct tw_daemon *d);
/* The sources' state (not their entries) into the pinned metadata. */
void daemon_status_sources(struct tw_daemon *d);

#endif
