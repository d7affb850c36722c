// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* SSH sessions followed in the kernel, with tracepoints and cgroup hooks
 * that load everywhere:
 *  - sched_process_exec: an sshd executable (by name) started with a
 *    connected TCP socket as fd 0 begins a session. That is how OpenSSH
 *    hands a connection on: 'sshd -R' re-executed per connection (up to
 *    9.7), sshd-session (9.8 and later), 'sshd -i' from inetd or systemd.
 *    The client is looked up in the exit set here, once.
 *  - sched_process_fork / exit: every descendant joins its parent's
 *    session, through fork as well as exec; exits leave, and the last one
 *    out ends the session: the maps stay as big as the live sessions.
 *  - chroot and setresuid: sshd's unprivileged pre-auth child chroots
 *    first; any other setresuid that sets all three uids for good in a
 *    session (or the exec of a program that is not sshd) means
 *    authentication succeeded: the login.
 *  - cgroup connect4/6 and sendmsg4/6: a session's process connecting out
 *    of the excluded ranges is sshd_child_egress.
 * The exit set, config and counters are the XDP object's maps, reused. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <asm-generic/errno-base.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>
#include "torwatch.h"
#include "tw_session.h"
#include "counters.bpf.h"
#include "exit_lookup.bpf.h"
#include "in6.bpf.h"
#include "sock_addr.bpf.h"
#include "task_sock.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TCP_ESTABLISHED 1

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TW_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct tw_session);
} sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TW_MAX_SESSION_PROCS);
	__type(key, __u32);
	__type(value, struct tw_session_proc);
} session_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_session_config);
} session_config SEC(".maps");

/* One struct tw_session_proc per CPU, to build entries off the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_session_proc);
} proc_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tw_egress_key);
	__type(value, __u8);
} egress_exclude SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct tw_egress_seen_key);
	__type(value, struct tw_egress_seen);
} egress_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TW_SESSION_RINGBUF_BYTES);
} session_events SEC(".maps");

/* The tracepoint records, as the kernel's BTF names them. */
struct trace_event_raw_sched_process_fork {
	int child_pid;
} __attribute__((preserve_access_index));

struct trace_event_raw_sched_process_exec {
	__u32 __data_loc_filename;
} __attribute__((preserve_access_index));

struct sys_exit_args {
	__u64 common;
	int nr;
	long ret;
};

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* Is comm one of the names userspace set as sshd's? */
static __always_inline bool is_sshd_comm(const char comm[TW_COMM_LEN])
{
	__u32 zero = 0;
	struct tw_session_config *cfg = bpf_map_lookup_elem(&session_config, &zero);

	if (!cfg)
		return false;
	for (int n = 0; n < TW_SSHD_NAMES; n++) {
		const char *name = cfg->sshd_names[n];
		bool same = name[0] != '\0';

		for (int i = 0; i < TW_COMM_LEN && same; i++) {
			if (name[i] != comm[i])
				same = false;
			else if (!name[i])
				break;
		}
		if (same)
			return true;
	}
	return false;
}

/* fd 0 of the current task as a connected TCP socket: the session's ends. */
static __always_inline bool connection_on_stdin(struct tw_session *s)
{
	struct sock *sk = sock_of_fd(0);
	__u16 family;

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP ||
	    BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_ESTABLISHED)
		return false;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == 2) {
		set_v4_mapped(&s->client, BPF_CORE_READ(sk, __sk_common.skc_daddr));
		set_v4_mapped(&s->local, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
	} else if (family == 10) {
		BPF_CORE_READ_INTO(&s->client.addr, sk, __sk_common.skc_v6_daddr);
		BPF_CORE_READ_INTO(&s->local.addr, sk, __sk_common.skc_v6_rcv_saddr);
	} else {
		return false;
	}
	s->client_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	s->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	s->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	return true;
}

static __always_inline void look_up_client(struct tw_session *s)
{
	struct tw_src_stats *st;
	struct tw_exit_val prefix;
	struct tw_config *cfg;
	__u32 zero = 0;
	bool v4 = addr_is_v4_mapped(&s->client);

	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || !exit_set_lookup(&s->client, v4, cfg, &st, &prefix) ||
	    allowlisted(&s->client, v4, cfg))
		return;
	s->is_exit = 1;
	s->sources = st ? st->sources : prefix.sources;
}

