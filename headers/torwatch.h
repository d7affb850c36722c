/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The ABI shared by the BPF programs and userspace: map keys, values, events.
 * Fixed-width types only, largest fields first, explicit padding. */
#ifndef TORWATCH_H
#define TORWATCH_H

#include <linux/types.h>

#define TW_MAX_SOURCES 32	/* exit entries carry a __u32 bitmask of sources */

/* Default map sizes; userspace may resize before load. */
#define TW_DEFAULT_EXIT_ENTRIES 65536
#define TW_MIN_EXIT_ENTRIES 1024
/* The exact table has 2 slots of 128 bytes an entry: 1 GiB a family here. */
#define TW_MAX_EXIT_ENTRIES (4 * 1024 * 1024)
#define TW_DEFAULT_PREFIX_ENTRIES 16384
#define TW_DEFAULT_SRC_STATS_ENTRIES 65536
#define TW_PORT_STATS_ENTRIES 16384
#define TW_XDP_RINGBUF_BYTES (256 * 1024)

/* Time units, once for the kernel and user space. */
#define TW_NS_PER_SEC 1000000000ULL
#define TW_NS_PER_MS 1000000ULL
#define TW_NS_PER_US 1000ULL
/* One alert per source and rule within this (XDP and the throttles). */
#define TW_ALERT_WINDOW_NS (60ULL * TW_NS_PER_SEC)

/* Miss-path prefilter: a one-word-blocked Bloom filter over the exact
 * entries. Each address sets two bits in one 64-bit word picked by its hash:
 * one memory access per lookup. With 8 bits per exact-map slot it passes
 * under 1% of misses when the maps are full (the Tor list: ~0%). A clear bit
 * proves a miss without touching the hash maps, whose bucket arrays do not
 * stay in cache. Userspace sets bits before it adds entries and clears them
 * after it removes entries. */
#define TW_FILTER_BITS_PER_ENTRY 8
/* Default size: both exact maps at their default size. */
#define TW_DEFAULT_FILTER_WORDS (2 * TW_DEFAULT_EXIT_ENTRIES * TW_FILTER_BITS_PER_ENTRY / 64)

/* Multiplicative hashes: only their high bits are well mixed, so the word
 * index and both bit positions are all taken from the top. */
