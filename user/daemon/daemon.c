// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch run: load and pin the kernel programs, keep the exit set current,
 * turn kernel events into alerts. */
#include "daemon/daemon.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alerts/alert.h"
#include "exitset/apply_worker.h"
#include "exitset/allowlist.h"
#include "exitset/exit_maps.h"
#include "exitset/exit_set.h"
#include "detect/listen_inventory.h"
#include "kernel/listen_detect.h"
#include "listen_detect.skel.h"
#include "detect/listen_policy.h"
#include "common/log.h"
#include "kernel/pins.h"
#include "common/port_list.h"
#include "feeds/feeds.h"
#include "feeds/fetch.h"
#include "kernel/ssh_detect.h"
#include "ssh_detect.skel.h"
#include "common/timeutil.h"
#include "kernel/xdp_attach.h"
#include "kernel/xdp_clock.h"
#include "detect/exit_events.h"
#include "xdp_tor.skel.h"

struct daemon {
	const struct tw_run_opts *opts;
	struct tw_run_opts *reloaded;	/* settings from the last SIGHUP, owned */
	int argc;			/* the command line, parsed again on SIGHUP */
	char **argv;
	struct xdp_tor_bpf *skel;
	struct ssh_detect_bpf *ssh;
	struct tw_listen_detect listen;
	struct tw_listen_policy listen_policy;
	struct tw_listen_dedup *listen_dedup;
	struct tw_feeds feeds;
	bool feeds_open;
	struct tw_source_info info[TW_MAX_SOURCES];
	struct tw_meta meta;
	struct tw_alert_sink sink;
	struct ring_buffer *rb;
	struct tw_exit_maps maps;
	struct tw_apply_worker *applier;	/* NULL until the first set is in */
	uint64_t queued_digest;	/* of the newest set written or on its way; 0 = none */
	bool fresh_pins;	/* nothing was pinned before this start */
	bool attached;
	const char *ifnames[TW_MAX_IFACES];
	char ifname_buf[TW_MAX_IFACES][TW_IFNAME_LEN];
	size_t n_ifaces;
};

static int apply_settings(struct daemon *d, const struct tw_run_opts *o);

static int write_meta(struct daemon *d)
{
	__u32 zero = 0;

	if (bpf_map__update_elem(d->skel->maps.meta, &zero, sizeof(zero), &d->meta,
				 sizeof(d->meta), BPF_ANY))
		return -errno;
	for (__u32 i = 0; i < TW_MAX_SOURCES; i++)
		if (bpf_map__update_elem(d->skel->maps.sources, &i, sizeof(i), &d->info[i],
					 sizeof(d->info[i]), BPF_ANY))
			return -errno;
	return 0;
}

/* A set larger than the maps would fail half-way: say so before touching them. */
static int check_room(const struct daemon *d, const struct tw_exit_set *set)
{
	__u32 exact = bpf_map__max_entries(d->skel->maps.exit_v4);
	__u32 prefixes = bpf_map__max_entries(d->skel->maps.exit_prefix_v4);

	if (set->exact_v4 > exact || set->exact_v6 > exact) {
		tw_err("the exit set has %u IPv4 and %u IPv6 addresses, more than the %u per family the maps hold; restart with a larger --max-exits (after 'torwatch unload')",
		       set->exact_v4, set->exact_v6, exact);
		return -E2BIG;
	}
	if (set->prefixes_v4 > prefixes || set->prefixes_v6 > prefixes) {
		tw_err("the exit set has %u IPv4 and %u IPv6 prefixes, more than the %u per family the tries hold",
		       set->prefixes_v4, set->prefixes_v6, prefixes);
		return -E2BIG;
	}
	return 0;
}

