// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "exitset/allowlist.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include "torwatch.h"

static void make_key(const struct tw_prefix *p, void *key)
{
	*(__u32 *)key = p->prefixlen;
	memcpy((char *)key + 4, p->addr, p->family == AF_INET ? 4 : 16);
}

static bool listed(const struct tw_prefix *list, size_t n, int family, const void *key)
{
	char k[sizeof(struct tw_lpm_v6_key)];
	size_t ks = family == AF_INET ? sizeof(struct tw_lpm_v4_key) : sizeof(struct tw_lpm_v6_key);

	for (size_t i = 0; i < n; i++) {
		if (list[i].family != family)
			continue;
		memset(k, 0, sizeof(k));
		make_key(&list[i], k);
		if (!memcmp(k, key, ks))
			return true;
	}
	return false;
}

/* Removes from one trie what list does not hold. */
static int prune(int fd, int family, const struct tw_prefix *list, size_t n)
{
	char key[sizeof(struct tw_lpm_v6_key)], next[sizeof(key)];
	size_t ks = family == AF_INET ? sizeof(struct tw_lpm_v4_key) : sizeof(struct tw_lpm_v6_key);
	void *prev = NULL;

	memset(key, 0, sizeof(key));
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ks);
		if (!listed(list, n, family, key)) {
			if (bpf_map_delete_elem(fd, key))
				return -errno;
			prev = NULL; /* start the walk again */
			continue;
		}
		prev = key;
	}
	return 0;
}

int tw_allowlist_apply(int fd_v4, int fd_v6, const struct tw_prefix *list, size_t n)
{
	char key[sizeof(struct tw_lpm_v6_key)];
	int err;

	for (size_t i = 0; i < n; i++) {
		struct tw_allow_val v = { .prefixlen = list[i].prefixlen };

		memset(key, 0, sizeof(key));
		make_key(&list[i], key);
		if (bpf_map_update_elem(list[i].family == AF_INET ? fd_v4 : fd_v6, key, &v, BPF_ANY))
			return -errno;
	}
	err = prune(fd_v4, AF_INET, list, n);
	return err ? err : prune(fd_v6, AF_INET6, list, n);
}