static inline __u64 tw_filter_hash_v4(__u32 addr_be)
{
	return ((__u64)addr_be + 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
}

static inline __u64 tw_filter_hash_v6(const __u64 halves[2])
{
	return ((halves[0] * 0x94d049bb133111ebULL) ^ halves[1]) * 0xbf58476d1ce4e5b9ULL;
}

/* The word for hash h in a filter of 2^(64 - shift) words (shift >= 12). */
static inline __u32 tw_filter_word(__u64 h, __u32 shift)
{
	return (__u32)(h >> shift);
}

/* The two bits of h within its word: the 12 bits below the word index. */
static inline __u64 tw_filter_mask(__u64 h, __u32 shift)
{
	return (1ULL << ((h >> (shift - 6)) & 63)) | (1ULL << ((h >> (shift - 12)) & 63));
}

/* Prefixes in the same prefilter: each sets the bits of its address masked
 * to its length (host order) hashed with that length. A miss asks the filter
 * once per length that the set lists (the prefix_lens words), longest first,
 * and looks that length up in the prefix hash map only when it passes. */
static inline __u64 tw_filter_hash_prefix_v4(__u32 host, __u32 len)
{
	__u32 m = len ? host & (0xffffffffu << (32 - len)) : 0;

	return tw_filter_hash_v4(m + len * 0x9e3779b9u);
}

/* An IPv6 address (host-order halves) masked to len (0-127) into m. */
static inline void tw_mask_v6(__u64 hi, __u64 lo, __u32 len, __u64 m[2])
{
	if (len <= 64) {
		m[0] = len ? hi & (~0ULL << (64 - len)) : 0;
		m[1] = 0;
	} else {
		m[0] = hi;
		m[1] = lo & (~0ULL << (128 - len));
	}
}

static inline __u64 tw_filter_hash_prefix_v6(__u64 hi, __u64 lo, __u32 len)
{
	__u64 h[2];

	tw_mask_v6(hi, lo, len, h);
	h[1] ^= len;
	return tw_filter_hash_v6(h);
}

/* The prefix lengths the set lists, for the filter above: three 64-bit
 * words of the mmapable prefix_lens map, each read and written whole, so
 * that XDP never sees half a change. Word 0: bit L for IPv4 /L (0-31) and
 * TW_PREFIX_LENS_VALID (without it, as in a map no daemon has written yet,
 * every length is asked); word 1: IPv6 /0-/63; word 2: IPv6 /64-/127.
 * During a change they hold the old lengths and the new. */
#define TW_PREFIX_LENS_WORDS 3
#define TW_PREFIX_LENS_VALID (1ULL << 62)

/* The per-CPU global counters, declared once: the enum index, the name
 * that 'stats --json' (and later metrics) show, and what is counted. */
#define TW_COUNTERS(X) \
	X(PACKETS, "packets", "every frame the XDP program saw") \
	X(BYTES, "bytes", "bytes of every frame") \
	X(NON_IP, "non_ip", "ARP, LLDP...: not IPv4/IPv6") \
	X(PARSE_ERRORS, "parse_errors", "headers that could not be read; passed") \
	X(IPV4, "ipv4", "IPv4 frames") \
	X(IPV6, "ipv6", "IPv6 frames") \
	X(EXIT_PACKETS, "exit_packets", "frames whose source is in the exit set") \
	X(EXIT_BYTES, "exit_bytes", "bytes of those") \
	X(EVENTS, "events", "events written to the ring buffer") \
	X(EVENTS_LOST, "events_lost", "events that could not be reserved") \
	X(DROPPED, "dropped", "block mode: exit-node packets dropped") \
	X(WOULD_DROP, "would_drop", "block mode, dry run: would have been dropped") \
	X(ALLOWLISTED, "allowlisted", "exit-set packets from an allowlisted address") \
	X(SSH_EVENTS, "ssh_events", "SSH connections from exit nodes reported") \
	X(SSH_EVENTS_LOST, "ssh_events_lost", "SSH events the ring buffer had no room for") \
	X(LISTEN_EVENTS, "listen_events", "new listening ports reported") \
	X(LISTEN_EVENTS_LOST, "listen_events_lost", "listen events the ring buffer had no room for") \
	X(SESSIONS, "sessions", "SSH sessions followed (sshd started on a connection)") \
	X(SESSION_EVENTS, "session_events", "session events reported (egress, logins from exits)") \
	X(SESSION_EVENTS_LOST, "session_events_lost", "session events the ring buffer had no room for") \
	X(SESSION_MAP_FULL, "session_map_full", "sessions or session processes the maps had no room for") \
	X(DROPPED_UNINSPECTABLE, "dropped_uninspectable", "block mode: of dropped, exit-node fragments and packets whose headers could not be read") \
	X(TOR_CLIENT_EVENTS, "tor_client_events", "connections to Tor relays or the local Tor proxy reported") \
	X(TOR_CLIENT_EVENTS_LOST, "tor_client_events_lost", "Tor client events the ring buffer had no room for")

enum tw_counter {
#define TW_COUNTER_INDEX(id, name, about) TW_CNT_##id,
	TW_COUNTERS(TW_COUNTER_INDEX)
#undef TW_COUNTER_INDEX
	TW_CNT__MAX,
};

/* Value of prefix exit-set entries (LPM tries). */
struct tw_exit_val {
	__u32 sources;		/* bitmask of feed sources listing the entry */
	__u32 prefixlen;	/* prefix length of the entry (32/128 for exact) */
};

/* The key of the LPM tries (the allowlist) and of the prefix hash maps
 * (there the address is masked to prefixlen). */
struct tw_lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];		/* network byte order */
};

