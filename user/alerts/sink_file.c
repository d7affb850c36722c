// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON-lines sink: one alert per line, appended to a file, or stdout
 * for "-". */
#include "alerts/sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct file_sink {
	FILE *f;
	char *path;		/* NULL for stdout */
};

static bool file_takes(const char *target)
{
	return *target != '\0';
}

static int file_open_path(struct file_sink *fs, char *err, size_t errlen)
{
	fs->f = fopen(fs->path, "ae");
	if (!fs->f) {
		int e = errno;

		snprintf(err, errlen, "cannot open alert file %s: %s", fs->path, strerror(e));
		return -e;
	}
	return 0;
}

static int file_open(struct tw_sink *s, const char *target, char *err, size_t errlen)
{
	struct file_sink *fs = calloc(1, sizeof(*fs));
	int ret;

	if (!fs)
		return -ENOMEM;
	s->priv = fs;
	if (!strcmp(target, "-")) {
		fs->f = stdout;
		return 0;
	}
	fs->path = strdup(target);
	if (!fs->path)
		return -ENOMEM;
	ret = file_open_path(fs, err, errlen);
	return ret;
}

static int file_write(struct tw_sink *s, const char *json, size_t len)
{
	struct file_sink *fs = s->priv;

	/* One stdio buffer flushed at once: the line goes out whole. */
	if (fwrite(json, 1, len, fs->f) != len || fputc('\n', fs->f) == EOF || fflush(fs->f))
		return errno ? -errno : -EIO;
	return 0;
}

static int file_reopen(struct tw_sink *s, char *err, size_t errlen)
{
	struct file_sink *fs = s->priv;
	FILE *old = fs->f;
	int ret;

	if (!fs->path)
		return 0; /* stdout stays */
	ret = file_open_path(fs, err, errlen);
	if (ret) {
		fs->f = old; /* keep writing where we wrote */
		return ret;
	}
	fclose(old);
	return 0;
}

static void file_close(struct tw_sink *s)
{
	struct file_sink *fs = s->priv;

	if (!fs)
		return;
	if (fs->path && fs->f)
		fclose(fs->f);
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
};
