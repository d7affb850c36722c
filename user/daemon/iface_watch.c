// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Interfaces that come and go: an rtnetlink socket on the event loop hears
 * every link change (and, when the default route is followed, every route
 * change) and hands them to daemon_ifaces_changed, which compares what it
 * wants watched with what is attached. A message is only a nudge: nothing
 * of it is trusted or parsed beyond its type. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/log.h"
#include "daemon/state.h"

static void on_netlink(void *ctx)
{
	struct tw_daemon *d = ctx;
	char buf[16384];
	bool relevant = false;
	ssize_t len;

	/* Drain: several changes in a row make one pass. */
	while ((len = recv(d->iface_watch.fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len))
			relevant |= h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK ||
				    h->nlmsg_type == RTM_NEWROUTE || h->nlmsg_type == RTM_DELROUTE;
	/* ENOBUFS: changes were lost; look at everything anyway. */
	if (len < 0 && errno == ENOBUFS)
		relevant = true;
	if (relevant)
		daemon_ifaces_changed(d);
}

int daemon_iface_watch_start(struct tw_daemon *d)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int ret;

	if (!d->opts->n_ifaces)
		sa.nl_groups |= RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	d->iface_watch.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (d->iface_watch.fd < 0 || bind(d->iface_watch.fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		tw_warn("cannot follow interface changes (netlink: %s); an interface that comes back is not watched again until a restart",
			strerror(-ret));
		if (d->iface_watch.fd >= 0)
			close(d->iface_watch.fd);
		d->iface_watch.fd = -1;
		return 0;
	}
	/* Whatever changed between the attach and now. */
	daemon_ifaces_changed(d);
	return tw_loop_add_fd(&d->loop, "interfaces", d->iface_watch.fd, on_netlink, d);
}

void daemon_iface_watch_close(struct tw_daemon *d)
{
	if (d->iface_watch.fd > 0)
		close(d->iface_watch.fd);
	d->iface_watch.fd = -1;
}
