// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The XDP program under BPF_PROG_TEST_RUN: a table of crafted frames, each
 * row asserting the verdict and the exact counter changes; the exit set is
 * written by the daemon's own apply code; a gap-free refresh test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exitset/allowlist.h"
#include "exitset/exit_maps.h"
#include "kernel/pin_upgrade.h"
#include "kernel/pins.h"
#include "common/port_list.h"
#include "exitset/exit_set.h"
#include "feeds/list_parse.h"
#include "packet_builder.h"
#include "torwatch.h"
#include "kernel/xdp_clock.h"
#include "xdp_tor.skel.h"

static struct xdp_tor_bpf *skel;
static struct tw_exit_maps maps;

static const char exit_list[] = "198.51.100.7\n"
				"203.0.113.9\n"
				"192.0.2.128/25\n"
				"2001:db8::7\n"
				"2001:db8:100::/48\n";

#define EXIT4 "198.51.100.7"
#define EXIT4_PFX "192.0.2.200"	/* inside 192.0.2.128/25 */
#define CLEAN4 "192.0.2.1"
#define EXIT6 "2001:db8::7"
#define EXIT6_PFX "2001:db8:100::42"
#define CLEAN6 "2001:db8:1::1"
#define DST4 "192.0.2.10"
#define DST6 "2001:db8:ffff::10"
#define Q ETH_P_8021Q
#define AD 0x88A8

static int apply_list(const char *text)
{
	struct tw_feed feed;
	struct tw_exit_set set = {};
	struct tw_apply_stats st;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	err = tw_feed_parse(f, &feed);
	fclose(f);
	if (err)
		return err;
	err = tw_exit_set_add_feed(&set, &feed, 0);
	tw_exit_set_finalize(&set);
	if (!err)
		err = tw_exit_set_apply(&set, &maps, &st);
	tw_exit_set_free(&set);
	tw_feed_free(&feed);
	return err;
}

static int group_setup(void **state)
{
	struct tw_config cfg = { .alert_window_ns = TW_ALERT_WINDOW_NS };
	__u32 zero = 0;

	skel = xdp_tor_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "cannot load the XDP program: %s\n", strerror(errno));
		return -1;
	}
	if (tw_exit_maps_open(skel, &maps) || tw_xdp_clock_start(skel))
		return -1;
	bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY);
	return apply_list(exit_list);
}

static int group_teardown(void **state)
{
	tw_exit_maps_close(&maps);
	xdp_tor_bpf__destroy(skel);
	return 0;
}

static __u64 counter(enum tw_counter idx)
{
	int ncpu = libbpf_num_possible_cpus();
	struct tw_counters vals[ncpu];
	__u64 sum = 0;
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &zero, vals), 0);
	for (int i = 0; i < ncpu; i++)
		sum += vals[i].c[idx];
	return sum;
}

static struct tw_traffic percpu_traffic(int fd, const void *key)
{
	int ncpu = libbpf_num_possible_cpus();
	struct tw_traffic vals[ncpu], sum = {};

	if (bpf_map_lookup_elem(fd, key, vals))
		return sum;
	for (int i = 0; i < ncpu; i++) {
		sum.packets += vals[i].packets;
		sum.bytes += vals[i].bytes;
	}
	return sum;
}

static int run_frame(const void *data, size_t len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = (__u32)len,
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_tor), &opts);

	*retval = opts.retval;
	return err;
}

/* Zero every per-source counter: exact entries keep their sources. */
static void clear_src_stats(void)
{
	int fd = bpf_map__fd(skel->maps.src_stats);
	struct tw_exit_table *tables[2] = { &maps.exact_v4, &maps.exact_v6 };
	__u8 k[16];

	while (!bpf_map_get_next_key(fd, NULL, k))
		bpf_map_delete_elem(fd, k);
	for (int m = 0; m < 2; m++)
		for (__u32 i = 1; i <= tables[m]->mask + 1; i++) {
			struct tw_exit_slot *s = &tables[m]->slot[i];

			if (s->state == TW_SLOT_LIVE)
				s->st = (struct tw_src_stats){ .sources = s->st.sources };
		}
}

/* The live slot of an IPv4 exact entry in m's table, or NULL. */
static struct tw_exit_slot *exact_v4_slot(struct tw_exit_maps *m, const char *addr)
{
	__u32 a;

	inet_pton(AF_INET, addr, &a);
	return tw_exit_table_find(&m->exact_v4, &a);
}

static struct tw_src_stats exact_v4_stats(const char *addr)
{
	struct tw_exit_slot *s = exact_v4_slot(&maps, addr);

	assert_non_null(s);
	return s->st;
}

static int count_blocked(void *ctx, void *data, size_t size)
{
	const struct tw_event *ev = data;

	*(int *)ctx += ev->kind == TW_EV_TOR_BLOCKED;
	return 0;
}

static struct tw_event last_event;
static int n_events;

static int on_event(void *ctx, void *data, size_t size)
{
	memcpy(&last_event, data, sizeof(last_event));
	n_events++;
	return 0;
}

/* What a row expects the counters to do. */
struct expect {
	int non_ip, parse_error;
	int l3;			/* 4, 6, or 0 when no IP header was read */
	int exit;		/* counted as exit-node traffic (and one event) */
	int port;		/* counted under its destination port */
};

enum cut { FULL = 0, CUT_VLAN, CUT_AT_L3, CUT_IN_L3, CUT_IN_OPTS, CUT_AT_L4, CUT_IN_L4, CUT_IN_EXT };

struct row {
	const char *name;
	struct pkt_spec spec;
	enum cut cut;
	struct expect exp;
};

static size_t cut_len(const struct pkt *p, enum cut c)
{
	switch (c) {
	case CUT_VLAN:
		return 16;		/* Ethernet + half a VLAN tag */
	case CUT_AT_L3:
		return p->l3_off;
	case CUT_IN_L3:
	case CUT_IN_EXT:
		return p->l3_off + (c == CUT_IN_EXT ? 41 : 10);
	case CUT_IN_OPTS:
		return p->l3_off + 28;	/* 20-byte header + 8 of the options */
	case CUT_AT_L4:
		return p->l4_off;
	case CUT_IN_L4:
		return p->l4_off + 4;
	default:
		return p->len;
	}
}

static void run_row(void **state)
{
	const struct row *r = *state;
	struct pkt p;
	__u64 before[TW_CNT__MAX], after[TW_CNT__MAX];
	struct tw_port_key pk = { .port = r->spec.dport, .proto = r->spec.proto };
	__u32 proto = r->spec.proto, retval = 0;
	struct tw_traffic port_before, port_after, proto_before, proto_after;
	struct ring_buffer *rb;
	size_t len;

	pkt_build(&p, &r->spec);
	len = cut_len(&p, r->cut);
	clear_src_stats();
	rb = ring_buffer__new(bpf_map__fd(skel->maps.xdp_events), on_event, NULL, NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb);
	n_events = 0;

	for (int i = 0; i < TW_CNT__MAX; i++)
		before[i] = counter(i);
	int port_fd = bpf_map__fd(pk.port < TW_LOW_PORTS ? skel->maps.low_port_stats :
							     skel->maps.port_stats);
	__u32 low_idx = tw_low_port_index(pk.proto, pk.port);
	const void *port_key = pk.port < TW_LOW_PORTS ? (const void *)&low_idx : &pk;

	port_before = percpu_traffic(port_fd, port_key);
	proto_before = percpu_traffic(bpf_map__fd(skel->maps.proto_stats), &proto);

	assert_int_equal(run_frame(p.data, len, &retval), 0);
	assert_int_equal(retval, XDP_PASS);

	for (int i = 0; i < TW_CNT__MAX; i++)
		after[i] = counter(i);
	port_after = percpu_traffic(port_fd, port_key);
	proto_after = percpu_traffic(bpf_map__fd(skel->maps.proto_stats), &proto);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);

	assert_int_equal(after[TW_CNT_PACKETS] - before[TW_CNT_PACKETS], 1);
	assert_int_equal(after[TW_CNT_BYTES] - before[TW_CNT_BYTES], len);
	assert_int_equal(after[TW_CNT_NON_IP] - before[TW_CNT_NON_IP], r->exp.non_ip);
	assert_int_equal(after[TW_CNT_PARSE_ERRORS] - before[TW_CNT_PARSE_ERRORS],
			 r->exp.parse_error);
	assert_int_equal(after[TW_CNT_IPV4] - before[TW_CNT_IPV4], r->exp.l3 == 4);
	assert_int_equal(after[TW_CNT_IPV6] - before[TW_CNT_IPV6], r->exp.l3 == 6);
	assert_int_equal(after[TW_CNT_EXIT_PACKETS] - before[TW_CNT_EXIT_PACKETS], r->exp.exit);
	assert_int_equal(after[TW_CNT_EXIT_BYTES] - before[TW_CNT_EXIT_BYTES],
			 r->exp.exit ? len : 0);
	assert_int_equal(proto_after.packets - proto_before.packets, r->exp.exit);
	assert_int_equal(port_after.packets - port_before.packets, r->exp.port);
	assert_int_equal(after[TW_CNT_EVENTS] - before[TW_CNT_EVENTS], r->exp.exit);
	assert_int_equal(n_events, r->exp.exit);
	if (r->exp.exit) {
		char want[16];

		assert_int_equal(last_event.kind, TW_EV_TOR_TRAFFIC);
		assert_int_equal(last_event.family, r->spec.family);
		assert_int_equal(last_event.pkt_len, len);
		assert_int_equal(last_event.dport, r->exp.port ? r->spec.dport : 0);
		if (r->spec.family == AF_INET) {
			inet_pton(AF_INET, r->spec.src, want);
			assert_memory_equal(last_event.saddr.addr + 12, want, 4);
		} else {
			inet_pton(AF_INET6, r->spec.src, want);
			assert_memory_equal(last_event.saddr.addr, want, 16);
		}
	}
}

