/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A sensor's kernel side kept across daemons (a restart, an upgrade, a
 * crash): its maps pinned and reused by the next start, its links pinned so
 * that its programs keep watching while no daemon runs. What they raise
 * meanwhile waits in the pinned ring for the next daemon. */
#ifndef TW_KERNEL_KEPT_PINS_H
#define TW_KERNEL_KEPT_PINS_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_map;
struct bpf_link;

/* Before load: map pinned as root/name. An earlier run's pin of the same
 * type, key and value size, entries and flags is reused with what it holds;
 * one of another layout (an older torwatch) is removed, *dropped set, and
 * the load makes it anew. 0 or -errno. */
int tw_keep_map(struct bpf_map *map, const char *root, const char *name, bool *dropped);

struct bpf_object;
/* tw_keep_map for the maps of obj named in names, each pinned by its name;
 * the ones made anew are named in one warning that starts with who. 0 or
 * -errno. */
int tw_keep_maps(struct bpf_object *obj, const char *root, const char *const *names, size_t n,
		 const char *who);

/* After attach: links[i] pinned as root/names[i], each over an earlier
 * run's pin of that name in one rename, so that a link watches at every
 * moment (the old one detaches when its pin goes); then every other pin
 * whose name starts with prefix (a hook this start does not use, a pin left
 * half made by a killed start) is removed, detaching its link. Between the
 * two, both run: an event may be reported twice, none is missed. 0, or
 * -errno: the links pinned before the failure stay, the rest are the
 * earlier run's. */
int tw_keep_links(const char *root, const char *prefix, struct bpf_link *const *links,
		  const char *const *names, size_t n);

struct bpf_object_skeleton;
/* tw_keep_links for every link a skeleton holds, each named prefix and its
 * program's name. */
int tw_keep_skeleton_links(const struct bpf_object_skeleton *sk, const char *root,
			   const char *prefix);

/* Is a link pinned under root whose name starts with prefix? */
bool tw_kept_link_exists(const char *root, const char *prefix);

#endif