/* The sources' state (not their entries) into the pinned metadata. */
static void describe_sources(struct daemon *d)
{
	tw_sources_describe(&d->feeds.sources, NULL, d->info);
	d->meta.set_newest_data = (__u64)tw_sources_newest(&d->feeds.sources);
	d->meta.feed_stale = d->feeds.stale;
	d->meta.feed_rounds = d->feeds.rounds_done;
	if (d->skel && write_meta(d))
		tw_warn("cannot update the pinned source state: %s", strerror(errno));
}

/* A set is in the maps (or failed to go in): publish it. */
static int finish_apply(struct daemon *d, const struct tw_exit_set *set,
			const struct tw_apply_stats *st, int err, uint64_t digest)
{
	if (err) {
		if (d->queued_digest == digest)
			d->queued_digest = 0; /* the maps may hold part of it: diff next time */
		tw_err("cannot write the exit set to the kernel maps: %s", strerror(-err));
		return err;
	}
	tw_sources_describe(&d->feeds.sources, set, d->info);
	d->meta.set_loaded_at = (__u64)tw_now_unix();
	d->meta.apply_usec = st->usec;
	d->meta.exact_v4 = set->exact_v4;
	d->meta.exact_v6 = set->exact_v6;
	d->meta.prefixes_v4 = set->prefixes_v4;
	d->meta.prefixes_v6 = set->prefixes_v6;
	describe_sources(d);
	tw_info("exit set: %u IPv4 + %u IPv6 addresses, %u + %u prefixes (+%zu, ~%zu, -%zu in %llu us)",
		set->exact_v4, set->exact_v6, set->prefixes_v4, set->prefixes_v6, st->added,
		st->updated, st->removed, (unsigned long long)st->usec);
	if (st->no_room)
		tw_warn("the maps could not hold the old and the new set at once, so leaving entries went first; give them room with a larger --max-exits");
	return 0;
}

/* Merges the sources' entries and applies them gap-free: at start here and
 * now, later on the apply thread, so that the event loop goes on meanwhile. */
static int apply_sources(struct daemon *d)
{
	struct tw_apply_stats st;
	struct tw_exit_set set;
	uint64_t digest;
	int err;

	err = tw_sources_build_set(&d->feeds.sources, &set);
	if (err)
		return err;
	digest = tw_exit_set_digest(&set);
	if (digest == d->queued_digest) {
		/* Same entries, same masks: nothing to read back or write. */
		tw_info("exit set unchanged (%zu entries); nothing to write", set.n);
		describe_sources(d);
		goto out;
	}
	err = check_room(d, &set);
	if (err)
		goto out;
	d->queued_digest = digest;
	if (d->applier) {
		tw_info("applying the exit set (%zu entries) on the apply thread", set.n);
		err = tw_apply_worker_submit(d->applier, &set, digest);
		goto out;
	}
	err = tw_exit_set_apply(&set, &d->maps, &st);
	err = finish_apply(d, &set, &st, err, digest);
out:
	tw_exit_set_free(&set);
	return err;
}

static void take_applied(struct daemon *d)
{
	struct tw_apply_job *job = tw_apply_worker_done(d->applier);

	if (job)
		finish_apply(d, &job->set, &job->st, job->err, job->digest);
	tw_apply_job_free(job);
}

static void write_alert(struct json_object *a, void *ctx);

static int load_sources(struct daemon *d)
{
	char err[512];

	if (tw_feeds_open(&d->feeds, d->opts, write_alert, d, err, sizeof(err))) {
		tw_err("%s", err);
		tw_feeds_close(&d->feeds);
		return -EINVAL;
	}
	d->feeds_open = true;
	return 0;
}

/* What a feed call changed: apply new entries, or publish new state. */
static void feeds_changed(struct daemon *d, int changed)
{
	if (changed & TW_FEEDS_ALLOW)
		apply_settings(d, d->opts); /* allow files feed the allowlist */
	if (changed & TW_FEEDS_DATA) {
		apply_sources(d);
	} else if (changed & TW_FEEDS_STATE) {
		describe_sources(d);
	}
}

