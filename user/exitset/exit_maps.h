/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exit-set maps of a loaded xdp_tor skeleton, ready for tw_exit_set_apply. */
#ifndef TW_EXIT_MAPS_H
#define TW_EXIT_MAPS_H

#include "exitset/exit_set.h"

struct xdp_tor_bpf;

/* Before load: room for max_exact addresses per family, prefilter to match. */
int tw_exit_maps_size(struct xdp_tor_bpf *skel, uint32_t max_exact);
/* After load: fds, the exact tables and the prefilter mapped. */
int tw_exit_maps_open(struct xdp_tor_bpf *skel, struct tw_exit_maps *m);
void tw_exit_maps_close(struct tw_exit_maps *m);

#endif
