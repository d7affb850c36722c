// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON-lines sink: one alert per line, appended to a file (created
 * 0640: alerts name processes and addresses), or stdout for "-". Each line
 * goes out in one write(2), so a line is never split or interleaved. Its
 * write and reopen run on the sink's writer thread (sink_thread.h). */
#include "alerts/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "common/log.h"

struct file_sink {
	int fd;
	char *path;		/* NULL for stdout */
};

/* A path: anything that is not a URL or a syslog target. */
static bool file_takes(const char *target)
{
	return *target && !strstr(target, "://") && strncmp(target, "syslog:", 7);
}

/* What opening would refuse, said without creating the file: for
 * --check-config, and for a start that found no directory. */
static int file_check_path(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	struct stat st;
	char *slash;

	if (!lstat(path, &st)) {
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "alert file %s is a symbolic link, which torwatch does not follow: name the file itself",
				 path);
			return -ELOOP;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "alert file %s is a directory: name a file in it", path);
			return -EISDIR;
		}
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;	/* the working directory */
	slash[slash == dir] = '\0';
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot open alert file %s: its directory %s does not exist", path,
			 dir);
		return -ENOENT;
	}
	return 0;
}

static int file_open_path(struct file_sink *fs, char *err, size_t errlen)
{
	int fd = open(fs->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0) {
		int e = errno;

		/* Root must not append where a planted link points. */
		if (e == ELOOP)
			snprintf(err, errlen, "alert file %s is a symbolic link, which torwatch does not follow: name the file itself",
				 fs->path);
		else if (e != ENOENT || !file_check_path(fs->path, err, errlen))
			snprintf(err, errlen, "cannot open alert file %s: %s", fs->path, strerror(e));
		return -e;
	}
	fs->fd = fd;
	return 0;
}

static int file_open(struct tw_sink *s, const char *target, char *err, size_t errlen)
{
	struct file_sink *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return -ENOMEM;
	s->priv = fs;
	if (!strcmp(target, "-")) {
		fs->fd = STDOUT_FILENO;
		return 0;
	}
	fs->path = strdup(target);
	if (!fs->path)
		return -ENOMEM;
	if (s->settings.check_only) {
		fs->fd = -1;
		return file_check_path(fs->path, err, errlen);
	}
	return file_open_path(fs, err, errlen);
}

/* The file was removed under us (its directory too, maybe): lines written
 * to the old fd would go nowhere. It is made again where it was, or the
 * write fails (counted) until it can be. */
static int follow_removal(struct tw_sink *s, struct file_sink *fs)
{
	struct stat st;
	char err[256];
	int old = fs->fd;

	if (!fs->path || fstat(fs->fd, &st) || st.st_nlink)
		return 0;
	if (file_open_path(fs, err, sizeof(err)))
		return -ENOENT;
	close(old);
	tw_info("alert file %s was removed under the daemon; it is made again", fs->path);
	return 0;
}

/* A file system that turned read-only on an error, or a dead device: the
 * fd stays on it even once the disk is repaired and mounted again at the
 * same place, so the path is opened anew (an open that fails as fast as
 * the write did while the disk is still dead). True when a new fd is there
 * to try. */
static bool reopen_dead(struct file_sink *fs, int err)
{
	char why[256];
	int old = fs->fd;

	if (!fs->path || (err != EROFS && err != EIO && err != ENXIO))
		return false;
	if (file_open_path(fs, why, sizeof(why)))
		return false;
	close(old);
	return true;
}

static ssize_t write_line(int fd, struct iovec *iov)
{
	ssize_t n;

	do
		n = writev(fd, iov, 2);
	while (n < 0 && errno == EINTR);
	return n;
}

static int file_write(struct tw_sink *s, const char *json, size_t len, struct json_object *alert)
{
	struct file_sink *fs = s->priv;
	struct iovec iov[2] = { { (void *)json, len }, { "\n", 1 } };
	ssize_t n;
	int ret = follow_removal(s, fs);

	if (ret)
		return ret;
	n = write_line(fs->fd, iov);
	if (n < 0 && reopen_dead(fs, errno))
		n = write_line(fs->fd, iov);
	if (n < 0)
		return -errno;
	/* A short write (a full disk) left part of a line: a file is cut
	 * back to where the line began, so that no reader sees half an
	 * alert; on a pipe the line is ended instead. */
	if ((size_t)n != len + 1) {
		off_t end = lseek(fs->fd, 0, SEEK_END);

		if (!fs->path || end < n || ftruncate(fs->fd, end - n))
			if (write(fs->fd, "\n", 1) < 0) { /* best effort */
			}
		return -ENOSPC;
	}
	return 0;
}

static int file_reopen(struct tw_sink *s, char *err, size_t errlen)
{
	struct file_sink *fs = s->priv;
	int old = fs->fd, ret;

	if (!fs->path)
		return 0; /* stdout stays */
	ret = file_open_path(fs, err, errlen);
	if (ret) {
		fs->fd = old; /* keep writing where we wrote */
		return ret;
	}
	close(old);
	return 0;
}

static void file_close(struct tw_sink *s)
{
	struct file_sink *fs = s->priv;

	if (!fs)
		return;
	if (fs->path && fs->fd >= 0)
		close(fs->fd);
	free(fs->path);
	free(fs);
	s->priv = NULL;
}

const struct tw_sink_ops tw_sink_file = {
	.kind = "file",
	.takes = file_takes,
	.open = file_open,
	.write = file_write,
	.reopen = file_reopen,
	.close = file_close,
	.own_thread = true,
};
