// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/session/session_track.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common/log.h"
#include "kernel/cgroup.h"
#include "kernel/kept_pins.h"
#include "kernel/pin_upgrade.h"
#include "kernel/pins.h"
#include "session_track.skel.h"

static int attach_egress(struct session_track_bpf *s, char *why, size_t whylen)
{
	struct bpf_program *progs[4] = { s->progs.egress_connect4, s->progs.egress_connect6,
					 s->progs.egress_sendmsg4, s->progs.egress_sendmsg6 };
	struct bpf_link **slots[4] = { &s->links.egress_connect4, &s->links.egress_connect6,
				       &s->links.egress_sendmsg4, &s->links.egress_sendmsg6 };
	char inner[360];
	int ret = tw_attach_cgroup_root(progs, slots, 4, inner, sizeof(inner));

	if (ret)
		snprintf(why, whylen, "egress hooks: %s", inner);
	return ret;
}

/* Kept pinned between daemons: the sessions followed and their processes,
 * so that a session goes on being followed while no daemon runs, its ring,
 * and the settings that the programs read meanwhile. */
static const char *const kept_maps[] = { "sessions", "session_procs", "session_config",
					 "egress_exclude", "egress_seen", "session_events" };

struct session_track_bpf *tw_session_track_start(struct bpf_object *shared_with,
						 const char *pin_root, char *err, size_t errlen)
{
	struct session_track_bpf *s = session_track_bpf__open();
	char why[400] = "";
	int ret;

	if (!s) {
		snprintf(err, errlen, "cannot open the session tracker: %s", strerror(errno));
		return NULL;
	}
	/* The cgroup hooks are attached by hand, on the v2 root. */
	bpf_program__set_autoattach(s->progs.egress_connect4, false);
	bpf_program__set_autoattach(s->progs.egress_connect6, false);
	bpf_program__set_autoattach(s->progs.egress_sendmsg4, false);
	bpf_program__set_autoattach(s->progs.egress_sendmsg6, false);
	ret = tw_reuse_maps(s->obj, shared_with);
	if (!ret)
		ret = tw_keep_maps(s->obj, pin_root, kept_maps, sizeof(kept_maps) / sizeof(kept_maps[0]),
				   "session tracker");
	if (!ret)
		ret = session_track_bpf__load(s);
	if (ret) {
		libbpf_strerror(ret, why, sizeof(why));
		snprintf(err, errlen, "cannot load the session tracker: %s", why);
		goto fail;
	}
	ret = session_track_bpf__attach(s);
	if (ret) {
		libbpf_strerror(ret, why, sizeof(why));
		snprintf(err, errlen,
			 "cannot attach the session tracker to the sched and syscall tracepoints: %s",
			 why);
		goto fail;
	}
	if (attach_egress(s, why, sizeof(why))) {
		snprintf(err, errlen, "session tracker: %s", why);
		goto fail;
	}
	ret = tw_keep_skeleton_links(s->skeleton, pin_root, TW_PIN_LINK_SESSION);
	if (ret)
		tw_warn("cannot pin the session tracker's links under %s (%s): sessions are not followed while no daemon runs",
			pin_root, strerror(-ret));
	return s;
fail:
	session_track_bpf__destroy(s);
	return NULL;
}

int tw_session_set_config(struct session_track_bpf *s, const char *const *names, size_t n,
			  bool report_forwarding)
{
	struct tw_session_config c = { .report_forwarding = report_forwarding };
	__u32 zero = 0;

	if (n > TW_SSHD_NAMES)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		if (strlen(names[i]) >= TW_COMM_LEN)
			return -ENAMETOOLONG;
		memcpy(c.sshd_names[i], names[i], strlen(names[i]));
	}
	return bpf_map__update_elem(s->maps.session_config, &zero, sizeof(zero), &c, sizeof(c),
				    BPF_ANY) ? -errno : 0;
}

static void key_of(const struct tw_prefix *p, struct tw_egress_key *k)
{
	memset(k, 0, sizeof(*k));
	if (p->family == AF_INET) {
		k->addr[10] = k->addr[11] = 0xff;
		memcpy(&k->addr[12], p->addr, 4);
		k->prefixlen = 96u + p->prefixlen;
	} else {
		memcpy(k->addr, p->addr, 16);
		k->prefixlen = p->prefixlen;
	}
}

int tw_session_set_excludes(struct session_track_bpf *s, const struct tw_prefix *p, size_t n)
{
	int fd = bpf_map__fd(s->maps.egress_exclude);
	static struct tw_egress_key old[1024];
	struct tw_egress_key k, *prev = NULL;
	size_t n_old = 0;
	__u8 one = 1;

	while (n_old < sizeof(old) / sizeof(old[0]) && !bpf_map_get_next_key(fd, prev, &k)) {
		old[n_old] = k;
		prev = &old[n_old++];
	}
	/* Added first, then the old ones no longer listed removed: an address
	 * never falls out of the list in between. */
	for (size_t i = 0; i < n; i++) {
		key_of(&p[i], &k);
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			return -errno;
	}
	for (size_t j = 0; j < n_old; j++) {
		bool listed = false;

		for (size_t i = 0; i < n && !listed; i++) {
			key_of(&p[i], &k);
			listed = !memcmp(&k, &old[j], sizeof(k));
		}
		if (!listed)
			bpf_map_delete_elem(fd, &old[j]);
	}
	return 0;
}

int tw_session_adopt(struct session_track_bpf *s, const struct tw_session *sess,
		     const uint32_t *tgids, const uint32_t *parents, const uint32_t *flags,
		     char (*comms)[TW_COMM_LEN], size_t n)
{
	struct tw_session copy = *sess;
	__u64 sid = sess->started_ns;

	copy.refs = (__u32)n;
	if (bpf_map__update_elem(s->maps.sessions, &sid, sizeof(sid), &copy, sizeof(copy),
				 BPF_NOEXIST))
		return -errno;
	for (size_t i = 0; i < n; i++) {
		struct tw_session_proc p = { .session = sid, .parent = parents[i], .flags = flags[i] };

		memcpy(p.comm, comms[i], TW_COMM_LEN);
		/* A process that already has a session (it started meanwhile) keeps it. */
		if (bpf_map__update_elem(s->maps.session_procs, &tgids[i], sizeof(tgids[i]), &p,
					 sizeof(p), BPF_NOEXIST))
			copy.refs--;
	}
	if (copy.refs != n)
		bpf_map__update_elem(s->maps.sessions, &sid, sizeof(sid), &copy, sizeof(copy),
				     BPF_EXIST);
	return 0;
}

bool tw_session_has_proc(struct session_track_bpf *s, uint32_t tgid)
{
	struct tw_session_proc p;

	return !bpf_map__lookup_elem(s->maps.session_procs, &tgid, sizeof(tgid), &p, sizeof(p), 0);
}

void tw_session_track_stop(struct session_track_bpf *s)
{
	session_track_bpf__destroy(s);
}