struct tw_lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct tw_in6 {
	__u8 addr[16];		/* IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) */
} __attribute__((aligned(8)));	/* read as two __u64 by the prefilter hash */

/* Traffic of one exit-node source address. The value of exact exit entries
 * (one lookup finds the entry and its counters; userspace sets sources when
 * it inserts the entry and never resets the counters), and of src_stats, the
 * LRU map for sources that matched a prefix. */
struct tw_src_stats {
	__u64 packets;
	__u64 bytes;
	__u64 first_seen_ns;	/* CLOCK_MONOTONIC (coarse) */
	__u64 last_seen_ns;
	__u64 last_event_ns;	/* start of the current alert window, 0 = none yet */
	__u64 dropped;		/* block mode: dropped */
	__u64 last_drop_event_ns; /* window of the tor_blocked alert */
	__u32 sources;		/* bitmask of feed sources listing the entry */
	__u16 last_dport;
	__u8 last_proto;
	__u8 pad;
	__u64 would_drop;	/* block mode, dry run: counted, let through */
};

/* The exact entries of one family: an open-addressing table, an mmapable
 * array of 128-byte slots. Slot 0 is the header (struct tw_table_head);
 * entry slots are 1..mask+1; after them, a bitmap of the live entry slots
 * (1,024 bits a slot), kept by userspace so that a walk reads the live
 * slots only, not the whole table. A key's probe starts at its home and
 * walks on (linear probing) to its slot, at most TW_TABLE_PROBES slots, or
 * to an empty one: a hit reads one slot, key and counters together, where a
 * hash map walks a bucket to a separately allocated element. Userspace is
 * the only writer (user/kernel/exit_table.c): it writes key and counters
 * first and publishes the slot last; a removed entry leaves a tombstone
 * (TW_SLOT_GONE), so that no live slot ever moves and no counter XDP adds
 * is lost to a move. */
#define TW_TABLE_PROBES 64
#define TW_TABLE_BITS_PER_SLOT 1024

/* The tables' size in the object (userspace sizes them by --max-exits). */
#define TW_DEFAULT_TABLE_ENTRIES \
	(1 + 2 * TW_DEFAULT_EXIT_ENTRIES + 2 * TW_DEFAULT_EXIT_ENTRIES / TW_TABLE_BITS_PER_SLOT)

/* The map's max_entries for a table of n entry slots. */
static inline __u32 tw_table_map_entries(__u32 n)
{
	return 1 + n + (n + TW_TABLE_BITS_PER_SLOT - 1) / TW_TABLE_BITS_PER_SLOT;
}

#define TW_TABLE_MAGIC 0x74777462u	/* "twtb": a header userspace has written */

enum tw_slot_state { TW_SLOT_EMPTY = 0, TW_SLOT_LIVE = 1, TW_SLOT_GONE = 2 };

struct tw_exit_slot {
	__u32 tag;		/* IPv4: the address (network order); IPv6: tw_table_tag_v6 */
	__u32 state;		/* enum tw_slot_state, stored last */
	struct tw_src_stats st;	/* a hit's writes: the first cache line, but last_dport/proto */
	struct tw_in6 key;	/* the address (IPv4 in the first 4 bytes, the rest 0) */
	__u32 gone_in;		/* userspace only: the apply that left this tombstone */
	__u8 pad[28];
};

/* Slot 0: the seed keys the hash, so that nobody can list addresses that
 * all land in one probe sequence; written once, before any entry. */
struct tw_table_head {
	__u64 seed;
	__u32 mask;		/* entry slots - 1 (a power of two - 1) */
	__u32 magic;		/* TW_TABLE_MAGIC once written; before, every lookup misses */
	__u8 pad[112];
};

/* A 64-bit mix (the MurmurHash3 finaliser): every input bit reaches every
 * output bit, so the low bits of the result pick a home. */
