/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef TW_DAEMON_H
#define TW_DAEMON_H

#include "config/run_opts.h"

/* Runs until SIGINT/SIGTERM; returns the process exit code. argv ("run"
 * and its options) is parsed again on SIGHUP to reload the settings. */
int tw_daemon_run(const struct tw_run_opts *opts, int argc, char **argv);
/* torwatch run [options]: parses them and runs the daemon. */
int tw_cmd_run(int argc, char **argv);
/* --check-config: the start's checks that need no kernel (check_config.c).
 * 0 when the start would get past them; each failure is logged. */
int tw_daemon_check(const struct tw_run_opts *opts);

#endif
