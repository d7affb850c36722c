// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* From the feeds to the kernel: the sources' entries are merged into one
 * exit set and applied gap-free, first here at start, then on the apply
 * thread so that the event loop goes on meanwhile. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "daemon/block_guard.h"
#include "daemon/state.h"
#include "exitset/apply_worker.h"
#include "exitset/exit_set.h"
#include "feeds/feed_alerts.h"
#include "xdp_tor.skel.h"
#include "common/plural.h"

void daemon_feeds_settings(const struct tw_run_opts *o, struct tw_feeds_settings *s)
{
	*s = (struct tw_feeds_settings){
		.builtin_on = o->builtin_on,
		.source_conf = o->source_conf,
		.n_source_conf = o->n_source_conf,
		.feeds = o->feeds,
		.n_feeds = o->n_feeds,
		.deny_files = o->deny_files,
		.n_deny_files = o->n_deny_files,
		.allow_files = o->allow_files,
		.n_allow_files = o->n_allow_files,
		.feed_interval_s = o->feed_interval_s,
		.state_dir = o->state_dir,
		.pol = { .expire_s = o->expire_s,
			 .max_shrink_pct = o->max_shrink_pct,
			 .retry_min_s = o->retry_min_s,
			 .widest_v4 = o->widest_v4,
			 .widest_v6 = o->widest_v6,
			 .max_entries = o->max_exits },
		.limits = { .connect_timeout_s = o->connect_timeout_s,
			    .timeout_s = o->fetch_timeout_s,
			    .max_body = o->max_body },
		.stale_after_s = o->stale_after_s,
	};
	snprintf(s->limits.ca_file, sizeof(s->limits.ca_file), "%s", o->ca_file ? o->ca_file : "");
}

int daemon_feeds_open(struct tw_daemon *d)
{
	struct tw_feeds_settings s;
	char err[512];

	daemon_feeds_settings(d->opts, &s);
	s.check_only = d->check_only;
	if (tw_feeds_open(&d->exits.feeds, &s, &d->alerts, err, sizeof(err))) {
		tw_err("%s", err);
		tw_feeds_close(&d->exits.feeds);
		return -EINVAL;
	}
	d->exits.feeds_open = true;
	return 0;
}

/* A set larger than the maps would fail half-way: say so before touching them. */
static int check_room(const struct tw_daemon *d, const struct tw_exit_set *set, bool quiet)
{
	__u32 exact = bpf_map__max_entries(d->xdp.skel->maps.exit_v4);
	__u32 prefixes = bpf_map__max_entries(d->xdp.skel->maps.exit_prefix_v4);

	if (set->exact_v4 > exact || set->exact_v6 > exact) {
		/* Pinned maps keep their size: a larger one needs them gone first. */
		if (!quiet)
			tw_err("the exit set has %u IPv4 and %u IPv6 addresses, more than the %u per family the maps hold; %s",
			       set->exact_v4, set->exact_v6, exact,
			       d->xdp.fresh_pins ? "start with a larger --max-exits" :
						   "restart with a larger --max-exits (after 'torwatch unload')");
		return -E2BIG;
	}
	if (set->prefixes_v4 > prefixes || set->prefixes_v6 > prefixes) {
		if (!quiet)
			tw_err("the exit set has %u IPv4 and %u IPv6 prefixes, more than the %u per family the tries hold",
			       set->prefixes_v4, set->prefixes_v6, prefixes);
		return -E2BIG;
	}
	return 0;
}

/* Says what detection runs on, when that changes (not on every refresh). */
static void log_in_use(struct tw_daemon *d)
{
	char what[512];
	uint32_t mask = tw_sources_in_use(&d->exits.feeds.sources, tw_now_unix(), what, sizeof(what));

	if (mask != d->exits.in_use || !mask)
		tw_info("the exit set is made of: %s", what);
	d->exits.in_use = mask;
}

