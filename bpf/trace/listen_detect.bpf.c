// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* New listening ports, as they open: TCP listeners through the best hook
 * the host has (kprobe, else fentry, else the inet_sock_set_state
 * tracepoint; userspace loads one and turns the others off), UDP binds
 * through cgroup/post_bind4/6. Userspace decides what is unexpected. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <asm/ptrace.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <stdbool.h>
#include "torwatch.h"
#include "counters.bpf.h"
#include "in6.bpf.h"
#include "sock_state_tp.bpf.h"
#include "task_sock.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TW_LISTEN_RINGBUF_BYTES);
} listen_events SEC(".maps");

/* listen() in flight, by thread: the fd (syscall tracepoints) or the sock
 * (kprobe), kept from entry to return, when the port is taken or refused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} listen_in_flight SEC(".maps");

/* Sockets whose bind() asked for port 0 (a port the kernel picks): by
 * socket cookie, from cgroup/bind4/6 to cgroup/post_bind4/6. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} ephemeral_binds SEC(".maps");

static __always_inline void emit(__u8 hook, __u8 proto, __u16 family, __u16 lport,
				 const void *v4, const void *v6, __u32 netns, bool v6only)
{
	struct tw_listen_event *ev;
	struct tw_counters *cnt;
	__u32 zero = 0;
	__u64 id;

	ev = bpf_ringbuf_reserve(&listen_events, sizeof(*ev), 0);
	cnt = bpf_map_lookup_elem(&counters, &zero);
	if (!ev) {
		if (cnt)
			cnt->c[TW_CNT_LISTEN_EVENTS_LOST]++;
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->ts_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	id = bpf_get_current_pid_tgid();
	ev->pid = (__u32)id;
	ev->tgid = id >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	if (!netns) /* cgroup hooks have no sock struct to read: the binding task's netns */
		netns = current_netns();
	ev->netns = netns;
	ev->lport = lport;
	ev->family = (__u8)family;
	ev->proto = proto;
	ev->hook = hook;
	ev->v6only = v6only;
	if (family == 2) {
		__be32 a4 = 0;

		bpf_probe_read_kernel(&a4, 4, v4);
		set_v4_mapped(&ev->laddr, a4);
	} else {
		bpf_probe_read_kernel(ev->laddr.addr, 16, v6);
	}
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
	if (cnt)
		cnt->c[TW_CNT_LISTEN_EVENTS]++;
}

static __always_inline void emit_from_sock(__u8 hook, struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u32 netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	bool v6only = BPF_CORE_READ_BITFIELD_PROBED(&sk->__sk_common, skc_ipv6only);

	if (family != 2 && family != 10)
		return;
	emit(hook, IPPROTO_TCP, family, port, &sk->__sk_common.skc_rcv_saddr,
	     &sk->__sk_common.skc_v6_rcv_saddr, netns, v6only);
}

/* Every TCP hook reports a listen() only once it succeeded: the port is then
 * open (not refused with EADDRINUSE) and known (the kernel picks one when
 * nothing was bound). */

SEC("fexit/inet_csk_listen_start")
int listen_fexit(unsigned long long *ctx)
{
	struct sock *sk = (struct sock *)ctx[0];
	__u64 ret = 1;

	/* The return value wherever it sits (the function lost its backlog
	 * argument in 5.19). */
	bpf_get_func_ret(ctx, &ret);
	if (!(int)ret)
		emit_from_sock(TW_HOOK_FENTRY, sk);
	return 0;
}

SEC("kprobe/inet_csk_listen_start")
int BPF_KPROBE(listen_kprobe, struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid(), v = (__u64)sk;

	bpf_map_update_elem(&listen_in_flight, &id, &v, BPF_ANY);
	return 0;
}

SEC("kretprobe/inet_csk_listen_start")
int BPF_KRETPROBE(listen_kretprobe, int ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *v = bpf_map_lookup_elem(&listen_in_flight, &id);

	if (!v)
		return 0;
	if (!ret)
		emit_from_sock(TW_HOOK_KPROBE, (struct sock *)*v);
	bpf_map_delete_elem(&listen_in_flight, &id);
	return 0;
}