#define V4(s, d, pr, dp) .family = AF_INET, .src = (s), .dst = (d), .proto = (pr), .sport = 40000, .dport = (dp)
#define V6(s, d, pr, dp) .family = AF_INET6, .src = (s), .dst = (d), .proto = (pr), .sport = 40000, .dport = (dp)
#define T IPPROTO_TCP
#define U IPPROTO_UDP

static const struct row rows[] = {
	/* IPv4 */
	{ "v4 tcp from exit (exact)", { V4(EXIT4, DST4, T, 22) }, FULL, { .l3 = 4, .exit = 1, .port = 1 } },
	{ "v4 udp from exit (exact)", { V4("203.0.113.9", DST4, U, 53), .payload = 20 }, FULL, { .l3 = 4, .exit = 1, .port = 1 } },
	{ "v4 tcp from exit (prefix)", { V4(EXIT4_PFX, DST4, T, 443) }, FULL, { .l3 = 4, .exit = 1, .port = 1 } },
	{ "v4 icmp from exit", { V4(EXIT4, DST4, IPPROTO_ICMP, 0) }, FULL, { .l3 = 4, .exit = 1 } },
	{ "v4 tcp from clean source", { V4(CLEAN4, DST4, T, 22) }, FULL, { .l3 = 4 } },
	{ "v4 just below the exit prefix", { V4("192.0.2.127", DST4, T, 22) }, FULL, { .l3 = 4 } },
	{ "v4 destination is an exit, source clean", { V4(CLEAN4, EXIT4, T, 22) }, FULL, { .l3 = 4 } },
	{ "v4 with options", { V4(EXIT4, DST4, T, 8080), .ipv4_option_words = 3 }, FULL, { .l3 = 4, .exit = 1, .port = 1 } },
	{ "v4 first fragment has ports", { V4(EXIT4, DST4, U, 500), .ipv4_more_frags = 1, .payload = 64 }, FULL, { .l3 = 4, .exit = 1, .port = 1 } },
	{ "v4 later fragment has no ports", { V4(EXIT4, DST4, U, 500), .ipv4_frag_off = 8 }, FULL, { .l3 = 4, .exit = 1 } },
	{ "v4 tcp to port 0 is still a port", { V4(EXIT4, DST4, T, 0) }, FULL, { .l3 = 4, .exit = 1, .port = 1 } },
	/* VLAN */
	{ "802.1Q v4 from exit", { .vlan_tags = { Q }, V4(EXIT4, DST4, T, 22) }, FULL, { .l3 = 4, .exit = 1, .port = 1 } },
	{ "QinQ (802.1ad + 802.1Q) v4 from exit", { .vlan_tags = { AD, Q }, V4(EXIT4, DST4, T, 22) }, FULL, { .l3 = 4, .exit = 1, .port = 1 } },
	{ "QinQ v6 from exit", { .vlan_tags = { AD, Q }, V6(EXIT6, DST6, U, 443) }, FULL, { .l3 = 6, .exit = 1, .port = 1 } },
	{ "802.1Q v4 clean", { .vlan_tags = { Q }, V4(CLEAN4, DST4, T, 22) }, FULL, { .l3 = 4 } },
	/* IPv6 */
	{ "v6 tcp from exit (exact)", { V6(EXIT6, DST6, T, 22) }, FULL, { .l3 = 6, .exit = 1, .port = 1 } },
	{ "v6 udp from exit (prefix)", { V6(EXIT6_PFX, DST6, U, 123) }, FULL, { .l3 = 6, .exit = 1, .port = 1 } },
	{ "v6 icmpv6 from exit", { V6(EXIT6, DST6, IPPROTO_ICMPV6, 0) }, FULL, { .l3 = 6, .exit = 1 } },
	{ "v6 from clean source", { V6(CLEAN6, DST6, T, 22) }, FULL, { .l3 = 6 } },
	{ "v6 hop-by-hop + dest opts + routing", { V6(EXIT6, DST6, T, 2222), .ipv6_ext = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING } }, FULL, { .l3 = 6, .exit = 1, .port = 1 } },
	{ "v6 AH then tcp", { V6(EXIT6, DST6, T, 22), .ipv6_ext = { IPPROTO_AH } }, FULL, { .l3 = 6, .exit = 1, .port = 1 } },
	{ "v6 first fragment has ports", { V6(EXIT6, DST6, U, 4500), .ipv6_ext = { IPPROTO_FRAGMENT } }, FULL, { .l3 = 6, .exit = 1, .port = 1 } },
	{ "v6 later fragment has no ports", { V6(EXIT6, DST6, U, 4500), .ipv6_ext = { IPPROTO_FRAGMENT }, .ipv6_frag_off = 100 }, FULL, { .l3 = 6, .exit = 1 } },
	{ "v4-mapped source in an IPv6 header is not IPv4", { V6("::ffff:198.51.100.7", DST6, T, 22) }, FULL, { .l3 = 6 } },
	/* Non-IP */
	{ "ARP", { .family = 0 }, FULL, { .non_ip = 1 } },
	{ "ARP in 802.1Q", { .vlan_tags = { Q }, .family = 0 }, FULL, { .non_ip = 1 } },
	/* Truncated at every header boundary: never dropped, counted as unreadable. */
	{ "cut inside the VLAN tag", { .vlan_tags = { Q }, V4(EXIT4, DST4, T, 22) }, CUT_VLAN, { .parse_error = 1 } },
	{ "cut at the IPv4 header", { V4(EXIT4, DST4, T, 22) }, CUT_AT_L3, { .parse_error = 1 } },
	{ "cut inside the IPv4 header", { V4(EXIT4, DST4, T, 22) }, CUT_IN_L3, { .parse_error = 1 } },
	{ "cut inside IPv4 options", { V4(EXIT4, DST4, T, 22), .ipv4_option_words = 4 }, CUT_IN_OPTS, { .parse_error = 1 } },
	{ "cut at the TCP header (exit still counted)", { V4(EXIT4, DST4, T, 22) }, CUT_AT_L4, { .parse_error = 1, .l3 = 4, .exit = 1 } },
	{ "cut inside the TCP header", { V4(EXIT4, DST4, T, 22) }, CUT_IN_L4, { .parse_error = 1, .l3 = 4, .exit = 1 } },
	{ "cut inside the UDP header", { V4(EXIT4, DST4, U, 53) }, CUT_IN_L4, { .parse_error = 1, .l3 = 4, .exit = 1 } },
	{ "cut inside the UDP header, clean", { V4(CLEAN4, DST4, U, 53) }, CUT_IN_L4, { .parse_error = 1, .l3 = 4 } },
	{ "cut at the IPv6 header", { V6(EXIT6, DST6, T, 22) }, CUT_AT_L3, { .parse_error = 1 } },
	{ "cut inside the IPv6 header", { V6(EXIT6, DST6, T, 22) }, CUT_IN_L3, { .parse_error = 1 } },
	{ "cut inside an IPv6 extension header", { V6(EXIT6, DST6, T, 22), .ipv6_ext = { IPPROTO_HOPOPTS } }, CUT_IN_EXT, { .parse_error = 1, .l3 = 6, .exit = 1 } },
	{ "cut at the TCP header after IPv6", { V6(EXIT6, DST6, T, 22) }, CUT_AT_L4, { .parse_error = 1, .l3 = 6, .exit = 1 } },
	{ "cut inside the TCP header after QinQ + IPv6", { .vlan_tags = { AD, Q }, V6(EXIT6, DST6, T, 22) }, CUT_IN_L4, { .parse_error = 1, .l3 = 6, .exit = 1 } },
};

