/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The record of the sock:inet_sock_set_state tracepoint, declared once for
 * every program that reads it (ssh_detect, listen_detect). Only the fields we
 * read, as the kernel's BTF names them: CO-RE relocates their offsets, so
 * no vmlinux.h is needed. */
#ifndef TW_SOCK_STATE_TP_BPF_H
#define TW_SOCK_STATE_TP_BPF_H

#include <linux/types.h>

struct trace_event_raw_inet_sock_set_state {
	const void *skaddr;	/* the struct sock */
	int oldstate;
	int newstate;
	__u16 sport;		/* local port, host byte order */
	__u16 dport;		/* remote port */
	__u16 family;
	__u16 protocol;
	__u8 saddr[4];
	__u8 daddr[4];
	__u8 saddr_v6[16];
	__u8 daddr_v6[16];
} __attribute__((preserve_access_index));

#endif
