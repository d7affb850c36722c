// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/listen/sock_owners.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sock_owners.skel.h"

int tw_sock_owners(struct tw_sock_owner **out, size_t *n)
{
	struct sock_owners_bpf *skel = sock_owners_bpf__open_and_load();
	struct tw_sock_owner *v = NULL;
	size_t len = 0, cap = 0;
	int fd = -1, ret = 0;
	ssize_t got;

	*out = NULL;
	*n = 0;
	if (!skel)
		return -errno;
	skel->links.sock_owners = bpf_program__attach_iter(skel->progs.sock_owners, NULL);
	if (!skel->links.sock_owners) {
		ret = -errno;
		goto out;
	}
	fd = bpf_iter_create(bpf_link__fd(skel->links.sock_owners));
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		if (cap - len < 4096) {
			struct tw_sock_owner *nv;

			cap = cap ? cap * 2 : 65536;
			nv = realloc(v, cap);
			if (!nv) {
				ret = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		got = read(fd, (char *)v + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			goto out;
		}
		if (!got)
			break;
		len += (size_t)got;
	}
	*out = v;
	*n = len / sizeof(*v);
	v = NULL;
out:
	free(v);
	if (fd >= 0)
		close(fd);
	sock_owners_bpf__destroy(skel);
	return ret;
}
