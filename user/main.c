// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The torwatch binary: the CLI's commands and the daemon's 'run'. The only
 * place that joins the two layers; a new command is one entry here, which
 * its help and its bash completion ('torwatch completion') are made from. */
#include "cli/cli.h"
#include "daemon/daemon.h"

static const struct tw_command commands[] = {
	{ "run", tw_cmd_run, "load the XDP detector and write alerts", .run_options = true },
	{ "status", tw_cmd_status, "interfaces, exit set, sources, event counters",
	  .usage = tw_status_usage },
	{ "stats", tw_cmd_stats, "traffic from exit nodes by source, port, protocol",
	  .usage = tw_stats_usage, .options = tw_stats_options, .verbs = tw_stats_verbs },
	{ "top", tw_cmd_top, "a live view: traffic per second, top sources and ports, recent alerts",
	  .usage = tw_top_usage, .options = tw_top_options },
	{ "check", tw_cmd_check, "is ADDR in the exit set, and from which source",
	  .usage = tw_check_usage, .options = tw_check_options },
	{ "block", tw_cmd_block, "drop exit-node traffic to SSH (or other) ports: enable, disable, show",
	  .usage = tw_block_usage, .options = tw_block_options, .verbs = tw_block_verbs },
	{ "feed", tw_cmd_feed, "exit-list sources: update (fetch now), show, export",
	  .usage = tw_feed_usage, .options = tw_feed_options, .verbs = tw_feed_verbs },
	{ "unload", tw_cmd_unload, "detach XDP and remove everything pinned",
	  .usage = tw_unload_usage },
	{ "prepare", tw_cmd_prepare, "as root: make the pin root ready for a daemon that runs as --user",
	  .usage = tw_prepare_usage, .options = tw_prepare_options },
	{},
};

int main(int argc, char **argv)
{
	return tw_cli_main(argc, argv, commands);
}
