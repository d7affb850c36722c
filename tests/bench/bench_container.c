// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bench_container PID [N]: what naming the container of PID costs an alert
 * (common/container.c): the first lookup (the cgroup read, the runtime's
 * state, the name) and then N more, which the cache serves after the
 * cgroup read. Prints "cold_us cached_us name". bench_container.sh runs it
 * against a real Podman container and a host process. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "common/container.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	int pid = argc > 1 ? atoi(argv[1]) : 0, n = argc > 2 ? atoi(argv[2]) : 20000;
	struct tw_container c;
	double t0, cold, cached;

	if (pid <= 0 || n <= 0) {
		fprintf(stderr, "usage: bench_container PID [N]\n");
		return 2;
	}
	t0 = now_us();
	tw_container_of_pid(pid, &c);
	cold = now_us() - t0;
	t0 = now_us();
	for (int i = 0; i < n; i++)
		tw_container_of_pid(pid, &c);
	cached = (now_us() - t0) / n;
	printf("%.1f %.2f %s\n", cold, cached, c.name[0] ? c.name : "-");
	return 0;
}