/* Bad IP headers that are long enough: version or IHL wrong. */
static void test_malformed_ipv4(void **state)
{
	struct pkt_spec s = { V4(EXIT4, DST4, T, 22) };
	__u64 err0 = counter(TW_CNT_PARSE_ERRORS), exit0 = counter(TW_CNT_EXIT_PACKETS);
	struct pkt p;
	__u32 ret;

	pkt_build(&p, &s);
	p.data[p.l3_off] = 0x44; /* IHL 4 < 5 */
	assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	assert_int_equal(ret, XDP_PASS);
	p.data[p.l3_off] = 0x65; /* version 6 in an IPv4 frame */
	assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	p.data[p.l3_off] = 0x4f; /* IHL 15: 60 bytes, longer than the frame */
	assert_int_equal(run_frame(p.data, 14 + 40, &ret), 0);
	assert_int_equal(ret, XDP_PASS);
	assert_int_equal(counter(TW_CNT_PARSE_ERRORS) - err0, 3);
	assert_int_equal(counter(TW_CNT_EXIT_PACKETS) - exit0, 0);
}

/* A TCP SYN from src to port 22 behind 7 destination-options headers, one
 * more than the bounded walk follows; returns the frame's length. */
static size_t syn_behind_dstopts(struct pkt *p, const char *src)
{
	struct pkt_spec s = { V6(src, DST6, T, 22) };
	size_t l3, off;

	pkt_build(p, &s);
	l3 = p->l3_off, off = l3 + 40;
	p->data[l3 + 6] = IPPROTO_DSTOPTS;
	for (int i = 0; i < 7; i++, off += 8) {
		memset(&p->data[off], 0, 8);
		p->data[off] = i == 6 ? IPPROTO_TCP : IPPROTO_DSTOPTS;
	}
	memset(&p->data[off], 0, 20);
	p->data[off + 3] = 22;		/* destination port */
	p->data[off + 13] = 0x02;	/* SYN */
	return off + 20;
}

/* More IPv6 extension headers than the bounded walk follows. */
static void test_too_many_ipv6_ext_headers(void **state)
{
	__u64 err0 = counter(TW_CNT_PARSE_ERRORS);
	struct pkt p;
	__u32 ret;
	size_t len = syn_behind_dstopts(&p, EXIT6);

	assert_int_equal(run_frame(p.data, len, &ret), 0);
	assert_int_equal(ret, XDP_PASS);
	assert_int_equal(counter(TW_CNT_PARSE_ERRORS) - err0, 1);
}

/* One alert per source per window, however many packets. */
static void test_one_event_per_window(void **state)
{
	struct pkt_spec s = { V4(EXIT4, DST4, T, 22) };
	__u64 ev0, exit0;
	struct pkt p;
	__u32 ret;

	clear_src_stats();
	ev0 = counter(TW_CNT_EVENTS);
	exit0 = counter(TW_CNT_EXIT_PACKETS);
	pkt_build(&p, &s);
	for (int i = 0; i < 100; i++)
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	assert_int_equal(counter(TW_CNT_EXIT_PACKETS) - exit0, 100);
	assert_int_equal(counter(TW_CNT_EVENTS) - ev0, 1);

	/* Age the window by hand: the next packet opens a new one. */
	struct tw_src_stats st = exact_v4_stats(EXIT4);

	assert_int_equal(st.packets, 100);
	assert_int_equal(st.bytes, 100 * p.len);
	assert_int_equal(st.last_dport, 22);
	assert_true(st.first_seen_ns > 0 && st.first_seen_ns <= st.last_seen_ns);
	st.last_event_ns -= TW_ALERT_WINDOW_NS + 1;
	exact_v4_slot(&maps, EXIT4)->st = st;
	assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	assert_int_equal(counter(TW_CNT_EVENTS) - ev0, 2);
}

/* A source matched through a prefix gets counters of its own in src_stats. */
static void test_prefix_source_counters(void **state)
{
	struct pkt_spec s = { V4(EXIT4_PFX, DST4, U, 53) };
	struct tw_in6 key = { .addr = { [10] = 0xff, [11] = 0xff } };
	struct tw_src_stats st;
	struct pkt p;
	__u32 ret;

	clear_src_stats();
	pkt_build(&p, &s);
	for (int i = 0; i < 3; i++)
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	inet_pton(AF_INET, EXIT4_PFX, key.addr + 12);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.src_stats), &key, &st), 0);
	assert_int_equal(st.packets, 3);
	assert_int_equal(st.sources, 1);
}

/* 'torwatch check' runs the XDP program's own lookup (check_exit, from its
 * pin): for every address it must say what the XDP program does with a
 * packet from it (counted as exit traffic, allowlisted, or passed). */
static void test_check_agrees_with_xdp(void **state)
{
	static const struct {
		const char *addr;
		int found, prefixlen, allowed;
	} cases[] = {
		{ EXIT4, 1, 32, 0 },	{ EXIT4_PFX, 1, 25, 0 }, { CLEAN4, 0, 0, 0 },
		{ EXIT6, 1, 128, 0 },	{ EXIT6_PFX, 1, 48, 0 }, { CLEAN6, 0, 0, 0 },
		{ "203.0.113.9", 1, 32, 1 },	/* in the list and allowlisted */
	};
	struct tw_config cfg;
	struct tw_prefix allow;
	char root[64];
	const char *why;
	__u32 zero = 0;

	snprintf(root, sizeof(root), "/sys/fs/bpf/torwatch-test-check-%d", getpid());
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(tw_pin_programs(root, skel->obj), 0);
	assert_int_equal(tw_prefix_parse("203.0.113.9", &allow, &why), 0);
	assert_int_equal(tw_allowlist_apply(bpf_map__fd(skel->maps.allow_v4),
					    bpf_map__fd(skel->maps.allow_v6), &allow, 1), 0);
	assert_int_equal(bpf_map_lookup_elem(maps.config, &zero, &cfg), 0);
	cfg.allow_entries = 1;
	assert_int_equal(bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY), 0);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool v4 = !strchr(cases[i].addr, ':');
		struct pkt_spec spec = { .family = v4 ? AF_INET : AF_INET6, .src = cases[i].addr,
					 .dst = v4 ? DST4 : DST6, .proto = U, .sport = 40000,
					 .dport = 53 };
		__u64 exits = counter(TW_CNT_EXIT_PACKETS), allowed = counter(TW_CNT_ALLOWLISTED);
		struct tw_check_ctx c;
		struct tw_prefix a;
		struct pkt p;
		__u32 ret;

		assert_int_equal(tw_prefix_parse(cases[i].addr, &a, &why), 0);
		assert_int_equal(tw_exit_check(root, &a, &c), 0);
		assert_int_equal(c.found, cases[i].found);
		assert_int_equal(c.prefixlen, cases[i].prefixlen);
		assert_int_equal(c.allowlisted, cases[i].allowed);
		if (c.found)
			assert_int_equal(c.sources, 1);
		pkt_build(&p, &spec);
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
		assert_int_equal(counter(TW_CNT_EXIT_PACKETS) - exits, c.found && !c.allowlisted);
		assert_int_equal(counter(TW_CNT_ALLOWLISTED) - allowed, c.allowlisted);
	}

	cfg.allow_entries = 0;
	bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY);
	tw_allowlist_apply(bpf_map__fd(skel->maps.allow_v4), bpf_map__fd(skel->maps.allow_v6), NULL, 0);
	assert_int_equal(tw_pins_remove(root), 0);
}

