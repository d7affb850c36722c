/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* SSH sessions followed in the kernel (bpf/trace/session_track.bpf.c):
 * the session of each accepted SSH connection, the processes in it, and
 * the records that cross to userspace. */
#ifndef TW_SESSION_H
#define TW_SESSION_H

#include "torwatch.h"

#define TW_MAX_SESSIONS 4096		/* SSH sessions followed at once */
#define TW_MAX_SESSION_PROCS 16384	/* their processes and threads */
#define TW_EXE_LEN 64			/* the executable's path, as exec named it (cut) */
#define TW_ARGS_LEN 128			/* the command line's start, NUL between arguments */
#define TW_SSHD_NAMES 8			/* executable names that are sshd */
#define TW_SESSION_CHAIN 6		/* parents an event names, nearest first */
#define TW_SESSION_RINGBUF_BYTES (256 * 1024)
#define TW_EGRESS_REPEAT_NS TW_NS_PER_SEC	/* repeats within this are counted, not sent */

/* One SSH session: the connection an sshd process was started with. */
struct tw_session {
	struct tw_in6 client;	/* IPv4 as ::ffff:a.b.c.d */
	struct tw_in6 local;
	__u64 started_ns;	/* CLOCK_MONOTONIC */
	__u32 sources;		/* exit-set sources that list the client (0: none) */
	__u32 sshd_tgid;	/* the sshd process the connection was handed to */
	__u32 login_uid;	/* the user it logged in as, once login_seen */
	__u32 refs;		/* its processes and threads alive */
	__u32 netns;		/* of the connection */
	__u16 client_port;	/* host byte order */
	__u16 local_port;
	__u8 is_exit;		/* the client is in the exit set (and not allowlisted) */
	__u8 login_seen;	/* authentication succeeded */
	__u8 found_at_start;	/* found by userspace when torwatch started */
	__u8 pad;
};

#define TW_PROC_SSHD 1		/* runs an sshd executable (its connections: forwarding) */
#define TW_PROC_CHROOTED 2	/* chroot()ed: sshd's unprivileged pre-auth child */
#define TW_PROC_SETUID 4	/* in a setresuid() that sets every uid for good */

/* A process (or thread) of a session, by thread id. */
struct tw_session_proc {
	__u64 session;		/* the key of its struct tw_session */
	__u32 parent;		/* the tgid it was forked from (0: the session's first) */
	__u32 flags;		/* TW_PROC_* */
	char comm[TW_COMM_LEN];
	/* Kept from its exec, for processes gone before userspace looks. */
	char exe[TW_EXE_LEN];
	char args[TW_ARGS_LEN];
	__u32 args_len;		/* bytes in args; TW_ARGS_LEN when cut */
	__u32 pad;
};

/* Set by userspace: what is an sshd, and whether sshd's own connections
 * (TCP forwarding) are reported. */
struct tw_session_config {
	__u32 report_forwarding;
	__u32 pad;
	char sshd_names[TW_SSHD_NAMES][TW_COMM_LEN];	/* "" past the last */
};

/* An egress destination excluded from sshd_child_egress (LPM trie key;
 * IPv4 as ::ffff:a.b.c.d/96+len). */
struct tw_egress_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Connections of one (session, process, destination) within
 * TW_EGRESS_REPEAT_NS after one was sent: counted, sent with the next. */
struct tw_egress_seen_key {
	__u64 session;
	struct tw_in6 daddr;
	__u32 tgid;
	__u16 dport;
	__u8 proto;
	__u8 pad;
};

struct tw_egress_seen {
	__u64 last_ns;
	__u64 repeats;
};

struct tw_chain_link {
	__u32 tgid;
	char comm[TW_COMM_LEN];
};

/* TW_EV_SSHD_EGRESS and TW_EV_SSH_LOGIN. */
struct tw_session_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 session_id;
	struct tw_session session;	/* as it was then */
	struct tw_in6 daddr;	/* egress: the destination */
	__u64 repeats;		/* egress: the same connections held back before this one */
	__u64 cgroup_id;	/* the process's cgroup v2 id (its container) */
	__u32 kind;
	__u32 pid;		/* thread id */
	__u32 tgid;
	__u32 uid;
	__u16 dport;		/* host byte order */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 forwarding;	/* made by the session's sshd itself */
	__u8 n_chain;
	__u8 pad[3];
	char comm[TW_COMM_LEN];
	char exe[TW_EXE_LEN];
	char args[TW_ARGS_LEN];
	__u32 args_len;
	__u32 pad2;
	struct tw_chain_link chain[TW_SESSION_CHAIN];
};

#endif
