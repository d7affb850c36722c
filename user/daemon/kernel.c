// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The daemon's kernel side: the pin root, the XDP object (loaded over the
 * pinned maps of an earlier run, if any), the sensors' hooks that share its
 * maps, and the XDP links. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "daemon/state.h"
#include "kernel/pin_lock.h"
#include "kernel/pin_upgrade.h"
#include "kernel/pins.h"
#include "kernel/xdp_attach.h"
#include "kernel/xdp_clock.h"
#include "xdp_tor.skel.h"

int daemon_resolve_ifaces(struct tw_daemon *d)
{
	const struct tw_run_opts *o = d->opts;

	/* Copies: the options may be replaced by a reload. */
	for (size_t i = 0; i < o->n_ifaces; i++) {
		snprintf(d->k.ifname_buf[i], TW_IFNAME_LEN, "%s", o->ifaces[i]);
		d->k.ifnames[d->k.n_ifaces++] = d->k.ifname_buf[i];
	}
	if (!d->k.n_ifaces) {
		if (tw_default_route_iface(d->k.ifname_buf[0], TW_IFNAME_LEN)) {
			tw_err("this host has no default route to pick an interface from; name one with -i IFACE");
			return -ENODEV;
		}
		d->k.ifnames[d->k.n_ifaces++] = d->k.ifname_buf[0];
	}
	/* One that is missing is attached when it appears; none at all is a typo. */
	size_t present = 0;

	for (size_t i = 0; i < d->k.n_ifaces; i++)
		present += if_nametoindex(d->k.ifnames[i]) != 0;
	if (!present) {
		tw_err("interface %s does not exist; list interfaces with 'ip link'",
		       d->k.ifnames[0]);
		return -ENODEV;
	}
	return 0;
}

/* The lock, held until the daemon ends: a second daemon is refused. */
static int lock_pin_root(struct tw_daemon *d)
{
	pid_t holder;
	int fd = tw_pin_lock(d->opts->pin_root, &holder);

	if (fd >= 0) {
		d->k.lock_fd = fd;
		return 0;
	}
	if (fd == -EBUSY && holder)
		tw_err("another torwatch daemon (pid %d) already uses pin root %s; stop it first or use --pin-root",
		       (int)holder, d->opts->pin_root);
	else if (fd == -EBUSY)
		tw_err("another torwatch daemon already uses pin root %s; stop it first or use --pin-root",
		       d->opts->pin_root);
	else
		tw_err("cannot lock pin root %s: %s", d->opts->pin_root, strerror(-fd));
	return fd;
}

/* Who pinned the state under root: "torwatch VERSION (layout N)". */
static void pinned_by(const char *root, char *buf, size_t len)
{
	struct tw_meta m = {};
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info), zero = 0;
	char value[4096] = {};
	int fd = tw_pin_open(root, TW_PIN_NAME(meta));

	snprintf(buf, len, "an older torwatch");
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len) && info.value_size <= sizeof(value) &&
	    !bpf_map_lookup_elem(fd, &zero, value)) {
		memcpy(&m, value, info.value_size < sizeof(m) ? info.value_size : sizeof(m));
		m.version[sizeof(m.version) - 1] = '\0';
		if (m.layout)
			snprintf(buf, len, "torwatch %s (layout %u)", m.version, m.layout);
		else
			snprintf(buf, len, "a torwatch from before layout stamps");
	}
	close(fd);
}

