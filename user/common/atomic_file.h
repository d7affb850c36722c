/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A file replaced whole: written to a temporary beside it, fsynced, renamed
 * over it, the directory synced. A reader (or a crash) sees the old file or
 * the new one, never half of one. */
#ifndef TW_ATOMIC_FILE_H
#define TW_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/types.h>

struct tw_atomic_file {
	FILE *f;		/* write the new content here */
	char path[4096];
	char tmp[4160];
};

/* 0, or -errno (nothing was created). The temporary is made with O_EXCL
 * under a random name and given mode; the rename replaces a symlink at
 * path rather than following it. */
int tw_atomic_open(struct tw_atomic_file *a, const char *path, mode_t mode);
/* Puts the new file in place: 0, or -errno (the old file stays, the
 * temporary is gone). */
int tw_atomic_commit(struct tw_atomic_file *a);
/* Gives up: the temporary is removed, the old file stays. */
void tw_atomic_abort(struct tw_atomic_file *a);

#endif
