/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Starts the clock the XDP program reads instead of calling the kernel for
 * the time on every exit-node packet (see TW_CLOCK_TICK_NS). */
#ifndef TW_XDP_CLOCK_H
#define TW_XDP_CLOCK_H

struct xdp_tor_bpf;

/* Runs start_clock once. Returns 0 or -errno; on failure XDP falls back to
 * the kernel's clock, slower but correct. */
int tw_xdp_clock_start(struct xdp_tor_bpf *skel);

#endif
