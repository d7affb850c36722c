// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/torclient/torclient_sensor.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "alerts/ecs.h"
#include "alerts/fold.h"
#include "alerts/rules.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "kernel/cgroup.h"
#include "kernel/kept_pins.h"
#include "kernel/pin_upgrade.h"
#include "sensors/torclient/relay_feed.h"
#include "sensors/torclient/relay_set.h"
#include "sensors/torclient/relay_sources.h"
#include "sensors/torclient/torclient_inventory.h"
#include "sensors/torclient/torclient_settings.h"
#include "sensors/torclient/torclient_alerts.h"
#include "sensors/torclient/torclient_counts.h"
#include "tor_client.skel.h"
#include "tw_pins.h"

#define RELAY_FILES_CHECK_NS TW_NS_PER_SEC	/* how often the relay files are stat()ed */


struct torclient_sensor {
	const struct tw_sensor_env *env;
	struct tor_client_bpf *skel;
	struct tw_relay_set relays;
	struct tw_relay_feeds feeds;
	unsigned stale_after_s;
	uint64_t started_ns;
	bool stale;		/* a feed_stale alert is out and the data is still old */
	struct tw_fold *fold;
	struct tw_torclient_policy pol;
	char allowed_exe[8][128];
	struct tw_port_set proxy_ports;
	uint64_t next_check_ns;
	bool configured;	/* the sources were set up once */
};

static void torclient_settings(const struct tw_run_opts *o, void *out)
{
	struct torclient_settings *s = out;

	s->on = o->tor_client;
	s->builtin = o->builtin_relays;
	for (size_t i = 0; i < o->n_relay_files && i < TW_MAX_LIST_FILES; i++, s->n_files++)
		snprintf(s->files[i], sizeof(s->files[i]), "%s", o->relay_files[i]);
	s->onionoo = o->relay_onionoo;
	for (size_t i = 0; i < o->n_relay_feeds && i < TW_MAX_RELAY_FEEDS - 1; i++, s->n_feeds++)
		snprintf(s->feeds[i], sizeof(s->feeds[i]), "%s", o->relay_feeds[i]);
	s->feed_interval_s = o->relay_interval_s;
	s->limits.connect_timeout_s = o->connect_timeout_s;
	s->limits.timeout_s = o->fetch_timeout_s;
	s->limits.max_body = o->max_body;
	snprintf(s->limits.ca_file, sizeof(s->limits.ca_file), "%s", o->ca_file ? o->ca_file : "");
	s->retry_min_s = o->retry_min_s;
	s->stale_after_s = o->stale_after_s;
	snprintf(s->state_dir, sizeof(s->state_dir), "%s", o->state_dir ? o->state_dir : ".");
	s->proxy_ports = o->tor_proxy_ports;
	_Static_assert(sizeof(s->allowed_exe) == sizeof(o->tor_allowed_exe), "allowed executables");
	memcpy(s->allowed_exe, o->tor_allowed_exe, sizeof(s->allowed_exe));
	s->n_allowed_exe = o->n_tor_allowed_exe;
	s->max_relays = o->max_relays;
	s->max_shrink_pct = o->max_shrink_pct;
	s->window_ns = (uint64_t)o->dedup_window_s * TW_NS_PER_SEC;
}

/* A relay list refused: its last good data stays, and the owner hears it. */
static void rejected(struct torclient_sensor *tc, const char *what)
{
	char msg[512];
	struct json_object *a;

	snprintf(msg, sizeof(msg), "Relay list %s refused; the last good data stays", what);
	tw_warn("%s", msg);
	a = tw_alert_new(&tw_rule_feed_rejected, msg, tw_now_unix_ns());
	tw_json_set(a, "event.category", json_object_new_string("configuration"));
	tw_json_set(a, "torwatch.feed.kind", json_object_new_string("relays"));
	tw_json_set(a, "torwatch.feed.entries_kept",
		    json_object_new_int64((int64_t)tc->relays.current.n));
	tw_emit(tc->env->alerts, a);
}