/* SIGHUP: the command line and config file again. A config that
 * does not parse changes nothing; settings that need a restart say so.
 * Returns true when the new settings (the allowlist among them) are written. */
static bool reload_settings(struct daemon *d)
{
	struct tw_run_opts *o = calloc(1, sizeof(*o));
	const struct tw_run_opts *was = d->opts;
	char err[512];

	if (!o)
		return false;
	if (tw_run_opts_parse(d->argc, d->argv, o, err, sizeof(err))) {
		tw_err("SIGHUP: %s; the running settings stay", err);
		tw_run_opts_free(o);
		free(o);
		return false;
	}
	if (o->n_ifaces != was->n_ifaces || strcmp(o->pin_root, was->pin_root) ||
	    strcmp(o->state_dir, was->state_dir) || strcmp(o->alerts, was->alerts) ||
	    o->max_exits != was->max_exits || o->xdp_mode != was->xdp_mode)
		tw_warn("SIGHUP: interfaces, alerts, pin root, state dir, max-exits and xdp-mode change only with a restart");
	if (o->n_feeds != was->n_feeds || o->builtin_on != was->builtin_on ||
	    o->n_source_conf != was->n_source_conf || o->n_deny_files != was->n_deny_files ||
	    o->n_allow_files != was->n_allow_files || o->feed_interval_s != was->feed_interval_s)
		tw_warn("SIGHUP: the list of sources and files changes only with a restart; their contents are re-read");
	if (apply_settings(d, o)) {
		tw_run_opts_free(o);
		free(o);
		return false;
	}
	tw_feeds_set_policy(&d->feeds, o);
	d->opts = o;
	if (d->reloaded) {
		tw_run_opts_free(d->reloaded);
		free(d->reloaded);
	}
	d->reloaded = o;
	return true;
}

/* SIGHUP: re-read the settings and the local files; a broken file keeps its
 * last good data. */
static void reload(struct daemon *d)
{
	int changed;

	tw_info("SIGHUP: reloading the settings and the local files");
	/* Files first: the settings then write the allowlist with the allow
	 * files' new entries, once. */
	changed = tw_feeds_reload_files(&d->feeds, false, tw_now_unix()) | TW_FEEDS_DATA;
	if (reload_settings(d))
		changed &= ~TW_FEEDS_ALLOW;
	feeds_changed(d, changed);
}

static int refuse_second_daemon(const char *pin_root)
{
	char path[PATH_MAX];
	uint32_t pid;
	bool alive;
	int fd;

	snprintf(path, sizeof(path), "%s/meta", pin_root);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	alive = tw_meta_daemon_alive(fd, &pid);
	close(fd);
	if (alive && (pid_t)pid != getpid()) {
		tw_err("another torwatch daemon (pid %u) already uses pin root %s; stop it first or use --pin-root",
		       pid, pin_root);
		return -EBUSY;
	}
	return 0;
}

