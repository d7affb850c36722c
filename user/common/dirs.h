/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Directories made where they are missing: the pin root on bpffs, a spool's
 * state directory removed under the daemon. */
#ifndef TW_DIRS_H
#define TW_DIRS_H

#include <sys/types.h>

/* path and every directory above it, made with mode where missing (as
 * mkdir -p). 0 or -errno. */
int tw_mkdir_p(const char *path, mode_t mode);
/* The same for the directory that holds the file at path. */
int tw_mkdir_parent(const char *path, mode_t mode);

#endif
