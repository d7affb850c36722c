/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A start loads its objects over the pins an earlier run left: reused when
 * their layout is this one's, made anew or grown when the layout allows. */
#ifndef TW_PIN_UPGRADE_H
#define TW_PIN_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;

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
/* The entries of a TW_GROWABLE_MAPS pin of an older, smaller layout, or of
 * a TW_RETYPED_MAPS pin of the older type, kept across the load that makes
 * the map anew. */
struct tw_grown_map {
	char name[32];
	void *keys;		/* n x key_size */
	void *values;		/* n values as the syscalls pass them (per-CPU: all CPUs) */
	uint32_t old_size, key_size, type, n;	/* type: the pin's, not the new map's */
	int ncpu;
	bool retyped;
};

#define TW_MAX_GROWN 8

/* For each TW_GROWABLE_MAPS pin whose value is smaller than obj's (same
 * type and key), and each TW_RETYPED_MAPS pin of another type than obj's
 * (same key and value): its entries into grown[] and the pin removed. The
 * number kept, or -errno (then nothing was removed). */
int tw_pins_grow_prepare(struct bpf_object *obj, const char *root,
			 struct tw_grown_map grown[TW_MAX_GROWN]);
/* After the load: the kept values into obj's new maps (the new fields
 * zero), and freed; with obj NULL (the load failed) only freed. 0 or -errno. */
int tw_pins_grow_finish(struct bpf_object *obj, struct tw_grown_map *grown, int n);
/* Reuses, in dst, every map that src has under the same name: the tracing
 * objects share the XDP object's maps (exit set, config, counters...). */
int tw_reuse_maps(struct bpf_object *dst, const struct bpf_object *src);
/* Pins the TW_PINNED_PROGS of obj (after load) under root. 0 or -errno. */
int tw_pin_programs(const char *root, struct bpf_object *obj);

#endif