static inline __u64 tw_table_mix(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static inline __u64 tw_table_hash_v4(__u32 addr_be, __u64 seed)
{
	return tw_table_mix((__u64)addr_be ^ seed);
}

static inline __u64 tw_table_hash_v6(const __u64 halves[2], __u64 seed)
{
	return tw_table_mix(tw_table_mix(halves[0] ^ seed) ^ halves[1]);
}

/* IPv6 slots are told apart by this before the whole key is compared. */
static inline __u32 tw_table_tag_v6(__u64 h)
{
	return (__u32)(h >> 32);
}

/* The slot of probe i (0-based) for hash h. */
static inline __u32 tw_table_slot(__u64 h, __u32 i, __u32 mask)
{
	return 1 + (((__u32)h + i) & mask);
}

/* Well-known ports (below TW_LOW_PORTS) are counted in a per-CPU array
 * indexed by tw_low_port_index(); higher ones in an LRU per-CPU hash. */
#define TW_LOW_PORTS 1024

static inline __u32 tw_low_port_index(__u8 proto, __u16 port)
{
	return (proto == 17 ? TW_LOW_PORTS : 0) + port; /* 17: UDP, else TCP */
}

struct tw_port_key {
	__u16 port;		/* host byte order */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

struct tw_traffic {
	__u64 packets;
	__u64 bytes;
	__u64 dropped;		/* block mode: dropped */
	__u64 would_drop;	/* block mode, dry run: counted, let through */
};

/* A set of ports (SSH ports, blocked ports): a bitmap of 1024 words. */
#define TW_PORT_SET_WORDS 1024

/* A clock XDP reads without a helper call (~30 ns here): a bpf_timer stamps
 * it every TW_CLOCK_TICK_NS. 0 until started; XDP then asks the kernel. */
#define TW_CLOCK_TICK_NS (4ULL * 1000 * 1000)

struct tw_counters {
	__u64 c[TW_CNT__MAX];
};

/* Run-time switches the daemon writes and the XDP program reads. */
enum tw_block_mode {
	TW_BLOCK_OFF = 0,
	TW_BLOCK_ON,		/* drop */
	TW_BLOCK_DRY_RUN,	/* count and alert, drop nothing */
};

struct tw_config {
	__u64 alert_window_ns;
	__u32 prefixes_v4;	/* entries in the LPM tries: skip the trie when 0 */
	__u32 prefixes_v6;
	__u32 filter_shift;	/* 64 - log2(filter words); 0 = no prefilter */
	__u32 allow_entries;	/* entries in the allowlist tries: skip them when 0 */
};

/* Block mode, in a map of its own: the CLI writes it while the daemon
 * rewrites tw_config, and neither may undo the other's change. */
struct tw_block_config {
	__u32 mode;		/* enum tw_block_mode */
	__u32 all;		/* every packet from an exit node, not only block_ports */
};

/* Value of the allowlist tries (allow_v4, allow_v6; LPM keys as above). */
struct tw_allow_val {
	__u32 prefixlen;
};

/* Kinds of struct tw_event, a range of 256 per producer, so that a new
 * producer takes the next range and no kind is ever renumbered (a pinned
 * XDP program outlives the daemon that loaded it). */
#define TW_EV_RANGE_XDP 0x000		/* the XDP program */
#define TW_EV_RANGE_CONN 0x100		/* connection tracepoints */
#define TW_EV_RANGE_SESSION 0x200	/* sshd sessions (tw_session.h) */
#define TW_EV_RANGE_PROCESS 0x300	/* reserved: processes of a session */

enum tw_event_kind {
	TW_EV_TOR_TRAFFIC = TW_EV_RANGE_XDP + 1,	/* first packet of a source in a window */
	TW_EV_TOR_BLOCKED = TW_EV_RANGE_XDP + 2,	/* first drop of a source in a window */
	TW_EV_ICMP_TUNNEL = TW_EV_RANGE_XDP + 3,	/* a source's large ICMP packets passed the limit */
	TW_EV_DNS_TUNNEL = TW_EV_RANGE_XDP + 4,	/* a source's long DNS query names passed the limit */
	TW_EV_SSH_FROM_TOR = TW_EV_RANGE_CONN + 1,	/* SSH connection established */
	TW_EV_SSHD_EGRESS = TW_EV_RANGE_SESSION + 1,	/* a session's process connects out */
	TW_EV_SSH_LOGIN = TW_EV_RANGE_SESSION + 2,	/* a session from an exit node logged in */
	TW_EV_SSH_AUTH = TW_EV_RANGE_SESSION + 3,	/* its pre-auth child exited 0: authenticated */
};

#define TW_HIGH_RINGBUF_BYTES (64 * 1024)	/* SSH and other high-value events */

struct tw_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (coarse) */
	struct tw_in6 saddr;
	struct tw_in6 daddr;
	__u32 kind;
	__u32 ifindex;
	__u32 sources;
	__u32 pkt_len;
	__u16 sport;		/* host byte order; 0 when the packet has none */
	__u16 dport;
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 proto;
	__u8 dry_run;		/* TW_EV_TOR_BLOCKED: counted, not dropped */
	__u8 pad;
};

/* A port opened for listening: a TCP listen() or a UDP bind() to a port of
 * the caller's choosing (ports the kernel picks for clients are left out). */
enum tw_listen_hook {
	TW_HOOK_NONE = 0,
	TW_HOOK_KPROBE,		/* kprobe + kretprobe on inet_csk_listen_start, on success */
	TW_HOOK_FENTRY,		/* fexit on inet_csk_listen_start, on success */
	TW_HOOK_TRACEPOINT,	/* sock:inet_sock_set_state -> TCP_LISTEN (before the port check) */
	TW_HOOK_POST_BIND,	/* cgroup/post_bind4/6 (UDP) */
	TW_HOOK_SYSCALL,	/* syscalls:sys_enter/sys_exit_listen */
};

#define TW_COMM_LEN 16
#define TW_LISTEN_RINGBUF_BYTES (64 * 1024)

/* One record of the sock_owners iterator: a socket and the process that
 * holds it (a socket held by several processes gives several records).
 * For an IPv4 or IPv6 socket also what sock_diag would say of it, so that
 * listeners in a namespace the daemon may not enter (no CAP_SYS_ADMIN for
 * setns) are still found; family 0 for other sockets. */
struct tw_sock_owner {
	__u64 inode;		/* the socket's inode, as sock_diag reports it */
	__u32 tgid;
	__u32 netns;		/* its network namespace (inode) */
	__u32 uid;		/* its owner (sk_uid) */
	__u16 lport;		/* host order */
	__u16 dport;		/* host order; 0 when not connected */
	__u8 family;		/* AF_INET, AF_INET6, or 0 */
	__u8 proto;		/* IPPROTO_TCP, IPPROTO_UDP */
	__u8 state;		/* TCP state (10: LISTEN) */
	__u8 pad;
	__u8 laddr[16];		/* IPv4 as v4-mapped */
	__u32 pad2;
};

/* Tunnel detection (bpf/include/tunnel.bpf.h): what a window of one exit
 * source's ICMP and DNS traffic must hold to raise tor_icmp_tunnel or
 * tor_dns_tunnel. Written by the daemon; window_ns 0 turns it off. */
struct tw_tunnel_config {
	__u64 window_ns;	/* the window the counts are kept for */
	__u32 icmp_payload;	/* an ICMP packet with more payload bytes is large */
	__u32 icmp_large;	/* large ICMP packets in a window that raise the alert */
	__u32 dns_name;		/* a query name longer than this (characters) is long */
	__u32 dns_long;		/* queries with long names in a window that raise it */
};

/* One exit source's ICMP and DNS traffic in the current window (the
 * tunnel_state LRU map, keyed by its address; read by the daemon for the
 * alert). Written without atomics: a lost increment under a race between
 * CPUs does not matter for a limit of this kind. */
struct tw_tunnel_state {
	__u64 window_start_ns;	/* CLOCK_MONOTONIC (coarse) */
	__u64 icmp_bytes;
	__u64 dns_bytes;
	__u32 icmp_packets;
	__u32 icmp_large;	/* packets over icmp_payload */
	__u32 dns_packets;	/* queries (UDP to port 53) */
	__u32 dns_long;		/* queries with a name over dns_name */
	__u16 icmp_max_payload;
	__u16 dns_longest_name;
	__u8 icmp_alerted;	/* raised in this window */
	__u8 dns_alerted;
	__u8 pad[2];
};

struct tw_listen_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 cgroup_id;
	struct tw_in6 laddr;	/* IPv4 as ::ffff:a.b.c.d */
	__u32 pid;		/* thread id */
	__u32 tgid;		/* process id */
	__u32 uid;
	__u32 netns;		/* network namespace inode, 0 if unknown */
	__u16 lport;		/* host byte order */
	__u8 family;		/* AF_INET or AF_INET6 (of the socket) */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 hook;		/* enum tw_listen_hook */
	__u8 v6only;		/* AF_INET6 socket that does not take IPv4 */
	__u8 pad[2];
	char comm[TW_COMM_LEN];
};

