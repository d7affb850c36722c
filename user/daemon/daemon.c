// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch run: the daemon's life. Start in order (alerts, feeds, kernel
 * objects, settings, the first exit set, detectors, XDP links, events),
 * run the event loop until a signal to stop, and stop: removing XDP and the
 * pins, or with --keep-on-stop leaving them for the next start. Each step lives in its own file of daemon/. */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/log.h"
#include "common/privilege.h"
#include "common/realtime.h"
#include "common/timeutil.h"
#include "config/config_file.h"
#include "daemon/state.h"
#include "common/fetch.h"
#include "geo/geo.h"

/* The signals the event loop reads from a signalfd. */
static void daemon_signals(sigset_t *mask)
{
	const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };

	sigemptyset(mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaddset(mask, signals[i]);
}

/* SIGHUP: the alert files reopened, the local files and the settings read
 * again; a broken file keeps its last good data. */
static void reload(struct tw_daemon *d)
{
	int changed;

	tw_info("SIGHUP: reloading the settings and the local files");
	daemon_service_reloading();
	tw_emitter_reopen(&d->alerts);
	/* Files first: the settings then write the allowlist with the allow
	 * files' new entries, once. */
	changed = tw_feeds_reload_files(&d->exits.feeds, false, tw_now_unix()) | TW_FEEDS_DATA;
	if (daemon_reload_settings(d))
		changed &= ~TW_FEEDS_ALLOW;
	daemon_feeds_changed(d, changed);
	daemon_service_reloaded();
}

struct signals {
	struct tw_daemon *d;
	int fd;
};

