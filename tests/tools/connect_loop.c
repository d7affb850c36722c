// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* connect_loop N ADDR PORT: N TCP connect()s to ADDR:PORT (IPv4), where
 * nothing listens, so each is refused at once; prints the nanoseconds per
 * socket()+connect()+close(). What the cgroup connect hooks add shows as
 * the difference between runs with and without them. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timespec t0, t1;
	long n;

	if (argc != 4 || (n = atol(argv[1])) <= 0 || inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: connect_loop N ADDR PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[3]));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0) {
			perror("connect_loop: socket");
			return 1;
		}
		connect(fd, (struct sockaddr *)&a, sizeof(a));
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
	return 0;
}