int daemon_load_kernel(struct tw_daemon *d)
{
	const char *root = d->opts->pin_root;
	struct tw_grown_map grown[TW_MAX_GROWN];
	int ret, n_grown;
	char err[512], who[96], bad[64];

	if (tw_pins_prepare_root(root, err, sizeof(err))) {
		tw_err("%s", err);
		return -EINVAL;
	}
	ret = lock_pin_root(d);
	if (ret)
		return ret;
	snprintf(err, sizeof(err), "%s/" TW_PIN_NAME(meta), root);
	d->k.fresh_pins = access(err, F_OK) != 0;
	pinned_by(root, who, sizeof(who));
	d->k.skel = xdp_tor_bpf__open();
	if (!d->k.skel) {
		tw_err("cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	ret = tw_pins_set_paths(d->k.skel->obj, root);
	/* Refused before a pin is touched: the state stays for the torwatch
	 * that made it. */
	if (!ret && tw_pins_check_layout(d->k.skel->obj, root, bad, sizeof(bad))) {
		tw_err("the map '%s' under %s was pinned by %s in a layout this torwatch %s (layout %d) cannot carry over; keep the torwatch that made it, or remove the state with 'torwatch unload --pin-root %s'",
		       bad, root, who, TORWATCH_VERSION, TW_PIN_LAYOUT, root);
		return -EINVAL;
	}
	if (!ret)
		ret = tw_pins_replace_republished(d->k.skel->obj, root);
	/* Counters of an older torwatch (fewer of them) are carried over. */
	n_grown = ret ? 0 : tw_pins_grow_prepare(d->k.skel->obj, root, grown);
	if (n_grown < 0)
		ret = n_grown, n_grown = 0;
	if (!ret)
		ret = tw_exit_maps_size(d->k.skel, d->opts->max_exits);
	if (!ret)
		ret = xdp_tor_bpf__load(d->k.skel);
	if (!ret && n_grown) {
		if (tw_pins_grow_finish(d->k.skel->obj, grown, n_grown))
			tw_warn("the counters of the earlier torwatch could not all be carried over");
		else
			tw_info("counters of an earlier torwatch carried over into this one's layout");
	} else if (n_grown) {
		tw_pins_grow_finish(NULL, grown, n_grown);	/* frees */
	}
	if (ret) {
		libbpf_strerror(ret, err, sizeof(err));
		if (ret == -EINVAL)
			tw_err("cannot load the XDP program: the maps under %s were pinned by %s and this torwatch %s (layout %d) cannot carry them over; remove them with 'torwatch unload --pin-root %s' (%s)",
			       root, who, TORWATCH_VERSION, TW_PIN_LAYOUT, root, err);
		else
			tw_err("cannot load the XDP program: %s (run with -v for the verifier log)", err);
		return ret;
	}
	ret = tw_exit_maps_open(d->k.skel, &d->x.maps);
	if (ret) {
		tw_err("cannot map the exit-set prefilter: %s", strerror(-ret));
		return ret;
	}
	ret = tw_pin_programs(root, d->k.skel->obj);
	if (ret)
		tw_warn("cannot pin the programs 'check' and 'stats reset' run: %s; they will not work",
			strerror(-ret));
	if (tw_xdp_clock_start(d->k.skel))
		tw_warn("the XDP clock did not start (%s); XDP asks the kernel for the time instead",
			strerror(errno));
	return 0;
}

int daemon_start_detectors(struct tw_daemon *d)
{
	return tw_sensors_load(&d->sensors);
}

/* The read-only commands for members of --group; a group that does not
 * exist leaves the pins root's (the owner's) alone. */
void daemon_share_pins(struct tw_daemon *d)
{
	const char *name = d->opts->group;
	struct group *g = strcmp(name, "none") ? getgrnam(name) : NULL;
	int ret;

	if (!g) {
		if (strcmp(name, "none"))
			tw_info("group %s does not exist: only the owner can read the pinned state", name);
		return;
	}
	ret = tw_pins_share(d->opts->pin_root, g->gr_gid);
	if (ret)
		tw_warn("cannot let group %s read the pinned state: %s", name, strerror(-ret));
}

/* XDP on interface i (adopting its pinned link), recorded for status. */
static int attach_one(struct tw_daemon *d, size_t i, char *err, size_t errlen)
{
	struct tw_iface *ifc = &d->st.meta.ifaces[i];
	enum tw_xdp_mode mode;
	int ret = tw_xdp_attach(d->opts->pin_root, d->k.ifnames[i],
				bpf_program__fd(d->k.skel->progs.xdp_tor), d->opts->xdp_mode, &mode,
				err, errlen);

	if (ret)
		return ret;
	ifc->ifindex = if_nametoindex(d->k.ifnames[i]);
	ifc->xdp_mode = mode;
	ifc->gone_since = 0;
	return 0;
}

static void mark_gone(struct tw_daemon *d, size_t i)
{
	struct tw_iface *ifc = &d->st.meta.ifaces[i];

	ifc->ifindex = 0;
	ifc->xdp_mode = TW_XDP_NONE;
	if (!ifc->gone_since)
		ifc->gone_since = (__u64)tw_now_unix();
}

int daemon_attach(struct tw_daemon *d)
{
	char err[512];

	d->st.meta.n_ifaces = (__u32)d->k.n_ifaces;
	for (size_t i = 0; i < d->k.n_ifaces; i++) {
		struct tw_iface *ifc = &d->st.meta.ifaces[i];
		int ret;

		snprintf(ifc->name, sizeof(ifc->name), "%s", d->k.ifnames[i]);
		if (!if_nametoindex(d->k.ifnames[i])) {
			mark_gone(d, i);
			tw_warn("interface %s does not exist (yet); XDP is attached when it appears",
				d->k.ifnames[i]);
			continue;
		}
		ret = attach_one(d, i, err, sizeof(err));
		if (ret) {
			tw_err("%s", err);
			return ret;
		}
		tw_info("watching %s (XDP %s mode)", d->k.ifnames[i],
			tw_xdp_mode_name((enum tw_xdp_mode)ifc->xdp_mode));
	}
	d->k.attached = true;
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
	for (size_t i = 0; i < d->k.n_ifaces; i++)
		if (!strcmp(d->k.ifnames[i], name))
			return;
	if (d->k.n_ifaces == TW_MAX_IFACES) {
		tw_warn("the default route moved to %s, but %d interfaces are watched already",
			name, TW_MAX_IFACES);
		return;
	}
	snprintf(d->k.ifname_buf[d->k.n_ifaces], TW_IFNAME_LEN, "%s", name);
	d->k.ifnames[d->k.n_ifaces] = d->k.ifname_buf[d->k.n_ifaces];
	snprintf(d->st.meta.ifaces[d->k.n_ifaces].name, TW_IFNAME_LEN, "%s", name);
	d->st.meta.n_ifaces = (__u32)++d->k.n_ifaces;
	tw_info("the default route now leaves through %s: watching it too", name);
}

void daemon_ifaces_changed(struct tw_daemon *d)
{
	bool changed = false;
	char err[512];

	follow_default_route(d);
	for (size_t i = 0; i < d->k.n_ifaces; i++) {
		struct tw_iface *ifc = &d->st.meta.ifaces[i];
		int ifindex = (int)if_nametoindex(d->k.ifnames[i]);

		if (!ifindex) {
			if (!ifc->gone_since) {
				tw_warn("interface %s disappeared; XDP is attached again when it comes back",
					d->k.ifnames[i]);
				changed = true;
			}
			mark_gone(d, i);
			continue;
		}
		if (tw_xdp_link_ok(d->opts->pin_root, d->k.ifnames[i], ifindex) &&
		    (int)ifc->ifindex == ifindex)
			continue;
		bool was_gone = ifc->gone_since != 0;

		changed = true;
		if (attach_one(d, i, err, sizeof(err))) {
			mark_gone(d, i);
			tw_err("%s", err);
			continue;
		}
		tw_info("%s %s: XDP attached (%s mode)", d->k.ifnames[i],
			was_gone ? "is there again" : "was replaced",
			tw_xdp_mode_name((enum tw_xdp_mode)ifc->xdp_mode));
	}
	if (!changed)
		return;
	daemon_share_pins(d);
	if (daemon_status_write(d))
		tw_warn("cannot publish the interfaces' state: %s", strerror(errno));
}

void daemon_kernel_close(struct tw_daemon *d, bool failed)
{
	/* A first start that failed, or a stop without --keep-on-stop: the
	 * links go with their pins. */
	bool remove = d->k.skel && (failed ? d->k.fresh_pins && !d->k.attached :
					    !d->opts->keep_on_stop);

	int ret = remove ? tw_pins_remove(d->opts->pin_root) : 0;

	if (ret)
		tw_warn("could not remove everything under %s: %s", d->opts->pin_root,
			strerror(-ret));
	else if (remove && !failed)
		tw_info("XDP detached from %zu interface(s) and %s removed (--keep-on-stop keeps them)",
			d->k.n_ifaces, d->opts->pin_root);
	tw_sensors_close(&d->sensors);
	xdp_tor_bpf__destroy(d->k.skel);
	d->k.skel = NULL;
	if (d->k.lock_fd > 0)
		close(d->k.lock_fd);
	d->k.lock_fd = -1;
}