/* check_exit's (prog's) answer for addr: found and the length of the entry. */
static void check_addr(int prog, const char *addr, __u32 *found, __u32 *prefixlen)
{
	struct tw_check_ctx c = {};
	struct tw_prefix a;
	const char *why;

	assert_int_equal(tw_prefix_parse(addr, &a, &why), 0);
	tw_prefix_to_in6(&a, c.addr.addr);
	c.is_v4 = a.family == AF_INET;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &c, .data_size_in = sizeof(c),
		    .data_out = &c, .data_size_out = sizeof(c));
	assert_int_equal(bpf_prog_test_run_opts(prog, &o), 0);
	*found = c.found;
	*prefixlen = c.prefixlen;
}

/* Prefixes of many lengths behind the prefilter: every address inside one is
 * still found, addresses beside them are not, and a length that leaves the
 * set leaves the listed lengths (its prefix lookups are then skipped). */
static void test_prefix_prefilter(void **state)
{
	static const char list[] =
		"198.18.0.0/15\n192.0.2.128/25\n203.0.113.64/27\n198.51.100.78/31\n"
		"2001:db8:1::/48\n2001:db8:2:3::/64\n2001:db8:4:5:6::/80\n2001:db8:7:8:9:a:b:0/127\n";
	static const struct {
		const char *addr;
		int found;
	} cases[] = {
		{ "198.19.255.254", 1 }, { "198.20.0.1", 0 },	  { "192.0.2.255", 1 },
		{ "192.0.2.127", 0 },	 { "203.0.113.95", 1 },	  { "203.0.113.96", 0 },
		{ "198.51.100.77", 0 },	 { "198.51.100.79", 1 },  { "2001:db8:1:ffff::1", 1 },
		{ "2001:db8:2::1", 0 },	 { "2001:db8:2:3:ffff::9", 1 }, { "2001:db8:4:5:6:1::", 1 },
		{ "2001:db8:4:5:7::", 0 }, { "2001:db8:7:8:9:a:b:1", 1 }, { "2001:db8:7:8:9:a:b:2", 0 },
	};

	assert_int_equal(apply_list(list), 0);
	assert_true(maps.prefix_lens[0] & TW_PREFIX_LENS_VALID);
	assert_int_equal(maps.prefix_lens[0] & 0xffffffff, (1u << 15) | (1u << 25) | (1u << 27) | (1u << 31));
	assert_int_equal(maps.prefix_lens[1], (1ULL << 48));
	assert_int_equal(maps.prefix_lens[2], (1ULL << 0) | (1ULL << 16) | (1ULL << 63));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u32 found, len;

		check_addr(bpf_program__fd(skel->progs.check_exit), cases[i].addr, &found, &len);
		if ((int)found != cases[i].found)
			fail_msg("%s: found %u, want %d", cases[i].addr, found, cases[i].found);
	}
	/* /25 and /80 gone: their lengths go too. */
	assert_int_equal(apply_list("198.18.0.0/15\n2001:db8:1::/48\n"), 0);
	assert_int_equal(maps.prefix_lens[0], TW_PREFIX_LENS_VALID | (1u << 15));
	assert_int_equal(maps.prefix_lens[1], 1ULL << 48);
	assert_int_equal(maps.prefix_lens[2], 0);
	assert_int_equal(apply_list(exit_list), 0);
}

/* Prefixes inside prefixes, down to /1: an address gets the longest that
 * holds it (the lengths are asked longest first), an exact entry beats
 * them all; and with no listed lengths written (a map no daemon has
 * written yet) every length is asked, with the same answers. */
static void test_nested_prefixes_longest_wins(void **state)
{
	static const char list[] = "128.0.0.0/1\n198.18.0.0/15\n198.19.0.0/16\n198.19.7.0/24\n"
				   "198.19.7.9\n2000::/3\n2001:db8::/32\n2001:db8:5::/48\n"
				   "2001:db8:5:6::/64\n2001:db8:5:6::/127\n";
	static const struct {
		const char *addr;
		__u32 prefixlen;
	} cases[] = {
		{ "198.19.7.9", 32 },	{ "198.19.7.10", 24 },	{ "198.19.8.1", 16 },
		{ "198.18.255.1", 15 }, { "192.0.2.1", 1 },	{ "2001:db8:5:6::1", 127 },
		{ "2001:db8:5:6::2", 64 }, { "2001:db8:5:7::1", 48 }, { "2001:db8:6::1", 32 },
		{ "2001:db9::1", 3 },
	};
	__u32 found, len;

	assert_int_equal(apply_list(list), 0);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			check_addr(bpf_program__fd(skel->progs.check_exit), cases[i].addr, &found, &len);
			if (!found || len != cases[i].prefixlen)
				fail_msg("%s%s: found %u /%u, want /%u", cases[i].addr,
					 pass ? " (every length asked)" : "", found, len,
					 cases[i].prefixlen);
		}
		/* As a map no daemon has written: no TW_PREFIX_LENS_VALID. */
		for (int w = 0; w < TW_PREFIX_LENS_WORDS; w++)
			__atomic_store_n(&maps.prefix_lens[w], 0, __ATOMIC_SEQ_CST);
	}
	assert_int_equal(apply_list(exit_list), 0);
	assert_true(maps.prefix_lens[0] & TW_PREFIX_LENS_VALID);
}

/* Another CPU may store a window start newer than this CPU's clock: the
 * window is then still open, and the start must not move back. */
static void test_window_with_clocks_out_of_order(void **state)
{
	struct pkt_spec s = { V4(EXIT4, DST4, T, 22) };
	struct tw_src_stats st;
	__u64 ev0, ahead;
	struct pkt p;
	__u32 ret;

	clear_src_stats();
	pkt_build(&p, &s);
	assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	st = exact_v4_stats(EXIT4);
	ahead = st.last_event_ns + 1000000000ULL; /* a CPU one second ahead */
	st.last_event_ns = ahead;
	exact_v4_slot(&maps, EXIT4)->st = st;
	ev0 = counter(TW_CNT_EVENTS);
	for (int i = 0; i < 10; i++)
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	assert_int_equal(counter(TW_CNT_EVENTS) - ev0, 0);
	assert_int_equal(exact_v4_stats(EXIT4).last_event_ns, ahead);
}

/* When planning fails (here: one map cannot be read), the apply fails and
 * writes nothing: no partial diff reported as done, no prefix counts for a
 * set that is not in the maps. */
static void test_failed_plan_is_a_failed_apply(void **state)
{
	struct tw_exit_maps broken = maps;
	struct tw_exit_set set = {};
	struct tw_apply_stats st;
	struct tw_feed feed;
	struct tw_config cfg;
	__u32 zero = 0;
	FILE *f;

	f = fmemopen((void *)"198.51.100.77\n2001:db8:200::/48\n", 32, "r");
	assert_int_equal(tw_feed_parse(f, &feed), 0);
	fclose(f);
	assert_int_equal(tw_exit_set_add_feed(&set, &feed, 0), 0);
	tw_exit_set_finalize(&set);
	broken.prefix_v6 = -1;
	assert_int_not_equal(tw_exit_set_apply(&set, &broken, &st), 0);
	assert_int_equal(st.added, 0);
	assert_null(exact_v4_slot(&maps, "198.51.100.77"));
	/* The tries stay consulted: slower, never wrong. */
	assert_int_equal(bpf_map_lookup_elem(maps.config, &zero, &cfg), 0);
	assert_int_equal(cfg.prefixes_v4, UINT32_MAX);
	tw_exit_set_free(&set);
	tw_feed_free(&feed);
	assert_int_equal(apply_list(exit_list), 0); /* the suite's set again */
}

/* 'stats reset' zeroes the sources' traffic counters in the kernel; their
 * masks and alert windows stay, so the next packet raises no new alert. */
