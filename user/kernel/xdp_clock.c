// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/xdp_clock.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include "xdp_tor.skel.h"

int tw_xdp_clock_start(struct xdp_tor_bpf *skel)
{
	unsigned char frame[64] = { 0 }; /* BPF_PROG_TEST_RUN wants a frame; it is not read */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.start_clock), &opts);

	if (err)
		return -errno;
	return opts.retval == XDP_PASS ? 0 : -ENOENT;
}