/* What a change of the relay set did: refusals alerted, the set logged. */
static void report(struct torclient_sensor *tc, const struct tw_relay_refresh *r, int err)
{
	for (size_t i = 0; i < r->n_refused; i++)
		rejected(tc, r->refused[i]);
	if (err)
		tw_err("cannot write the relay set to the kernel: %s", strerror(-err));
	else if (r->changed)
		tw_info("relay set: %zu addresses and ports (+%zu, -%zu in %llu us)",
			tc->relays.current.n, r->added, r->removed,
			(unsigned long long)tc->relays.apply_usec);
}

static void refresh(struct torclient_sensor *tc, bool force)
{
	struct tw_relay_refresh r;
	int err = tw_relay_set_refresh(&tc->relays, bpf_map__fd(tc->skel->maps.relays), force, &r);

	report(tc, &r, err);
}

static void feed_news(struct torclient_sensor *tc, const struct tw_relay_feed_news *news)
{
	for (size_t i = 0; i < news->n_failed; i++)
		tw_warn("relay feed %s", news->failed[i]);
	report(tc, &news->refresh, 0);
}

/* Downloads that finished. */
static void on_fetched(void *ctx)
{
	struct torclient_sensor *tc = ctx;
	struct tw_relay_feed_news news;

	tw_relay_feeds_collect(&tc->feeds, &tc->relays, bpf_map__fd(tc->skel->maps.relays),
			       tw_now_mono_ns(), &news);
	feed_news(tc, &news);
}

static size_t torclient_fds(void *self, struct tw_sensor_fd *out)
{
	struct torclient_sensor *tc = self;

	if (!tc->skel || !tc->feeds.fetcher)
		return 0;
	out[0] = (struct tw_sensor_fd){ "relay feeds", tw_fetcher_fd(tc->feeds.fetcher), on_fetched,
					tc };
	return 1;
}

/* feed_stale for the relay feeds: their newest good data (or, with none,
 * the start) older than stale-after; once, until it is fresh again. */
static void check_stale(struct torclient_sensor *tc, uint64_t now_ns)
{
	int64_t newest = tw_relay_feeds_newest(&tc->feeds), now = tw_now_unix();
	uint64_t since_start = (now_ns - tc->started_ns) / TW_NS_PER_SEC;
	bool old = newest ? now - newest > (int64_t)tc->stale_after_s :
			    since_start > tc->stale_after_s;
	struct json_object *a;
	char msg[256], when[32];

	if (!tc->feeds.n || !tc->stale_after_s || old == tc->stale)
		return;
	tc->stale = old;
	if (!old)
		return;
	tw_format_iso8601(newest, when, sizeof(when));
	if (newest)
		snprintf(msg, sizeof(msg), "The relay set's newest fetched data is from %s, older than stale-after (%u s): relays that appeared since are not known",
			 when, tc->stale_after_s);
	else
		snprintf(msg, sizeof(msg), "No relay feed has delivered a good list since the start (%u s ago)",
			 (unsigned)since_start);
	tw_warn("%s", msg);
	a = tw_alert_new(&tw_rule_feed_stale, msg, tw_now_unix_ns());
	tw_json_set(a, "event.category", json_object_new_string("configuration"));
	tw_json_set(a, "torwatch.feed.kind", json_object_new_string("relays"));
	tw_json_set(a, "torwatch.feed.stale_after_s", json_object_new_int64(tc->stale_after_s));
	tw_emit(tc->env->alerts, a);
}

/* The settings into the relay set's sources and the hooks' config map. */
static int write_settings(struct torclient_sensor *tc, const struct torclient_settings *s)
{
	struct tw_tor_client_config c = {};
	__u32 zero = 0;
	bool files_changed = tw_relay_sources_configure(&tc->relays, &tc->feeds, s, !tc->configured);

	tc->configured = true;
	tc->stale_after_s = s->stale_after_s;
	memcpy(tc->allowed_exe, s->allowed_exe, sizeof(tc->allowed_exe));
	tc->pol = (struct tw_torclient_policy){ .allowed_exe = (const char(*)[128])tc->allowed_exe,
						.n_allowed_exe = s->n_allowed_exe,
						.window_ns = s->window_ns };
	tc->proxy_ports = s->proxy_ports;
	memcpy(c.proxy_ports, s->proxy_ports.w, sizeof(c.proxy_ports));
	if (bpf_map_update_elem(bpf_map__fd(tc->skel->maps.tor_client_config), &zero, &c, BPF_ANY)) {
		tw_err("cannot write the Tor client sensor's settings: %s", strerror(errno));
		return -errno;
	}
	refresh(tc, files_changed);
	return 0;
}

