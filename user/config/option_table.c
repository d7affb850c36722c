// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The option table of 'torwatch run', joined from the rows each concern
 * declares in its own file (options_daemon.c, options_feeds.c,
 * options_outputs.c, options_control.c here; each sensor's in its folder,
 * joined by sensors/sensor_list.c). run_opts.c makes the defaults, --help,
 * getopt, the config file and the reload rules from the table;
 * option_sections.c reads the [source], [sink] and [throttle] sections. */
#include "config/run_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/option_setters.h"

struct tw_option tw_run_options[TW_MAX_RUN_OPTIONS];
size_t tw_n_run_options;

/* The part each row came from, so that a part joined later still lands in
 * its place whatever order the constructors run in. */
static enum tw_option_part part_of[TW_MAX_RUN_OPTIONS];

void tw_run_options_add(enum tw_option_part part, const struct tw_option *rows, size_t n)
{
	size_t at = 0;

	if (tw_n_run_options + n > TW_MAX_RUN_OPTIONS) {
		fprintf(stderr, "torwatch: more options than TW_MAX_RUN_OPTIONS (%d)\n",
			TW_MAX_RUN_OPTIONS);
		abort();
	}
	while (at < tw_n_run_options && part_of[at] <= part)
		at++;
	memmove(&tw_run_options[at + n], &tw_run_options[at],
		(tw_n_run_options - at) * sizeof(*rows));
	memmove(&part_of[at + n], &part_of[at], (tw_n_run_options - at) * sizeof(*part_of));
	memcpy(&tw_run_options[at], rows, n * sizeof(*rows));
	for (size_t i = at; i < at + n; i++)
		part_of[i] = part;
	tw_n_run_options += n;
}

/* Before main: every reader of the table sees it whole. */
__attribute__((constructor)) static void join_the_table(void)
{
	tw_run_options_add(TW_OPTS_DAEMON, tw_daemon_options, tw_n_daemon_options);
	tw_run_options_add(TW_OPTS_FEEDS, tw_feeds_options, tw_n_feeds_options);
	tw_run_options_add(TW_OPTS_OUTPUTS, tw_outputs_options, tw_n_outputs_options);
	tw_run_options_add(TW_OPTS_CONTROL, tw_control_options, tw_n_control_options);
}