static void test_reset_counters_keeps_masks_and_windows(void **state)
{
	struct pkt_spec exact = { V4(EXIT4, DST4, T, 22) }, pfx = { V4(EXIT4_PFX, DST4, U, 53) };
	struct tw_in6 pkey = { .addr = { [10] = 0xff, [11] = 0xff } };
	struct tw_src_stats before, after, pst;
	struct tw_reset_ctx r = {};
	struct pkt p, q;
	char root[64];
	__u64 ev0;
	__u32 ret;

	clear_src_stats();
	pkt_build(&p, &exact);
	pkt_build(&q, &pfx);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
		assert_int_equal(run_frame(q.data, q.len, &ret), 0);
	}
	before = exact_v4_stats(EXIT4);
	assert_int_equal(before.packets, 3);
	size_t live = tw_exit_table_count(&maps.exact_v4) + tw_exit_table_count(&maps.exact_v6);

	snprintf(root, sizeof(root), "/sys/fs/bpf/torwatch-test-reset-%d", getpid());
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(tw_pin_programs(root, skel->obj), 0);
	assert_int_equal(tw_run_pinned(root, TW_PIN_PROG(reset_counters), &r, sizeof(r)), 0);
	/* Every exact entry and EXIT4_PFX's source, nothing past the entry
	 * slots: the live bitmap after them is intact. */
	assert_int_equal(r.zeroed, live + 1);
	assert_int_equal(tw_exit_table_count(&maps.exact_v4) + tw_exit_table_count(&maps.exact_v6),
			 live);

	after = exact_v4_stats(EXIT4);
	assert_int_equal(after.packets, 0);
	assert_int_equal(after.bytes, 0);
	assert_int_equal(after.sources, before.sources);
	assert_int_equal(after.last_event_ns, before.last_event_ns);
	inet_pton(AF_INET, EXIT4_PFX, pkey.addr + 12);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.src_stats), &pkey, &pst), 0);
	assert_int_equal(pst.packets, 0);
	assert_int_not_equal(pst.last_event_ns, 0);

	ev0 = counter(TW_CNT_EVENTS);
	assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	assert_int_equal(run_frame(q.data, q.len, &ret), 0);
	assert_int_equal(counter(TW_CNT_EVENTS) - ev0, 0);
	assert_int_equal(exact_v4_stats(EXIT4).packets, 1);
	assert_int_equal(tw_pins_remove(root), 0);
}

/* A refresh keeps the counters of entries it keeps, also when their
 * sources change; a removed and re-added entry starts from zero. */
static void test_refresh_keeps_counters(void **state)
{
	struct pkt_spec s = { V4(EXIT4, DST4, T, 22) };
	struct tw_exit_set set = {};
	struct tw_apply_stats ast;
	struct tw_feed feed;
	struct pkt p;
	__u32 ret;

	clear_src_stats();
	pkt_build(&p, &s);
	for (int i = 0; i < 7; i++)
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	assert_int_equal(apply_list(exit_list), 0);
	assert_int_equal(exact_v4_stats(EXIT4).packets, 7);

	/* The same list as source 0 and source 4: the mask changes. */
	FILE *f = fmemopen((void *)exit_list, strlen(exit_list), "r");

	assert_int_equal(tw_feed_parse(f, &feed), 0);
	fclose(f);
	assert_int_equal(tw_exit_set_add_feed(&set, &feed, 0), 0);
	assert_int_equal(tw_exit_set_add_feed(&set, &feed, 4), 0);
	tw_exit_set_finalize(&set);
	assert_int_equal(tw_exit_set_apply(&set, &maps, &ast), 0);
	assert_int_equal(ast.added, 0);
	assert_int_equal(ast.updated, 5);
	assert_int_equal(ast.removed, 0);
	assert_int_equal(exact_v4_stats(EXIT4).packets, 7);
	assert_int_equal(exact_v4_stats(EXIT4).sources, (1u << 0) | (1u << 4));
	tw_exit_set_free(&set);
	tw_feed_free(&feed);

	assert_int_equal(apply_list("203.0.113.9\n"), 0);
	assert_int_equal(apply_list(exit_list), 0);
	assert_int_equal(exact_v4_stats(EXIT4).packets, 0);
	assert_int_equal(exact_v4_stats(EXIT4).sources, 1);
}

struct hammer {
	atomic_int stop;
	atomic_long runs;
	struct pkt p;
	int cpu;	/* 1 + the CPU the thread runs on; 0: any */
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	__u32 ret;

	if (h->cpu) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(h->cpu - 1, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
			fprintf(stderr, "cannot run on CPU %d\n", h->cpu - 1);
			atomic_store(&h->runs, -1);	/* hammer_start waits no longer */
			return NULL;
		}
	}
	while (!atomic_load(&h->stop))
		if (!run_frame(h->p.data, h->p.len, &ret))
			h->runs++;
	return NULL;
}

/* Starts h's thread and waits for its first packet; returns the packets
 * run so far (what came before the rewrites). */
static long hammer_start(struct hammer *h, pthread_t *th)
{
	assert_int_equal(pthread_create(th, NULL, hammer_thread, h), 0);
	while (!atomic_load(&h->runs))
		sched_yield();
	return atomic_load(&h->runs);
}

/* Rewrites go on until min of them are done and 10,000 packets ran among
 * them (an apply is a few memory stores now: on a busy machine hundreds
 * could end before the other thread runs once), for at most 30 s. */
static bool hammer_more(struct hammer *h, long first, int done, int min, time_t until)
{
	return done < min || (atomic_load(&h->runs) - first < 10000 && time(NULL) < until);
}

/* While the set is rewritten again and again, an address in both the old
 * and the new set is counted for every packet: no gap. */
static void test_refresh_is_gap_free(void **state)
{
	static const char *const lists[2] = {
		"198.51.100.7\n192.0.2.128/25\n2001:db8::7\n203.0.113.1\n203.0.113.2\n",
		"198.51.100.7\n192.0.2.192/26\n2001:db8::7\n203.0.113.3\n203.0.113.4\n",
	};
	const char *srcs[2] = { EXIT4, EXIT4_PFX };

	for (int s = 0; s < 2; s++) {
		struct pkt_spec spec = { V4(srcs[s], DST4, T, 22) };
		struct hammer h = {};
		pthread_t th;
		__u64 exit0 = counter(TW_CNT_EXIT_PACKETS);

		time_t until = time(NULL) + 30;
		long first, during;
		int i;

		pkt_build(&h.p, &spec);
		first = hammer_start(&h, &th);
		for (i = 0; hammer_more(&h, first, i, 200, until); i++)
			assert_int_equal(apply_list(lists[i % 2]), 0);
		atomic_store(&h.stop, 1);
		pthread_join(th, NULL);
		during = atomic_load(&h.runs) - first;
		print_message("  %s: %ld packets during %d refreshes, all counted\n", srcs[s], during, i);
		assert_true(during >= 10000);
		assert_int_equal(counter(TW_CNT_EXIT_PACKETS) - exit0, atomic_load(&h.runs));
	}
	assert_int_equal(apply_list(exit_list), 0);
}

/* The same address listed by one source, then by two, again and again: its
 * own counters (in the map value, beside the source mask) miss no packet. */
static void test_source_mask_change_keeps_every_packet(void **state)
{
	struct pkt_spec spec = { V4(EXIT4, DST4, T, 22) };
	struct tw_exit_set sets[2];
	struct tw_apply_stats ast;
	struct tw_feed feed;
	struct hammer h = {};
	pthread_t th;
	FILE *f = fmemopen((void *)exit_list, strlen(exit_list), "r");

	assert_int_equal(tw_feed_parse(f, &feed), 0);
	fclose(f);
	for (int i = 0; i < 2; i++) {
		memset(&sets[i], 0, sizeof(sets[i]));
		assert_int_equal(tw_exit_set_add_feed(&sets[i], &feed, 0), 0);
		if (i)
			assert_int_equal(tw_exit_set_add_feed(&sets[i], &feed, 4), 0);
		tw_exit_set_finalize(&sets[i]);
	}
	assert_int_equal(tw_exit_set_apply(&sets[0], &maps, &ast), 0);
	clear_src_stats();
	pkt_build(&h.p, &spec);
	time_t until = time(NULL) + 30;
	long first = hammer_start(&h, &th);
	int changes = 0;

	/* Two sources, then one again: each round ends on the first set. */
	while (hammer_more(&h, first, changes, 2000, until))
		for (int i = 1; i <= 2; i++, changes++) {
			assert_int_equal(tw_exit_set_apply(&sets[i % 2], &maps, &ast), 0);
			assert_int_equal(ast.updated, 5);
		}
	atomic_store(&h.stop, 1);
	pthread_join(th, NULL);
	print_message("  %ld packets during %d source-mask changes\n",
		      atomic_load(&h.runs) - first, changes);
	assert_true(atomic_load(&h.runs) - first >= 10000);
	assert_int_equal(exact_v4_stats(EXIT4).packets, atomic_load(&h.runs));
	assert_int_equal(exact_v4_stats(EXIT4).sources, 1);
	for (int i = 0; i < 2; i++)
		tw_exit_set_free(&sets[i]);
	tw_feed_free(&feed);
}

static int count_tunnels(void *ctx, void *data, size_t size)
{
	const struct tw_event *ev = data;

	((int *)ctx)[0] += ev->kind == TW_EV_ICMP_TUNNEL;
	((int *)ctx)[1] += ev->kind == TW_EV_DNS_TUNNEL;
	return 0;
}

