// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "exitset/exit_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include "exitset/exit_filter.h"
#include "torwatch.h"
#include "xdp_tor.skel.h"

int tw_exit_maps_size(struct xdp_tor_bpf *skel, uint32_t max_exact)
{
	int err = bpf_map__set_max_entries(skel->maps.exit_table_v4, tw_exit_table_entries(max_exact));

	if (!err)
		err = bpf_map__set_max_entries(skel->maps.exit_table_v6,
					       tw_exit_table_entries(max_exact));
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.exit_filter,
					       tw_exit_filter_words_for(max_exact, max_exact));
	return err;
}

int tw_exit_maps_open(struct xdp_tor_bpf *skel, struct tw_exit_maps *m)
{
	int err;

	*m = (struct tw_exit_maps){
		.prefix_v4 = bpf_map__fd(skel->maps.exit_prefix_v4),
		.prefix_v6 = bpf_map__fd(skel->maps.exit_prefix_v6),
		.config = bpf_map__fd(skel->maps.config),
	};
	err = tw_exit_table_map(bpf_map__fd(skel->maps.exit_table_v4), false, true, &m->exact_v4);
	if (!err)
		err = tw_exit_table_map(bpf_map__fd(skel->maps.exit_table_v6), true, true, &m->exact_v6);
	if (!err)
		err = tw_exit_filter_map(bpf_map__fd(skel->maps.exit_filter),
					 bpf_map__max_entries(skel->maps.exit_filter), &m->filter);
	if (!err) {
		m->prefix_lens = tw_map_words(bpf_map__fd(skel->maps.prefix_lens), TW_PREFIX_LENS_WORDS);
		if (!m->prefix_lens)
			err = -errno;
		else
			/* Pinned words may come from before a downgrade whose daemon
			 * kept no prefix bits: ask every prefix length until an apply has set
			 * bits and lengths again. */
			__atomic_fetch_and(&m->prefix_lens[0], ~TW_PREFIX_LENS_VALID, __ATOMIC_SEQ_CST);
	}
	/* config.filter_shift is switched on by tw_exit_set_apply, once the bits are in. */
	return err;
}

void tw_exit_maps_close(struct tw_exit_maps *m)
{
	tw_exit_table_unmap(&m->exact_v4);
	tw_exit_table_unmap(&m->exact_v6);
	tw_exit_filter_unmap(&m->filter);
	tw_unmap_words(&m->prefix_lens, TW_PREFIX_LENS_WORDS);
}
