// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* torwatch unload: detach XDP and remove the pinned state. */
#include <limits.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli.h"

const char tw_unload_usage[] = "usage: torwatch unload [--pin-root DIR]\n"
				   "  detaches XDP from every interface and removes the pinned maps;\n"
				   "  stop the daemon first\n";

int tw_cmd_unload(int argc, char **argv)
{
	struct tw_cli cli = {};
	struct stat st;
	char why[PATH_MAX + 160];
	uint32_t pid;
	int ret = tw_cli_parse_common(argc, argv, &cli, tw_unload_usage, NULL, NULL, NULL);

	if (ret)
		return ret > 0 ? 0 : 2;
	if (tw_cli_expect_args(&cli, argc, argv, 0, tw_unload_usage))
		return 2;
	/* Unloading what is not there leaves the host as asked: not an error. */
	if (stat(cli.pin_root, &st) && errno == ENOENT) {
		printf("nothing to unload: %s does not exist\n", cli.pin_root);
		return 0;
	}
	if (tw_pins_root_ours(cli.pin_root, true, why, sizeof(why)))
		return tw_cli_fail(&cli, "%s", why);
	if (tw_daemon_alive(cli.pin_root, &pid))
		return tw_cli_fail(&cli, "the daemon (pid %u) is running; stop it before unloading",
				   pid);
	/* Removing the last reference to a pinned XDP link detaches it. */
	ret = tw_pins_remove(cli.pin_root);
	if (ret)
		return tw_cli_fail(&cli, "cannot remove everything under %s: %s", cli.pin_root,
				   strerror(-ret));
	printf("unloaded: XDP detached and %s removed\n", cli.pin_root);
	return 0;
}