/* A DNS query from src to port 53 whose name is made of labels of the given
 * lengths (filled with 'a'); cut: bytes cut off the end of the frame. */
static void dns_query(struct pkt *p, const char *src, const int *labels, int n, size_t cut)
{
	struct pkt_spec s = { V4(src, DST4, IPPROTO_UDP, 53), .payload = 12 };
	uint8_t *q;

	pkt_build(p, &s);
	q = p->data + p->len;
	for (int i = 0; i < n; i++) {
		if (labels[i] < 0) {	/* a compression pointer */
			*q++ = 0xc0;
			*q++ = 12;
			continue;
		}
		*q++ = (uint8_t)labels[i];
		memset(q, 'a', (size_t)labels[i]);
		q += labels[i];
	}
	*q++ = 0;
	*q++ = 0, *q++ = 1, *q++ = 0, *q++ = 1;	/* QTYPE A, QCLASS IN */
	p->len = (size_t)(q - p->data) - cut;
}

static struct tw_tunnel_state tunnel_of(const char *addr)
{
	struct tw_tunnel_state st = {};
	struct tw_in6 key = {};
	__u8 a4[4];

	inet_pton(AF_INET, addr, a4);
	tw_in6_from_v4(key.addr, a4);
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.tunnel_state), &key, &st);
	return st;
}

/* Tunnel detection in XDP: query names measured label by label (a pointer
 * or the frame's end stops the walk), large ICMP payloads counted, one
 * event per kind and window once the limit is reached. */
static void test_tunnel_detection(void **state)
{
	struct tw_tunnel_config cfg = { .window_ns = 60ULL * 1000000000ULL, .icmp_payload = 300,
					.icmp_large = 3, .dns_name = 90, .dns_long = 3 };
	int seen[2] = {}, long_name[] = { 63, 63, 63, 8 }, short_name[] = { 3, 7, 3 };
	int pointer[] = { 63, 20, -1 };
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.xdp_events), count_tunnels,
						  seen, NULL);
	struct pkt p;
	__u32 zero = 0, ret;

	assert_non_null(rb);
	ring_buffer__consume(rb);	/* what earlier tests left */
	seen[0] = seen[1] = 0;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.tunnel_config), &zero, &cfg,
					     BPF_ANY), 0);

	/* Ten short names: counted, never long. */
	dns_query(&p, "203.0.113.9", short_name, 3, 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	struct tw_tunnel_state st = tunnel_of("203.0.113.9");

	assert_int_equal(st.dns_packets, 10);
	assert_int_equal(st.dns_long, 0);
	assert_int_equal(st.dns_longest_name, 3 + 1 + 7 + 1 + 3);
	/* A pointer ends the walk; so does the frame's end in the middle of a label. */
	dns_query(&p, "203.0.113.9", pointer, 3, 0);
	assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	assert_int_equal(tunnel_of("203.0.113.9").dns_longest_name, 63 + 1 + 20);
	dns_query(&p, "203.0.113.9", long_name, 4, 200);
	assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	st = tunnel_of("203.0.113.9");
	assert_int_equal(st.dns_long, 0);	/* what was left of it is not long */
	ring_buffer__consume(rb);
	assert_int_equal(seen[1], 0);

	/* Long names (200 characters): the third raises the event, once. */
	dns_query(&p, EXIT4, long_name, 4, 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	ring_buffer__consume(rb);
	assert_int_equal(seen[1], 1);
	st = tunnel_of(EXIT4);
	assert_int_equal(st.dns_long, 6);
	assert_int_equal(st.dns_longest_name, 63 * 3 + 8 + 3);

	/* ICMP: two small, three large: the event at the third large one. */
	struct pkt_spec small = { V4(EXIT4, DST4, IPPROTO_ICMP, 0), .payload = 56 },
			large = { V4(EXIT4, DST4, IPPROTO_ICMP, 0), .payload = 400 };

	pkt_build(&p, &small);
	for (int i = 0; i < 2; i++)
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	pkt_build(&p, &large);
	for (int i = 0; i < 3; i++)
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	ring_buffer__consume(rb);
	assert_int_equal(seen[0], 1);
	st = tunnel_of(EXIT4);
	assert_int_equal(st.icmp_packets, 5);
	assert_int_equal(st.icmp_large, 3);
	assert_int_equal(st.icmp_max_payload, 400);

	/* Off: nothing is counted any more. */
	cfg.window_ns = 0;
	bpf_map_update_elem(bpf_map__fd(skel->maps.tunnel_config), &zero, &cfg, BPF_ANY);
	assert_int_equal(run_frame(p.data, p.len, &ret), 0);
	assert_int_equal(tunnel_of(EXIT4).icmp_packets, 5);
	ring_buffer__free(rb);
}

static void set_block(__u32 mode, __u32 all, const char *ports)
{
	struct tw_block_config b = { .mode = mode, .all = all };
	struct tw_port_set set;
	char err[128];
	__u32 zero = 0;

	assert_int_equal(tw_port_list_parse(ports, &set, err, sizeof(err)), 0);
	assert_int_equal(tw_port_set_store(bpf_map__fd(skel->maps.block_ports), &set), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.block), &zero, &b, BPF_ANY), 0);
}

static void set_allowlist(const char *entry)
{
	struct tw_prefix p;
	struct tw_config cfg;
	const char *why;
	__u32 zero = 0;

	assert_int_equal(tw_prefix_parse(entry, &p, &why), 0);
	assert_int_equal(tw_allowlist_apply(bpf_map__fd(skel->maps.allow_v4),
					    bpf_map__fd(skel->maps.allow_v6), &p, 1), 0);
	assert_int_equal(bpf_map_lookup_elem(maps.config, &zero, &cfg), 0);
	cfg.allow_entries = 1;
	assert_int_equal(bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY), 0);
}

/* One source, dropped on two CPUs at once: no packet, byte or drop lost.
 * (With plain increments instead of atomics, two runs here lost 399 of
 * 622,284 and 10 of 626,586 packets: the check can fail.) */
static void test_two_cpus_count_every_packet(void **state)
{
	struct pkt_spec spec = { V4(EXIT4, DST4, U, 9) };
	struct hammer h[2] = { { .cpu = 1 }, { .cpu = 2 } };
	pthread_t th[2];
	long total;

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		print_message("  skipped: this machine has one CPU, so no two count at once\n");
		return;
	}
	set_block(TW_BLOCK_ON, 1, "22");
	clear_src_stats();
	for (int i = 0; i < 2; i++) {
		pkt_build(&h[i].p, &spec);
		hammer_start(&h[i], &th[i]);
	}
	time_t until = time(NULL) + 30;

	while ((atomic_load(&h[0].runs) < 300000 || atomic_load(&h[1].runs) < 300000) &&
	       time(NULL) < until)
		usleep(10000);
	for (int i = 0; i < 2; i++) {
		atomic_store(&h[i].stop, 1);
		pthread_join(th[i], NULL);
	}
	set_block(TW_BLOCK_OFF, 0, "22");
	total = atomic_load(&h[0].runs) + atomic_load(&h[1].runs);

	struct tw_src_stats st = exact_v4_stats(EXIT4);

	print_message("  %ld packets on CPU 0 and %ld on CPU 1 at once, %llu counted\n",
		      atomic_load(&h[0].runs), atomic_load(&h[1].runs),
		      (unsigned long long)st.packets);
	assert_true(atomic_load(&h[0].runs) >= 300000 && atomic_load(&h[1].runs) >= 300000);
	assert_int_equal(st.packets, total);
	assert_int_equal(st.bytes, total * h[0].p.len);
	assert_int_equal(st.dropped, total);
	assert_int_equal(st.would_drop, 0);
}

