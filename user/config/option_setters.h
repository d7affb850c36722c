/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the option files (options_*.c) share: the flags and field macros of
 * their table entries, the setters several options use, and each file's
 * rows, which option_table.c joins into the one table; a sensor's options
 * file uses the same macros and setters. */
#ifndef TW_OPTION_SETTERS_H
#define TW_OPTION_SETTERS_H

#include <stdbool.h>
#include <stddef.h>
#include "config/run_opts.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define FIELD(f) offsetof(struct tw_run_opts, f)
#define LIST TW_OPT_LIST
#define RELOAD TW_OPT_RELOAD
#define CLI_ONLY TW_OPT_CLI_ONLY

/* The setting an entry names, in o. */
void *tw_opt_field(struct tw_run_opts *o, const struct tw_option *opt);
/* yes/true/1/on or no/false/0/off. 0, or -1 with one sentence in err. */
int tw_opt_bool_value(bool *b, const char *name, const char *v, char *err, size_t errlen);
/* A duration of at least 1 s ("90s", "40m", "48h", "2d"). */
int tw_opt_duration_value(unsigned *dst, const char *name, const char *v, char *err,
			  size_t errlen);
/* A whole number from min to max. */
int tw_opt_count(unsigned *dst, const char *name, const char *v, unsigned long min,
		 unsigned long max, char *err, size_t errlen);
/* Setters of the table: the field comes from the entry. */
int tw_opt_set_bool(struct tw_run_opts *o, const struct tw_option *opt, const char *v, char *err,
		    size_t errlen);
int tw_opt_set_string(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
		      char *err, size_t errlen);
int tw_opt_set_duration(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen);
/* A list of files (deny-file, allow-file): TW_MAX_LIST_FILES at most. */
int tw_opt_add_list_file(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			 char *err, size_t errlen);
/* A port list into the struct tw_port_set the entry names. */
int tw_opt_set_port_set(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
			char *err, size_t errlen);

/* The rows of config/options_*.c; a sensor's own are in its folder. */
extern const struct tw_option tw_daemon_options[], tw_feeds_options[], tw_outputs_options[],
	tw_control_options[];
extern const size_t tw_n_daemon_options, tw_n_feeds_options, tw_n_outputs_options,
	tw_n_control_options;

#endif
