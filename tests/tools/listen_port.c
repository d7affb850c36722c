// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* listen_port MODE ADDR PORT [HOLD_MS] [TIMES]: opens a listening socket as a
 * real server would, prints "ready PID", holds it HOLD_MS (default 1000),
 * closes it, TIMES times (default 1). MODE:
 *   tcp4, tcp6 (IPV6_V6ONLY), tcp46 (dual-stack), udp4, udp6: bind (+listen);
 *   udp0: bind a UDP socket to port 0 (the kernel picks one);
 *   udpclient: connect a UDP socket without bind (a client);
 *   tcp4nobind: listen() with no bind(): the kernel picks the port, printed
 *     as "port N";
 *   tcp4twice: two sockets bound to ADDR:PORT (SO_REUSEADDR), both listen():
 *     the second listen() fails with EADDRINUSE ("second listen: ...");
 *   udp4setns:NETNS_PATH: make a UDP socket here, then move to the network
 *     namespace NETNS_PATH and bind it there (the socket stays in ours). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int open_one(const char *mode, const char *addr, int port)
{
	int v6 = strchr(addr, ':') != NULL, udp = !strncmp(mode, "udp", 3), one = 1, fd;
	struct sockaddr_storage ss = {};
	socklen_t len;

	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return -1;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return -1;
		len = sizeof(*s4);
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6) {
		int v6only = !strcmp(mode, "tcp6") || !strcmp(mode, "udp6");

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	}
	if (!strcmp(mode, "udpclient"))
		return connect(fd, (struct sockaddr *)&ss, len) ? -1 : fd;
	if (!strcmp(mode, "tcp4nobind")) {
		struct sockaddr_in got;
		socklen_t glen = sizeof(got);

		if (listen(fd, 16) || getsockname(fd, (struct sockaddr *)&got, &glen))
			return -1;
		printf("port %u\n", ntohs(got.sin_port));
		return fd;
	}
	if (!strncmp(mode, "udp4setns:", 10)) {
		int ns = open(mode + 10, O_RDONLY | O_CLOEXEC);

		if (ns < 0 || setns(ns, CLONE_NEWNET))
			return -1;
		close(ns);
	}
	if (!strcmp(mode, "tcp4twice")) {
		int fd2 = socket(AF_INET, SOCK_STREAM, 0);

		setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, len) || bind(fd2, (struct sockaddr *)&ss, len) ||
		    listen(fd, 16))
			return -1;
		if (listen(fd2, 16))
			printf("second listen: %s\n", strerror(errno));
		else
			printf("second listen: succeeded\n");
		close(fd2);
		return fd;
	}
	if (!strcmp(mode, "udp0"))
		((struct sockaddr_in *)&ss)->sin_port = 0; /* same offset in sockaddr_in6 */
	if (bind(fd, (struct sockaddr *)&ss, len))
		return -1;
	if (!udp && listen(fd, 16))
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	int hold_ms = argc > 4 ? atoi(argv[4]) : 1000, times = argc > 5 ? atoi(argv[5]) : 1;

	if (argc < 4) {
		fprintf(stderr, "usage: listen_port MODE ADDR PORT [HOLD_MS] [TIMES]\n");
		return 2;
	}
	for (int i = 0; i < times; i++) {
		int fd = open_one(argv[1], argv[2], atoi(argv[3]));

		if (fd < 0) {
			perror("listen_port");
			return 1;
		}
		if (i == 0) {
			printf("ready %d\n", getpid());
			fflush(stdout);
		}
		usleep((useconds_t)hold_ms * 1000);
		close(fd);
	}
	return 0;
}