/* 'torwatch check ADDR': the check_exit program runs the lookup of the XDP
 * program (exit_lookup.bpf.h) on one address (BPF_PROG_TEST_RUN with this
 * as the frame, answered in place), so that check and XDP never disagree. */
struct tw_check_ctx {
	struct tw_in6 addr;	/* in; IPv4 as ::ffff:a.b.c.d */
	__u32 is_v4;		/* in */
	__u32 found;		/* out: 1 when the exit set holds addr */
	__u32 sources;		/* out: bitmask of the sources listing the entry */
	__u32 prefixlen;	/* out: the entry's length (32 or 128: an exact entry) */
	__u32 allowlisted;	/* out: 1 when found and allowlisted (never dropped or alerted) */
	__u32 pad;
};

/* 'torwatch stats reset': reset_counters zeroes the traffic counters of every
 * source in place, in the kernel, so that neither a source mask the daemon
 * sets meanwhile nor an alert window is undone. */
struct tw_reset_ctx {
	__u64 zeroed;		/* out: sources whose counters went to zero */
	__u64 pad;		/* a test-run frame needs 14 bytes at least */
};

_Static_assert(sizeof(struct tw_exit_val) == 8, "tw_exit_val ABI");
_Static_assert(sizeof(struct tw_check_ctx) == 40, "tw_check_ctx ABI");
_Static_assert(sizeof(struct tw_reset_ctx) == 16, "tw_reset_ctx ABI");
_Static_assert(sizeof(struct tw_lpm_v4_key) == 8, "tw_lpm_v4_key ABI");
_Static_assert(sizeof(struct tw_lpm_v6_key) == 20, "tw_lpm_v6_key ABI");
_Static_assert(sizeof(struct tw_src_stats) == 72, "tw_src_stats ABI");
_Static_assert(sizeof(struct tw_exit_slot) == 128, "tw_exit_slot ABI");
_Static_assert(sizeof(struct tw_table_head) == 128, "tw_table_head ABI");
_Static_assert(sizeof(struct tw_port_key) == 4, "tw_port_key ABI");
_Static_assert(sizeof(struct tw_config) == 24, "tw_config ABI");
_Static_assert(sizeof(struct tw_block_config) == 8, "tw_block_config ABI");
_Static_assert(sizeof(struct tw_traffic) == 32, "tw_traffic ABI");
_Static_assert(sizeof(struct tw_event) == 64, "tw_event ABI");
_Static_assert(sizeof(struct tw_listen_event) == 72, "tw_listen_event ABI");
_Static_assert(sizeof(struct tw_sock_owner) == 48, "tw_sock_owner ABI");
_Static_assert(sizeof(struct tw_tunnel_config) == 24, "tw_tunnel_config ABI");
_Static_assert(sizeof(struct tw_tunnel_state) == 48, "tw_tunnel_state ABI");

#endif