static int open_and_load(struct daemon *d)
{
	const char *root = d->opts->pin_root;
	char err[512];
	int ret;

	if (tw_pins_prepare_root(root, err, sizeof(err))) {
		tw_err("%s", err);
		return -EINVAL;
	}
	if (refuse_second_daemon(root))
		return -EBUSY;
	snprintf(err, sizeof(err), "%s/meta", root);
	d->fresh_pins = access(err, F_OK) != 0;
	d->skel = xdp_tor_bpf__open();
	if (!d->skel) {
		tw_err("cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	ret = tw_pins_set_paths(d->skel->obj, root);
	if (!ret)
		ret = tw_exit_maps_size(d->skel, d->opts->max_exits);
	if (!ret)
		ret = xdp_tor_bpf__load(d->skel);
	if (ret) {
		libbpf_strerror(ret, err, sizeof(err));
		if (ret == -EINVAL)
			tw_err("cannot load the XDP program: the maps pinned under %s do not match this torwatch; remove them with 'torwatch unload --pin-root %s' (%s)",
			       root, root, err);
		else
			tw_err("cannot load the XDP program: %s (run with -v for the verifier log)", err);
		return ret;
	}
	ret = tw_exit_maps_open(d->skel, &d->maps);
	if (ret) {
		tw_err("cannot map the exit-set prefilter: %s", strerror(-ret));
		return ret;
	}
	if (tw_xdp_clock_start(d->skel))
		tw_warn("the XDP clock did not start (%s); XDP asks the kernel for the time instead",
			strerror(errno));
	return 0;
}

/* The settings a SIGHUP can change: allowlist, SSH ports, and what makes a
 * listener expected. */
static int apply_settings(struct daemon *d, const struct tw_run_opts *o)
{
	struct tw_config cfg = {};
	__u32 zero = 0;
	char ports[128];
	int err;

	size_t n_allow = o->n_allow + d->feeds.n_allow;
	struct tw_prefix *allow = malloc((n_allow + 1) * sizeof(*allow));

	if (!allow)
		return -ENOMEM;
	memcpy(allow, o->allow, o->n_allow * sizeof(*allow));
	if (d->feeds.n_allow)
		memcpy(allow + o->n_allow, d->feeds.allow, d->feeds.n_allow * sizeof(*allow));
	err = tw_allowlist_apply(bpf_map__fd(d->skel->maps.allow_v4),
				 bpf_map__fd(d->skel->maps.allow_v6), allow, n_allow);
	free(allow);
	if (!err)
		err = tw_port_set_store(bpf_map__fd(d->skel->maps.ssh_ports), &o->ssh_ports);
	if (err) {
		tw_err("cannot write the allowlist and SSH ports: %s", strerror(-err));
		return err;
	}
	/* A restarted daemon keeps the pinned prefix counts until its own apply. */
	pthread_mutex_lock(&tw_config_lock);
	bpf_map__lookup_elem(d->skel->maps.config, &zero, sizeof(zero), &cfg, sizeof(cfg), 0);
	cfg.alert_window_ns = TW_ALERT_WINDOW_NS;
	cfg.allow_entries = (__u32)n_allow;
	err = bpf_map__update_elem(d->skel->maps.config, &zero, sizeof(zero), &cfg, sizeof(cfg),
				   BPF_ANY) ? -errno : 0;
	pthread_mutex_unlock(&tw_config_lock);
	if (err)
		return err;
	d->listen_policy = (struct tw_listen_policy){
		.tcp = o->allowed_tcp, .udp = o->allowed_udp, .ignore_loopback = o->ignore_loopback,
		.window_ns = (uint64_t)o->dedup_window_s * 1000000000ULL,
	};
	tw_port_list_format(&o->ssh_ports, ports, sizeof(ports));
	tw_info("SSH ports: %s; allowlist: %zu entr%s", ports, n_allow, n_allow == 1 ? "y" : "ies");
	return 0;
}

/* At start: the settings, and block mode if --block (else the pinned block
 * setting stays as it is). */
static int init_config(struct daemon *d)
{
	const struct tw_run_opts *o = d->opts;
	__u32 zero = 0;
	char ports[128];
	int err = apply_settings(d, o);

	if (err)
		return err;
	tw_port_list_format(&o->ssh_ports, ports, sizeof(ports));
	if (o->block) {
		struct tw_block_config b = { .mode = TW_BLOCK_ON };

		/* Ports first: the mode never applies to a stale port set. */
		if (tw_port_set_store(bpf_map__fd(d->skel->maps.block_ports), &o->ssh_ports) ||
		    bpf_map__update_elem(d->skel->maps.block, &zero, sizeof(zero), &b, sizeof(b),
					 BPF_ANY))
			return -errno;
		tw_info("block mode on: exit-node traffic to port %s is dropped", ports);
	}
	return 0;
}

static int attach_all(struct daemon *d)
{
	int prog_fd = bpf_program__fd(d->skel->progs.xdp_tor);
	char err[512];

	d->meta.n_ifaces = (__u32)d->n_ifaces;
	for (size_t i = 0; i < d->n_ifaces; i++) {
		enum tw_xdp_mode mode;
		struct tw_iface *ifc = &d->meta.ifaces[i];
		int ret = tw_xdp_attach(d->opts->pin_root, d->ifnames[i], prog_fd, d->opts->xdp_mode,
					&mode, err, sizeof(err));

		if (ret) {
			tw_err("%s", err);
			return ret;
		}
		ifc->ifindex = if_nametoindex(d->ifnames[i]);
		ifc->xdp_mode = mode;
		snprintf(ifc->name, sizeof(ifc->name), "%s", d->ifnames[i]);
		tw_info("watching %s (XDP %s mode)", d->ifnames[i], tw_xdp_mode_name(mode));
	}
	return 0;
}

static int start_ssh_detect(struct daemon *d)
{
	char err[512];

	d->ssh = tw_ssh_detect_start(d->skel->obj, err, sizeof(err));
	if (!d->ssh) {
		tw_err("%s", err);
		return -EINVAL;
	}
	tw_info("SSH detector: tracepoint sock:inet_sock_set_state");
	return 0;
}

static int start_listen_detect(struct daemon *d)
{
	char err[1024];
	int ret;

	d->listen_dedup = calloc(1, sizeof(*d->listen_dedup));
	if (!d->listen_dedup)
		return -ENOMEM;
	ret = tw_listen_detect_start(&d->listen, d->skel->obj, err, sizeof(err));
	if (ret < 0) {
		tw_err("%s", err);
		return ret;
	}
	if (ret > 0)
		tw_warn("%s", err);
	d->meta.listen_hook = d->listen.tcp_hook;
	d->meta.udp_hook = d->listen.udp_hook;
	if (d->listen.why[0])
		tw_info("listen hook: %s (%s)", tw_listen_hook_name(d->listen.tcp_hook), d->listen.why);
	else
		tw_info("listen hook: %s", tw_listen_hook_name(d->listen.tcp_hook));
	return 0;
}

static void write_alert(struct json_object *a, void *ctx)
{
	struct daemon *d = ctx;

	if (tw_alert_write(&d->sink, a))
		tw_warn("cannot write an alert: %m");
	json_object_put(a);
}

static void on_listener(struct daemon *d, const struct tw_listen_event *ev, bool at_startup)
{
	struct json_object *a = tw_listen_handle(&d->listen_policy, d->listen_dedup, ev, at_startup,
						 tw_now_mono_ns());

	if (a)
		write_alert(a, d);
}

static int handle_listen_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct tw_listen_event))
		on_listener(ctx, data, false);
	return 0;
}

