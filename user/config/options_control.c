// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Options of 'torwatch run': how the command itself runs: -v, --check-config, --help. */
#include "config/option_setters.h"

/* -c, -v and --help are read by the parser itself. */
static int set_verbose(struct tw_run_opts *o, const struct tw_option *opt, const char *v,
		       char *err, size_t errlen)
{
	o->verbose = true;
	return 0;
}

const struct tw_option tw_control_options[] = {
	{ .name = "verbose", .letter = 'v', .flags = CLI_ONLY,
	  .set = set_verbose,
	  .help = "log libbpf's and our debug lines" },
	{ .name = "check-config", .flags = CLI_ONLY,
	  .set = tw_opt_set_bool, .field = FIELD(check_config),
	  .help = "run the start's checks that need no kernel (sinks, sources,\n"
		  "files, addresses), say what is wrong or that the settings\n"
		  "are valid, and exit; nothing is opened, created or loaded" },
	{ .name = "help", .letter = 'h', .flags = CLI_ONLY,
	  .help = "print these options and exit" },
};
const size_t tw_n_control_options = sizeof(tw_control_options) / sizeof(tw_control_options[0]);
