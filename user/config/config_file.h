/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* INI files, read with inih, with the line of every setting: a refused
 * setting is reported as FILE:LINE: reason. Knows no setting itself. */
#ifndef TW_CONFIG_FILE_H
#define TW_CONFIG_FILE_H

#include <stddef.h>

/* Takes one "name = value" of section ("" before the first section header).
 * value lives only for the call. 0, or -1 with the reason in why. */
typedef int (*tw_config_setting_fn)(void *ctx, const char *section, const char *name,
				    const char *value, char *why, size_t whylen);

/* tw_config_read's answer when the file itself cannot be read (missing,
 * not allowed, a directory): not a setting's fault. */
#define TW_CONFIG_UNREADABLE (-2)

/* Reads path; stops at the first refused or malformed line. Comments start
 * at a ';' or '#' at the line's start or after a space; a section header
 * given twice is refused. 0, -1 with "path:line: reason" in err, or
 * TW_CONFIG_UNREADABLE with why. */
int tw_config_read(const char *path, tw_config_setting_fn fn, void *ctx, char *err,
		   size_t errlen);

#endif
