// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The torwatch binary: the CLI's commands and the daemon's 'run'. The only
 * place that joins the two layers; a new command is one line here. */
#include "cli/cli.h"
#include "daemon/daemon.h"

static const struct tw_command commands[] = {
	{ "run", tw_cmd_run, "load the XDP detector and write alerts" },
	{ "status", tw_cmd_status, "interfaces, exit set, sources, event counters" },
	{ "stats", tw_cmd_stats, "traffic from exit nodes by source, port, protocol" },
	{ "top", tw_cmd_top, "a live view: traffic per second, top sources and ports, recent alerts" },
	{ "check", tw_cmd_check, "is ADDR in the exit set, and from which source" },
	{ "block", tw_cmd_block, "drop exit-node traffic to SSH (or other) ports: enable, disable, show" },
	{ "feed", tw_cmd_feed, "exit-list sources: update (fetch now), show" },
	{ "unload", tw_cmd_unload, "detach XDP and remove everything pinned" },
	{ "prepare", tw_cmd_prepare, "as root: make the pin root ready for a daemon that runs as --user" },
	{},
};

int main(int argc, char **argv)
{
	return tw_cli_main(argc, argv, commands);
}
