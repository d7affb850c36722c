// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The setters several options share: the field comes from the option's
 * table entry (offsetof into struct tw_run_opts). */
#include "config/option_setters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"

void *tw_opt_field(struct tw_run_opts *o, const struct tw_option *opt)
{
	return (char *)o + opt->field;
}

int tw_opt_bool_value(bool *b, const char *name, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		*b = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
		*b = false;
	else {
		snprintf(err, errlen, "%s must be yes or no, not '%.32s'", name, v);
		return -1;
	}
	return 0;
}

int tw_opt_set_bool(struct tw_run_opts *o, const struct tw_option *opt, const char *v, char *err,
		    size_t errlen)
{
	return tw_opt_bool_value(tw_opt_field(o, opt), opt->name, v, err, errlen);
}

int tw_opt_set_string(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
		      char *err, size_t errlen)
{
	*(const char **)tw_opt_field(o, opt) = v;
	return 0;
}

int tw_opt_duration_value(unsigned *dst, const char *name, const char *v, char *err,
			      size_t errlen)
{
	unsigned s;

	if (tw_parse_duration(v, &s) || s < 1) {
		snprintf(err, errlen, "%s must be a duration of at least 1s (e.g. 90s, 40m, 48h, 2d), not '%.32s'",
			 name, v);
		return -1;
	}
	*dst = s;
	return 0;
}

/* A whole number from min to max. */
int tw_opt_count(unsigned *dst, const char *name, const char *v, unsigned long min,
		     unsigned long max, char *err, size_t errlen)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*end || !*v || v[0] == '-' || n < min || n > max) {
		snprintf(err, errlen, "%s must be a number from %lu to %lu, not '%.32s'", name, min,
			 max, v);
		return -1;
	}
	*dst = (unsigned)n;
	return 0;
}

int tw_opt_set_duration(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen)
{
	return tw_opt_duration_value(tw_opt_field(o, opt), opt->name, v, err, errlen);
}

/* A list of files (deny-file, allow-file): TW_MAX_LIST_FILES at most. */
int tw_opt_add_list_file(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			 char *err, size_t errlen)
{
	const char **files = tw_opt_field(o, opt);
	size_t *n = (size_t *)((char *)o + opt->count);

	if (!*v) {
		snprintf(err, errlen, "%s needs a file path", opt->name);
		return -1;
	}
	if (*n == TW_MAX_LIST_FILES) {
		snprintf(err, errlen, "at most %d %ss", TW_MAX_LIST_FILES, opt->name);
		return -1;
	}
	files[(*n)++] = v;
	return 0;
}

/* A port list into the struct tw_port_set the table's field names. */
int tw_opt_set_port_set(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen)
{
	char why[160];

	if (tw_port_list_parse(v, tw_opt_field(o, opt), why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", opt->name, why);
		return -1;
	}
	return 0;
}