static __always_inline void fill_event(struct tw_session_event *ev, __u32 kind, __u64 sid,
				       const struct tw_session *s, const struct tw_session_proc *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = p->parent;

	ev->ts_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->kind = kind;
	ev->session_id = sid;
	ev->session = *s;
	ev->pid = (__u32)id;
	ev->tgid = id >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	__builtin_memcpy(ev->exe, p->exe, TW_EXE_LEN);
	__builtin_memcpy(ev->args, p->args, TW_ARGS_LEN);
	ev->args_len = p->args_len;
	/* The parents, as the session map knows them (they may have exited). */
	for (int i = 0; i < TW_SESSION_CHAIN && tgid; i++) {
		struct tw_session_proc *up = bpf_map_lookup_elem(&session_procs, &tgid);

		if (!up)
			break;
		ev->chain[i].tgid = tgid;
		__builtin_memcpy(ev->chain[i].comm, up->comm, TW_COMM_LEN);
		ev->n_chain = (__u8)(i + 1);
		tgid = up->parent;
	}
}

static __always_inline void session_event(__u32 kind, __u64 sid, const struct tw_session *s,
					  const struct tw_session_proc *p)
{
	struct tw_session_event *ev = bpf_ringbuf_reserve(&session_events, sizeof(*ev), 0);

	if (!ev) {
		counter_inc(TW_CNT_SESSION_EVENTS_LOST);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_event(ev, kind, sid, s, p);
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
	counter_inc(TW_CNT_SESSION_EVENTS);
}

/* Authentication succeeded in session sid: once, and an event when the
 * client is an exit node. */
static __always_inline void logged_in(__u64 sid, struct tw_session_proc *p)
{
	struct tw_session *s = bpf_map_lookup_elem(&sessions, &sid);

	if (!s || s->login_seen)
		return;
	s->login_seen = 1;
	s->login_uid = (__u32)bpf_get_current_uid_gid();
	if (s->is_exit)
		session_event(TW_EV_SSH_LOGIN, sid, s, p);
}

/* What exec ran: the path it was given and the start of the arguments,
 * read now, while the new program's memory holds them. */
static __always_inline void remember_exec(struct trace_event_raw_sched_process_exec *ctx,
					  struct tw_session_proc *p)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u32 loc = ctx->__data_loc_filename;
	__u32 len = end > start ? (__u32)(end - start) : 0;

	bpf_probe_read_kernel_str(p->exe, sizeof(p->exe), (void *)ctx + (loc & 0xffff));
	if (len > TW_ARGS_LEN)
		len = TW_ARGS_LEN;
	p->args_len = 0;
	if (len && !bpf_probe_read_user(p->args, len & (TW_ARGS_LEN - 1) ? len & (TW_ARGS_LEN - 1) : TW_ARGS_LEN,
					(void *)start))
		p->args_len = len;
}

