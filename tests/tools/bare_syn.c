// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bare_syn SRC DST PORT: sends a TCP SYN from SRC, an IPv4 address this host
 * does not own (IP_TRANSPARENT), so the SYN-ACK is never answered and the
 * handshake never completes: a half-open connection, as a SYN scan leaves. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	struct pollfd pfd;
	int one = 1, fd;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: bare_syn SRC DST PORT (IPv4)\n");
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[3]));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		perror("bare_syn: socket");
		return 2;
	}
	if (!connect(fd, (struct sockaddr *)&dst, sizeof(dst)) || errno != EINPROGRESS) {
		fprintf(stderr, "bare_syn: the connection did not stay half-open\n");
		return 1;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&pfd, 1, 1000) > 0) {
		fprintf(stderr, "bare_syn: the handshake completed\n");
		return 1;
	}
	return 0; /* SYN (and retransmissions) sent, never established */
}
