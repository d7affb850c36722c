// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/listen/listen_inventory.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
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
#include "common/quiet_thread.h"
#include "sensors/listen/sock_owners.h"
#include "common/timeutil.h"

#define TCP_LISTEN_STATE 10

struct sock_owner {
	unsigned long inode;
	int pid;
	const struct tw_sock_owner *rec;	/* the iterator's facts, NULL from /proc */
};

struct owners {
	struct sock_owner *v;
	size_t n, cap;
	struct tw_sock_owner *recs;	/* what rec points into */
};

static void scan_proc_owners(struct owners *o);

/* Which process holds which socket inode: from the kernel's task list
 * (sock_owners iterator), which also sees the processes whose /proc/PID/fd
 * cannot be read; where the iterator does not run, one pass over /proc. */
static void scan_owners(struct owners *o)
{
	struct tw_sock_owner *recs;
	size_t n;

	if (!tw_sock_owners(&recs, &n)) {
		o->v = malloc((n + 1) * sizeof(*o->v));
		for (size_t i = 0; o->v && i < n; i++)
			o->v[o->n++] = (struct sock_owner){ (unsigned long)recs[i].inode,
							    (int)recs[i].tgid, &recs[i] };
		o->cap = o->n;
		o->recs = recs;
		if (o->v)
			return;
		free(recs);
		o->recs = NULL;
	}
	scan_proc_owners(o);
}

struct proc_owner {
	struct owners *o;
	int pid;
};

/* One socket of a process: 1 (no more of this process) when memory runs out. */
static int add_owner(unsigned long inode, void *ctx)
{
	struct proc_owner *po = ctx;
	struct owners *o = po->o;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		struct sock_owner *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return 1;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = (struct sock_owner){ inode, po->pid, NULL };
	return 0;
}

/* The same from /proc/PID/fd: what a process hides there is not found. */
static void scan_proc_owners(struct owners *o)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;

	if (!proc)
		return;
	while ((p = readdir(proc))) {
		struct proc_owner po = { o, atoi(p->d_name) };

		if (po.pid > 0)
			tw_proc_each_socket(po.pid, add_owner, &po);	/* gone, or not ours: skipped */
	}
	closedir(proc);
}

/* By inode, then pid: the lowest pid first among the processes sharing one. */
static int by_inode(const void *a, const void *b)
{
	const struct sock_owner *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int inode_only(const void *key, const void *elem)
{
	unsigned long x = ((const struct sock_owner *)key)->inode;
	unsigned long y = ((const struct sock_owner *)elem)->inode;

	return x < y ? -1 : x > y;
}

/* After the owners are sorted: the lowest pid that holds inode, or 0. */
static int owner_of(const struct owners *o, unsigned long inode)
{
	struct sock_owner key = { .inode = inode };
	const struct sock_owner *hit;

	if (!o->n)
		return 0;
	hit = bsearch(&key, o->v, o->n, sizeof(*o->v), inode_only);
	if (!hit)
		return 0;
	while (hit > o->v && hit[-1].inode == inode)
		hit--;
	return hit->pid;
}

/* A network namespace: its inode (as the alerts name it) and a path to it. */
struct netns {
	unsigned long ino;
	char path[64];
};

struct netns_list {
	struct netns *v;
	size_t n, cap;
};

static void add_netns(struct netns_list *l, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ino == (unsigned long)st.st_ino)
			return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct netns *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].ino = (unsigned long)st.st_ino;
	snprintf(l->v[l->n].path, sizeof(l->v[l->n].path), "%s", path);
	l->n++;
}

/* Every network namespace on the host: ours first, then those of every
 * process, then the named ones (ip netns) that may have no process. */
static void list_netns(struct netns_list *l)
{
	char path[300];
	struct dirent *e;
	DIR *d;

	add_netns(l, "/proc/self/ns/net");
	if ((d = opendir("/proc"))) {
		while ((e = readdir(d)))
			if (atoi(e->d_name) > 0) {
				snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
				add_netns(l, path);
			}
		closedir(d);
	}
	if ((d = opendir("/run/netns"))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
				add_netns(l, path);
			}
		closedir(d);
	}
}