SEC("tracepoint/sched/sched_process_exec")
int session_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tw_session_proc *p = bpf_map_lookup_elem(&session_procs, &tid);
	char comm[TW_COMM_LEN] = {};
	bool sshd;

	bpf_get_current_comm(comm, sizeof(comm));
	sshd = is_sshd_comm(comm);
	if (p) {
		/* A process of a session runs another program. */
		__builtin_memcpy(p->comm, comm, TW_COMM_LEN);
		remember_exec(ctx, p);
		if (sshd) {
			p->flags |= TW_PROC_SSHD;
		} else {
			p->flags &= ~TW_PROC_SSHD;
			/* A program that is not sshd runs: the user is in. */
			if (!(p->flags & TW_PROC_CHROOTED))
				logged_in(p->session, p);
		}
		return 0;
	}
	if (!sshd)
		return 0;

	struct tw_session s = {};
	__u64 sid = bpf_ktime_get_ns();
	__u32 zero = 0;
	/* Too big for the stack: built in the per-CPU scratch slot. */
	struct tw_session_proc *np = bpf_map_lookup_elem(&proc_scratch, &zero);

	if (!np)
		return 0;

	if (!connection_on_stdin(&s))
		return 0;	/* the listener, or sshd run by hand */
	s.sshd_tgid = current_tgid();
	s.refs = 1;
	look_up_client(&s);
	/* The key is the start time: sshds started on two CPUs in the same
	 * nanosecond (sessions started in parallel) take the next free one,
	 * never the other's. */
	long err = -EEXIST;

	for (int i = 0; i < 8 && err == -EEXIST; i++, sid++) {
		s.started_ns = sid;
		err = bpf_map_update_elem(&sessions, &sid, &s, BPF_NOEXIST);
	}
	sid = s.started_ns;
	if (err) {
		counter_inc(TW_CNT_SESSION_MAP_FULL);
		return 0;
	}
	__builtin_memset(np, 0, sizeof(*np));
	np->flags = TW_PROC_SSHD;
	np->session = sid;
	__builtin_memcpy(np->comm, comm, TW_COMM_LEN);
	remember_exec(ctx, np);
	if (bpf_map_update_elem(&session_procs, &tid, np, BPF_NOEXIST)) {
		bpf_map_delete_elem(&sessions, &sid);	/* ours: the key is taken above */
		counter_inc(TW_CNT_SESSION_MAP_FULL);
		return 0;
	}
	counter_inc(TW_CNT_SESSIONS);
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int session_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	__u32 parent_tid = (__u32)bpf_get_current_pid_tgid(), tgid = current_tgid();
	__u32 child = (__u32)ctx->child_pid;
	struct tw_session_proc *p = bpf_map_lookup_elem(&session_procs, &parent_tid), *np, *known;
	struct tw_session *s;
	__u32 zero = 0;

	if (!p)
		p = bpf_map_lookup_elem(&session_procs, &tgid);
	if (!p)
		return 0;
	s = bpf_map_lookup_elem(&sessions, &p->session);
	np = bpf_map_lookup_elem(&proc_scratch, &zero);
	if (!s || !np)
		return 0;
	/* Counted already: while a start replaces the pinned links, the
	 * earlier daemon's copy of this program runs too. */
	known = bpf_map_lookup_elem(&session_procs, &child);
	if (known && known->session == p->session)
		return 0;
	*np = *p;
	np->parent = tgid;
	if (bpf_map_update_elem(&session_procs, &child, np, BPF_ANY)) {
		counter_inc(TW_CNT_SESSION_MAP_FULL);
		return 0;
	}
	__sync_fetch_and_add(&s->refs, 1);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int session_exit(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tw_session_proc *p = bpf_map_lookup_elem(&session_procs, &tid);
	struct tw_session *s;
	__u64 sid;

	if (!p)
		return 0;
	sid = p->session;
	/* A child's chain stops at the first parent that is gone. */
	s = bpf_map_lookup_elem(&sessions, &sid);
	/* sshd's pre-auth child exits 0 once the client authenticated (and
	 * 255 when it failed). For root, OpenSSH 9.2 changes no uid after
	 * that and 'ssh -N' runs nothing: this may be the only sign. */
	if (s && s->is_exit && !s->login_seen && (p->flags & TW_PROC_CHROOTED) &&
	    tid == current_tgid()) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		if (BPF_CORE_READ(task, exit_code) == 0)
			session_event(TW_EV_SSH_AUTH, sid, s, p);
	}
	bpf_map_delete_elem(&session_procs, &tid);
	if (s && __sync_fetch_and_add(&s->refs, -1) == 1)
		bpf_map_delete_elem(&sessions, &sid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chroot")
int session_chroot(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tw_session_proc *p = bpf_map_lookup_elem(&session_procs, &tid);

	if (p)
		p->flags |= TW_PROC_CHROOTED;
	return 0;
}

struct sys_enter_setresuid_args {
	__u64 common;
	int nr;
	__u64 ruid, euid, suid;
};

/* Only a permanent change of all three uids is a login: sshd's monitor
 * also calls seteuid() (setresuid(-1, uid, -1)) to read a user's
 * authorized_keys while authentication is still under way. */
SEC("tracepoint/syscalls/sys_enter_setresuid")
int session_setresuid_enter(struct sys_enter_setresuid_args *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tw_session_proc *p = bpf_map_lookup_elem(&session_procs, &tid);
	__u32 r = (__u32)ctx->ruid;

	if (p && r != (__u32)-1 && r == (__u32)ctx->euid && r == (__u32)ctx->suid)
		p->flags |= TW_PROC_SETUID;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_setresuid")
int session_setresuid(struct sys_exit_args *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tw_session_proc *p = bpf_map_lookup_elem(&session_procs, &tid);
	bool permanent;

	if (!p)
		return 0;
	permanent = p->flags & TW_PROC_SETUID;
	p->flags &= ~TW_PROC_SETUID;
	if (permanent && ctx->ret == 0 && !(p->flags & TW_PROC_CHROOTED))
		logged_in(p->session, p);
	return 0;
}

/* An outbound connection (or datagram) of the current process to daddr. */
static __always_inline void egress(const struct tw_in6 *daddr, __u16 dport, __u8 proto)
{
	__u32 tgid = current_tgid(), zero = 0;
	struct tw_session_proc *p = bpf_map_lookup_elem(&session_procs, &tgid);
	struct tw_egress_key ek = { .prefixlen = 128 };
	struct tw_egress_seen_key sk = {};
	struct tw_egress_seen *seen, fresh = {};
	struct tw_session_config *cfg;
	struct tw_session_event *ev;
	struct tw_session *s;
	__u64 now, repeats = 0;

	if (!p)
		return;
	/* The unspecified address (sshd asks about its own ports so): no egress. */
	const __u32 *w = (const __u32 *)daddr->addr;

	if (!w[3] && !w[0] && !w[1] && (!w[2] || w[2] == bpf_htonl(0xffff)))
		return;
	cfg = bpf_map_lookup_elem(&session_config, &zero);
	if ((p->flags & TW_PROC_SSHD) && (!cfg || !cfg->report_forwarding))
		return;
	__builtin_memcpy(ek.addr, daddr->addr, 16);
	if (bpf_map_lookup_elem(&egress_exclude, &ek))
		return;
	s = bpf_map_lookup_elem(&sessions, &p->session);
	if (!s)
		return;
	/* Repeats within a second are counted here, sent with the next one. */
	now = bpf_ktime_get_ns();
	sk.session = p->session;
	sk.daddr = *daddr;
	sk.tgid = tgid;
	sk.dport = dport;
	sk.proto = proto;
	seen = bpf_map_lookup_elem(&egress_seen, &sk);
	if (seen && now - seen->last_ns < TW_EGRESS_REPEAT_NS) {
		__sync_fetch_and_add(&seen->repeats, 1);
		return;
	}
	if (seen) {
		repeats = seen->repeats;
		seen->repeats = 0;
		seen->last_ns = now;
	} else {
		fresh.last_ns = now;
		bpf_map_update_elem(&egress_seen, &sk, &fresh, BPF_ANY);
	}
	ev = bpf_ringbuf_reserve(&session_events, sizeof(*ev), 0);
	if (!ev) {
		counter_inc(TW_CNT_SESSION_EVENTS_LOST);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_event(ev, TW_EV_SSHD_EGRESS, p->session, s, p);
	ev->daddr = *daddr;
	ev->dport = dport;
	ev->proto = proto;
	ev->repeats = repeats;
	ev->forwarding = (p->flags & TW_PROC_SSHD) ? 1 : 0;
	bpf_ringbuf_submit(ev, 0);
	counter_inc(TW_CNT_SESSION_EVENTS);
}

/* Every hook returns 1: it watches, it never refuses a connection. */
SEC("cgroup/connect4")
int egress_connect4(struct bpf_sock_addr *ctx)
{
	struct tw_in6 d;
	__u8 proto = sock_addr_proto(ctx);

	if (proto) {
		set_v4_mapped(&d, ctx->user_ip4);
		egress(&d, bpf_ntohs((__u16)ctx->user_port), proto);
	}
	return 1;
}

SEC("cgroup/connect6")
int egress_connect6(struct bpf_sock_addr *ctx)
{
	struct tw_in6 d;
	__u8 proto = sock_addr_proto(ctx);

	if (proto) {
		sock_addr_dst6(ctx, &d);
		egress(&d, bpf_ntohs((__u16)ctx->user_port), proto);
	}
	return 1;
}

SEC("cgroup/sendmsg4")
int egress_sendmsg4(struct bpf_sock_addr *ctx)
{
	struct tw_in6 d;

	if (ctx->type == 2) {
		set_v4_mapped(&d, ctx->user_ip4);
		egress(&d, bpf_ntohs((__u16)ctx->user_port), IPPROTO_UDP);
	}
	return 1;
}

SEC("cgroup/sendmsg6")
int egress_sendmsg6(struct bpf_sock_addr *ctx)
{
	struct tw_in6 d;

	if (ctx->type == 2) {
		sock_addr_dst6(ctx, &d);
		egress(&d, bpf_ntohs((__u16)ctx->user_port), IPPROTO_UDP);
	}
	return 1;
}
