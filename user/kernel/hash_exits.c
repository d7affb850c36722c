// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/hash_exits.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/pins.h"

static const char *const names[2] = { "exit_v4", "exit_v6" };

/* Every entry of the hash map behind fd (key_size 4 or 16). */
static int read_all(int fd, const struct bpf_map_info *info, struct tw_hash_exits *k)
{
	uint8_t key[16] = {}, next[16] = {}, *prev = NULL;
	char *val = calloc(1, info->value_size);

	k->keys = calloc(info->max_entries ? info->max_entries : 1, sizeof(*k->keys));
	k->stats = calloc(info->max_entries ? info->max_entries : 1, sizeof(*k->stats));
	if (!val || !k->keys || !k->stats) {
		free(val);
		return -ENOMEM;
	}
	while (k->n < info->max_entries && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, info->key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		memcpy(k->keys[k->n], key, info->key_size);
		memcpy(&k->stats[k->n], val,
		       info->value_size < sizeof(k->stats[0]) ? info->value_size : sizeof(k->stats[0]));
		k->n++;
	}
	free(val);
	return 0;
}

long tw_hash_exits_take(const char *root, struct tw_hash_exits kept[2])
{
	char path[PATH_MAX];
	bool found[2] = {};
	int err = 0;

	memset(kept, 0, 2 * sizeof(*kept));
	for (int f = 0; f < 2 && !err; f++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = tw_pin_open(root, names[f]);

		if (fd < 0)
			continue;
		found[f] = true;
		err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
		if (!err && (info.type != BPF_MAP_TYPE_HASH || info.key_size != (f ? 16u : 4u)))
			err = -EINVAL;
		if (!err)
			err = read_all(fd, &info, &kept[f]);
		close(fd);
	}
	/* Removed only once both are read. */
	for (int f = 0; f < 2 && !err; f++) {
		snprintf(path, sizeof(path), "%s/%s", root, names[f]);
		if (found[f] && unlink(path))
			err = -errno;
	}
	if (err) {
		tw_hash_exits_free(kept);
		return err;
	}
	return (long)kept[0].n + kept[1].n;
}

long tw_hash_exits_adopt(struct tw_hash_exits kept[2], struct tw_exit_table *v4,
			 struct tw_exit_table *v6)
{
	struct tw_exit_table *t[2] = { v4, v6 };
	long in = 0;

	for (int f = 0; f < 2; f++)
		for (uint32_t i = 0; i < kept[f].n; i++)
			in += !tw_exit_table_insert(t[f], kept[f].keys[i], &kept[f].stats[i]);
	tw_hash_exits_free(kept);
	return in;
}

void tw_hash_exits_free(struct tw_hash_exits kept[2])
{
	for (int f = 0; f < 2; f++) {
		free(kept[f].keys);
		free(kept[f].stats);
		kept[f] = (struct tw_hash_exits){};
	}
}