static int torclient_apply(void *self, const struct tw_sensor_env *env, const void *settings)
{
	struct torclient_sensor *tc = self;

	tc->env = env;
	return tc->skel ? write_settings(tc, settings) : 0;
}

/* Kept pinned between daemons: the relay set and the counts, where
 * 'check', 'stats', 'top' and the metrics read them; the settings and the
 * repeat window that the program reads meanwhile; its ring. */
static const char *const kept_maps[] = { TW_PIN_RELAYS, TW_PIN_TOR_CLIENTS,
					 TW_PIN_TOR_CLIENT_TOTALS, "tor_client_config",
					 "tor_client_seen", "tor_client_events" };

static int attach(struct tor_client_bpf *skel, char *why, size_t whylen)
{
	struct bpf_program *progs[2] = { skel->progs.tor_client_connect4,
					 skel->progs.tor_client_connect6 };
	struct bpf_link **slots[2] = { &skel->links.tor_client_connect4,
				       &skel->links.tor_client_connect6 };

	return tw_attach_cgroup_root(progs, slots, 2, why, whylen);
}

static int torclient_load(void *self, const struct tw_sensor_env *env, const void *settings)
{
	struct torclient_sensor *tc = self;
	const struct torclient_settings *s = settings;
	char why[400];
	int err;

	if (!s->on) {
		tw_info("Tor client sensor: off (--tor-client no)");
		return 0;
	}
	tc->fold = tw_torclient_fold_new();
	tc->skel = tor_client_bpf__open();
	err = tc->fold && tc->skel ? 0 : -errno;
	/* Its counts go to the XDP object's counters. */
	if (!err)
		err = tw_reuse_maps(tc->skel->obj, env->shared);
	if (!err)
		err = tw_keep_maps(tc->skel->obj, env->pin_root, kept_maps,
				   sizeof(kept_maps) / sizeof(kept_maps[0]), "Tor client sensor");
	if (!err)
		err = tor_client_bpf__load(tc->skel);
	if (err) {
		tw_warn("cannot load the Tor client sensor: %s; Tor used from this host is not seen (no tor_client_connection, no tor_proxy_use)",
			strerror(-err));
		goto fail;
	}
	err = attach(tc->skel, why, sizeof(why));
	if (err) {
		tw_warn("Tor client sensor: %s; Tor used from this host is not seen", why);
		goto fail;
	}
	/* A kept relay map holds the earlier daemon's set until this one's is written. */
	tc->relays.map_inherited = true;
	err = write_settings(tc, s);
	if (err)
		goto fail;
	tc->started_ns = tw_now_mono_ns();
	err = tw_keep_skeleton_links(tc->skel->skeleton, env->pin_root, TW_PIN_LINK_TOR_CLIENT);
	if (err)
		tw_warn("cannot pin the Tor client sensor's links under %s (%s): Tor used while no daemon runs is not seen",
			env->pin_root, strerror(-err));

	if (tc->feeds.n) {
		struct tw_relay_feed_news news;

		tw_relay_feeds_load_cache(&tc->feeds, &tc->relays,
					  bpf_map__fd(tc->skel->maps.relays), &news);
		feed_news(tc, &news);
		err = tw_relay_feeds_start(&tc->feeds);
		if (err) {
			tw_warn("relay feeds: cannot start the download thread: %s", strerror(-err));
			goto fail;
		}
	}
	tw_info("Tor client sensor: connect() watched for %zu relay addresses and ports and the local proxy ports",
		tc->relays.current.n);
	return 0;
fail:
	tor_client_bpf__destroy(tc->skel);
	tc->skel = NULL;
	tw_fold_free(tc->fold);
	tc->fold = NULL;
	return err ? err : -EINVAL;
}

