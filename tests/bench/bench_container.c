// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bench_container PID [N]: what naming the container of PID costs an alert
 * (common/container.c), given the cgroup id its kernel event carries: the
 * first lookup (the cgroup read, the runtime's state, the name), then N
 * more, which the cache serves by id, and the walk of the cgroup tree that
 * names the cgroup of a process that has already gone. Prints
 * "cold_us cached_us walk_us name". bench_container.sh runs it against a
 * real Podman container and a host process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/cgroup2.h"
#include "common/container.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The id bpf_get_current_cgroup_id() gives PID's events: its v2 cgroup's. */
static unsigned long long cgroup_id_of(int pid)
{
	char path[64], line[1024];
	unsigned long long id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			id = tw_cgroup2_id(line + 3);
		}
	if (f)
		fclose(f);
	return id;
}

int main(int argc, char **argv)
{
	int pid = argc > 1 ? atoi(argv[1]) : 0, n = argc > 2 ? atoi(argv[2]) : 20000;
	unsigned long long id = pid > 0 ? cgroup_id_of(pid) : 0;
	struct tw_container c;
	char found[512];
	double t0, cold, cached, walk;

	if (pid <= 0 || n <= 0 || !id) {
		fprintf(stderr, "usage: bench_container PID [N] (a process with a cgroup v2 id)\n");
		return 2;
	}
	t0 = now_us();
	tw_container_of(pid, id, &c);
	cold = now_us() - t0;
	t0 = now_us();
	for (int i = 0; i < n; i++)
		tw_container_of(pid, id, &c);
	cached = (now_us() - t0) / n;
	t0 = now_us();
	if (!tw_cgroup2_path(id, found, sizeof(found)))
		return 1;
	walk = now_us() - t0;
	printf("%.1f %.3f %.1f %s\n", cold, cached, walk, c.name[0] ? c.name : "-");
	return 0;
}
