// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* spawn_loop N: fork() + exec("/bin/true") + exit + wait, N times; prints
 * the microseconds one round took (the median of 5 batches of N/5). What
 * the session tracker's fork/exec/exit hooks add shows against a run
 * without them. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc == 2 ? atoi(argv[1]) : 0;
	double batch[5];

	if (n < 5) {
		fprintf(stderr, "usage: spawn_loop N (at least 5)\n");
		return 2;
	}
	for (int b = 0; b < 5; b++) {
		double t0 = now_us();

		for (int i = 0; i < n / 5; i++) {
			pid_t pid = fork();

			if (pid == 0) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			if (pid < 0 || waitpid(pid, NULL, 0) < 0) {
				perror("spawn_loop");
				return 1;
			}
		}
		batch[b] = (now_us() - t0) / (n / 5);
	}
	qsort(batch, 5, sizeof(double), cmp);
	printf("%.1f\n", batch[2]);
	return 0;
}