struct in_netns {
	const char *path;
	int fd;		/* out: the sock_diag socket, or -errno */
};

/* A socket lives in the namespace of the thread that makes it: a thread of
 * its own enters the namespace, makes it, and ends; the daemon never moves. */
static void *make_diag_socket(void *arg)
{
	struct in_netns *in = arg;
	int ns = open(in->path, O_RDONLY | O_CLOEXEC);

	if (ns < 0 || setns(ns, CLONE_NEWNET)) {
		in->fd = -errno;
	} else {
		in->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		if (in->fd < 0)
			in->fd = -errno;
	}
	if (ns >= 0)
		close(ns);
	return NULL;
}

static int diag_socket_in(const struct netns *ns, bool own)
{
	struct in_netns in = { .path = ns->path, .fd = -EINVAL };
	pthread_t t;
	int fd;

	if (own) {
		fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		return fd < 0 ? -errno : fd;
	}
	if (tw_quiet_thread_start(&t, TW_CAPS_UNCHANGED, make_diag_socket, &in))
		return -EAGAIN;
	pthread_join(t, NULL);
	return in.fd;
}

/* One sock_diag dump: family x protocol, the states that matter. */
static int dump(int family, int proto, const struct owners *owners, const struct netns *ns,
		bool own, void (*found)(const struct tw_listen_event *ev, void *ctx), void *ctx)
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
	unsigned netns = (unsigned)ns->ino;

	fd = diag_socket_in(ns, own);
	if (fd < 0)
		return fd;
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

/* A namespace we may not enter (setns needs CAP_SYS_ADMIN, which the
 * service does not have): its listeners from the iterator's records, each
 * socket once (its lowest pid). Sockets no process holds are not seen. */
static int from_records(const struct owners *o, const struct netns *ns,
			void (*found)(const struct tw_listen_event *ev, void *ctx), void *ctx)
{
	int count = 0;

	for (size_t i = 0; i < o->n; i++) {
		const struct tw_sock_owner *r = o->v[i].rec;
		struct tw_listen_event ev = {};
		char comm[TW_COMM_LEN + 1];

		if (!r || (i && o->v[i - 1].inode == o->v[i].inode) || r->netns != ns->ino ||
		    !r->lport || (r->family != AF_INET && r->family != AF_INET6))
			continue;
		if (!(r->proto == IPPROTO_TCP && r->state == TCP_LISTEN_STATE) &&
		    !(r->proto == IPPROTO_UDP && !r->dport))
			continue;
		ev.ts_ns = tw_now_mono_ns();
		ev.family = r->family;
		ev.proto = r->proto;
		ev.lport = r->lport;
		ev.uid = r->uid;
		ev.netns = r->netns;
		memcpy(ev.laddr.addr, r->laddr, 16);
		ev.tgid = ev.pid = r->tgid;
		tw_proc_name((int)r->tgid, comm, sizeof(comm));
		memcpy(ev.comm, comm, TW_COMM_LEN);
		found(&ev, ctx);
		count++;
	}
	return count;
}

int tw_inventory(void (*found)(const struct tw_listen_event *ev, void *ctx), void *ctx)
{
	static const int families[] = { AF_INET, AF_INET6 }, protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct netns_list nets = {};
	struct owners owners = {};
	int total = 0, err = 0;

	scan_owners(&owners);
	if (owners.n)
		qsort(owners.v, owners.n, sizeof(*owners.v), by_inode);
	list_netns(&nets);
	for (size_t i = 0; i < nets.n; i++) {
		bool entered = true;

		for (int f = 0; f < 2 && entered; f++)
			for (int p = 0; p < 2 && entered; p++) {
				int n = dump(families[f], protos[p], &owners, &nets.v[i], i == 0,
					     found, ctx);

				if (n >= 0)
					total += n;
				else if (i == 0)
					err = n; /* our own namespace must work */
				else if (n == -EPERM || n == -EACCES)
					entered = false;
				/* another namespace may be gone meanwhile: skip it */
			}
		if (!entered)
			total += from_records(&owners, &nets.v[i], found, ctx);
	}
	free(owners.v);
	free(owners.recs);
	free(nets.v);
	return err ? err : total;
}
