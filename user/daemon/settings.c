// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The settings a running daemon writes to the kernel (allowlist, SSH ports,
 * block mode) or keeps (what makes a listener expected), and SIGHUP, which
 * reads them again. Which settings a SIGHUP may change is in the option
 * table (config/run_options.c); the others wait for a restart. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/port_list.h"
#include "daemon/state.h"
#include "exitset/allowlist.h"
#include "exitset/exit_set.h"
#include "sensors/session/session_track.h"
#include "xdp_tor.skel.h"

int daemon_apply_settings(struct tw_daemon *d, const struct tw_run_opts *o)
{
	struct xdp_tor_bpf *skel = d->k.skel;
	const struct tw_feeds *f = &d->x.feeds;
	struct tw_config cfg = {};
	__u32 zero = 0;
	char ports[128];
	int err;

	size_t n_allow = o->n_allow + f->n_allow;
	struct tw_prefix *allow = malloc((n_allow + 1) * sizeof(*allow));

	if (!allow)
		return -ENOMEM;
	memcpy(allow, o->allow, o->n_allow * sizeof(*allow));
	if (f->n_allow)
		memcpy(allow + o->n_allow, f->allow, f->n_allow * sizeof(*allow));
	err = tw_allowlist_apply(bpf_map__fd(skel->maps.allow_v4), bpf_map__fd(skel->maps.allow_v6),
				 allow, n_allow);
	free(allow);
	if (!err)
		err = tw_port_set_store(bpf_map__fd(skel->maps.ssh_ports), &o->ssh_ports);
	if (err) {
		tw_err("cannot write the allowlist and SSH ports: %s", strerror(-err));
		return err;
	}
	/* A restarted daemon keeps the pinned prefix counts until its own apply. */
	pthread_mutex_lock(&tw_config_lock);
	bpf_map__lookup_elem(skel->maps.config, &zero, sizeof(zero), &cfg, sizeof(cfg), 0);
	cfg.alert_window_ns = TW_ALERT_WINDOW_NS;
	cfg.allow_entries = (__u32)n_allow;
	err = bpf_map__update_elem(skel->maps.config, &zero, sizeof(zero), &cfg, sizeof(cfg),
				   BPF_ANY) ? -errno : 0;
	pthread_mutex_unlock(&tw_config_lock);
	if (err)
		return err;
	d->ev.listen_policy = (struct tw_listen_policy){
		.tcp = o->allowed_tcp, .udp = o->allowed_udp, .ignore_loopback = o->ignore_loopback,
		.window_ns = (uint64_t)o->dedup_window_s * 1000000000ULL,
	};
	if (bpf_map__update_elem(skel->maps.tunnel_config, &zero, sizeof(zero), &o->tunnel,
				 sizeof(o->tunnel), BPF_ANY))
		tw_warn("cannot write the tunnel detection settings: %s", strerror(errno));
	tw_port_list_format(&o->ssh_ports, ports, sizeof(ports));
	tw_info("SSH ports: %s; allowlist: %zu entr%s", ports, n_allow, n_allow == 1 ? "y" : "ies");
	return daemon_session_settings(d, o);
}

int daemon_session_settings(struct tw_daemon *d, const struct tw_run_opts *o)
{
	const char *names[TW_SSHD_NAMES];
	int err;

	if (!d->k.session)
		return 0;
	for (size_t i = 0; i < o->n_sshd_names && i < TW_SSHD_NAMES; i++)
		names[i] = o->sshd_names[i];
	err = tw_session_set_config(d->k.session, names, o->n_sshd_names, o->egress_forwarding);
	if (!err)
		err = tw_session_set_excludes(d->k.session, o->egress_exclude, o->n_egress_exclude);
	if (err)
		tw_err("cannot write the session tracker's settings: %s", strerror(-err));
	return err;
}

int daemon_init_config(struct tw_daemon *d)
{
	const struct tw_run_opts *o = d->opts;
	struct xdp_tor_bpf *skel = d->k.skel;
	__u32 zero = 0;
	char ports[128];
	int err = daemon_apply_settings(d, o);

	if (err)
		return err;
	tw_port_list_format(&o->ssh_ports, ports, sizeof(ports));
	if (o->block) {
		struct tw_block_config b = { .mode = TW_BLOCK_ON };

		/* Ports first: the mode never applies to a stale port set. */
		if (tw_port_set_store(bpf_map__fd(skel->maps.block_ports), &o->ssh_ports) ||
		    bpf_map__update_elem(skel->maps.block, &zero, sizeof(zero), &b, sizeof(b),
					 BPF_ANY))
			return -errno;
		tw_info("block mode on: exit-node traffic to port %s is dropped", ports);
	}
	return 0;
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
	char err[512], names[512];

	if (!o)
		return false;
	if (tw_run_opts_parse(d->argc, d->argv, o, err, sizeof(err))) {
		tw_err("SIGHUP: %s; the running settings stay", err);
		free_opts(o);
		return false;
	}
	if (tw_run_opts_restart_only_changes(d->opts, o, names, sizeof(names)))
		tw_warn("SIGHUP: %s change only with a restart; the running ones stay (the files they name are re-read)",
			names);
	if (daemon_apply_settings(d, o)) {
		free_opts(o);
		return false;
	}
	tw_feeds_set_policy(&d->x.feeds, o);
	d->opts = o;
	free_opts(d->reloaded);
	d->reloaded = o;
	return true;
}

void daemon_settings_close(struct tw_daemon *d)
{
	free_opts(d->reloaded);
	d->reloaded = NULL;
}
