// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* flood_sources list COUNT: prints COUNT distinct IPv6 addresses in
 * 2001:db8::/32 (a documentation range), one per line: a feed file.
 * flood_sources send IFNAME DST_MAC COUNT [FIRST]: sends one UDP frame from
 * each of those addresses (from the FIRST-th, default 0) out of IFNAME
 * (AF_PACKET, batches of 256 with sendmmsg), then prints "sent N". A flood
 * of distinct exit sources for XDP. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 256
#define FRAME_LEN (sizeof(struct ether_header) + sizeof(struct ip6_hdr) + sizeof(struct udphdr) + 8)

/* The i-th address: 2001:db8::/32, i in the last 32 bits (never 0). */
static void addr_of(unsigned i, struct in6_addr *a)
{
	uint32_t low = htonl(i + 1);

	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0x20, a->s6_addr[1] = 0x01, a->s6_addr[2] = 0x0d, a->s6_addr[3] = 0xb8;
	memcpy(&a->s6_addr[12], &low, 4);
}

static int list(unsigned count)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;

	for (unsigned i = 0; i < count; i++) {
		addr_of(i, &a);
		puts(inet_ntop(AF_INET6, &a, buf, sizeof(buf)));
	}
	return 0;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static void frame(unsigned char *f, const unsigned char dst[6], const unsigned char src[6],
		  unsigned i)
{
	struct ether_header *eth = (void *)f;
	struct ip6_hdr *ip6 = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip6 + 1);

	memset(f, 0, FRAME_LEN);
	memcpy(eth->ether_dhost, dst, 6);
	memcpy(eth->ether_shost, src, 6);
	eth->ether_type = htons(ETHERTYPE_IPV6);
	ip6->ip6_flow = htonl(6u << 28);
	ip6->ip6_plen = htons(sizeof(*udp) + 8);
	ip6->ip6_nxt = IPPROTO_UDP;
	ip6->ip6_hlim = 64;
	addr_of(i, &ip6->ip6_src);
	inet_pton(AF_INET6, "fd00:7777::2", &ip6->ip6_dst);
	udp->source = htons(40000);
	udp->dest = htons(9999);
	udp->len = htons(sizeof(*udp) + 8);
}

static int send_all(const char *ifname, const char *dst_mac, unsigned count, unsigned first)
{
	static unsigned char frames[BATCH][FRAME_LEN];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned char dst[6], src[6];
	struct ifreq ifr = {};
	unsigned sent = 0;
	int fd;

	if (parse_mac(dst_mac, dst)) {
		fprintf(stderr, "flood_sources: '%s' is not a MAC address\n", dst_mac);
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		perror("flood_sources: socket");
		return 1;
	}
	memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	memcpy(sll.sll_addr, dst, 6);
	while (sent < count) {
		unsigned n = count - sent < BATCH ? count - sent : BATCH;
		int done;

		for (unsigned k = 0; k < n; k++) {
			frame(frames[k], dst, src, first + sent + k);
			iov[k] = (struct iovec){ frames[k], FRAME_LEN };
			msgs[k] = (struct mmsghdr){ .msg_hdr = { .msg_name = &sll,
								 .msg_namelen = sizeof(sll),
								 .msg_iov = &iov[k],
								 .msg_iovlen = 1 } };
		}
		done = sendmmsg(fd, msgs, n, 0);
		if (done < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)) {
			/* The device's queue is full for now: let the receiver catch up. */
			usleep(100);
			continue;
		}
		if (done < 0) {
			perror("flood_sources: sendmmsg");
			return 1;
		}
		sent += (unsigned)done;
	}
	printf("sent %u\n", sent);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "list"))
		return list((unsigned)strtoul(argv[2], NULL, 10));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "send"))
		return send_all(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 10),
				argc == 6 ? (unsigned)strtoul(argv[5], NULL, 10) : 0);
	fprintf(stderr, "usage: flood_sources list COUNT | send IFNAME DST_MAC COUNT [FIRST]\n");
	return 2;
}
