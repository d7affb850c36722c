/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* State pinned under the pin root: maps (by name) and XDP links. The CLI
 * works from these, so it needs no daemon. */
#ifndef TW_PINS_H
#define TW_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "tw_pins.h"

#define TW_DEFAULT_PIN_ROOT "/sys/fs/bpf/torwatch"

struct bpf_object;

/* Map fds of a running (or crashed) instance, opened from their pins. */
struct tw_pinned {
#define TW_PINNED_FD(map) int map;
	TW_PINNED_MAPS(TW_PINNED_FD)
#undef TW_PINNED_FD
};

/* Whether path is on a bpf filesystem. */
bool tw_is_bpffs(const char *path);
/* bpffs mounted on /sys/fs/bpf if needed, root checked (a folder of its
 * own on bpffs) and made. 0, or -1 with the reason in err. */
int tw_pins_prepare_root(const char *root, char *err, size_t errlen);
/* Whether root is torwatch's to change: a folder of its own on bpffs (not
 * bpffs' top) that holds torwatch's 'meta' or 'counters' pin, or is empty or absent
 * unless must_exist. 0, or -1 with the reason in err. */
int tw_pins_root_ours(const char *root, bool must_exist, char *err, size_t errlen);
/* Pins every map of obj under root by name; existing pins are reused at load. */
int tw_pins_set_paths(struct bpf_object *obj, const char *root);
/* Before anything is changed: does every pinned map that a start neither
 * makes anew nor grows have obj's layout (type, key and value size)? 0, or
 * -EINVAL with the first that does not in bad. */
int tw_pins_check_layout(struct bpf_object *obj, const char *root, char *bad, size_t badlen);
/* Removes the pins of TW_REPUBLISHED_MAPS whose layout differs from obj's
 * (left by an older torwatch), so that loading obj makes them anew. 0 or
 * -errno. */
int tw_pins_replace_republished(struct bpf_object *obj, const char *root);
/* The values of a TW_GROWABLE_MAPS pin of an older, smaller layout, kept
 * across the load that makes the map anew. */
struct tw_grown_map {
	char name[32];
	void *values;		/* entries x CPUs x old_size */
	uint32_t old_size, entries;
	int ncpu;
};

#define TW_MAX_GROWN 4

/* For each TW_GROWABLE_MAPS pin whose value is smaller than obj's: its
 * values into grown[] and the pin removed. The number kept, or -errno
 * (then nothing was removed). */
int tw_pins_grow_prepare(struct bpf_object *obj, const char *root,
			 struct tw_grown_map grown[TW_MAX_GROWN]);
/* After the load: the kept values into obj's new maps (the new fields
 * zero), and freed; with obj NULL (the load failed) only freed. 0 or -errno. */
int tw_pins_grow_finish(struct bpf_object *obj, struct tw_grown_map *grown, int n);
/* Reuses, in dst, every map that src has under the same name: the tracing
 * objects share the XDP object's maps (exit set, config, counters...). */
int tw_reuse_maps(struct bpf_object *dst, const struct bpf_object *src);
/* The object pinned as root/name (a map, a program): an fd, or -1 with errno. */
int tw_pin_open(const char *root, const char *name);
/* The same, read-only (BPF_F_RDONLY): what a member of the pins' group may. */
int tw_pin_open_ro(const char *root, const char *name);
/* Opens all pinned maps, read-only unless write; one sentence in err when
 * nothing is pinned or we may not open them. */
int tw_pinned_open(const char *root, struct tw_pinned *p, bool write, char *err, size_t errlen);
/* Lets group gid read the pins under root (maps 0640, check_exit 0660, the
 * directory 0750); the other programs and the links stay the owner's.
 * 0 or -errno. */
int tw_pins_share(const char *root, gid_t gid);
void tw_pinned_close(struct tw_pinned *p);
struct tw_prefix;
struct tw_check_ctx;
struct bpf_object;
/* Runs the pinned program pin (TW_PIN_PROG) on frame, answered in place.
 * 0, or -errno (-ENOENT: nothing pinned under root, or pinned by an older
 * torwatch). */
int tw_run_pinned(const char *root, const char *pin, void *frame, size_t len);
/* Runs the XDP program's own exit-set lookup on a (check_exit): found,
 * sources, entry length, allowlisted. 0 or -errno as tw_run_pinned. */
int tw_exit_check(const char *root, const struct tw_prefix *a, struct tw_check_ctx *out);
/* Pins the TW_PINNED_PROGS of obj (after load) under root. 0 or -errno. */
int tw_pin_programs(const char *root, struct bpf_object *obj);
void tw_pin_link_path(const char *root, const char *ifname, char *buf, size_t len);
/* Removes every pin under root (detaching pinned XDP links). */
int tw_pins_remove(const char *root);

#endif
