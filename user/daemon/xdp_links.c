// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The XDP links: the interfaces to watch (named, or the default route's),
 * the program attached to each (adopting a pinned link), and again when an
 * interface comes back, is replaced, or the default route moves. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "daemon/state.h"
#include "kernel/xdp_attach.h"
#include "xdp_tor.skel.h"

int daemon_resolve_ifaces(struct tw_daemon *d)
{
	const struct tw_run_opts *o = d->opts;

	/* Copies: the options may be replaced by a reload. */
	for (size_t i = 0; i < o->n_ifaces; i++) {
		snprintf(d->xdp.ifname_buf[i], TW_IFNAME_LEN, "%s", o->ifaces[i]);
		d->xdp.ifnames[d->xdp.n_ifaces++] = d->xdp.ifname_buf[i];
	}
	if (!d->xdp.n_ifaces) {
		if (tw_default_route_iface(d->xdp.ifname_buf[0], TW_IFNAME_LEN)) {
			tw_err("this host has no default route to pick an interface from; name one with -i IFACE");
			return -ENODEV;
		}
		d->xdp.ifnames[d->xdp.n_ifaces++] = d->xdp.ifname_buf[0];
	}
	/* One that is missing is attached when it appears; none at all is a typo. */
	size_t present = 0;

	for (size_t i = 0; i < d->xdp.n_ifaces; i++)
		present += if_nametoindex(d->xdp.ifnames[i]) != 0;
	if (!present) {
		tw_err("interface %s does not exist; list interfaces with 'ip link'",
		       d->xdp.ifnames[0]);
		return -ENODEV;
	}
	return 0;
}

/* XDP on interface i (adopting its pinned link), recorded for status. */
static int attach_one(struct tw_daemon *d, size_t i, char *err, size_t errlen)
{
	struct tw_iface *ifc = &d->pub.meta.ifaces[i];
	enum tw_xdp_mode mode;
	int ret = tw_xdp_attach(d->opts->pin_root, d->xdp.ifnames[i],
				bpf_program__fd(d->xdp.skel->progs.xdp_tor), d->opts->xdp_mode, &mode,
				err, errlen);

	if (ret)
		return ret;
	ifc->ifindex = if_nametoindex(d->xdp.ifnames[i]);
	ifc->xdp_mode = mode;
	ifc->gone_since = 0;
	return 0;
}

static void mark_gone(struct tw_daemon *d, size_t i)
{
	struct tw_iface *ifc = &d->pub.meta.ifaces[i];

	ifc->ifindex = 0;
	ifc->xdp_mode = TW_XDP_NONE;
	if (!ifc->gone_since)
		ifc->gone_since = (__u64)tw_now_unix();
}

int daemon_attach(struct tw_daemon *d)
{
	char err[512];

	d->pub.meta.n_ifaces = (__u32)d->xdp.n_ifaces;
	for (size_t i = 0; i < d->xdp.n_ifaces; i++) {
		struct tw_iface *ifc = &d->pub.meta.ifaces[i];
		int ret;

		snprintf(ifc->name, sizeof(ifc->name), "%s", d->xdp.ifnames[i]);
		if (!if_nametoindex(d->xdp.ifnames[i])) {
			mark_gone(d, i);
			tw_warn("interface %s does not exist (yet); XDP is attached when it appears",
				d->xdp.ifnames[i]);
			continue;
		}
		ret = attach_one(d, i, err, sizeof(err));
		if (ret) {
			tw_err("%s", err);
			return ret;
		}
		tw_info("watching %s (XDP %s mode)", d->xdp.ifnames[i],
			tw_xdp_mode_name((enum tw_xdp_mode)ifc->xdp_mode));
	}
	d->xdp.attached = true;
	daemon_share_pins(d);
	return 0;
}

/* Following the default route (no -i): its interface joins the watched ones
 * when it changes; the earlier ones stay watched. */
static void follow_default_route(struct tw_daemon *d)
{
	char name[TW_IFNAME_LEN];

	if (d->opts->n_ifaces || tw_default_route_iface(name, sizeof(name)))
		return;
	for (size_t i = 0; i < d->xdp.n_ifaces; i++)
		if (!strcmp(d->xdp.ifnames[i], name))
			return;
	if (d->xdp.n_ifaces == TW_MAX_IFACES) {
		tw_warn("the default route moved to %s, but %d interfaces are watched already",
			name, TW_MAX_IFACES);
		return;
	}
	snprintf(d->xdp.ifname_buf[d->xdp.n_ifaces], TW_IFNAME_LEN, "%s", name);
	d->xdp.ifnames[d->xdp.n_ifaces] = d->xdp.ifname_buf[d->xdp.n_ifaces];
	snprintf(d->pub.meta.ifaces[d->xdp.n_ifaces].name, TW_IFNAME_LEN, "%s", name);
	d->pub.meta.n_ifaces = (__u32)++d->xdp.n_ifaces;
	tw_info("the default route now leaves through %s: watching it too", name);
}

void daemon_ifaces_changed(struct tw_daemon *d)
{
	bool changed = false;
	char err[512];

	follow_default_route(d);
	for (size_t i = 0; i < d->xdp.n_ifaces; i++) {
		struct tw_iface *ifc = &d->pub.meta.ifaces[i];
		int ifindex = (int)if_nametoindex(d->xdp.ifnames[i]);

		if (!ifindex) {
			if (!ifc->gone_since) {
				tw_warn("interface %s disappeared; XDP is attached again when it comes back",
					d->xdp.ifnames[i]);
				changed = true;
			}
			mark_gone(d, i);
			continue;
		}
		if (tw_xdp_link_ok(d->opts->pin_root, d->xdp.ifnames[i], ifindex) &&
		    (int)ifc->ifindex == ifindex)
			continue;
		bool was_gone = ifc->gone_since != 0;

		changed = true;
		if (attach_one(d, i, err, sizeof(err))) {
			mark_gone(d, i);
			tw_err("%s", err);
			continue;
		}
		tw_info("%s %s: XDP attached (%s mode)", d->xdp.ifnames[i],
			was_gone ? "is there again" : "was replaced",
			tw_xdp_mode_name((enum tw_xdp_mode)ifc->xdp_mode));
	}
	if (!changed)
		return;
	daemon_share_pins(d);
	if (daemon_status_write(d))
		tw_warn("cannot publish the interfaces' state: %s", strerror(errno));
}