/* A set is in the maps (or failed to go in): publish it. */
static int finish_apply(struct tw_daemon *d, const struct tw_exit_set *set,
			const struct tw_apply_stats *st, int err, uint64_t digest)
{
	if (err) {
		if (d->exits.queued_digest == digest)
			d->exits.queued_digest = 0; /* the maps may hold part of it: diff next time */
		tw_err("cannot write the exit set to the kernel maps: %s", strerror(-err));
		return err;
	}
	tw_sources_describe(&d->exits.feeds.sources, set, d->pub.info);
	daemon_status_exit_set(d, set, st->usec);
	tw_info("exit set: %u IPv4 + %u IPv6 addresses, %u + %u %s (+%zu, ~%zu, -%zu in %llu us)",
		set->exact_v4, set->exact_v6, set->prefixes_v4, set->prefixes_v6,
		tw_plural(set->prefixes_v4 + set->prefixes_v6, "prefix", "prefixes"), st->added,
		st->updated, st->removed, (unsigned long long)st->usec);
	if (st->no_room)
		tw_warn("the maps could not hold the old and the new set at once, so leaving entries went first; give them room with a larger --max-exits");
	log_in_use(d);
	return 0;
}

/* The fetched source with the most entries among those not yet left out. */
static int largest_url_source(const struct tw_sources *ss, uint32_t skip)
{
	int best = -1;

	for (unsigned i = 0; i < ss->n; i++)
		if (ss->s[i].kind == TW_SOURCE_URL && !(skip & (1u << i)) && ss->s[i].n_seen &&
		    (best < 0 || ss->s[i].n_seen > ss->s[best].n_seen))
			best = (int)i;
	return best;
}

/* The merged set, leaving out the largest fetched sources while it does
 * not fit the maps: one source that churns must not freeze the set for all
 * the others. A source newly left out raises feed_rejected and says so in
 * feed show; one that fits again is logged. */
static int build_fitting_set(struct tw_daemon *d, struct tw_exit_set *set)
{
	struct tw_sources *ss = &d->exits.feeds.sources;
	uint32_t skip = 0;
	int err;

	for (;;) {
		err = tw_sources_build_set_without(ss, skip, set);
		if (!err)
			daemon_block_guard(d, set);
		if (err || !check_room(d, set, true))
			break;
		int i = largest_url_source(ss, skip);

		if (i < 0)
			break;	/* what is left is the owner's files: check_room says why */
		tw_exit_set_free(set);
		skip |= 1u << i;
	}
	for (unsigned i = 0; i < ss->n; i++) {
		struct tw_source *s = &ss->s[i];
		bool out = skip & (1u << i), was = d->exits.left_out & (1u << i);
		char why[TW_SOURCE_ERR_LEN];

		if (out) {
			/* Said in feed show at every apply: a later fetch says "ok". */
			snprintf(why, sizeof(why),
				 "its %zu entries do not fit in the maps beside the other sources' (--max-exits %u); the others are applied without it",
				 s->n_seen, d->opts->max_exits);
			s->state = TW_SRC_REJECTED;
			snprintf(s->error, sizeof(s->error), "%s", why);
		}
		if (out && !was) {
			tw_warn("%s: %s", s->name, why);
			tw_emit(&d->alerts, tw_feed_alert_rejected(s, why, tw_now_unix_ns()));
		} else if (!out && was) {
			tw_info("%s: its entries fit in the maps again", s->name);
		}
	}
	d->exits.left_out = skip;
	return err;
}

/* Merges the sources' entries and applies them: here and now before the
 * apply thread runs, on it afterwards. */