static void inventory_found(const struct tw_listen_event *ev, void *ctx)
{
	on_listener(ctx, ev, true);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;

	if (size < sizeof(struct tw_event))
		return 0;
	tw_event_alert(data, d->info, &d->sink);
	return 0;
}

static void on_signal(struct daemon *d, int signo, bool *running)
{
	if (signo == SIGHUP) {
		reload(d);
	} else if (signo == SIGUSR1 || signo == SIGUSR2) {
		tw_info("feed update requested%s", signo == SIGUSR2 ? " (--force: no shrink guard)" : "");
		feeds_changed(d, tw_feeds_request(&d->feeds, signo == SIGUSR2, tw_now_unix()));
	} else {
		*running = false;
	}
}

static void epoll_add(int efd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0)
		epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev);
}

/* The signals the event loop reads from a signalfd. */
static void daemon_signals(sigset_t *mask)
{
	const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };

	sigemptyset(mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaddset(mask, signals[i]);
}

static int event_loop(struct daemon *d)
{
	struct epoll_event out[8];
	int fetch_fd = tw_feeds_fetch_fd(&d->feeds), watch_fd = tw_feeds_watch_fd(&d->feeds);
	int applied_fd = tw_apply_worker_fd(d->applier);
	sigset_t mask;
	int efd, sfd, ret = 0;
	bool running = true;

	daemon_signals(&mask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	efd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || efd < 0)
		return -errno;
	epoll_add(efd, sfd);
	epoll_add(efd, ring_buffer__epoll_fd(d->rb));
	epoll_add(efd, fetch_fd);
	epoll_add(efd, watch_fd);
	epoll_add(efd, applied_fd);

	while (running) {
		int n = epoll_wait(efd, out, 8, 250);

		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		tw_listen_flush(&d->listen_policy, d->listen_dedup, tw_now_mono_ns(), write_alert, d);
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;
			int fd = out[i].data.fd;

			if (fd == fetch_fd) {
				feeds_changed(d, tw_feeds_collect(&d->feeds, tw_now_unix()));
			} else if (fd == applied_fd) {
				take_applied(d);
			} else if (fd == watch_fd) {
				if (tw_feeds_files_changed(&d->feeds)) {
					tw_info("a local list file changed; reloading the files");
					feeds_changed(d, tw_feeds_reload_files(&d->feeds, false,
									       tw_now_unix()));
				}
			} else if (fd == sfd) {
				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					on_signal(d, (int)si.ssi_signo, &running);
			} else {
				ring_buffer__consume(d->rb);
			}
		}
		feeds_changed(d, tw_feeds_tick(&d->feeds, tw_now_unix()));
		/* 'feed update' is answered once its lists are in the maps too. */
		if (tw_apply_worker_idle(d->applier) && tw_feeds_round_finished(&d->feeds))
			describe_sources(d);
	}
	close(efd);
	close(sfd);
	return ret;
}

