/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The cgroup-v2 root and all-or-none cgroup attachment. */
#ifndef TW_KERNEL_CGROUP_H
#define TW_KERNEL_CGROUP_H

#include <stddef.h>

#include "common/cgroup2.h"

struct bpf_program;
struct bpf_link;

/* Attaches each of progs to the cgroup, links[i] for progs[i]; when one
 * fails, the ones before are detached again: all or none. 0 or -errno. */
int tw_attach_cgroup_all(struct bpf_program *const *progs, size_t n, int cgroup_fd,
			 struct bpf_link **links);
#define TW_CGROUP_MAX_PROGS 8

/* The same on the cgroup v2 root, each link stored in *slots[i] (a
 * skeleton's, which destroys what it holds) once all are attached: 0, or
 * -errno with one sentence in why (no cgroup v2, cannot open it, cannot
 * attach), and no slot touched. */
int tw_attach_cgroup_root(struct bpf_program *const *progs, struct bpf_link **const *slots,
			  size_t n, char *why, size_t whylen);

#endif
