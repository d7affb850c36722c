/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The config file (INI, read with inih): settings of 'torwatch run' under
 * [run], named as the long options. */
#ifndef TW_CONFIG_H
#define TW_CONFIG_H

#include <stddef.h>
#include "config/run_opts.h"

/* Reads path into o. On error, err names the file, the line and the reason,
 * and o must not be used: a half-read config never runs. */
int tw_config_load(const char *path, struct tw_run_opts *o, char *err, size_t errlen);

#endif