/* One of the sensor's own alerts: counted, then emitted. */
static void emit(struct torclient_sensor *tc, struct json_object *a)
{
	if (!a)
		return;
	tw_torclient_count(bpf_map__fd(tc->skel->maps.tor_clients),
			   bpf_map__fd(tc->skel->maps.tor_client_totals), a);
	tw_emit(tc->env->alerts, a);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct torclient_sensor *tc = ctx;

	if (size >= sizeof(struct tw_tor_client_event))
		emit(tc, tw_torclient_alert(tc->fold, data, &tc->relays.current, &tc->pol, false,
					    tw_now_mono_ns()));
	return 0;
}

static size_t torclient_rings(void *self, struct tw_sensor_ring *out)
{
	struct torclient_sensor *tc = self;

	if (!tc->skel)
		return 0;
	out[0] = (struct tw_sensor_ring){ bpf_map__fd(tc->skel->maps.tor_client_events), on_event };
	return 1;
}

static void found(const struct tw_tor_client_event *ev, void *ctx)
{
	struct torclient_sensor *tc = ctx;

	emit(tc, tw_torclient_alert(tc->fold, ev, &tc->relays.current, &tc->pol, true,
				    tw_now_mono_ns()));
}

/* Once the ring is read: the connections that were open before the hooks. */
static void torclient_inventory(void *self)
{
	struct torclient_sensor *tc = self;
	int n;

	if (!tc->skel)
		return;
	n = tw_torclient_inventory(&tc->relays.current, &tc->proxy_ports, found, tc);
	tw_info("Tor client sensor: %d connection(s) to Tor found open at start", n);
}

/* The kernel's count of repeats it held back for ev's key, taken (a
 * repeat counted between the read and the write is lost: at most a few). */
static uint64_t kernel_repeats(void *ctx, const struct tw_tor_client_event *ev)
{
	struct torclient_sensor *tc = ctx;
	struct tw_tor_client_seen_key k = { .daddr = ev->daddr, .tgid = ev->tgid,
					    .dport = ev->dport, .kind = (__u8)ev->kind,
					    .proto = ev->proto };
	int fd = bpf_map__fd(tc->skel->maps.tor_client_seen);
	struct tw_tor_client_seen v;
	uint64_t n;

	if (bpf_map_lookup_elem(fd, &k, &v) || !v.repeats)
		return 0;
	n = v.repeats;
	v.repeats = 0;
	bpf_map_update_elem(fd, &k, &v, BPF_EXIST);
	return n;
}

/* Relay files that changed, and folding windows that closed. */
static void torclient_tick(void *self, uint64_t now_ns)
{
	struct torclient_sensor *tc = self;
	struct json_object *a;

	if (!tc->skel)
		return;
	if (now_ns >= tc->next_check_ns) {
		tc->next_check_ns = now_ns + RELAY_FILES_CHECK_NS;
		refresh(tc, false);
		check_stale(tc, now_ns);
	}
	if (tc->feeds.fetcher)
		tw_relay_feeds_tick(&tc->feeds, now_ns);
	while ((a = tw_torclient_flush_next(tc->fold, &tc->relays.current, &tc->pol, now_ns,
					    kernel_repeats, tc)))
		emit(tc, a);
}

static struct bpf_object *torclient_object(void *self)
{
	struct torclient_sensor *tc = self;

	return tc->skel ? tc->skel->obj : NULL;
}

static void torclient_close(void *self)
{
	struct torclient_sensor *tc = self;

	tw_relay_feeds_stop(&tc->feeds);
	tor_client_bpf__destroy(tc->skel);
	tc->skel = NULL;
	tw_fold_free(tc->fold);
	tc->fold = NULL;
	tw_relay_set_free(&tc->relays);
}

const struct tw_sensor_ops tw_torclient_sensor = {
	.name = "torclient",
	.options = tw_torclient_options,
	.n_options = &tw_n_torclient_options,
	.state_size = sizeof(struct torclient_sensor),
	.settings_size = sizeof(struct torclient_settings),
	.settings = torclient_settings,
	.apply = torclient_apply,
	.load = torclient_load,
	.optional = true,
	.rings = torclient_rings,
	.fds = torclient_fds,
	.inventory = torclient_inventory,
	.tick = torclient_tick,
	.object = torclient_object,
	.close = torclient_close,
};
