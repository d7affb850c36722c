/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Attaching the XDP program through pinned bpf_links: the link outlives the
 * daemon, and a restarted daemon swaps its program in atomically. */
#ifndef TW_XDP_ATTACH_H
#define TW_XDP_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "torwatch.h"
#include "tw_status.h"

/* The XDP mode asked for (--xdp-mode). */
enum tw_xdp_request {
	TW_XDP_REQ_AUTO = 0,	/* native, else skb with a warning */
	TW_XDP_REQ_NATIVE,
	TW_XDP_REQ_SKB,
};

/* Attaches prog_fd to ifname (adopting a pinned link if there is one).
 * *mode is the mode in use. Returns 0 or -errno with one sentence in err. */
int tw_xdp_attach(const char *pin_root, const char *ifname, int prog_fd,
		  enum tw_xdp_request req, enum tw_xdp_mode *mode, char *err, size_t errlen);
/* Is the link pinned for ifname attached to ifindex (the interface of that
 * name now)? False when the interface went away or came back anew. */
bool tw_xdp_link_ok(const char *pin_root, const char *ifname, int ifindex);
/* The mode the kernel reports for ifindex right now. */
enum tw_xdp_mode tw_xdp_query_mode(int ifindex);
const char *tw_xdp_mode_name(enum tw_xdp_mode m);
/* The interface of the default route (IPv4, else IPv6), or -1. */
int tw_default_route_iface(char *buf, size_t len);

#endif