static int apply_sources(struct tw_daemon *d)
{
	struct tw_apply_stats st;
	struct tw_exit_set set;
	uint64_t digest;
	int err;

	err = build_fitting_set(d, &set);
	if (err)
		return err;
	digest = tw_exit_set_digest(&set);
	if (digest == d->exits.queued_digest) {
		/* Same entries, same masks: nothing to read back or write. */
		tw_info("exit set unchanged (%zu entries); nothing to write", set.n);
		daemon_status_sources(d);
		goto out;
	}
	err = check_room(d, &set, false);
	if (err)
		goto out;
	d->exits.queued_digest = digest;
	if (d->exits.applier) {
		tw_info("applying the exit set (%zu entries) on the apply thread", set.n);
		err = tw_apply_worker_submit(d->exits.applier, &set, digest);
		goto out;
	}
	err = tw_exit_set_apply(&set, &d->exits.maps, &st);
	err = finish_apply(d, &set, &st, err, digest);
out:
	tw_exit_set_free(&set);
	return err;
}

void daemon_feeds_changed(struct tw_daemon *d, int changed)
{
	if (changed & TW_FEEDS_ALLOW)
		daemon_apply_allowlist(d, d->opts); /* allow files feed the allowlist */
	if (changed & TW_FEEDS_DATA)
		apply_sources(d);
	else if (changed & TW_FEEDS_STATE)
		daemon_status_sources(d);
}

void daemon_feed_update(struct tw_daemon *d, bool force)
{
	tw_info("feed update requested%s", force ? " (--force: no shrink guard)" : "");
	daemon_feeds_changed(d, tw_feeds_request(&d->exits.feeds, force, tw_now_unix()));
}

static void on_applied(void *ctx)
{
	struct tw_daemon *d = ctx;
	struct tw_apply_job *job = tw_apply_worker_done(d->exits.applier);

	if (job)
		finish_apply(d, &job->set, &job->st, job->err, job->digest);
	tw_apply_job_free(job);
}

static void on_fetched(void *ctx)
{
	struct tw_daemon *d = ctx;

	daemon_feeds_changed(d, tw_feeds_collect(&d->exits.feeds, tw_now_unix()));
}

static void on_file_event(void *ctx)
{
	struct tw_daemon *d = ctx;

	if (tw_feeds_files_changed(&d->exits.feeds)) {
		tw_info("a local list file changed; reloading the files");
		daemon_feeds_changed(d, tw_feeds_reload_files(&d->exits.feeds, false, tw_now_unix()));
	}
}

/* Downloads that are due, expiry, staleness; and the answer to 'feed
 * update', once its lists are in the maps too. */
static void on_tick(void *ctx)
{
	struct tw_daemon *d = ctx;

	daemon_feeds_changed(d, tw_feeds_tick(&d->exits.feeds, tw_now_unix()));
	if (tw_apply_worker_idle(d->exits.applier) && tw_feeds_round_finished(&d->exits.feeds))
		daemon_status_sources(d);
}

int daemon_exits_start(struct tw_daemon *d)
{
	struct tw_event_loop *l = &d->loop;
	int ret = apply_sources(d);

	if (ret)
		return ret;
	d->exits.applier = tw_apply_worker_new(&d->exits.maps);
	if (!d->exits.applier) {
		tw_err("cannot start the apply thread: %s", strerror(errno));
		return -ENOMEM;
	}
	ret = tw_loop_add_fd(l, "feed downloads", tw_feeds_fetch_fd(&d->exits.feeds), on_fetched, d);
	if (!ret)
		ret = tw_loop_add_fd(l, "feed files", tw_feeds_watch_fd(&d->exits.feeds), on_file_event, d);
	if (!ret)
		ret = tw_loop_add_fd(l, "exit set applied", tw_apply_worker_fd(d->exits.applier),
				     on_applied, d);
	if (!ret)
		ret = tw_loop_add_tick(l, "feed schedule", TW_LOOP_AFTER_INPUT, on_tick, d);
	if (ret)
		tw_err("cannot watch the feeds: %s", strerror(-ret));
	return ret;
}

void daemon_exits_close(struct tw_daemon *d)
{
	tw_apply_worker_free(d->exits.applier); /* a running apply ends first */
	d->exits.applier = NULL;
	tw_exit_maps_close(&d->exits.maps);
	if (d->exits.feeds_open)
		tw_feeds_close(&d->exits.feeds);
	d->exits.feeds_open = false;
}
