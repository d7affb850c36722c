/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tor used from this host (bpf/trace/tor_client.bpf.c): the relay set the
 * cgroup connect hooks look destinations up in, the local Tor proxy ports,
 * and the record that crosses to userspace. */
#ifndef TW_TOR_CLIENT_H
#define TW_TOR_CLIENT_H

#include "torwatch.h"

#define TW_MAX_RELAYS 65536		/* relay addresses and ports in the map */
#define TW_PIN_RELAYS "relays"		/* the relays map under the pin root, for 'check' */
#define TW_TOR_CLIENT_RINGBUF_BYTES (128 * 1024)
#define TW_TOR_CLIENT_REPEAT_NS TW_NS_PER_SEC	/* repeats within this are counted, not sent */

/* A relay's address and port; port 0: any port of the address (a source
 * that gives addresses only). */
struct tw_relay_key {
	struct tw_in6 addr;	/* IPv4 as ::ffff:a.b.c.d */
	__u16 port;		/* host byte order */
	__u16 pad;
	__u32 pad2;
};

struct tw_relay {
	__u32 sources;		/* bit 0: the built-in directories; 1 and up: relay files */
	__u32 pad;
};

/* What the hooks read: the local proxy ports, as a bitmap of ports. */
struct tw_tor_client_config {
	__u64 proxy_ports[TW_PORT_SET_WORDS];
};

enum tw_tor_client_kind {
	TW_TOR_RELAY = 1,	/* a connection to a listed relay address and port */
	TW_TOR_PROXY = 2,	/* a connection to a local Tor SOCKS or control port */
};

/* The folding key of repeats in the kernel. */
struct tw_tor_client_seen_key {
	struct tw_in6 daddr;
	__u32 tgid;
	__u16 dport;
	__u8 kind;
	__u8 proto;
};

struct tw_tor_client_seen {
	__u64 last_ns;
	__u64 repeats;
};

struct tw_tor_client_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 cgroup_id;
	__u64 repeats;		/* the same connections held back before this one */
	struct tw_in6 daddr;
	__u32 kind;		/* enum tw_tor_client_kind */
	__u32 pid;		/* thread id */
	__u32 tgid;
	__u32 uid;
	__u32 sources;		/* TW_TOR_RELAY: the relay's entry */
	__u16 dport;		/* host byte order */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 any_port;		/* the relay was listed by address only */
	char comm[TW_COMM_LEN];
};

/* What the sensor counted, pinned for 'stats', 'top' and the metrics: per
 * process (the tor_clients LRU map, TW_PIN_TOR_CLIENTS) and per rule and
 * allowed or not (the tor_client_totals array, TW_PIN_TOR_CLIENT_TOTALS,
 * index kind * 2 + allowed - 2). Connections are the alerts' event.count. */
#define TW_MAX_TOR_CLIENTS 1024
#define TW_PIN_TOR_CLIENTS "tor_clients"
#define TW_PIN_TOR_CLIENT_TOTALS "tor_client_totals"
#define TW_TOR_EXE_LEN 128

struct tw_tor_client_key {
	__u32 kind;		/* enum tw_tor_client_kind */
	__u32 allowed;		/* its executable may use Tor */
	char comm[TW_COMM_LEN];
	char exe[TW_TOR_EXE_LEN];	/* "" when it was gone before /proc was read */
};

struct tw_tor_client_count {
	__u64 connections;
	__u64 alerts;
	__u64 last_seen;	/* unix seconds */
	__u32 last_pid;
	__u32 uid;
};

#endif
