// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The XDP object: the pin root locked, the object loaded over the pinned
 * maps of an earlier run (if any), the sensors loaded over its maps, the
 * pins shared with the readers, and all of it closed at the stop. */
#include <bpf/bpf.h>
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/plural.h"
#include "daemon/state.h"
#include "kernel/hash_exits.h"
#include "kernel/pin_lock.h"
#include "kernel/pin_upgrade.h"
#include "kernel/pins.h"
#include "kernel/xdp_clock.h"
#include "xdp_tor.skel.h"

/* The lock, held until the daemon ends: a second daemon is refused. */
static int lock_pin_root(struct tw_daemon *d)
{
	pid_t holder;
	int fd = tw_pin_lock(d->opts->pin_root, &holder);

	if (fd >= 0) {
		d->xdp.lock_fd = fd;
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

int daemon_load_xdp(struct tw_daemon *d)
{
	const char *root = d->opts->pin_root;
	struct tw_grown_map grown[TW_MAX_GROWN];
	struct tw_hash_exits old_exits[2] = {};
	long n_old = 0;
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
	d->xdp.fresh_pins = access(err, F_OK) != 0;
	pinned_by(root, who, sizeof(who));
	d->xdp.skel = xdp_tor_bpf__open();
	if (!d->xdp.skel) {
		tw_err("cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	ret = tw_pins_set_paths(d->xdp.skel->obj, root);
	/* Refused before a pin is touched: the state stays for the torwatch
	 * that made it. */
	if (!ret && tw_pins_check_layout(d->xdp.skel->obj, root, bad, sizeof(bad))) {
		tw_err("the map '%s' under %s was pinned by %s in a layout this torwatch %s (layout %d) cannot carry over; keep the torwatch that made it, or remove the state with 'torwatch unload --pin-root %s'",
		       bad, root, who, TORWATCH_VERSION, TW_PIN_LAYOUT, root);
		return -EINVAL;
	}
	if (!ret)
		ret = tw_pins_replace_republished(d->xdp.skel->obj, root);
	/* Exact entries of a torwatch from before the tables: moved over below. */
	if (!ret)
		n_old = tw_hash_exits_take(root, old_exits);
	if (n_old < 0) {
		tw_err("cannot read the exact entries an earlier torwatch pinned under %s: %s",
		       root, strerror((int)-n_old));
		return (int)n_old;
	}
	/* Counters of an older torwatch (fewer of them) and its prefixes (in
	 * LPM tries) are carried over. */
	n_grown = ret ? 0 : tw_pins_grow_prepare(d->xdp.skel->obj, root, grown);
	if (n_grown < 0)
		ret = n_grown, n_grown = 0;
	if (!ret)
		ret = tw_exit_maps_size(d->xdp.skel, d->opts->max_exits);
	if (!ret)
		ret = xdp_tor_bpf__load(d->xdp.skel);
	if (!ret && n_grown) {
		unsigned long prefixes = 0;
		bool counters = false, tries = false;

		for (int i = 0; i < n_grown; i++) {
			prefixes += grown[i].retyped ? grown[i].n : 0;
			tries |= grown[i].retyped;
			counters |= !grown[i].retyped;
		}
		if (tw_pins_grow_finish(d->xdp.skel->obj, grown, n_grown)) {
			tw_warn("the %s of the earlier torwatch could not all be carried over",
				counters && tries ? "counters and prefixes" : tries ? "prefixes" : "counters");
		} else {
			if (counters)
				tw_info("counters of an earlier torwatch carried over into this one's layout");
			if (tries)
				tw_info("%lu %s of an earlier torwatch moved from its LPM tries into the prefix maps",
					prefixes, tw_plural(prefixes, "prefix", "prefixes"));
		}
	} else if (n_grown) {
		tw_pins_grow_finish(NULL, grown, n_grown);	/* frees */
	}
	if (ret) {
		tw_hash_exits_free(old_exits);
		libbpf_strerror(ret, err, sizeof(err));
		if (ret == -EINVAL)
			tw_err("cannot load the XDP program: the maps under %s were pinned by %s and this torwatch %s (layout %d) cannot carry them over; remove them with 'torwatch unload --pin-root %s' (%s)",
			       root, who, TORWATCH_VERSION, TW_PIN_LAYOUT, root, err);
		else
			tw_err("cannot load the XDP program: %s (run with -v for the verifier log)", err);
		return ret;
	}
	ret = tw_exit_maps_open(d->xdp.skel, &d->exits.maps);
	if (ret) {
		tw_hash_exits_free(old_exits);
		tw_err("cannot map the exit tables and prefilter: %s", strerror(-ret));
		return ret;
	}
	if (n_old > 0) {
		long in = tw_hash_exits_adopt(old_exits, &d->exits.maps.exact_v4,
					      &d->exits.maps.exact_v6);

		tw_info("%ld exact entr%s of an earlier torwatch moved into the exit tables with their counters%s",
			in, in == 1 ? "y" : "ies", in < n_old ? " (the others did not fit)" : "");
	}
	ret = tw_pin_programs(root, d->xdp.skel->obj);
	if (ret)
		tw_warn("cannot pin the programs 'check' and 'stats reset' run: %s; they will not work",
			strerror(-ret));
	if (tw_xdp_clock_start(d->xdp.skel))
		tw_warn("the XDP clock did not start (%s); XDP asks the kernel for the time instead",
			strerror(errno));
	return 0;
}

int daemon_load_sensors(struct tw_daemon *d)
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

void daemon_xdp_close(struct tw_daemon *d, bool failed)
{
	/* A first start that failed, or a stop without --keep-on-stop: the
	 * links go with their pins. */
	bool remove = d->xdp.skel && (failed ? d->xdp.fresh_pins && !d->xdp.attached :
					    !d->opts->keep_on_stop);

	int ret = remove ? tw_pins_remove(d->opts->pin_root) : 0;
	size_t attached = 0;

	/* Only those that had XDP: one named but never there was not detached. */
	for (size_t i = 0; i < d->xdp.n_ifaces; i++)
		attached += d->pub.meta.ifaces[i].xdp_mode != TW_XDP_NONE;
	if (ret)
		tw_warn("could not remove everything under %s: %s", d->opts->pin_root,
			strerror(-ret));
	else if (remove && !failed)
		tw_info("XDP detached from %zu interface%s and %s removed (--keep-on-stop keeps them)",
			attached, attached == 1 ? "" : "s", d->opts->pin_root);
	tw_sensors_close(&d->sensors);
	xdp_tor_bpf__destroy(d->xdp.skel);
	d->xdp.skel = NULL;
	if (d->xdp.lock_fd > 0)
		close(d->xdp.lock_fd);
	d->xdp.lock_fd = -1;
}