/* Block mode: a table of packets, each with its verdict and counters. */
static void test_block_mode(void **state)
{
	static const struct {
		const char *name;
		__u32 mode, all;
		struct pkt_spec spec;
		__u32 verdict;
		int dropped, would_drop, allowlisted, exit;
	} rows[] = {
		{ "exit -> blocked tcp port", TW_BLOCK_ON, 0, { V4(EXIT4, DST4, T, 22) }, XDP_DROP, 1, 0, 0, 1 },
		{ "exit -> blocked udp port", TW_BLOCK_ON, 0, { V4(EXIT4, DST4, U, 2222) }, XDP_DROP, 1, 0, 0, 1 },
		{ "exit (v6 prefix) -> blocked port", TW_BLOCK_ON, 0, { V6(EXIT6_PFX, DST6, T, 22) }, XDP_DROP, 1, 0, 0, 1 },
		{ "exit -> other port", TW_BLOCK_ON, 0, { V4(EXIT4, DST4, T, 443) }, XDP_PASS, 0, 0, 0, 1 },
		{ "exit icmp, per-port mode", TW_BLOCK_ON, 0, { V4(EXIT4, DST4, IPPROTO_ICMP, 0) }, XDP_PASS, 0, 0, 0, 1 },
		{ "exit later fragment, per-port mode", TW_BLOCK_ON, 0, { V4(EXIT4, DST4, T, 22), .ipv4_frag_off = 8 }, XDP_DROP, 1, 0, 0, 1 },
		{ "exit first fragment to another port", TW_BLOCK_ON, 0, { V4(EXIT4, DST4, T, 443), .ipv4_more_frags = 1 }, XDP_DROP, 1, 0, 0, 1 },
		{ "exit fragment, dry run", TW_BLOCK_DRY_RUN, 0, { V4(EXIT4, DST4, T, 443), .ipv4_frag_off = 8 }, XDP_PASS, 0, 1, 0, 1 },
		{ "clean later fragment", TW_BLOCK_ON, 0, { V4(CLEAN4, DST4, T, 22), .ipv4_frag_off = 8 }, XDP_PASS, 0, 0, 0, 0 },
		{ "clean -> blocked port", TW_BLOCK_ON, 0, { V4(CLEAN4, DST4, T, 22) }, XDP_PASS, 0, 0, 0, 0 },
		{ "exit -> blocked port, dry run", TW_BLOCK_DRY_RUN, 0, { V4(EXIT4, DST4, T, 22) }, XDP_PASS, 0, 1, 0, 1 },
		{ "exit icmp, --all", TW_BLOCK_ON, 1, { V4(EXIT4, DST4, IPPROTO_ICMP, 0) }, XDP_DROP, 1, 0, 0, 1 },
		{ "exit v6 -> any port, --all", TW_BLOCK_ON, 1, { V6(EXIT6, DST6, U, 9999) }, XDP_DROP, 1, 0, 0, 1 },
		{ "allowlisted exit -> blocked port", TW_BLOCK_ON, 1, { V4("203.0.113.9", DST4, T, 22) }, XDP_PASS, 0, 0, 1, 0 },
		{ "block off", TW_BLOCK_OFF, 1, { V4(EXIT4, DST4, T, 22) }, XDP_PASS, 0, 0, 0, 1 },
	};

	set_allowlist("203.0.113.0/24");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		__u64 d0 = counter(TW_CNT_DROPPED), w0 = counter(TW_CNT_WOULD_DROP),
		      a0 = counter(TW_CNT_ALLOWLISTED), e0 = counter(TW_CNT_EXIT_PACKETS);
		struct pkt p;
		__u32 ret;

		print_message("  %s\n", rows[i].name);
		set_block(rows[i].mode, rows[i].all, "22,2222");
		pkt_build(&p, &rows[i].spec);
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
		assert_int_equal(ret, rows[i].verdict);
		assert_int_equal(counter(TW_CNT_DROPPED) - d0, rows[i].dropped);
		assert_int_equal(counter(TW_CNT_WOULD_DROP) - w0, rows[i].would_drop);
		assert_int_equal(counter(TW_CNT_ALLOWLISTED) - a0, rows[i].allowlisted);
		/* Allowlisted traffic is not exit traffic; dropped traffic still is. */
		assert_int_equal(counter(TW_CNT_EXIT_PACKETS) - e0, rows[i].exit);
	}
	set_block(TW_BLOCK_OFF, 0, "22");
	assert_int_equal(tw_allowlist_apply(bpf_map__fd(skel->maps.allow_v4),
					    bpf_map__fd(skel->maps.allow_v6), NULL, 0), 0);
	__u32 zero = 0;
	struct tw_config cfg;

	assert_int_equal(bpf_map_lookup_elem(maps.config, &zero, &cfg), 0);
	cfg.allow_entries = 0;
	assert_int_equal(bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY), 0);
}

/* What cannot be inspected to its ports, from a listed source in per-port
 * block mode, is dropped and counted as such: a SYN whose first fragment
 * holds 8 bytes of TCP header, and a SYN behind 7 destination options. */
static void test_block_uninspectable(void **state)
{
	const char *const srcs4[] = { EXIT4, CLEAN4 }, *const srcs6[] = { EXIT6, CLEAN6 };

	set_block(TW_BLOCK_ON, 0, "22");
	for (int listed = 1; listed >= 0; listed--) {
		struct pkt_spec s4 = { V4(srcs4[!listed], DST4, T, 22), .ipv4_more_frags = 1 };
		__u64 d0 = counter(TW_CNT_DROPPED), u0 = counter(TW_CNT_DROPPED_UNINSPECTABLE);
		struct pkt p;
		__u32 ret;

		pkt_build(&p, &s4);
		assert_int_equal(run_frame(p.data, p.l4_off + 8, &ret), 0);
		assert_int_equal(ret, listed ? XDP_DROP : XDP_PASS);
		size_t len = syn_behind_dstopts(&p, srcs6[!listed]);

		assert_int_equal(run_frame(p.data, len, &ret), 0);
		assert_int_equal(ret, listed ? XDP_DROP : XDP_PASS);
		assert_int_equal(counter(TW_CNT_DROPPED) - d0, listed ? 2 : 0);
		assert_int_equal(counter(TW_CNT_DROPPED_UNINSPECTABLE) - u0, listed ? 2 : 0);
	}
	set_block(TW_BLOCK_OFF, 0, "22");
}

/* The first drop of a source in a window raises tor_blocked, once. */
static void test_one_block_event_per_window(void **state)
{
	struct pkt_spec s = { V4(EXIT4, DST4, T, 22) };
	struct pkt p;
	__u32 ret;
	int drops = 0;

	clear_src_stats();
	set_block(TW_BLOCK_ON, 0, "22");
	pkt_build(&p, &s);
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.xdp_events), count_blocked,
						  &drops, NULL);

	assert_non_null(rb);
	ring_buffer__consume(rb);
	drops = 0;
	for (int i = 0; i < 20; i++) {
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
		assert_int_equal(ret, XDP_DROP);
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	assert_int_equal(drops, 1);
	assert_int_equal(exact_v4_stats(EXIT4).dropped, 20);
	assert_int_equal(exact_v4_stats(EXIT4).would_drop, 0);
	assert_int_equal(exact_v4_stats(EXIT4).packets, 20);
	/* A dry run counts apart: the source's dropped stays. */
	set_block(TW_BLOCK_DRY_RUN, 0, "22");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(run_frame(p.data, p.len, &ret), 0);
		assert_int_equal(ret, XDP_PASS);
	}
	assert_int_equal(exact_v4_stats(EXIT4).dropped, 20);
	assert_int_equal(exact_v4_stats(EXIT4).would_drop, 5);
	set_block(TW_BLOCK_OFF, 0, "22");
}

/* The clock XDP reads is running: it moves, and stays within a few ticks
 * of the kernel's coarse clock. */
static void test_clock_ticks(void **state)
{
	struct { struct bpf_timer t; __u64 now; } c1, c2;
	__u32 zero = 0;
	int fd = bpf_map__fd(skel->maps.clock);
	struct timespec ts;

	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &c1), 0);
	usleep(50 * 1000);
	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &c2), 0);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	assert_true(c1.now > 0);
	assert_true(c2.now > c1.now);
	__u64 kernel = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;

	assert_true(kernel >= c2.now && kernel - c2.now < 5 * TW_CLOCK_TICK_NS);
	/* Starting it again (a restarted daemon) keeps it running. */
	assert_int_equal(tw_xdp_clock_start(skel), 0);
}

