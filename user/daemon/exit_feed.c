// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* From the feeds to the kernel: the sources' entries are merged into one
 * exit set and applied gap-free, first here at start, then on the apply
 * thread (the local files read, the set merged, compared and written there)
 * so that the event loop goes on meanwhile. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "daemon/block_guard.h"
#include "daemon/state.h"
#include "exitset/apply_worker.h"
#include "exitset/exit_set.h"
#include "feeds/feed_alerts.h"
#include "feeds/file_reads.h"
#include "xdp_tor.skel.h"
#include "common/plural.h"

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

/* What a set must fit: the entries per family the exact maps and the
 * prefix tries hold. */
struct room {
	__u32 exact, prefixes;
};

static bool fits(const struct tw_exit_set *set, struct room r)
{
	return set->exact_v4 <= r.exact && set->exact_v6 <= r.exact &&
	       set->prefixes_v4 <= r.prefixes && set->prefixes_v6 <= r.prefixes;
}

/* A set larger than the maps would fail half-way: said before touching them. */
static void say_no_room(const struct tw_daemon *d, const struct tw_exit_set *set, struct room r)
{
	if (set->exact_v4 > r.exact || set->exact_v6 > r.exact)
		/* Pinned maps keep their size: a larger one needs them gone first. */
		tw_err("the exit set has %u IPv4 and %u IPv6 addresses, more than the %u per family the maps hold; %s",
		       set->exact_v4, set->exact_v6, r.exact,
		       d->xdp.fresh_pins ? "start with a larger --max-exits" :
					   "restart with a larger --max-exits (after 'torwatch unload')");
	else
		tw_err("the exit set has %u IPv4 and %u IPv6 prefixes, more than the %u per family the tries hold",
		       set->prefixes_v4, set->prefixes_v6, r.prefixes);
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
static void finish_apply(struct tw_daemon *d, const struct tw_exit_set *set,
			 const struct tw_set_counts *counts, const struct tw_apply_stats *st, int err)
{
	if (err) {
		tw_err("cannot write the exit set to the kernel maps: %s", strerror(-err));
		return;
	}
	tw_sources_describe(&d->exits.feeds.sources, counts, d->pub.info);
	daemon_status_exit_set(d, set, st->usec);
	tw_info("exit set: %u IPv4 + %u IPv6 addresses, %u + %u %s (+%zu, ~%zu, -%zu in %llu us)",
		set->exact_v4, set->exact_v6, set->prefixes_v4, set->prefixes_v6,
		tw_plural(set->prefixes_v4 + set->prefixes_v6, "prefix", "prefixes"), st->added,
		st->updated, st->removed, (unsigned long long)st->usec);
	if (st->no_room)
		tw_warn("the maps could not hold the old and the new set at once, so leaving entries went first; give them room with a larger --max-exits");
	log_in_use(d);
}

/* What the apply thread builds a set from, and what it found: made on the
 * loop (a copy of the sources, the maps' room, the live sessions block mode
 * spares), filled where the job runs, said on the loop. */
struct exit_build {
	struct tw_file_reads reads;	/* the sources' copy, the files read into it */
	struct room room;
	struct tw_prefix clients[TW_MAX_SPARED];
	size_t n_clients;
	struct tw_spared spared[TW_MAX_SPARED];
	size_t n_spared;
	uint32_t skip;			/* sources left out to fit the maps */
	bool unchanged;
	struct tw_set_counts counts[TW_MAX_SOURCES];	/* of the set built */
	struct tw_retired retired;	/* the sources' old arrays, freed with the job */
};

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
 * the others. */
static int build_fitting_set(struct exit_build *b, struct tw_exit_set *set)
{
	const struct tw_sources *ss = &b->reads.copy;
	int err;

	for (;;) {
		err = tw_sources_build_set_without(ss, b->skip, set);
		if (!err)
			b->n_spared = tw_exit_set_spare(set, b->clients, b->n_clients, b->spared,
							TW_MAX_SPARED);
		if (err || fits(set, b->room))
			return err;
		int i = largest_url_source(ss, b->skip);

		if (i < 0)
			return 0;	/* what is left is the owner's files: the loop says why */
		tw_exit_set_free(set);
		b->skip |= 1u << i;
	}
}

/* Where the job runs (the apply thread, or the loop at start): the files
 * read, the set built and compared with what the maps hold. */
static bool prepare_build(struct tw_apply_job *job, uint64_t last)
{
	struct exit_build *b = job->ctx;

	tw_file_reads_run(&b->reads);
	job->err = build_fitting_set(b, &job->set);
	if (job->err)
		return false;
	job->digest = tw_exit_set_digest(&job->set);
	/* Same entries, same masks: nothing to read back or write. */
	b->unchanged = job->digest == last;
	if (!b->unchanged && !fits(&job->set, b->room))
		job->err = -E2BIG;
	if (b->unchanged || job->err)
		return false;
	/* Only a set that will be written is published with its counts. */
	tw_sources_count_set(&job->set, b->counts);
	return true;
}

static void free_build(void *ctx)
{
	struct exit_build *b = ctx;

	tw_file_reads_free(&b->reads);
	tw_retired_free(&b->retired);
	free(b);
}

static struct tw_apply_job *new_build(struct tw_daemon *d)
{
	struct tw_apply_job *job = calloc(1, sizeof(*job));
	struct exit_build *b = calloc(1, sizeof(*b));

	if (!job || !b) {
		free(b);
		free(job);
		return NULL;
	}
	tw_file_reads_begin(&d->exits.feeds, &b->reads, tw_now_unix());
	/* The exact tables have twice the slots: --max-exits keeps them half full. */
	b->room = (struct room){ d->opts->max_exits,
				 bpf_map__max_entries(d->xdp.skel->maps.exit_prefix_v4) };
	b->n_clients = daemon_block_guard_clients(d, b->clients);
	*job = (struct tw_apply_job){ .prepare = prepare_build, .ctx = b, .free_ctx = free_build };
	return job;
}

/* Sources left out, or fitting again, since the last build: a source newly
 * left out raises feed_rejected and says so in feed show at every apply (a
 * later fetch says "ok"); one that fits again is logged. */
static void say_left_out(struct tw_daemon *d, uint32_t skip)
{
	struct tw_sources *ss = &d->exits.feeds.sources;

	for (unsigned i = 0; i < ss->n; i++) {
		struct tw_source *s = &ss->s[i];
		bool out = skip & (1u << i), was = d->exits.left_out & (1u << i);
		char why[TW_SOURCE_ERR_LEN];

		if (out) {
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
}

/* A build has run (here or on the apply thread): what it read, left out,
 * spared and wrote is said, in that order. */
static int finish_build(struct tw_daemon *d, struct tw_apply_job *job)
{
	struct exit_build *b = job->ctx;
	int changed = tw_feeds_take_file_reads(&d->exits.feeds, &b->reads);

	tw_file_reads_give_back(&b->reads, &b->retired);

	if (job->err == -ENOMEM && !job->written) {
		tw_err("cannot build the exit set: out of memory; the maps keep the set they hold");
		return job->err;
	}
	say_left_out(d, b->skip);
	daemon_block_guard_report(d, b->spared, b->n_spared);
	if (job->err == -E2BIG && !job->written) {
		say_no_room(d, &job->set, b->room);
	} else if (b->unchanged) {
		tw_info("exit set unchanged (%zu entries); nothing to write", job->set.n);
		changed |= TW_FEEDS_STATE;
	} else if (job->written) {
		finish_apply(d, &job->set, b->counts, &job->st, job->err);
	}
	if (changed & TW_FEEDS_STATE)
		daemon_status_sources(d);
	return job->err;
}

/* Reads the files that changed, merges the sources' entries and applies
 * them: here and now at start, on the apply thread afterwards. */
static int apply_sources(struct tw_daemon *d)
{
	struct tw_apply_job *job = new_build(d);
	int err;

	if (!job) {
		tw_err("cannot build the exit set: out of memory; the maps keep the set they hold");
		return -ENOMEM;
	}
	if (d->exits.applier) {
		struct exit_build *b = job->ctx;

		tw_info("building the exit set on the apply thread%s",
			b->reads.read ? ", the local files read there" : "");
		tw_apply_worker_submit(d->exits.applier, job);
		return 0;
	}
	tw_apply_job_run(job, &d->exits.maps, &d->exits.applied_digest);
	err = finish_build(d, job);
	tw_apply_job_free(job);
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
	struct tw_apply_job *job;

	while ((job = tw_apply_worker_done(d->exits.applier))) {
		finish_build(d, job);
		tw_apply_worker_release(d->exits.applier, job);
	}
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
	d->exits.applier = tw_apply_worker_new(&d->exits.maps, d->exits.applied_digest);
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
	else
		tw_feeds_defer_files(&d->exits.feeds);	/* read on the apply thread from now on */
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
