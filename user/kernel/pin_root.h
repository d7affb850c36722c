/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The pin root: a folder of torwatch's own on bpffs. */
#ifndef TW_PIN_ROOT_H
#define TW_PIN_ROOT_H

#include <stdbool.h>
#include <stddef.h>

#define TW_DEFAULT_PIN_ROOT "/sys/fs/bpf/torwatch"

/* Whether path is on a bpf filesystem. */
bool tw_is_bpffs(const char *path);
/* bpffs mounted on /sys/fs/bpf if needed, root checked (a folder of its
 * own on bpffs) and made. 0, or -1 with the reason in err. */
int tw_pins_prepare_root(const char *root, char *err, size_t errlen);
/* Whether root is torwatch's to change: a folder of its own on bpffs (not
 * bpffs' top) that holds torwatch's 'meta' or 'counters' pin, or is empty or absent
 * unless must_exist. 0, or -1 with the reason in err. */
int tw_pins_root_ours(const char *root, bool must_exist, char *err, size_t errlen);
void tw_pin_link_path(const char *root, const char *ifname, char *buf, size_t len);
/* Removes every pin under root (detaching pinned XDP links). */
int tw_pins_remove(const char *root);

#endif
