/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The kernel structs the tracing programs read, only the fields they read,
 * as the kernel's BTF names them (CO-RE relocates the offsets, through
 * anonymous unions, so no vmlinux.h is needed); and the socket behind a
 * file descriptor of the current task. Declared once for every program. */
#ifndef TW_TASK_SOCK_BPF_H
#define TW_TASK_SOCK_BPF_H

#include <linux/types.h>
#include <linux/in6.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct nsproxy {
	struct net *net_ns;
} __attribute__((preserve_access_index));

struct sock;

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
	void *private_data;		/* a socket's struct socket */
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

struct socket {
	short type;
	struct file *file;
	struct sock *sk;
} __attribute__((preserve_access_index));

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
} __attribute__((preserve_access_index));

struct task_struct {
	int tgid;
	struct nsproxy *nsproxy;
	struct files_struct *files;
	struct mm_struct *mm;
	int exit_code;
} __attribute__((preserve_access_index));

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	unsigned char skc_ipv6only : 1;
} __attribute__((preserve_access_index));

typedef struct {
	unsigned int val;
} kuid_t;

struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol;
	kuid_t sk_uid;
} __attribute__((preserve_access_index));

/* The network namespace of the current task (inode number). */
static __always_inline __u32 current_netns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

/* The sock behind fd of the current task when it is a SOCK_STREAM socket,
 * else NULL. */
static __always_inline struct sock *sock_of_fd(__u64 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;
	struct socket *sock;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	/* Only a socket's file points back from its struct socket. */
	if (!sock || BPF_CORE_READ(sock, file) != f || BPF_CORE_READ(sock, type) != 1)
		return NULL; /* not a socket, or not SOCK_STREAM */
	return BPF_CORE_READ(sock, sk);
}

#endif
