// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "config/config_file.h"

#include <errno.h>
#include <stdbool.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	FILE *f;
	int line;		/* the line inih is handling */
	struct tw_run_opts *o;
	int err_line;		/* first line our handler refused, 0 = none */
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

/* The options will point into copy: o owns it from now on. */
static bool keep(struct tw_run_opts *o, char *copy)
{
	char **owned = realloc(o->owned, (o->n_owned + 1) * sizeof(*owned));

	if (!owned)
		return false;
	owned[o->n_owned++] = copy;
	o->owned = owned;
	return true;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	char why[200];
	char *copy;

	if (r->err_line)
		return 1; /* the first error is the one reported */
	bool source = !strncmp(section, "source ", 7);
	char *name_copy = NULL;

	if (*section && strcmp(section, "run") && !source) {
		snprintf(r->reason, sizeof(r->reason), "unknown section [%.64s] ([run] or [source NAME])",
			 section);
	} else if (!(copy = strdup(value)) || !keep(r->o, copy)) {
		free(copy);
		snprintf(r->reason, sizeof(r->reason), "out of memory");
	} else if (source && (!(name_copy = strdup(section + 7)) || !keep(r->o, name_copy))) {
		free(name_copy);
		snprintf(r->reason, sizeof(r->reason), "out of memory");
	} else if (source ? tw_run_opts_set_source(r->o, name_copy, name, copy, why, sizeof(why)) :
			    tw_run_opts_set(r->o, name, copy, why, sizeof(why))) {
		snprintf(r->reason, sizeof(r->reason), "%s", why);
	} else {
		return 1; /* the options point into copy, which o owns */
	}
	r->err_line = r->line;
	return 0;
}

int tw_config_load(const char *path, struct tw_run_opts *o, char *err, size_t errlen)
{
	struct reader r = { .o = o };
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
