// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ssh_latency ALERTS SRC DST PORT N: opens N TCP connections from SRC to an
 * SSH server at DST:PORT, notes when each connect() returns (the client's
 * connection is established), finds each one's ssh_from_tor alert in ALERTS
 * by source port, and reports p50/p99/max of the time to event.created. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "alert_latency.h"

#define MAX_CONN 10000

static unsigned short ports[MAX_CONN];
static int n_conn;

/* The earliest connection from this source port still without an alert:
 * ports repeat over a few hundred connections. */
static int match(struct json_object *a, const double *written)
{
	const char *id = json_path(a, "rule.id"), *port = json_path(a, "source.port");

	if (!id || strcmp(id, "ssh_from_tor") || !port)
		return -1;
	for (int i = 0; i < n_conn; i++)
		if (ports[i] == atoi(port) && written[i] == 0)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	static double sent[MAX_CONN], written[MAX_CONN], seen[MAX_CONN], lat[MAX_CONN],
		own[MAX_CONN];
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };

	if (argc != 6 || inet_pton(AF_INET, argv[2], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1 || (n_conn = atoi(argv[5])) <= 0 ||
	    n_conn > MAX_CONN) {
		fprintf(stderr, "usage: ssh_latency ALERTS SRC DST PORT N (N <= %d)\n", MAX_CONN);
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[4]));
	for (int i = 0; i < n_conn; i++) {
		struct sockaddr_in local;
		socklen_t len = sizeof(local);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
		    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			perror("ssh_latency: connect");
			return 1;
		}
		sent[i] = now_s();
		getsockname(fd, (struct sockaddr *)&local, &len);
		ports[i] = ntohs(local.sin_port);
		close(fd);
		usleep(5000);
	}
	int found = collect(argv[1], n_conn, match, written, seen);

	if (found < n_conn) {
		printf("ssh_latency: only %d of %d connections got an alert\n", found, n_conn);
		return 1;
	}
	for (int i = 0; i < n_conn; i++) {
		lat[i] = written[i] - sent[i];
		own[i] = written[i] - seen[i];
	}
	printf("  %d connections; ms %29s p50      p99      max\n", n_conn, "");
	report("client connect() returned -> alert written", lat, n_conn, 0.005);
	report("kernel event (@timestamp) -> alert written", own, n_conn, 0);
	return 0;
}
