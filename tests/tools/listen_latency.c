// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* listen_latency ALERTS N BASEPORT: listens on N ports (BASEPORT, +1, ...),
 * one after the other, notes when each listen() is called, finds each one's
 * unexpected_listen_port alert in ALERTS (by port and our pid, as the host
 * or, run in a container, as the container numbers it), and reports
 * p50/p99/max of the time to event.created. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "alert_latency.h"

#define MAX_LISTENS 10000

static int n_listen, base_port;

static int match(struct json_object *a, const double *written)
{
	const char *id = json_path(a, "rule.id"), *port = json_path(a, "destination.port"),
		   *pid = json_path(a, "process.pid"), *cpid = json_path(a, "torwatch.container_pid");

	if (!id || strcmp(id, "unexpected_listen_port") || !port ||
	    !((pid && atoi(pid) == getpid()) || (cpid && atoi(cpid) == getpid())))
		return -1;
	return atoi(port) - base_port;
}

int main(int argc, char **argv)
{
	static double opened[MAX_LISTENS], written[MAX_LISTENS], seen[MAX_LISTENS],
		lat[MAX_LISTENS], own[MAX_LISTENS];

	if (argc != 4 || (n_listen = atoi(argv[2])) <= 0 || n_listen > MAX_LISTENS ||
	    (base_port = atoi(argv[3])) <= 0 || base_port + n_listen > 65535) {
		fprintf(stderr, "usage: listen_latency ALERTS N BASEPORT\n");
		return 2;
	}
	for (int i = 0; i < n_listen; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(base_port + i)) };
		int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
			perror("listen_latency: bind");
			return 1;
		}
		/* Timed from the call, not the return: the event fires inside
		 * listen(), and a daemon woken at once may write the alert
		 * before listen() returns here. */
		opened[i] = now_s();
		if (listen(fd, 1)) {
			perror("listen_latency: listen");
			return 1;
		}
		close(fd);
		usleep(5000);
	}
	int found = collect(argv[1], n_listen, match, written, seen);

	if (found < n_listen) {
		printf("listen_latency: only %d of %d listens got an alert\n", found, n_listen);
		return 1;
	}
	for (int i = 0; i < n_listen; i++) {
		lat[i] = written[i] - opened[i];
		own[i] = written[i] - seen[i];
	}
	printf("  %d listens; ms %33s p50      p99      max\n", n_listen, "");
	report("listen() called -> alert written", lat, n_listen, 0.005);
	report("kernel event (@timestamp) -> alert written", own, n_listen, 0);
	return 0;
}
