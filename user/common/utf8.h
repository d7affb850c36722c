/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Text from outside (process names, command lines, feed lines) is bytes:
 * before it goes into an alert it must be valid UTF-8, or a JSON parser,
 * rsyslog or a SIEM may refuse the whole line. */
#ifndef TW_UTF8_H
#define TW_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Is s (len bytes) well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF)? */
bool tw_utf8_valid(const char *s, size_t len);
/* A malloc'd copy of s with every byte that is not part of a well-formed
 * sequence replaced by U+FFFD; NULL when out of memory. */
char *tw_utf8_repair(const char *s, size_t len);

/* s as a terminal may show it: control characters (C0, DEL, and C1 as
 * UTF-8 encodes them) written as \xNN, so that a process name or message
 * cannot move the cursor, retitle the window or clear the screen. */
void tw_escape_controls(const char *s, char *out, size_t len);

#endif
