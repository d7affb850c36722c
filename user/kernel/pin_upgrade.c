// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Loading over an earlier run's pins: paths, the layout check, maps made
 * anew or grown, maps shared between objects, the pinned programs. */
#include "kernel/pin_upgrade.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/pins.h"

/* Whether a hash map preallocates its elements is the pin's to say: a map
 * pinned by a torwatch that preallocated is adopted as it is (the programs
 * work with either), so an upgrade keeps its counters. */
static int follow_pinned_prealloc(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(map) &&
	    (info.map_flags ^ bpf_map__map_flags(map)) == BPF_F_NO_PREALLOC)
		err = bpf_map__set_map_flags(map, info.map_flags);
	close(fd);
	return err;
}

int tw_pins_set_paths(struct bpf_object *obj, const char *root)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	bpf_object__for_each_map(map, obj) {
		/* .rodata/.bss are per-load internals, not shared state. */
		if (strchr(bpf_map__name(map), '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, bpf_map__name(map));
		err = follow_pinned_prealloc(map, path);
		if (!err)
			err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* Is name one of the maps a start makes anew or grows (never refused)? */
static bool carried_over(const char *name)
{
	static const char *const names[] = {
#define NAME(map) TW_PIN_NAME(map),
		TW_REPUBLISHED_MAPS(NAME) TW_GROWABLE_MAPS(NAME) TW_RETYPED_MAPS(NAME)
#undef NAME
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

int tw_pins_check_layout(struct bpf_object *obj, const char *root, char *bad, size_t badlen)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;
		bool same;

		if (strchr(name, '.') || carried_over(name))
			continue;
		fd = tw_pin_open(root, name);
		if (fd < 0)
			continue;
		same = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(m) &&
		       info.key_size == bpf_map__key_size(m) &&
		       info.value_size == bpf_map__value_size(m);
		close(fd);
		if (!same) {
			snprintf(bad, badlen, "%s", name);
			return -EINVAL;
		}
	}
	return 0;
}

int tw_pins_replace_republished(struct bpf_object *obj, const char *root)
{
	static const char *const names[] = {
#define NAME(map) TW_PIN_NAME(map),
		TW_REPUBLISHED_MAPS(NAME)
#undef NAME
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct bpf_map *m = bpf_object__find_map_by_name(obj, names[i]);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd = tw_pin_open(root, names[i]);

		if (fd < 0 || !m)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    (info.value_size != bpf_map__value_size(m) ||
		     info.max_entries != bpf_map__max_entries(m))) {
			snprintf(path, sizeof(path), "%s/%s", root, names[i]);
			if (unlink(path)) {
				close(fd);
				return -errno;
			}
		}
		close(fd);
	}
	return 0;
}

static bool percpu_type(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Bytes of one value as the syscalls pass it: per-CPU values are one 8-byte
 * aligned slot per possible CPU. */
static size_t value_stride(__u32 type, size_t size, int ncpu)
{
	return percpu_type(type) ? (size_t)ncpu * ((size + 7) & ~(size_t)7) : size;
}

/* Every key and value of the map behind fd into g (arrays: every index). */
static int keep_entries(int fd, const struct bpf_map_info *info, int ncpu, struct tw_grown_map *g)
{
	size_t stride = value_stride(info->type, info->value_size, ncpu);
	char *key = malloc(info->key_size), *prev = NULL;

	g->keys = calloc(info->max_entries ? info->max_entries : 1, info->key_size);
	g->values = calloc(info->max_entries ? info->max_entries : 1, stride);
	if (!key || !g->keys || !g->values) {
		free(key);
		return -ENOMEM;
	}
	while (g->n < info->max_entries && !bpf_map_get_next_key(fd, prev, key)) {
		char *k = (char *)g->keys + (size_t)g->n * info->key_size;

		memcpy(k, key, info->key_size);
		prev = k;
		/* An LRU entry may go between the two calls: skip it. */
		if (!bpf_map_lookup_elem(fd, k, (char *)g->values + (size_t)g->n * stride))
			g->n++;
	}
	free(key);
	return 0;
}

/* Is the pin described by info one to carry into m: a growable map's smaller
 * value (same type and key; arrays of per-CPU values the same length), or a
 * retyped map's other type (same key and value)? */
static bool to_carry(const struct bpf_map *m, const struct bpf_map_info *info, bool retyped)
{
	if (info->key_size != bpf_map__key_size(m))
		return false;
	if (retyped)
		return info->type != bpf_map__type(m) && info->value_size == bpf_map__value_size(m);
	return info->value_size < bpf_map__value_size(m) && info->type == bpf_map__type(m) &&
	       (info->type != BPF_MAP_TYPE_PERCPU_ARRAY ||
		info->max_entries == bpf_map__max_entries(m));
}

int tw_pins_grow_prepare(struct bpf_object *obj, const char *root,
			 struct tw_grown_map grown[TW_MAX_GROWN])
{
	static const struct {
		const char *name;
		bool retyped;
	} names[] = {
#define GROWABLE(map) { TW_PIN_NAME(map), false },
#define RETYPED(map) { TW_PIN_NAME(map), true },
		TW_GROWABLE_MAPS(GROWABLE) TW_RETYPED_MAPS(RETYPED)
#undef GROWABLE
#undef RETYPED
	};
	int n = 0, ncpu = libbpf_num_possible_cpus();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && n < TW_MAX_GROWN; i++) {
		const struct bpf_map *m = bpf_object__find_map_by_name(obj, names[i].name);
		struct bpf_map_info info = {};
		struct tw_grown_map *g = &grown[n];
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd = tw_pin_open(root, names[i].name), ret;

		if (fd < 0 || !m || ncpu <= 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !to_carry(m, &info, names[i].retyped)) {
			close(fd);
			continue;
		}
		*g = (struct tw_grown_map){ .old_size = info.value_size, .key_size = info.key_size,
					    .type = info.type, .ncpu = ncpu,
					    .retyped = names[i].retyped };
		snprintf(g->name, sizeof(g->name), "%s", names[i].name);
		ret = keep_entries(fd, &info, ncpu, g);
		close(fd);
		snprintf(path, sizeof(path), "%s/%s", root, names[i].name);
		if (!ret && unlink(path))
			ret = -errno;
		if (ret) {
			tw_pins_grow_finish(NULL, grown, n + 1);	/* frees */
			return ret;
		}
		n++;
	}
	return n;
}

int tw_pins_grow_finish(struct bpf_object *obj, struct tw_grown_map *grown, int n)
{
	int ret = 0;

	for (int i = 0; i < n; i++) {
		struct tw_grown_map *g = &grown[i];
		const struct bpf_map *m = obj ? bpf_object__find_map_by_name(obj, g->name) : NULL;
		size_t new_size = m ? bpf_map__value_size(m) : 0;
		size_t old_stride = value_stride(g->type, g->old_size, g->ncpu);
		size_t new_stride = value_stride(g->type, new_size, g->ncpu);
		int slots = percpu_type(g->type) ? g->ncpu : 1;
		char *buf = new_size ? calloc(1, new_stride) : NULL;

		/* Each value (each CPU's slot) keeps its old bytes first; the
		 * fields the new layout added at the end start at zero. */
		for (__u32 k = 0; buf && k < g->n; k++) {
			const char *old = (const char *)g->values + (size_t)k * old_stride;

			memset(buf, 0, new_stride);
			for (int c = 0; c < slots; c++)
				memcpy(buf + (size_t)c * (new_stride / slots),
				       old + (size_t)c * (old_stride / slots), g->old_size);
			if (bpf_map__update_elem(m, (char *)g->keys + (size_t)k * g->key_size,
						 g->key_size, buf, new_stride, BPF_ANY))
				ret = -errno;
		}
		if (!buf && obj)
			ret = -ENOMEM;
		free(buf);
		free(g->keys);
		free(g->values);
		g->keys = g->values = NULL;
	}
	return ret;
}

int tw_reuse_maps(struct bpf_object *dst, const struct bpf_object *src)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, dst) {
		const struct bpf_map *twin =
			bpf_object__find_map_by_name(src, bpf_map__name(m));
		int err;

		if (!twin || strchr(bpf_map__name(m), '.'))
			continue;
		err = bpf_map__reuse_fd(m, bpf_map__fd(twin));
		if (err)
			return err;
	}
	return 0;
}

int tw_pin_programs(const char *root, struct bpf_object *obj)
{
	static const char *const progs[] = {
#define TW_PROG_NAME(prog) #prog,
		TW_PINNED_PROGS(TW_PROG_NAME)
#undef TW_PROG_NAME
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);

		if (!p)
			return -ENOENT;
		snprintf(path, sizeof(path), "%s/" TW_PIN_PROG_PREFIX "%s", root, progs[i]);
		unlink(path); /* an earlier run's: ours replaces it */
		if (bpf_program__pin(p, path))
			return -errno;
	}
	return 0;
}
