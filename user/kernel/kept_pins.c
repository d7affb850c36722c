// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/kept_pins.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"

/* The suffix of a link pinned aside before the rename (bpffs refuses dots). */
#define ASIDE "_new"

static bool same_layout(const struct bpf_map *m, const struct bpf_map_info *info)
{
	return info->type == (__u32)bpf_map__type(m) && info->key_size == bpf_map__key_size(m) &&
	       info->value_size == bpf_map__value_size(m) &&
	       info->max_entries == bpf_map__max_entries(m) &&
	       info->map_flags == bpf_map__map_flags(m);
}

int tw_keep_map(struct bpf_map *map, const char *root, const char *name, bool *dropped)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	*dropped = false;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !same_layout(map, &info)) {
			unlink(path);
			*dropped = true;
		}
		close(fd);
	}
	return bpf_map__set_pin_path(map, path);
}

int tw_keep_maps(struct bpf_object *obj, const char *root, const char *const *names, size_t n,
		 const char *who)
{
	char dropped[256] = "";
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, names[i]);
		bool gone;
		int ret;

		if (!m)
			return -ENOENT;
		ret = tw_keep_map(m, root, names[i], &gone);
		if (ret)
			return ret;
		if (gone && used < sizeof(dropped))
			used += (size_t)snprintf(dropped + used, sizeof(dropped) - used, "%s%s",
						 used ? ", " : "", names[i]);
	}
	if (used)
		tw_warn("%s: an earlier torwatch pinned %s with another layout: made anew, what it held is lost",
			who, dropped);
	return 0;
}

static bool named(const char *entry, const char *prefix, const char *const *names, size_t n)
{
	size_t plen = strlen(prefix);

	if (strncmp(entry, prefix, plen))
		return true;	/* not ours to judge */
	for (size_t i = 0; i < n; i++)
		if (!strcmp(entry, names[i]))
			return true;
	return false;
}

/* Pins of prefix that this start did not make: detached with their pin. */
static void remove_others(const char *root, const char *prefix, const char *const *names, size_t n)
{
	DIR *d = opendir(root);
	char path[PATH_MAX];
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (!named(de->d_name, prefix, names, n)) {
			snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
			unlink(path);
		}
	closedir(d);
}

int tw_keep_links(const char *root, const char *prefix, struct bpf_link *const *links,
		  const char *const *names, size_t n)
{
	char path[PATH_MAX], aside[PATH_MAX];
	size_t done = 0;
	int ret = 0;

	for (; done < n && !ret; done++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, names[done]) >=
		    sizeof(path) - sizeof(ASIDE))
			return -ENAMETOOLONG;
		snprintf(aside, sizeof(aside), "%.4000s" ASIDE, path);
		unlink(aside);	/* left by a start killed between the two steps */
		ret = bpf_link__pin(links[done], aside);
		if (!ret && rename(aside, path))
			ret = -errno;
		if (ret)
			unlink(aside);
	}
	if (ret) {
		/* The ones renamed so far stay: each watches as the old did. */
		return ret;
	}
	remove_others(root, prefix, names, n);
	return 0;
}

#define MAX_KEPT_LINKS 16

int tw_keep_skeleton_links(const struct bpf_object_skeleton *sk, const char *root,
			   const char *prefix)
{
	char names[MAX_KEPT_LINKS][NAME_MAX + 1];
	const char *name_of[MAX_KEPT_LINKS];
	struct bpf_link *links[MAX_KEPT_LINKS];
	size_t n = 0;

	for (int i = 0; i < sk->prog_cnt; i++) {
		const struct bpf_prog_skeleton *p =
			(const void *)((const char *)sk->progs + (size_t)i * (size_t)sk->prog_skel_sz);

		if (!*p->link)
			continue;
		if (n == MAX_KEPT_LINKS)
			return -E2BIG;
		snprintf(names[n], sizeof(names[n]), "%s%s", prefix, p->name);
		name_of[n] = names[n];
		links[n++] = *p->link;
	}
	return tw_keep_links(root, prefix, links, name_of, n);
}

bool tw_kept_link_exists(const char *root, const char *prefix)
{
	DIR *d = opendir(root);
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d)))
		found = !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return found;
}
