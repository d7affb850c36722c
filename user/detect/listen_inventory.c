// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "detect/listen_inventory.h"

#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/addr.h"
#include "common/procinfo.h"
#include "common/timeutil.h"

#define TCP_LISTEN_STATE 10

struct sock_owner {
	unsigned long inode;
	int pid;
};

struct owners {
	struct sock_owner *v;
	size_t n, cap;
};

/* Which process holds which socket inode: one pass over /proc/PID/fd. */
static void scan_owners(struct owners *o)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;

	if (!proc)
		return;
	while ((p = readdir(proc))) {
		char path[300], link[64];
		int pid = atoi(p->d_name);
		DIR *fds;
		struct dirent *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue; /* gone, or not ours to read */
		while ((f = readdir(fds))) {
			char fdpath[600];
			unsigned long inode;
			ssize_t n;

			snprintf(fdpath, sizeof(fdpath), "%s/%s", path, f->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%lu]", &inode) != 1)
				continue;
			if (o->n == o->cap) {
				size_t cap = o->cap ? o->cap * 2 : 256;
				struct sock_owner *v = realloc(o->v, cap * sizeof(*v));

				if (!v)
					break;
				o->v = v;
				o->cap = cap;
			}
			o->v[o->n++] = (struct sock_owner){ inode, pid };
		}
		closedir(fds);
	}
	closedir(proc);
}

static int owner_of(const struct owners *o, unsigned long inode)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].inode == inode)
			return o->v[i].pid;
	return 0;
}

static unsigned own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (unsigned)st.st_ino;
}

/* One sock_diag dump: family x protocol, the states that matter. */
static int dump(int family, int proto, const struct owners *owners,
		void (*found)(const struct tw_listen_event *ev, void *ctx), void *ctx)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (__u8)family, .sdiag_protocol = (__u8)proto,
			 .idiag_states = proto == IPPROTO_TCP ? 1u << TCP_LISTEN_STATE : ~0u },
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	static char buf[32768];
	int fd, count = 0;
	unsigned netns = own_netns();

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0) {
		close(fd);
		return -errno;
	}
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0)
			break;
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return count;
			}
			struct inet_diag_msg *d = NLMSG_DATA(h);
			struct tw_listen_event ev = {};
			int pid;

			/* A connected UDP socket is a client, not an opened port. */
			if (proto == IPPROTO_UDP && d->id.idiag_dport)
				continue;
			ev.ts_ns = tw_now_mono_ns();
			ev.family = (__u8)family;
			ev.proto = (__u8)proto;
			ev.lport = ntohs(d->id.idiag_sport);
			ev.uid = d->idiag_uid;
			ev.netns = netns;
			if (family == AF_INET) {
				tw_in6_from_v4(ev.laddr.addr, d->id.idiag_src);
			} else {
				memcpy(ev.laddr.addr, d->id.idiag_src, 16);
			}
			pid = owner_of(owners, d->idiag_inode);
			if (pid) {
				char comm[TW_COMM_LEN + 1];

				ev.tgid = ev.pid = (__u32)pid;
				tw_proc_name(pid, comm, sizeof(comm));
				memcpy(ev.comm, comm, TW_COMM_LEN);
			}
			found(&ev, ctx);
			count++;
		}
	}
	close(fd);
	return count;
}

int tw_inventory(void (*found)(const struct tw_listen_event *ev, void *ctx), void *ctx)
{
	static const int families[] = { AF_INET, AF_INET6 }, protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct owners owners = {};
	int total = 0;

	scan_owners(&owners);
	for (int f = 0; f < 2; f++)
		for (int p = 0; p < 2; p++) {
			int n = dump(families[f], protos[p], &owners, found, ctx);

			if (n < 0) {
				free(owners.v);
				return n;
			}
			total += n;
		}
	free(owners.v);
	return total;
}
