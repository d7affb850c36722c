// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* live_gen IFNAME DST_MAC DST_IP DPORT ADDRFILE SECONDS [PPS]: sends 64-byte
 * IPv4 UDP frames out of IFNAME (a veth) for SECONDS, the source address
 * cycling over the IPv4 addresses of ADDRFILE (one per line), from an XDP
 * program run in live-frames mode (xdp_live_gen.bpf.c): as fast as it can,
 * or in bursts paced at about PPS frames a second. Run it in IFNAME's
 * namespace. Prints "offered N frames in S s on cpu C": what the generator
 * ran (paced: the runs, most of them dropped before they went out); what
 * the receiver took is read at the receiver. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xdp_live_gen.skel.h"

#define MAX_ADDRS 65536		/* as GEN_ADDRS in xdp_live_gen.bpf.c */
#define CHUNK (1u << 20)	/* frames per BPF_PROG_TEST_RUN call */
#define FRAME_LEN 60		/* 64 on the wire with the FCS */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_addrs(const char *path, __u32 *out)
{
	char line[128];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (n < MAX_ADDRS && fgets(line, sizeof(line), f)) {
		struct in_addr a;

		line[strcspn(line, " \t\r\n")] = 0;
		if (inet_pton(AF_INET, line, &a) == 1)
			out[n++] = a.s_addr;
	}
	fclose(f);
	return n;
}

static int if_mac(const char *ifname, unsigned char *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	err = fd < 0 ? -1 : ioctl(fd, SIOCGIFHWADDR, &ifr);
	if (fd >= 0)
		close(fd);
	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	return err;
}

static void build_frame(unsigned char *f, const unsigned char *src_mac,
			const unsigned char *dst_mac, struct in_addr dst, unsigned dport)
{
	struct ethhdr *eth = (void *)f;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memset(f, 0, FRAME_LEN);
	memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(FRAME_LEN - sizeof(*eth));
	ip->daddr = dst.s_addr;
	udp->source = htons(40000);
	udp->dest = htons((unsigned short)dport);
	udp->len = htons(FRAME_LEN - sizeof(*eth) - sizeof(*ip));
}

int main(int argc, char **argv)
{
	static __u32 addrs[MAX_ADDRS];
	unsigned char frame[FRAME_LEN], src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	struct xdp_live_gen_bpf *skel;
	unsigned long long sent = 0;
	struct in_addr dst;
	unsigned ifindex;
	double t0, secs, pps;
	int n;

	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: live_gen IFNAME DST_MAC DST_IP DPORT ADDRFILE SECONDS [PPS]\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex || if_mac(argv[1], src_mac)) {
		fprintf(stderr, "live_gen: no interface %s in this network namespace\n", argv[1]);
		return 1;
	}
	if (sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dst_mac[0], &dst_mac[1], &dst_mac[2],
		   &dst_mac[3], &dst_mac[4], &dst_mac[5]) != 6 || inet_pton(AF_INET, argv[3], &dst) != 1) {
		fprintf(stderr, "live_gen: bad MAC '%s' or IPv4 address '%s'\n", argv[2], argv[3]);
		return 2;
	}
	n = read_addrs(argv[5], addrs);
	if (n <= 0) {
		fprintf(stderr, "live_gen: no IPv4 address in %s\n", argv[5]);
		return 1;
	}
	secs = atof(argv[6]);
	build_frame(frame, src_mac, dst_mac, dst, (unsigned)atoi(argv[4]));

	libbpf_set_print(NULL);
	skel = xdp_live_gen_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->out_ifindex = ifindex;
	skel->rodata->n_addrs = (__u32)n;
	pps = argc == 8 ? atof(argv[7]) : 0;
	skel->rodata->frame_ns = pps > 0 ? 1e9 / pps : 0;
	if (xdp_live_gen_bpf__load(skel)) {
		fprintf(stderr, "live_gen: cannot load the generator (run as root)\n");
		return 1;
	}
	for (__u32 i = 0; i < (__u32)n; i++)
		bpf_map_update_elem(bpf_map__fd(skel->maps.gen_addrs), &i, &addrs[i], BPF_ANY);

	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = FRAME_LEN,
		    .repeat = CHUNK, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	t0 = now_s();
	while (now_s() - t0 < secs) {
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_live_gen), &o)) {
			fprintf(stderr, "live_gen: test run: %s\n", strerror(errno));
			return 1;
		}
		sent += CHUNK;
	}
	printf("offered %llu frames in %.2f s on cpu %d\n", sent, now_s() - t0, sched_getcpu());
	xdp_live_gen_bpf__destroy(skel);
	return 0;
}
