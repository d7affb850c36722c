// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "config/config_file.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

struct reader {
	FILE *f;
	int line;		/* the line inih is handling */
	tw_config_setting_fn fn;
	void *ctx;
	int err_line;		/* first line the handler refused, 0 = none */
	char reason[256];
};

/* inih reads line by line through this: it lets us count lines. */
static char *read_line(char *buf, int size, void *stream)
{
	struct reader *r = stream;
	char *s = fgets(buf, size, r->f);

	if (s)
		r->line++;
	return s;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	if (r->err_line)
		return 1; /* the first error is the one reported */
	if (!r->fn(r->ctx, section, name, value, r->reason, sizeof(r->reason)))
		return 1;
	r->err_line = r->line;
	return 0;
}

int tw_config_read(const char *path, tw_config_setting_fn fn, void *ctx, char *err, size_t errlen)
{
	struct reader r = { .fn = fn, .ctx = ctx };
	int line;

	r.f = fopen(path, "re");
	if (!r.f) {
		snprintf(err, errlen, "cannot read config %s: %s", path, strerror(errno));
		return -1;
	}
	line = ini_parse_stream(read_line, &r, on_setting, &r);
	fclose(r.f);
	if (line == 0)
		return 0;
	if (line < 0) {
		snprintf(err, errlen, "cannot read config %s", path);
		return -1;
	}
	if (line == r.err_line)
		snprintf(err, errlen, "%s:%d: %s", path, line, r.reason);
	else
		snprintf(err, errlen, "%s:%d: expected 'name = value' or '[run]'", path, line);
	return -1;
}