/* Apply removes what the new set no longer holds. */
static void test_apply_removes_stale(void **state)
{
	struct tw_config cfg;
	__u32 zero = 0;

	assert_int_equal(apply_list("203.0.113.77\n"), 0);
	assert_int_equal(exact_v4_stats("203.0.113.77").sources, 1);
	assert_null(exact_v4_slot(&maps, EXIT4));
	assert_int_equal(bpf_map_lookup_elem(maps.config, &zero, &cfg), 0);
	assert_int_equal(cfg.prefixes_v4, 0);
	assert_int_equal(cfg.prefixes_v6, 0);
	assert_int_equal(cfg.filter_shift, maps.filter.shift);
	/* Only the remaining address's two bits (or one, if they coincide) are left. */
	size_t bits = 0;

	for (size_t i = 0; i < maps.filter.n_words; i++)
		bits += (size_t)__builtin_popcountll(maps.filter.words[i]);
	assert_true(bits == 1 || bits == 2);
	uint32_t word;
	uint64_t mask;
	struct tw_prefix p77;
	const char *why;

	tw_prefix_parse("203.0.113.77", &p77, &why);
	tw_exit_filter_locate(&p77, maps.filter.shift, &word, &mask);
	assert_int_equal(maps.filter.words[word], mask);
	assert_int_equal(apply_list(exit_list), 0);
	assert_int_equal(bpf_map_lookup_elem(maps.config, &zero, &cfg), 0);
	assert_int_equal(cfg.prefixes_v4, 1);
	assert_int_equal(cfg.prefixes_v6, 1);
}

/* Entries numbered base.. of 10.0.0.0/8: addresses, or with len < 32 the
 * prefixes of that length numbered the same way (10.0.<n>.0/24). */
static void numbered_prefixes(struct tw_exit_set *set, unsigned base, unsigned n, unsigned len)
{
	memset(set, 0, sizeof(*set));
	assert_int_equal(tw_exit_set_reserve(set, n), 0);
	for (unsigned i = 0; i < n; i++) {
		uint32_t a = htonl((10u << 24) | (((base + i) << (32 - len)) & 0xffffff));

		set->e[i] = (struct tw_exit_entry){ .p = { .family = AF_INET, .prefixlen = len },
						    .sources = 1 };
		memcpy(set->e[i].p.addr, &a, 4);
	}
	set->n = n;
	tw_exit_set_finalize(set);
}

/* n IPv4 addresses 10.<base>.x.y, in one set. */
static void numbered_set(struct tw_exit_set *set, unsigned base, unsigned n)
{
	numbered_prefixes(set, base, n, 32);
}

/* The live IPv4 entries of m: each within [lo, hi) of numbered_set. */
static unsigned live_between(struct tw_exit_maps *m, unsigned lo, unsigned hi)
{
	unsigned count = 0;

	for (__u32 i = 1; i <= m->exact_v4.mask + 1; i++) {
		const struct tw_exit_slot *s = &m->exact_v4.slot[i];
		unsigned n = ntohl(s->tag) & 0xffffff;

		if (s->state != TW_SLOT_LIVE)
			continue;
		assert_true(n >= lo && n < hi);
		count++;
	}
	return count;
}

/* Replaces the set old (numbers 0..n_old-1) by new (from base, n_new) in a
 * table of slots entry slots: entry 600, in both, counts 42 packets in
 * between, which must stay. Returns the apply's no_room. */
static int replace_sets(__u32 slots, unsigned n_old, unsigned base, unsigned n_new)
{
	struct xdp_tor_bpf *small = xdp_tor_bpf__open();
	struct tw_exit_maps m;
	struct tw_exit_set old, new;
	struct tw_apply_stats st;
	int no_room;

	assert_non_null(small);
	assert_int_equal(tw_exit_maps_size(small, TW_MIN_EXIT_ENTRIES), 0);
	assert_int_equal(bpf_map__set_max_entries(small->maps.exit_table_v4, tw_table_map_entries(slots)), 0);
	assert_int_equal(xdp_tor_bpf__load(small), 0);
	assert_int_equal(tw_exit_maps_open(small, &m), 0);
	numbered_set(&old, 0, n_old);
	numbered_set(&new, base, n_new);
	assert_int_equal(tw_exit_set_apply(&old, &m, &st), 0);
	assert_int_equal(st.no_room, 0);
	assert_non_null(exact_v4_slot(&m, "10.0.2.88"));	/* number 600 */
	exact_v4_slot(&m, "10.0.2.88")->st.packets = 42;
	assert_int_equal(tw_exit_set_apply(&new, &m, &st), 0);
	no_room = st.no_room;
	assert_int_equal(st.added, base);
	assert_int_equal(st.removed, base);
	assert_int_equal(live_between(&m, base, base + n_new), n_new);
	assert_int_equal(exact_v4_slot(&m, "10.0.2.88")->st.packets, 42);
	assert_int_equal(tw_exit_table_count(&m.exact_v4), n_new);
	tw_exit_set_free(&old);
	tw_exit_set_free(&new);
	tw_exit_maps_close(&m);
	xdp_tor_bpf__destroy(small);
	return no_room;
}

/* --max-exits 1024: old and new (1,100 together) are both in the table
 * before the stale go, which a hash map of 1,024 entries could not hold.
 * (Not 1,500: at that load 131 of 1,000 fresh seeds made a probe sequence
 * pass TW_TABLE_PROBES, and this failed now and then; at 1,100, 3 of
 * 100,000 did.) */
static void test_apply_old_and_new_at_once(void **state)
{
	assert_int_equal(replace_sets(2048, 1000, 100, 1000), 0);
}

/* A table too small for old and new at once (1,050 in 1,024 slots): stale
 * entries go first, and the entries both sets hold are not touched (their
 * counters stay). */
static void test_apply_without_room(void **state)
{
	assert_int_equal(replace_sets(1024, 700, 350, 700), 1);
}

/* Prefix maps too small for old and new at once (72 prefixes in maps of
 * 64): stale prefixes go first, and then exactly the new ones are found. */
static void test_prefix_maps_without_room(void **state)
{
	struct xdp_tor_bpf *small = xdp_tor_bpf__open();
	struct tw_exit_set old, new;
	struct tw_apply_stats st;
	struct tw_exit_maps m;
	__u32 found, len;
	char addr[32];

	assert_non_null(small);
	assert_int_equal(tw_exit_maps_size(small, TW_MIN_EXIT_ENTRIES), 0);
	assert_int_equal(bpf_map__set_max_entries(small->maps.exit_prefix_v4, 64), 0);
	assert_int_equal(xdp_tor_bpf__load(small), 0);
	assert_int_equal(tw_exit_maps_open(small, &m), 0);
	numbered_prefixes(&old, 0, 48, 24);
	numbered_prefixes(&new, 24, 48, 24);
	assert_int_equal(tw_exit_set_apply(&old, &m, &st), 0);
	assert_int_equal(st.no_room, 0);
	assert_int_equal(tw_exit_set_apply(&new, &m, &st), 0);
	assert_int_equal(st.no_room, 1);
	assert_int_equal(st.added, 24);
	assert_int_equal(st.removed, 24);
	for (unsigned n = 0; n < 72; n++) {
		snprintf(addr, sizeof(addr), "10.0.%u.9", n);
		check_addr(bpf_program__fd(small->progs.check_exit), addr, &found, &len);
		if (found != (n >= 24) || (found && len != 24))
			fail_msg("%s: found %u /%u after the apply without room", addr, found, len);
	}
	tw_exit_set_free(&old);
	tw_exit_set_free(&new);
	tw_exit_maps_close(&m);
	xdp_tor_bpf__destroy(small);
}

int main(void)
{
	enum { N_ROWS = sizeof(rows) / sizeof(rows[0]) };
	struct CMUnitTest tests[N_ROWS + 32];	/* room for the named tests below */
	size_t n = 0;

	if (geteuid() != 0) {
		printf("SKIP: loading the XDP program and BPF_PROG_TEST_RUN need root\n");
		return 77;
	}
	for (size_t i = 0; i < N_ROWS; i++)
		tests[n++] = (struct CMUnitTest){ .name = rows[i].name, .test_func = run_row,
						  .initial_state = (void *)&rows[i] };
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_malformed_ipv4);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_too_many_ipv6_ext_headers);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_one_event_per_window);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_window_with_clocks_out_of_order);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_prefix_source_counters);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_check_agrees_with_xdp);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reset_counters_keeps_masks_and_windows);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_refresh_keeps_counters);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_clock_ticks);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_block_mode);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_one_block_event_per_window);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_block_uninspectable);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_apply_removes_stale);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_tunnel_detection);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_apply_old_and_new_at_once);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_apply_without_room);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_failed_plan_is_a_failed_apply);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_prefix_prefilter);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_nested_prefixes_longest_wins);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_prefix_maps_without_room);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_refresh_is_gap_free);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_source_mask_change_keeps_every_packet);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_two_cpus_count_every_packet);
	return _cmocka_run_group_tests("xdp", tests, n, group_setup, group_teardown);
}
