// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* egress_latency ALERTS N ADDR BASEPORT [RULE]: run inside an SSH session
 * (or, with RULE tor_client_connection, to a relay listed by address),
 * connects a UDP socket N times to ADDR (IPv4) on ports BASEPORT, +1, ...
 * (connect() on UDP sends nothing: the cgroup connect4 hook sees it as it
 * sees a TCP connect), notes when each connect() returns, finds each one's
 * RULE alert (sshd_child_egress by default) in ALERTS (by port and our
 * pid), and reports
 * p50/p99/max of the time to event.created. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "alert_latency.h"

#define MAX_CONNECTS 10000

static int n_conn, base_port;
static const char *rule = "sshd_child_egress";

static int match(struct json_object *a, const double *written)
{
	const char *id = json_path(a, "rule.id"), *port = json_path(a, "destination.port"),
		   *pid = json_path(a, "process.pid");

	if (!id || strcmp(id, rule) || !port || !pid || atoi(pid) != getpid())
		return -1;
	return atoi(port) - base_port;
}

int main(int argc, char **argv)
{
	static double done[MAX_CONNECTS], written[MAX_CONNECTS], seen[MAX_CONNECTS],
		lat[MAX_CONNECTS], own[MAX_CONNECTS];
	struct sockaddr_in a = { .sin_family = AF_INET };

	if (argc == 6)
		rule = argv[5];
	if (argc < 5 || argc > 6 || (n_conn = atoi(argv[2])) <= 0 || n_conn > MAX_CONNECTS ||
	    inet_pton(AF_INET, argv[3], &a.sin_addr) != 1 || (base_port = atoi(argv[4])) <= 0 ||
	    base_port + n_conn > 65535) {
		fprintf(stderr, "usage: egress_latency ALERTS N ADDR BASEPORT [RULE]\n");
		return 2;
	}
	for (int i = 0; i < n_conn; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		a.sin_port = htons((uint16_t)(base_port + i));
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			perror("egress_latency: connect");
			return 1;
		}
		done[i] = now_s();
		close(fd);
		usleep(5000);
	}
	int found = collect(argv[1], n_conn, match, written, seen);

	if (found < n_conn) {
		printf("egress_latency: only %d of %d connects got an alert\n", found, n_conn);
		return 1;
	}
	for (int i = 0; i < n_conn; i++) {
		lat[i] = written[i] - done[i];
		own[i] = written[i] - seen[i];
	}
	printf("  %d connects (%s); ms %16s p50      p99      max\n", n_conn, rule, "");
	report("connect() returned -> alert written", lat, n_conn, 0.005);
	report("kernel event (@timestamp) -> alert written", own, n_conn, 0);
	return 0;
}
