/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Diagnostics on stderr: one line each, libbpf's chatter only with -v. */
#ifndef TW_LOG_H
#define TW_LOG_H

#include <stdbool.h>

extern bool tw_verbose;

void tw_log_init(bool verbose);
void tw_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tw_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
