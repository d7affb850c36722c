// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tw_atomic_open(struct tw_atomic_file *a, const char *path, mode_t mode)
{
	int fd;

	if ((size_t)snprintf(a->path, sizeof(a->path), "%s", path) >= sizeof(a->path))
		return -ENAMETOOLONG;
	/* A name nobody can guess, made with O_EXCL: the directory may be a
	 * less trusted user's (a textfile-collector or web root), who could
	 * otherwise plant a symlink where root then writes. */
	snprintf(a->tmp, sizeof(a->tmp), "%s.tmp.XXXXXX", path);
	fd = mkostemp(a->tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode)) {
		int err = -errno;

		close(fd);
		unlink(a->tmp);
		return err;
	}
	a->f = fdopen(fd, "w");
	if (!a->f) {
		int err = -errno;

		close(fd);
		unlink(a->tmp);
		return err;
	}
	return 0;
}

int tw_atomic_commit(struct tw_atomic_file *a)
{
	char dir[sizeof(a->path)];
	int err = 0, fd;

	if (fflush(a->f) || fsync(fileno(a->f)))
		err = -errno;
	if (fclose(a->f) && !err)
		err = -errno;
	a->f = NULL;
	if (!err && rename(a->tmp, a->path))
		err = -errno;
	if (err) {
		unlink(a->tmp);
		return err;
	}
	/* The rename itself is durable once the directory is synced. */
	memcpy(dir, a->path, sizeof(dir));
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

void tw_atomic_abort(struct tw_atomic_file *a)
{
	if (a->f)
		fclose(a->f);
	a->f = NULL;
	unlink(a->tmp);
}
