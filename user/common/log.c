// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

bool tw_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	/* libbpf's messages are detail for -v; callers print one clear sentence. */
	if (!tw_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void tw_log_init(bool verbose)
{
	tw_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "torwatch: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(name, prefix, cond)              \
	void name(const char *fmt, ...)             \
	{                                           \
		va_list ap;                         \
		if (!(cond))                        \
			return;                     \
		va_start(ap, fmt);                  \
		vlog(prefix, fmt, ap);              \
		va_end(ap);                         \
	}

DEFINE_LOG(tw_info, "", true)
DEFINE_LOG(tw_warn, "warning: ", true)
DEFINE_LOG(tw_err, "error: ", true)
DEFINE_LOG(tw_debug, "debug: ", tw_verbose)