static int resolve_ifaces(struct daemon *d)
{
	const struct tw_run_opts *o = d->opts;

	/* Copies: the options may be replaced by a reload. */
	for (size_t i = 0; i < o->n_ifaces; i++) {
		snprintf(d->ifname_buf[i], TW_IFNAME_LEN, "%s", o->ifaces[i]);
		d->ifnames[d->n_ifaces++] = d->ifname_buf[i];
	}
	if (d->n_ifaces)
		return 0;
	if (tw_default_route_iface(d->ifname_buf[0], TW_IFNAME_LEN)) {
		tw_err("this host has no default route to pick an interface from; name one with -i IFACE");
		return -ENODEV;
	}
	d->ifnames[d->n_ifaces++] = d->ifname_buf[0];
	return 0;
}

int tw_daemon_run(const struct tw_run_opts *opts, int argc, char **argv)
{
	struct daemon d = { .opts = opts, .argc = argc, .argv = argv };
	char err[512];
	int ret;

	sigset_t mask;

	/* A closed alert pipe is reported by the write, not fatal. */
	signal(SIGPIPE, SIG_IGN);
	/* Blocked before any thread starts, so that every thread inherits it. */
	daemon_signals(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (geteuid() != 0) {
		tw_err("torwatch run needs root (CAP_BPF, CAP_NET_ADMIN): run it with sudo");
		return 1;
	}
	if (mkdir(opts->state_dir, 0700) && errno != EEXIST)
		tw_warn("cannot create state dir %s: %s; fetched lists will not be cached",
			opts->state_dir, strerror(errno));
	if (tw_fetch_global_init()) {
		tw_err("cannot initialise libcurl");
		return 1;
	}

	ret = resolve_ifaces(&d);
	for (size_t i = 0; !ret && i < d.n_ifaces; i++)
		if (!if_nametoindex(d.ifnames[i])) {
			tw_err("interface %s does not exist; list interfaces with 'ip link'",
			       d.ifnames[i]);
			ret = -ENODEV;
		}
	if (!ret && (ret = tw_alert_sink_open(&d.sink, opts->alerts, err, sizeof(err))))
		tw_err("%s", err);
	if (ret)
		goto out;
	ret = load_sources(&d);
	if (!ret)
		ret = open_and_load(&d);
	if (!ret)
		ret = init_config(&d);
	if (ret)
		goto out;

	d.meta.started_at = (__u64)tw_now_unix();
	d.meta.daemon_pid = (__u32)getpid();
	ret = apply_sources(&d);
	if (!ret && !(d.applier = tw_apply_worker_new(&d.maps))) {
		tw_err("cannot start the apply thread: %s", strerror(errno));
		ret = -ENOMEM;
	}
	if (!ret)
		ret = start_ssh_detect(&d);
	if (!ret)
		ret = start_listen_detect(&d);
	if (!ret)
		ret = attach_all(&d);
	d.attached = !ret;
	if (!ret)
		ret = write_meta(&d);
	if (ret)
		goto out;
	/* The high-value ring first: it is consumed first. */
	d.rb = ring_buffer__new(bpf_map__fd(d.ssh->maps.high_events), handle_event, &d, NULL);
	if (d.rb && (ring_buffer__add(d.rb, bpf_map__fd(d.listen.skel->maps.listen_events),
				      handle_listen_event, &d) ||
		     ring_buffer__add(d.rb, bpf_map__fd(d.skel->maps.xdp_events), handle_event, &d)))
		ring_buffer__free(d.rb), d.rb = NULL;
	if (!d.rb) {
		tw_err("cannot open the event ring buffer: %s", strerror(errno));
		ret = -errno;
		goto out;
	}
	/* After the hooks: a listener opened meanwhile is seen twice and folded. */
	ret = tw_inventory(inventory_found, &d);
	if (ret < 0)
		tw_warn("start-up inventory of listening sockets failed: %s", strerror(-ret));
	else
		tw_info("start-up inventory: %d listening socket%s", ret, ret == 1 ? "" : "s");
	/* The first downloads start, and staleness is known, before we say we run. */
	feeds_changed(&d, tw_feeds_tick(&d.feeds, tw_now_unix()));
	tw_info("running (pid %d, pin root %s); alerts to %s", getpid(), opts->pin_root,
		strcmp(opts->alerts, "-") ? opts->alerts : "stdout");
	ret = event_loop(&d);
	tw_info("stopped; XDP stays attached with the current exit set ('torwatch unload' removes it)");
out:
	/* The pinned state outlives us; say that no daemon tends it. A failed
	 * first start leaves nothing behind. */
	if (d.meta.daemon_pid) {
		d.meta.daemon_pid = 0;
		write_meta(&d);
	}
	if (ret && d.fresh_pins && !d.attached && d.skel)
		tw_pins_remove(opts->pin_root);
	ring_buffer__free(d.rb);
	tw_ssh_detect_stop(d.ssh);
	tw_listen_detect_stop(&d.listen);
	free(d.listen_dedup);
	if (d.reloaded) {
		tw_run_opts_free(d.reloaded);
		free(d.reloaded);
	}
	tw_apply_worker_free(d.applier); /* a running apply ends first */
	tw_exit_maps_close(&d.maps);
	xdp_tor_bpf__destroy(d.skel);
	if (d.feeds_open)
		tw_feeds_close(&d.feeds);
	tw_alert_sink_close(&d.sink);
	return ret ? 1 : 0;
}

int tw_cmd_run(int argc, char **argv)
{
	struct tw_run_opts o;
	char err[256];
	int ret = tw_run_opts_parse(argc, argv, &o, err, sizeof(err));

	if (ret == 1) {
		tw_run_usage(stdout);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "torwatch: %s\n", err);
		tw_run_usage(stderr);
		return 2;
	}
	tw_log_init(o.verbose);
	ret = tw_daemon_run(&o, argc, argv);
	tw_run_opts_free(&o);
	return ret;
}
