// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The settings a running daemon writes: the allowlist here, the feeds'
 * from the options, and each sensor's through the sensors; and SIGHUP,
 * which reads them again and applies what changed. Which settings a SIGHUP may change is in the option
 * table (config/option_table.c); the others wait for a restart. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "daemon/state.h"
#include "exitset/allowlist.h"
#include "exitset/exit_set.h"
#include "xdp_tor.skel.h"

/* The options' entries and the allow files'. */
static struct tw_prefix *merged_allowlist(const struct tw_daemon *d, const struct tw_run_opts *o,
					  size_t *n)
{
	const struct tw_feeds *f = &d->exits.feeds;
	struct tw_prefix *allow = malloc((o->n_allow + f->n_allow + 1) * sizeof(*allow));

	if (!allow)
		return NULL;
	memcpy(allow, o->allow, o->n_allow * sizeof(*allow));
	if (f->n_allow)
		memcpy(allow + o->n_allow, f->allow, f->n_allow * sizeof(*allow));
	*n = o->n_allow + f->n_allow;
	return allow;
}

int daemon_apply_allowlist(struct tw_daemon *d, const struct tw_run_opts *o)
{
	struct xdp_tor_bpf *skel = d->xdp.skel;
	struct tw_config cfg = {};
	__u32 zero = 0;
	size_t n_allow;
	struct tw_prefix *allow = merged_allowlist(d, o, &n_allow);
	int err;

	if (!allow)
		return -ENOMEM;
	if (d->allow.written && n_allow == d->allow.n_allow &&
	    !memcmp(allow, d->allow.allow, n_allow * sizeof(*allow))) {
		free(allow);
		return 0;
	}
	err = tw_allowlist_apply(bpf_map__fd(skel->maps.allow_v4), bpf_map__fd(skel->maps.allow_v6),
				 allow, n_allow);
	if (err) {
		free(allow);
		tw_err("cannot write the allowlist: %s", strerror(-err));
		return err;
	}
	free(d->allow.allow);
	d->allow.allow = allow;
	d->allow.n_allow = n_allow;
	d->allow.written = true;
	/* A restarted daemon keeps the pinned prefix counts until its own apply. */
	pthread_mutex_lock(&tw_config_lock);
	bpf_map__lookup_elem(skel->maps.config, &zero, sizeof(zero), &cfg, sizeof(cfg), 0);
	cfg.alert_window_ns = TW_ALERT_WINDOW_NS;
	cfg.allow_entries = (__u32)n_allow;
	err = bpf_map__update_elem(skel->maps.config, &zero, sizeof(zero), &cfg, sizeof(cfg),
				   BPF_ANY) ? -errno : 0;
	pthread_mutex_unlock(&tw_config_lock);
	if (!err)
		tw_info("allowlist: %zu entr%s", n_allow, n_allow == 1 ? "y" : "ies");
	return err;
}

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

int daemon_init_config(struct tw_daemon *d)
{
	struct tw_sensor_env env = {
		.shared = d->xdp.skel->obj,
		.pin_root = d->opts->pin_root,
		.alerts = &d->alerts,
		.sources = d->pub.info,
		.meta = &d->pub.meta,
	};
	int err = tw_sensors_open(&d->sensors, &env);

	if (!err)
		err = daemon_apply_allowlist(d, d->opts);
	if (!err)
		err = tw_sensors_apply(&d->sensors, d->opts);
	return err;
}

static void free_opts(struct tw_run_opts *o)
{
	if (o) {
		tw_run_opts_free(o);
		free(o);
	}
}

bool daemon_reload_settings(struct tw_daemon *d)
{
	struct tw_run_opts *o = calloc(1, sizeof(*o));
	struct tw_feeds_settings fs;
	char err[1024], names[512];

	if (!o)
		return false;
	if (tw_run_opts_parse(d->argc, d->argv, o, err, sizeof(err))) {
		tw_err("SIGHUP: %s; the running settings stay", err);
		free_opts(o);
		return false;
	}
	bool files;

	if (tw_run_opts_restart_only_changes(d->opts, o, names, sizeof(names), &files))
		tw_warn("SIGHUP: %s change%s only with a restart; the running %s%s", names,
			strchr(names, ' ') ? "" : "s", strchr(names, ' ') ? "ones stay" : "one stays",
			files ? " (the files already named are re-read)" : "");
	/* Each piece only when its settings changed: an allow file that
	 * changed rewrites the allowlist and nothing else. */
	if (daemon_apply_allowlist(d, o) || tw_sensors_apply(&d->sensors, o)) {
		free_opts(o);
		return false;
	}
	daemon_feeds_settings(o, &fs);
	tw_feeds_set_policy(&d->exits.feeds, &fs);
	d->opts = o;
	free_opts(d->reloaded);
	d->reloaded = o;
	return true;
}

void daemon_settings_close(struct tw_daemon *d)
{
	free(d->allow.allow);
	d->allow.allow = NULL;
	free_opts(d->reloaded);
	d->reloaded = NULL;
}