static void on_signal(void *ctx)
{
	struct signals *s = ctx;
	struct signalfd_siginfo si;

	if (read(s->fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP)
		reload(s->d);
	else if (si.ssi_signo == SIGUSR1 || si.ssi_signo == SIGUSR2)
		daemon_feed_update(s->d, si.ssi_signo == SIGUSR2);
	else
		tw_loop_stop(&s->d->loop);
}

/* The capabilities, the state dir, libcurl: what everything else assumes. */
static int preflight(const struct tw_run_opts *opts)
{
	/* libbpf reads tracepoint ids there; root's own, mode 0700, on most hosts. */
	bool tracefs = !faccessat(AT_FDCWD, "/sys/kernel/tracing/events/sock/inet_sock_set_state/id",
				  R_OK, AT_EACCESS);
	char missing[128];

	if (tw_caps_missing(tracefs, missing, sizeof(missing))) {
		tw_err("torwatch run needs the capabilities CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN%s and lacks %s: run it as root (sudo) or with those capabilities, as the systemd unit does",
		       tracefs ? "" : " and CAP_DAC_READ_SEARCH (tracefs is not readable)", missing);
		return -EPERM;
	}
	if (mkdir(opts->state_dir, 0700) && errno != EEXIST)
		tw_warn("cannot create state dir %s: %s; fetched lists will not be cached",
			opts->state_dir, strerror(errno));
	if (tw_fetch_global_init()) {
		tw_err("cannot initialise libcurl");
		return -ENOMEM;
	}
	return 0;
}

/* Loaded and attached: what stays is what re-attaching XDP needs. */
static void drop_privileges(void)
{
	char caps[256];
	int ret = tw_caps_keep(TW_CAPS_RUNNING);

	tw_caps_effective(caps, sizeof(caps));
	if (ret)
		tw_warn("could not drop the capabilities the start used: %s; keeping %s",
			strerror(-ret), caps);
	else
		tw_info("capabilities after the start: %s", caps[0] ? caps : "none");
}

static int start(struct tw_daemon *d)
{
	int ret;

	ret = daemon_resolve_ifaces(d);
	if (!ret)
		ret = daemon_alerts_open(d);
	if (!ret)
		ret = daemon_feeds_open(d);
	if (!ret)
		ret = daemon_load_xdp(d);
	if (!ret)
		ret = daemon_init_config(d);
	/* Before XDP is attached: a port in use fails a start that leaves nothing. */
	if (!ret)
		ret = daemon_metrics_start(d);
	if (ret)
		return ret;
	daemon_history_fold(d);
	daemon_status_started(d);
	ret = daemon_exits_start(d);
	if (!ret)
		ret = daemon_load_sensors(d);
	if (!ret)
		ret = daemon_attach(d);
	if (!ret)
		ret = daemon_iface_watch_start(d);
	if (!ret)
		ret = daemon_status_write(d);
	if (!ret)
		ret = daemon_status_start(d);
	if (!ret)
		ret = daemon_events_start(d);
	if (!ret)
		ret = daemon_loss_watch_start(d);
	if (!ret)
		ret = daemon_loop_class(d);
	if (!ret)
		drop_privileges();
	return ret;
}

static void stop(struct tw_daemon *d, bool failed)
{
	/* The pinned state may outlive us; say that no daemon tends it, since when. */
	daemon_status_stopped(d);
	daemon_metrics_stop(d);
	daemon_iface_watch_close(d);
	daemon_exits_close(d);
	daemon_xdp_close(d, failed);
	daemon_settings_close(d);
	tw_emitter_close(&d->alerts);
	tw_geo_close(d->geo);
	tw_loop_close(&d->loop);
}

int tw_daemon_run(const struct tw_run_opts *opts, int argc, char **argv)
{
	struct tw_daemon d = { .opts = opts, .argc = argc, .argv = argv };
	struct signals sig = { .d = &d, .fd = -1 };
	sigset_t mask;
	int ret;

	tw_realtime_malloc_policy();
	/* A closed alert pipe is reported by the write, not fatal. */
	signal(SIGPIPE, SIG_IGN);
	/* Blocked before any thread starts, so that every thread inherits it. */
	daemon_signals(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (preflight(opts))
		return 1;
	ret = tw_loop_init(&d.loop);
	if (!ret) {
		sig.fd = signalfd(-1, &mask, SFD_CLOEXEC);
		ret = sig.fd < 0 ? -errno : tw_loop_add_fd(&d.loop, "signals", sig.fd, on_signal, &sig);
	}
	if (ret)
		tw_err("cannot set up the event loop: %s", strerror(-ret));
	if (!ret)
		ret = start(&d);
	if (!ret) {
		/* The first downloads start, and staleness is known, before we say we run. */
		daemon_feeds_changed(&d, tw_feeds_tick(&d.exits.feeds, tw_now_unix()));
		char sinks[512] = "";

		for (size_t i = 0, used = 0; i < d.alerts.n_sinks && used < sizeof(sinks); i++)
			used += (size_t)snprintf(sinks + used, sizeof(sinks) - used, "%s%s",
						 i ? ", " : "", d.alerts.sinks[i].shown);
		tw_info("running (pid %d, pin root %s); alerts to %s", getpid(), opts->pin_root, sinks);
		ret = daemon_service_ready(&d);
		if (!ret)
			ret = tw_loop_run(&d.loop);
		daemon_service_stopping();
		if (opts->keep_on_stop)
			tw_info("stopped; XDP stays attached with the current exit set, counting on, until the next start ('torwatch unload' removes it)");
	}
	stop(&d, ret != 0);
	if (sig.fd >= 0)
		close(sig.fd);
	return ret ? 1 : 0;
}

int tw_cmd_run(int argc, char **argv)
{
	struct tw_run_opts o;
	char err[1024];
	int ret = tw_run_opts_parse(argc, argv, &o, err, sizeof(err));

	if (ret == 1) {
		tw_run_usage(stdout);
		return 0;
	}
	if (ret == TW_CONFIG_UNREADABLE) {
		fprintf(stderr, "torwatch: %s\n", err);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "torwatch: %s; 'torwatch run --help' lists the options\n", err);
		return 2;
	}
	tw_log_init(o.verbose);
	if (o.check_config) {
		ret = tw_daemon_check(&o);
		if (!ret)
			printf("the settings are valid\n");
		tw_run_opts_free(&o);
		return ret ? 2 : 0;
	}
	ret = tw_daemon_run(&o, argc, argv);
	tw_run_opts_free(&o);
	return ret;
}
