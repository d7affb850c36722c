// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/xdp_attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "kernel/pins.h"

const char *tw_xdp_mode_name(enum tw_xdp_mode m)
{
	return m == TW_XDP_NATIVE ? "native" : m == TW_XDP_SKB ? "skb" : "none";
}

enum tw_xdp_mode tw_xdp_query_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return TW_XDP_NONE;
	if (q.attach_mode == XDP_ATTACHED_DRV || q.attach_mode == XDP_ATTACHED_HW)
		return TW_XDP_NATIVE;
	if (q.attach_mode == XDP_ATTACHED_SKB)
		return TW_XDP_SKB;
	if (q.attach_mode == XDP_ATTACHED_MULTI)
		return q.drv_prog_id ? TW_XDP_NATIVE : TW_XDP_SKB;
	return TW_XDP_NONE;
}

/* A pinned link for this interface that still points at it: swap the program. */
static int adopt_pinned_link(const char *path, int ifindex, int prog_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP ||
	    (int)info.xdp.ifindex != ifindex || bpf_link_update(fd, prog_fd, NULL)) {
		/* Stale (interface gone or replaced): start afresh. */
		close(fd);
		unlink(path);
		return -ENOENT;
	}
	close(fd);
	return 0;
}

/* Another XDP program is there: name it, and leave it in place. torwatch
 * does not join libxdp's dispatcher: it needs freplace programs, which
 * kernels without BPF trampolines refuse (as they refuse fentry). */
static void foreign_program(const char *ifname, int ifindex, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), id = 0;
	char name[64] = "";
	int fd;

	if (!bpf_xdp_query(ifindex, 0, &q))
		id = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	/* Its name needs CAP_SYS_ADMIN (BPF_PROG_GET_FD_BY_ID); the id does not. */
	fd = id ? bpf_prog_get_fd_by_id(id) : -1;
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(name, sizeof(name), " '%s'", info.name);
	if (fd >= 0)
		close(fd);
	snprintf(err, errlen,
		 "%s already has another XDP program (id %u%s%s); torwatch leaves it attached and does not attach there: detach it first ('ip link set dev %s xdp off', or 'xdp-loader unload %s --all' for libxdp's)",
		 ifname, id, name, !strcmp(name, " 'xdp_dispatcher'") ? ", libxdp's dispatcher" : "",
		 ifname, ifname);
}

static int create_link(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

int tw_xdp_attach(const char *pin_root, const char *ifname, int prog_fd,
		  enum tw_xdp_request req, enum tw_xdp_mode *mode, char *err, size_t errlen)
{
	int ifindex = (int)if_nametoindex(ifname);
	char path[512];
	int fd;

	if (!ifindex) {
		snprintf(err, errlen, "interface %s does not exist; list interfaces with 'ip link'",
			 ifname);
		return -ENODEV;
	}
	tw_pin_link_path(pin_root, ifname, path, sizeof(path));
	if (!adopt_pinned_link(path, ifindex, prog_fd)) {
		*mode = tw_xdp_query_mode(ifindex);
		tw_info("%s: adopted the pinned XDP link (%s mode)", ifname, tw_xdp_mode_name(*mode));
		return 0;
	}

	fd = req == TW_XDP_REQ_SKB ? -EOPNOTSUPP : create_link(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
	if (fd < 0 && req == TW_XDP_REQ_NATIVE) {
		snprintf(err, errlen,
			 "cannot attach XDP to %s in native mode: %s; use --xdp-mode skb", ifname,
			 strerror(-fd));
		return fd;
	}
	if (fd == -EBUSY || fd == -EEXIST) {
		foreign_program(ifname, ifindex, err, errlen);
		return fd;
	}
	if (fd < 0) {
		if (req == TW_XDP_REQ_AUTO)
			tw_warn("%s: native XDP unavailable (%s); using generic (skb) mode, which is slower",
				ifname, strerror(-fd));
		fd = create_link(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
		if (fd < 0) {
			snprintf(err, errlen, "cannot attach XDP to %s: %s", ifname, strerror(-fd));
			return fd;
		}
	}
	if (bpf_obj_pin(fd, path)) {
		int e = errno;

		close(fd);
		snprintf(err, errlen, "cannot pin the XDP link at %s: %s", path, strerror(e));
		return -e;
	}
	close(fd); /* the pin keeps the link alive */
	*mode = tw_xdp_query_mode(ifindex);
	return 0;
}

bool tw_xdp_link_ok(const char *pin_root, const char *ifname, int ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd;
	bool ok;

	tw_pin_link_path(pin_root, ifname, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	/* A deleted interface detaches the link: its ifindex reads 0. */
	ok = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
	     (int)info.xdp.ifindex == ifindex;
	close(fd);
	return ok;
}

int tw_default_route_iface(char *buf, size_t len)
{
	char line[512], ifname[64];
	unsigned long dest, mask;
	FILE *f = fopen("/proc/net/route", "re");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63s %lx %*x %*x %*d %*d %*d %lx", ifname, &dest, &mask) == 3 &&
			    dest == 0 && mask == 0) {
				fclose(f);
				snprintf(buf, len, "%s", ifname);
				return 0;
			}
		}
		fclose(f);
	}
	f = fopen("/proc/net/ipv6_route", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char dst[40];
		unsigned plen;

		/* dest plen src srcplen nexthop metric refcnt use flags ifname */
		if (sscanf(line, "%39s %x %*s %*x %*s %*x %*x %*x %*x %63s", dst, &plen, ifname) == 3 &&
		    plen == 0 && strcmp(ifname, "lo") && strspn(dst, "0") == 32) {
			fclose(f);
			snprintf(buf, len, "%s", ifname);
			return 0;
		}
	}
	fclose(f);
	return -1;
}
