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

#include "kernel/exit_table.h"
#include "kernel/pin_root.h"

struct bpf_object;

/* Map fds of a running (or crashed) instance, opened from their pins, and
 * the exact tables mapped read-only. */
struct tw_pinned {
#define TW_PINNED_FD(map) int map;
	TW_PINNED_MAPS(TW_PINNED_FD)
#undef TW_PINNED_FD
	struct tw_exit_table exits_v4, exits_v6;
};

/* The object pinned as root/name (a map, a program): an fd, or -1 with errno. */
int tw_pin_open(const char *root, const char *name);
/* The same, read-only (BPF_F_RDONLY): what a member of the pins' group may. */
int tw_pin_open_ro(const char *root, const char *name);
/* Opens all pinned maps, read-only unless write; one sentence in err when
 * nothing is pinned or we may not open them. */
int tw_pinned_open(const char *root, struct tw_pinned *p, bool write, char *err, size_t errlen);
/* Has a daemon pinned its state under root (true also when root cannot be
 * searched by us: the open then says why)? */
bool tw_pins_exist(const char *root);
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
#endif