/* syscalls:sys_enter_listen and sys_exit_listen, as their format files
 * lay them out (every argument in 8 bytes). */
struct sys_enter_listen_args {
	__u64 common;
	int nr;
	__u64 fd;
	__u64 backlog;
};

struct sys_exit_args {
	__u64 common;
	int nr;
	long ret;
};

SEC("tracepoint/syscalls/sys_enter_listen")
int listen_enter(struct sys_enter_listen_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), fd = ctx->fd;

	bpf_map_update_elem(&listen_in_flight, &id, &fd, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_listen")
int listen_exit(struct sys_exit_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), *fd = bpf_map_lookup_elem(&listen_in_flight, &id);
	struct sock *sk;

	if (!fd)
		return 0;
	sk = ctx->ret == 0 ? sock_of_fd(*fd) : NULL;
	bpf_map_delete_elem(&listen_in_flight, &id);
	if (sk)
		emit_from_sock(TW_HOOK_SYSCALL, sk);
	return 0;
}

/* The last resort: the socket enters TCP_LISTEN before its port is checked,
 * so a listen() refused with EADDRINUSE is seen too. */
SEC("tracepoint/sock/inet_sock_set_state")
int listen_tracepoint(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct sock *sk;

	if (ctx->protocol != IPPROTO_TCP || ctx->newstate != BPF_TCP_LISTEN)
		return 0;
	sk = (struct sock *)ctx->skaddr;
	emit_from_sock(TW_HOOK_TRACEPOINT, sk);
	return 0;
}

/* Both bind hooks must return 1: they watch, they never refuse a bind. */
SEC("cgroup/bind4")
int bind4(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	__u8 yes = 1;

	if (ctx->protocol == IPPROTO_UDP && ctx->user_port == 0)
		bpf_map_update_elem(&ephemeral_binds, &cookie, &yes, BPF_ANY);
	return 1;
}

SEC("cgroup/bind6")
int bind6(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	__u8 yes = 1;

	if (ctx->protocol == IPPROTO_UDP && ctx->user_port == 0)
		bpf_map_update_elem(&ephemeral_binds, &cookie, &yes, BPF_ANY);
	return 1;
}

/* True (and forgotten) when this socket's bind asked for port 0. */
static __always_inline bool ephemeral(struct bpf_sock *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);

	if (!bpf_map_lookup_elem(&ephemeral_binds, &cookie))
		return false;
	bpf_map_delete_elem(&ephemeral_binds, &cookie);
	return true;
}

/* The socket's own network namespace (a task may bind a socket it made in
 * another one): the context is the kernel's struct sock behind bpf_sock. */
static __always_inline __u32 sock_netns(struct bpf_sock *ctx)
{
	struct sock *sk = (struct sock *)ctx;

	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* post_bind4 may read only src_ip4, post_bind6 only src_ip6. */
SEC("cgroup/post_bind4")
int post_bind4(struct bpf_sock *ctx)
{
	__u32 v4;

	if (ctx->protocol != IPPROTO_UDP || ephemeral(ctx))
		return 1;
	v4 = ctx->src_ip4;
	emit(TW_HOOK_POST_BIND, IPPROTO_UDP, 2, (__u16)ctx->src_port, &v4, NULL, sock_netns(ctx),
	     false);
	return 1;
}

SEC("cgroup/post_bind6")
int post_bind6(struct bpf_sock *ctx)
{
	__u32 v6[4];

	if (ctx->protocol != IPPROTO_UDP || ephemeral(ctx))
		return 1;
	v6[0] = ctx->src_ip6[0];
	v6[1] = ctx->src_ip6[1];
	v6[2] = ctx->src_ip6[2];
	v6[3] = ctx->src_ip6[3];
	emit(TW_HOOK_POST_BIND, IPPROTO_UDP, 10, (__u16)ctx->src_port, NULL, v6, sock_netns(ctx),
	     false);
	return 1;
}
