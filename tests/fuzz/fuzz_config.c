// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the config file reader (inih + every setting's parser). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "config/run_opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tw_run_opts o;
	char path[64], err[512];
	int fd = memfd_create("torwatch-fuzz-config", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		tw_run_opts_defaults(&o);
		tw_config_load(path, &o, err, sizeof(err));
		tw_run_opts_free(&o);
	}
	close(fd);
	return 0;
}
