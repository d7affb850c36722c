// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the daemon publishes in pinned maps for the CLI: the metadata
 * (interfaces, hooks, the last apply, staleness) and each source's state. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include "common/log.h"
#include "daemon/state.h"
#include "xdp_tor.skel.h"

int daemon_status_write(struct tw_daemon *d)
{
	struct xdp_tor_bpf *skel = d->k.skel;
	__u32 zero = 0;

	if (bpf_map__update_elem(skel->maps.meta, &zero, sizeof(zero), &d->st.meta,
				 sizeof(d->st.meta), BPF_ANY))
		return -errno;
	for (__u32 i = 0; i < TW_MAX_SOURCES; i++)
		if (bpf_map__update_elem(skel->maps.sources, &i, sizeof(i), &d->st.info[i],
					 sizeof(d->st.info[i]), BPF_ANY))
			return -errno;
	return 0;
}

void daemon_status_sources(struct tw_daemon *d)
{
	struct tw_feeds *f = &d->x.feeds;

	tw_sources_describe(&f->sources, NULL, d->st.info);
	d->st.meta.set_newest_data = (__u64)tw_sources_newest(&f->sources);
	d->st.meta.feed_stale = f->stale;
	d->st.meta.feed_rounds = f->rounds_done;
	if (d->k.skel && daemon_status_write(d))
		tw_warn("cannot update the pinned source state: %s", strerror(errno));
}
