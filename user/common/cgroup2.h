/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The cgroup v2 tree: where it is mounted, and the path of a cgroup from
 * the id the kernel gives events (bpf_get_current_cgroup_id()), which is
 * the inode number of its directory there. */
#ifndef TW_COMMON_CGROUP2_H
#define TW_COMMON_CGROUP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where cgroup v2 is mounted ("/sys/fs/cgroup" or, on hybrid hosts,
 * "/sys/fs/cgroup/unified"); -1 when it is not. */
int tw_cgroup2_root(char *buf, size_t len);
/* The id of the cgroup at path ("/a/b", as /proc/PID/cgroup's "0::" line
 * gives it), 0 when there is none. */
uint64_t tw_cgroup2_id(const char *path);
/* The path of the cgroup with this id, found by walking the tree (so it
 * works after every process of it has gone; it costs a directory read per
 * cgroup): false when no cgroup has it. */
bool tw_cgroup2_path(uint64_t id, char *out, size_t len);

#endif
