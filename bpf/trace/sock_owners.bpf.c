// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which process holds which socket, from the kernel's own task list: a
 * task_file iterator writes (socket inode, tgid) for every socket fd of
 * every task, including those whose /proc/PID/fd cannot be read (PID 1 in
 * some containers and sandboxes). Read once by the start-up inventory. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "torwatch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct task_struct {
	int tgid;
} __attribute__((preserve_access_index));

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

SEC("iter/task_file")
int sock_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct tw_sock_owner rec;
	struct inode *inode;

	if (!task || !file)
		return 0;
	inode = file->f_inode;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFSOCK)
		return 0;
	rec.inode = inode->i_ino;
	rec.tgid = (__u32)task->tgid;
	rec.pad = 0;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}
