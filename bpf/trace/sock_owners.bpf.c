// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which process holds which socket, from the kernel's own task list: a
 * task_file iterator writes a record (struct tw_sock_owner) for every socket
 * fd of every task, including those whose /proc/PID/fd cannot be read (PID 1
 * in some containers and sandboxes), with the socket's address, state and
 * namespace for IPv4 and IPv6. Read once by the start-up inventory. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "task_sock.bpf.h"
#include "torwatch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
} __attribute__((preserve_access_index));

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define AF_INET 2
#define AF_INET6 10

/* The inet facts of the socket behind file; nothing for other families. */
static __always_inline void inet_facts(struct file *file, struct tw_sock_owner *rec)
{
	struct socket *sock = BPF_CORE_READ(file, private_data);
	struct sock *sk;
	__u16 family;

	if (!sock || BPF_CORE_READ(sock, file) != file)
		return;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;
	rec->family = (__u8)family;
	rec->proto = (__u8)BPF_CORE_READ(sk, sk_protocol);
	rec->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	rec->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	rec->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	rec->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	rec->uid = BPF_CORE_READ(sk, sk_uid.val);
	if (family == AF_INET) {
		__be32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		rec->laddr[10] = rec->laddr[11] = 0xff;
		__builtin_memcpy(&rec->laddr[12], &a, 4);
	} else {
		BPF_CORE_READ_INTO(&rec->laddr, sk, __sk_common.skc_v6_rcv_saddr);
	}
}

SEC("iter/task_file")
int sock_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct tw_sock_owner rec = {};
	struct inode *inode;

	if (!task || !file)
		return 0;
	inode = file->f_inode;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFSOCK)
		return 0;
	rec.inode = inode->i_ino;
	rec.tgid = (__u32)task->tgid;
	inet_facts(file, &rec);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}
