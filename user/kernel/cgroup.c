// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Attaching programs to a cgroup all or none, and to the cgroup v2 root:
 * the listen detector's UDP hooks and the session tracker's use both. */
#include "kernel/cgroup.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int tw_attach_cgroup_all(struct bpf_program *const *progs, size_t n, int cgroup_fd,
			 struct bpf_link **links)
{
	for (size_t i = 0; i < n; i++) {
		links[i] = bpf_program__attach_cgroup(progs[i], cgroup_fd);
		if (!links[i]) {
			int e = -errno;

			while (i--) {
				bpf_link__destroy(links[i]);
				links[i] = NULL;
			}
			return e ? e : -EINVAL;
		}
	}
	return 0;
}

int tw_attach_cgroup_root(struct bpf_program *const *progs, struct bpf_link **const *slots,
			  size_t n, char *why, size_t whylen)
{
	struct bpf_link *links[TW_CGROUP_MAX_PROGS] = {};
	char root[256];
	int fd, ret;

	if (n > TW_CGROUP_MAX_PROGS)
		return -E2BIG;

	if (tw_cgroup2_root(root, sizeof(root))) {
		snprintf(why, whylen, "no cgroup v2 hierarchy is mounted");
		return -ENOENT;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "cannot open %s: %s", root, strerror(-ret));
		return ret;
	}
	ret = tw_attach_cgroup_all(progs, n, fd, links);
	close(fd);
	if (ret) {
		snprintf(why, whylen, "cannot attach to cgroup %s (%s)", root, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n; i++)
		*slots[i] = links[i];
	return 0;
}
