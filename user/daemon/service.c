// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The systemd service protocol (sd_notify): READY=1 once XDP is attached and
 * the first exit set is in, a STATUS= line whenever what it says changes,
 * RELOADING=1 around a SIGHUP, STOPPING=1, and WATCHDOG=1 from the event
 * loop itself, so that a loop that hangs stops feeding the watchdog and
 * systemd restarts the daemon. Without $NOTIFY_SOCKET all of it is silent. */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include "common/timeutil.h"
#include "daemon/state.h"
#include "common/plural.h"

/* The feeds in one word or so. The feed_stale alert waits until every
 * source has answered once (the first fetch may settle it), but the status
 * must not call old data current in the meantime. */
static const char *feeds_state(const struct tw_daemon *d, char *buf, size_t len)
{
	const struct tw_feeds *f = &d->exits.feeds;
	int64_t age = tw_now_unix() - tw_sources_newest(&f->sources);
	char shown[32];

	if (f->stale)
		return "STALE";
	if (age <= (int64_t)f->stale_after_s)
		return "current";
	tw_format_age(age, shown, sizeof(shown));
	snprintf(buf, len, "OLD (newest data %s old; no source has answered yet)", shown);
	return buf;
}

/* What `systemctl status` shows under the unit: the interfaces, the set,
 * the feeds. */
static void status_line(const struct tw_daemon *d, char *buf, size_t len)
{
	const struct tw_meta *m = &d->pub.meta;
	char feeds[96];
	size_t used = (size_t)snprintf(buf, len, "watching");

	for (__u32 i = 0; i < m->n_ifaces && i < TW_MAX_IFACES && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : " ",
					 m->ifaces[i].name);
	if (used < len)
		snprintf(buf + used, len - used,
			 "; exit set %u IPv4 + %u IPv6 addresses, %u %s; feeds %s",
			 m->exact_v4, m->exact_v6, m->prefixes_v4 + m->prefixes_v6,
			 tw_plural(m->prefixes_v4 + m->prefixes_v6, "prefix", "prefixes"),
			 feeds_state(d, feeds, sizeof(feeds)));
}

/* Every round: the status when it changed, the watchdog when it is due. */
static void service_tick(void *ctx)
{
	struct tw_daemon *d = ctx;
	uint64_t now = tw_now_mono_ns();
	char line[sizeof(d->service.status)];

	status_line(d, line, sizeof(line));
	if (strcmp(line, d->service.status)) {
		sd_notifyf(0, "STATUS=%s", line);
		memcpy(d->service.status, line, sizeof(line));
	}
	if (d->service.watchdog_ns && now - d->service.last_watchdog_ns >= d->service.watchdog_ns / 2) {
		sd_notify(0, "WATCHDOG=1");
		d->service.last_watchdog_ns = now;
	}
}

int daemon_service_ready(struct tw_daemon *d)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0)
		d->service.watchdog_ns = usec * 1000;
	status_line(d, d->service.status, sizeof(d->service.status));
	sd_notifyf(0, "READY=1\nSTATUS=%s", d->service.status);
	d->service.last_watchdog_ns = tw_now_mono_ns();
	return tw_loop_add_tick(&d->loop, "service", TW_LOOP_AFTER_INPUT, service_tick, d);
}

void daemon_service_reloading(void)
{
	/* systemd (253 and later) matches the reload by this timestamp. */
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)(tw_now_mono_ns() / TW_NS_PER_US));
}

void daemon_service_reloaded(void)
{
	sd_notify(0, "READY=1");
}

void daemon_service_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
