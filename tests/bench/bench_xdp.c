// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ns per packet under BPF_PROG_TEST_RUN, side by side in one run: an empty
 * XDP_PASS program vs torwatch on misses and hits, IPv4 and IPv6, with the
 * real snapshot and with 1M synthetic exact entries per family.
 *
 * Steady state: a driver program writes the next of 16,384 source addresses
 * into the frame and tail-calls the program under test, repeat = 1M, so every
 * packet has another source and no syscall runs between packets. Both
 * programs sit behind the same driver; the difference is torwatch's cost.
 * Memory state, stated: the first pass over the sources runs on the maps as
 * the load left them; then every entry is read once (pre-faulted) and the
 * timed rounds run warm.
 * Cold: one syscall per packet (repeat = 1), the caches disturbed between
 * packets; shown for reference, the goals apply to the steady state.
 *
 * Applying exit sets (the feed refresh path): a first load into empty maps,
 * a refresh that changes nothing, and one with 10% churn, for the real
 * snapshot and for 1M synthetic entries; and the kernel memory of the maps. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitset/exit_maps.h"
#include "exitset/exit_set.h"
#include "feeds/list_parse.h"
#include "bench_record.h"
#include "packet_builder.h"
#include "torwatch.h"
#include "xdp_bench_driver.skel.h"
#include "kernel/counters.h"
#include "kernel/xdp_clock.h"
#include "xdp_empty.skel.h"
#include "xdp_tor.skel.h"
#include <sys/mman.h>

#define SAMPLES 50000		/* cold: packets, one syscall each */
#define BENCH_ADDRS 16384	/* as in xdp_bench_driver.bpf.c */
#define STEADY_REPEAT (1 << 20)
#define ROUNDS 5
#define SYNTHETIC (1u << 20)
#define SNAPSHOT TW_SNAPSHOT_FILE
#define REAL_V6_EXITS 400	/* the snapshot has none: add a realistic count */

static struct xdp_tor_bpf *tor;
static struct xdp_empty_bpf *empty;
static struct xdp_bench_driver_bpf *driver;
static struct tw_exit_maps maps;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void synth_addr(struct tw_prefix *p, int family, uint32_t i)
{
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	if (family == AF_INET) {
		/* Spread over 1.0.0.0 - 126.255.255.255 by a bijective mix. */
		uint32_t x = (i * 2654435761u) % (126u << 24);
		uint32_t a = htonl((1u << 24) + x);

		p->prefixlen = 32;
		memcpy(p->addr, &a, 4);
	} else {
		uint32_t w[4] = { htonl(0x20010db8), htonl(i * 2654435761u), 0, htonl(i) };

		p->prefixlen = 128;
		memcpy(p->addr, w, 16);
	}
}

static double ms_of(const struct tw_apply_stats *st)
{
	return (double)st->usec / 1000.0;
}

/* Kernel memory charged to a map, from its fdinfo. */
static unsigned long long map_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static void print_memory(void)
{
	unsigned long long exact = map_memlock(maps.exact_v4.fd) + map_memlock(maps.exact_v6.fd);
	unsigned long long prefixes = map_memlock(maps.prefix_v4) + map_memlock(maps.prefix_v6);
	unsigned long long filter = map_memlock(bpf_map__fd(tor->maps.exit_filter));

	printf("  map memory: %.1f MiB exact tables, %.1f MiB prefix maps, %.1f MiB prefilter\n",
	       exact / 1048576.0, prefixes / 1048576.0, filter / 1048576.0);
}

/* set with every 10th entry replaced by an address it does not hold. */
static int churned(const struct tw_exit_set *set, struct tw_exit_set *out)
{
	memset(out, 0, sizeof(*out));
	if (tw_exit_set_reserve(out, set->n))
		return -1;
	for (size_t i = 0; i < set->n; i++) {
		out->e[i] = set->e[i];
		if (i % 10 == 0)
			synth_addr(&out->e[i].p, set->e[i].p.family, 0x40000000u + (uint32_t)i);
	}
	out->n = set->n;
	tw_exit_set_finalize(out);
	return 0;
}

/* Loads set into empty maps, then refreshes it with no change. */
static int apply(struct tw_exit_set *set, const char *what, double goal_ms)
{
	struct tw_apply_stats st;
	int err;

	tw_exit_set_finalize(set);
	err = tw_exit_set_apply(set, &maps, &st);
	if (err) {
		fprintf(stderr, "apply %s: %s\n", what, strerror(-err));
		return err;
	}
	printf("  first load, %s: %u IPv4 + %u IPv6 exact entries in %.1f ms (%s); goal <= %.0f ms: %s (%.1fx)\n",
	       what, set->exact_v4, set->exact_v6, ms_of(&st), st.batched & 1 ? "batched" : "per element",
	       goal_ms, ms_of(&st) <= goal_ms ? "met" : "MISSED", goal_ms / ms_of(&st));
	char name[128], goal[32];

	snprintf(name, sizeof(name), "first load, %s", what);
	snprintf(goal, sizeof(goal), "<= %.0f ms", goal_ms);
	bench_record("control", name, ms_of(&st), "ms", goal, ms_of(&st) <= goal_ms);
	/* A refresh that changes nothing: the read and the diff, no writes. */
	err = tw_exit_set_apply(set, &maps, &st);
	if (!err)
		printf("  refresh, no change: %.1f ms, %zu written\n", ms_of(&st),
		       st.added + st.updated + st.removed);
	print_memory();
	return err;
}

/* Appends n prefixes per family to set, which has room: IPv4 /24s and IPv6
 * /48s (2001:XXXX:XXXX::/48, spread over 2^32: the misses are in
 * 2001:db8::/32). */
static void append_prefixes(struct tw_exit_set *set, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct tw_exit_entry *e = &set->e[set->n++];
		uint32_t w = htonl(i * 2654435761u);

		synth_addr(&e->p, AF_INET, i << 8);
		e->p.prefixlen = 24;
		e->p.addr[3] = 0;
		e->sources = 1;
		e = &set->e[set->n++];
		synth_addr(&e->p, AF_INET6, i);
		memcpy(e->p.addr + 2, &w, 4);
		e->p.prefixlen = 48;
		memset(e->p.addr + 6, 0, 10);
		e->sources = 1;
	}
}

/* set plus n prefixes per family in the prefix maps, and back: that path,
 * batched where the kernel takes it. */
static int prefixes(const struct tw_exit_set *set, uint32_t n)
{
	struct tw_apply_stats st;
	struct tw_exit_set with;
	int err;

	memset(&with, 0, sizeof(with));
	if (tw_exit_set_reserve(&with, set->n + 2 * (size_t)n))
		return -1;
	memcpy(with.e, set->e, set->n * sizeof(*set->e));
	with.n = set->n;
	append_prefixes(&with, n);
	tw_exit_set_finalize(&with);
	err = tw_exit_set_apply(&with, &maps, &st);
	if (!err)
		printf("  %u + %u prefixes added: %.1f ms (prefix maps %s)\n", with.prefixes_v4,
		       with.prefixes_v6, ms_of(&st), st.batched & 2 ? "batched" : "per element");
	if (!err)
		err = tw_exit_set_apply(set, &maps, &st);
	if (!err)
		printf("  and removed again: %.1f ms\n", ms_of(&st));
	tw_exit_set_free(&with);
	return err;
}

/* A refresh where a second source lists every entry: every mask changes,
 * set in place by the set_sources program; then back. */
static int remask(const struct tw_exit_set *set)
{
	struct tw_apply_stats st;
	struct tw_exit_set both;
	int err;

	memset(&both, 0, sizeof(both));
	if (tw_exit_set_reserve(&both, set->n))
		return -1;
	memcpy(both.e, set->e, set->n * sizeof(*set->e));
	both.n = set->n;
	for (size_t i = 0; i < both.n; i++)
		both.e[i].sources |= 1u << 5;
	tw_exit_set_finalize(&both);
	err = tw_exit_set_apply(&both, &maps, &st);
	if (!err)
		printf("  refresh, a second source lists every entry: %.1f ms (%zu masks set in place)\n",
		       ms_of(&st), st.updated);
	if (!err)
		err = tw_exit_set_apply(set, &maps, &st);
	tw_exit_set_free(&both);
	return err;
}

/* A refresh with 10% churn, after the packet figures (it moves entries
 * around in the maps). */
static int churn(const struct tw_exit_set *set, double goal_ms)
{
	struct tw_apply_stats st;
	struct tw_exit_set other;
	int err;

	if (!(err = churned(set, &other))) {
		err = tw_exit_set_apply(&other, &maps, &st);
		if (!err)
			printf("  refresh, 10%% churn: %.1f ms (+%zu, -%zu%s); goal <= %.0f ms: %s (%.1fx)\n",
			       ms_of(&st), st.added, st.removed,
			       st.no_room ? ", no room for both: removals first" : "", goal_ms,
			       ms_of(&st) <= goal_ms ? "met" : "MISSED", goal_ms / ms_of(&st));
		char name[64], goal[32];

		snprintf(name, sizeof(name), "refresh, 10%% churn, %zu entries", set->n);
		snprintf(goal, sizeof(goal), "<= %.0f ms", goal_ms);
		bench_record("control", name, ms_of(&st), "ms", goal, ms_of(&st) <= goal_ms);
		tw_exit_set_free(&other);
	}
	/* Back to set, for what follows. */
	return err ? err : tw_exit_set_apply(set, &maps, &st);
}

static int load_real(struct tw_exit_set *set)
{
	struct tw_feed feed, v6 = {};
	char err[256];

	if (tw_feed_parse_file(SNAPSHOT, &feed, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	v6.entries = calloc(REAL_V6_EXITS, sizeof(*v6.entries));
	v6.n = REAL_V6_EXITS;
	for (uint32_t i = 0; i < REAL_V6_EXITS; i++)
		synth_addr(&v6.entries[i], AF_INET6, i);
	memset(set, 0, sizeof(*set));
	tw_exit_set_add_feed(set, &feed, 0);
	tw_exit_set_add_feed(set, &v6, 1);
	tw_feed_free(&feed);
	tw_feed_free(&v6);
	return apply(set, "real snapshot (+400 IPv6)", 50);
}

/* per_family synthetic addresses of each family. */
static int load_synthetic(struct tw_exit_set *set, uint32_t per_family, const char *what,
			  double goal_ms)
{
	struct tw_feed f = {};

	f.entries = calloc(2 * (size_t)per_family, sizeof(*f.entries));
	if (!f.entries)
		return -1;
	for (uint32_t i = 0; i < per_family; i++) {
		synth_addr(&f.entries[f.n++], AF_INET, i);
		synth_addr(&f.entries[f.n++], AF_INET6, i);
	}
	memset(set, 0, sizeof(*set));
	tw_exit_set_add_feed(set, &f, 0);
	tw_feed_free(&f);
	return apply(set, what, goal_ms);
}

/* A torwatch into *skel, *m with the product's map sizes, or exact tables
 * for max_exact and prefix maps of max_prefixes (0: the product's). */
static int load_tor_into(struct xdp_tor_bpf **skel, struct tw_exit_maps *m, __u32 max_exact,
			 __u32 max_prefixes)
{
	struct tw_config cfg = { .alert_window_ns = TW_ALERT_WINDOW_NS };
	__u32 zero = 0;

	*skel = xdp_tor_bpf__open();
	if (!*skel)
		return -1;
	if (max_exact && tw_exit_maps_size(*skel, max_exact))
		return -1;
	if (max_prefixes && (bpf_map__set_max_entries((*skel)->maps.exit_prefix_v4, max_prefixes) ||
			     bpf_map__set_max_entries((*skel)->maps.exit_prefix_v6, max_prefixes)))
		return -1;
	if (xdp_tor_bpf__load(*skel) || tw_exit_maps_open(*skel, m) || tw_xdp_clock_start(*skel))
		return -1;
	return bpf_map_update_elem(m->config, &zero, &cfg, BPF_ANY);
}

static int load_tor(__u32 max_exact, __u32 max_prefixes)
{
	return load_tor_into(&tor, &maps, max_exact, max_prefixes);
}

/* When set, compare() also measures this variant of torwatch, side by side. */
static struct xdp_tor_bpf *versus;
static const char *versus_name;

struct result {
	double empty, tor;
};

/* The variant's row, under the product's. */
static void print_versus(const char *name, struct result r, double ns)
{
	char vname[128];

	if (!versus)
		return;
	printf("  %-28s %8.1f %9.1f %9.1f %7.2fx   (%s)\n", "", r.empty, ns, ns - r.empty,
	       ns / r.empty, versus_name);
	snprintf(vname, sizeof(vname), "%s, %s", name, versus_name);
	bench_record("micro", vname, ns - r.empty, "ns", NULL, false);
}

static int run(int prog_fd, const struct pkt *p, uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data, .data_size_in = (uint32_t)p->len,
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	*ns = o.duration;
	return err ? err : (o.retval == XDP_PASS || o.retval == XDP_DROP ? 0 : -1);
}

/* A source address drawn from the set (hit) or outside it (miss). */
static void pick_addr(const struct tw_exit_set *set, const size_t *idx, size_t n_fam, int family,
		      int hit, struct tw_prefix *a)
{
	if (hit) {
		*a = set->e[idx[rng() % n_fam]].p;
		return;
	}
	do {
		synth_addr(a, family, (uint32_t)rng());
		if (family == AF_INET6)
			a->addr[4] ^= 0x80; /* a different /40 than the set's */
	} while (tw_exit_set_find(set, a));
}

static size_t family_index(const struct tw_exit_set *set, int family, size_t *idx)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		if (set->e[i].p.family == family)
			idx[n++] = i;
	return n;
}

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* Gives the driver BENCH_ADDRS sources drawn by pick_addr; returns how many
 * of them torwatch's prefilter lets through to the exact table. */
static size_t load_driver_addrs(const struct tw_exit_set *set, const size_t *idx, size_t n_fam,
				int family, int hit)
{
	size_t passed = 0;

	for (__u32 i = 0; i < BENCH_ADDRS; i++) {
		struct tw_prefix a;
		struct tw_in6 in6;
		uint32_t word;
		uint64_t mask;

		pick_addr(set, idx, n_fam, family, hit, &a);
		tw_exit_filter_locate(&a, maps.filter.shift, &word, &mask);
		passed += (maps.filter.words[word] & mask) == mask;
		tw_prefix_to_in6(&a, in6.addr);
		bpf_map_update_elem(bpf_map__fd(driver->maps.bench_addrs), &i, &in6, BPF_ANY);
	}
	return passed;
}

/* ns per packet of prog_fd behind the driver, over STEADY_REPEAT packets. */
static double steady(int prog_fd, const struct pkt *p)
{
	__u32 zero = 0;
	uint32_t ns;

	if (bpf_map_update_elem(bpf_map__fd(driver->maps.target), &zero, &prog_fd, BPF_ANY))
		return -1;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data, .data_size_in = (uint32_t)p->len,
		    .repeat = STEADY_REPEAT);
	if (bpf_prog_test_run_opts(bpf_program__fd(driver->progs.xdp_driver), &o) ||
	    (o.retval != XDP_PASS && o.retval != XDP_DROP))
		return -1;
	ns = o.duration;
	return ns;
}

static void print_row(const char *name, struct result r, double goal, bool judged)
{
	printf("  %-28s %8.1f %9.1f %9.1f %7.2fx", name, r.empty, r.tor, r.tor - r.empty,
	       r.tor / r.empty);
	if (judged) {
		char g[32];

		printf("   <= %3.0f %s", goal, r.tor - r.empty <= goal ? "met" : "MISSED");
		snprintf(g, sizeof(g), "<= %.0f ns", goal);
		bench_record("micro", name, r.tor - r.empty, "ns", g, r.tor - r.empty <= goal);
	}
	printf("\n");
}

/* The transport of the frames compare() sends: TCP to 443 unless a case
 * of the tunnel figures sets ICMP or a DNS query. */
static struct {
	uint8_t proto;
	uint16_t dport;
	size_t payload;
} bench_l4 = { IPPROTO_TCP, 443, 0 };

static int touch(const __u8 *key, size_t key_len, const struct tw_src_stats *st, void *ctx)
{
	*(uint64_t *)ctx += st->packets;
	return 0;
}

/* Every slot of the exact tables read once: their memory is faulted in
 * and warm before the timed rounds.
 * Right after boot a hypervisor may back guest memory only at its first
 * touch, which made a 1M hit 5x slower than on a host that had run a while. */
static void prefault(void)
{
	uint64_t sum = 0;

	tw_exit_table_each(&maps.exact_v4, touch, &sum);
	tw_exit_table_each(&maps.exact_v6, touch, &sum);
}

static int compare(const char *name, const struct tw_exit_set *set, int family, int hit,
		   double goal)
{
	int fd_e = bpf_program__fd(empty->progs.xdp_empty), fd_t = bpf_program__fd(tor->progs.xdp_tor);
	size_t *idx = malloc(set->n * sizeof(*idx)), n_fam = family_index(set, family, idx);
	struct pkt_spec spec = { .family = family,
				 .src = family == AF_INET ? "192.0.2.1" : "2001:db8::1",
				 .dst = family == AF_INET ? "192.0.2.10" : "2001:db8:ffff::10",
				 .proto = bench_l4.proto, .sport = 40000, .dport = bench_l4.dport,
				 .payload = bench_l4.payload };
	double e[ROUNDS], t[ROUNDS], v[ROUNDS];
	struct result steady_r, cold_r;
	uint64_t sum_e = 0, sum_t = 0;
	struct pkt *pk, tmpl;
	char src[64];
	uint32_t ns;

	/* Steady state. */
	size_t passed;

	pkt_build(&tmpl, &spec);
	if (spec.dport == 53) {
		static const char q[] = "\0\1\1\0\0\1\0\0\0\0\0\0\3www\7example\3com\0\0\1\0\1";

		memcpy(tmpl.data + tmpl.l4_off + 8, q, sizeof(q) - 1);
	}
	passed = load_driver_addrs(set, idx, n_fam, family, hit);
	/* Memory as the load left it: the first pass over these sources. */
	double first = steady(fd_t, &tmpl) - steady(fd_e, &tmpl);

	prefault();
	for (int r = 0; r < ROUNDS; r++) {
		e[r] = steady(fd_e, &tmpl);
		t[r] = steady(fd_t, &tmpl);
		v[r] = versus ? steady(bpf_program__fd(versus->progs.xdp_tor), &tmpl) : 0;
		if (e[r] < 0 || t[r] < 0 || v[r] < 0)
			return -1;
	}
	steady_r = (struct result){ median(e, ROUNDS), median(t, ROUNDS) };
	double versus_ns = versus ? median(v, ROUNDS) : 0;

	/* Cold: a syscall per packet, programs alternating packet by packet. */
	if (getenv("BENCH_QUICK")) {
		print_row(name, steady_r, goal, true);
		print_versus(name, steady_r, versus_ns);
		free(idx);
		return 0;
	}
	pk = malloc(SAMPLES * sizeof(*pk));
	for (int i = 0; i < SAMPLES; i++) {
		struct tw_prefix a;

		pick_addr(set, idx, n_fam, family, hit, &a);
		inet_ntop(family, a.addr, src, sizeof(src));
		spec.src = src;
		pkt_build(&pk[i], &spec);
	}
	for (int i = 0; i < SAMPLES; i++) {
		if (run(fd_e, &pk[i], &ns))
			return -1;
		sum_e += ns;
		if (run(fd_t, &pk[i], &ns))
			return -1;
		sum_t += ns;
	}
	cold_r = (struct result){ (double)sum_e / SAMPLES, (double)sum_t / SAMPLES };
	free(pk);
	free(idx);

	print_row(name, steady_r, goal, true);
	print_versus(name, steady_r, versus_ns);
	printf("    memory: %.1f ns on the first pass over these sources as loaded, %.1f ns pre-faulted and warm (the row above)\n",
	       first, steady_r.tor - steady_r.empty);
	{
		char rname[160];

		snprintf(rname, sizeof(rname), "%s, first pass, memory as loaded", name);
		bench_record("micro", rname, first, "ns", NULL, false);
	}
	if (!hit)
		printf("    prefilter lets %.2f%% of these misses through to the exact table\n",
		       100.0 * (double)passed / BENCH_ADDRS);
	char cold_name[64];

	snprintf(cold_name, sizeof(cold_name), "  cold (syscall/packet)");
	print_row(cold_name, cold_r, goal, false);
	return 0;
}

static void header(void)
{
	printf("  %-28s %8s %9s %9s %8s   %s\n", "case (ns/packet)", "empty", "torwatch",
	       "overhead", "ratio", "goal (overhead)");
}

/* Misses and hits, IPv4 and IPv6, each against its goal (ns over the empty
 * program); hit_goal 0: misses only (an empty set has nothing to hit). */
static void compare_all(const char *what, const struct tw_exit_set *set, double miss_goal,
			double hit_goal)
{
	static const struct {
		const char *name;
		int family, hit;
	} cases[] = {
		{ "IPv4 miss", AF_INET, 0 }, { "IPv6 miss", AF_INET6, 0 },
		{ "IPv4 hit", AF_INET, 1 },  { "IPv6 hit", AF_INET6, 1 },
	};
	char name[64];

	header();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].hit && !hit_goal)
			continue;
		snprintf(name, sizeof(name), "%s, %s", what, cases[i].name);
		if (compare(name, set, cases[i].family, cases[i].hit,
			    cases[i].hit ? hit_goal : miss_goal))
			fprintf(stderr, "bench_xdp: %s: a test run failed\n", name);
	}
}

/* n prefixes per family (append_prefixes) and nothing else. */
static int load_prefixes(struct tw_exit_set *set, uint32_t n)
{
	struct tw_apply_stats st;
	int err;

	memset(set, 0, sizeof(*set));
	if (tw_exit_set_reserve(set, 2 * (size_t)n))
		return -1;
	append_prefixes(set, n);
	tw_exit_set_finalize(set);
	err = tw_exit_set_apply(set, &maps, &st);
	if (!err)
		printf("  %u + %u prefixes loaded in %.1f ms\n", set->prefixes_v4, set->prefixes_v6,
		       ms_of(&st));
	return err;
}

/* Tunnel detection on and off, side by side, for the frames it looks at
 * (ICMP, DNS queries) and for the rest (TCP: one comparison more). */
static void tunnel_figures(const struct tw_exit_set *set)
{
	static const struct {
		const char *name;
		uint8_t proto;
		uint16_t dport;
		size_t payload;
	} kinds[] = {
		{ "TCP", IPPROTO_TCP, 443, 0 },
		{ "ICMP echo", IPPROTO_ICMP, 0, 56 },
		{ "DNS query", IPPROTO_UDP, 53, 40 },
	};
	struct tw_tunnel_config on = { .window_ns = 60ULL * 1000000000ULL, .icmp_payload = 800,
				       .icmp_large = 10, .dns_name = 90, .dns_long = 10 },
				off = {};
	char name[64];
	__u32 zero = 0;

	printf("  tunnel detection (real list, IPv4), off then on:\n");
	header();
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) * 2; k++)
		for (int state = 0; state < 2; state++) {
			/* Hits first; then misses, which never reach the tunnel code. */
			int hit = k < sizeof(kinds) / sizeof(kinds[0]);
			size_t i = k % (sizeof(kinds) / sizeof(kinds[0]));

			bpf_map_update_elem(bpf_map__fd(tor->maps.tunnel_config), &zero,
					    state ? &on : &off, BPF_ANY);
			bench_l4.proto = kinds[i].proto;
			bench_l4.dport = kinds[i].dport;
			bench_l4.payload = kinds[i].payload;
			snprintf(name, sizeof(name), "tunnels %s, %s %s", state ? "on" : "off",
				 kinds[i].name, hit ? "hit" : "miss");
			if (compare(name, set, AF_INET, hit, hit ? 60 : 30))
				fprintf(stderr, "bench_xdp: %s: a test run failed\n", name);
		}
	bench_l4.proto = IPPROTO_TCP;
	bench_l4.dport = 443;
	bench_l4.payload = 0;
	bpf_map_update_elem(bpf_map__fd(tor->maps.tunnel_config), &zero, &off, BPF_ANY);
}

/* set in a second torwatch that differs in one choice (no prefilter), hits
 * and misses of both in the same rounds: the figures behind that choice. */
static int versus_figures(const struct tw_exit_set *set, const char *what, bool no_filter)
{
	struct tw_apply_stats st;
	struct tw_exit_maps vm;
	struct tw_config cfg;
	__u32 zero = 0;
	char name[96];

	if (load_tor_into(&versus, &vm, SYNTHETIC, 0) ||
	    tw_exit_set_apply(set, &vm, &st) || bpf_map_lookup_elem(vm.config, &zero, &cfg))
		return -1;
	if (no_filter) {
		cfg.filter_shift = 0;
		bpf_map_update_elem(vm.config, &zero, &cfg, BPF_ANY);
	}
	versus_name = what;
	printf("  1M entries, side by side in the same rounds: the product, and under each of\n"
	       "  its rows %s (the row so marked):\n", what);
	/* Named apart from the main 1M rows: the report keys by name. */
	snprintf(name, sizeof(name), "1M, beside %s", what);
	compare_all(name, set, 25, 150);
	tw_exit_maps_close(&vm);
	xdp_tor_bpf__destroy(versus);
	versus = NULL;
	return 0;
}

/* BENCH_CASES=real,block,tunnels,empty,100k,prefixes,1m,nofilter
 * runs only those packet figures (for quick iterations); unset: all of them. */
static bool wants(const char *what)
{
	const char *only = getenv("BENCH_CASES");

	return !only || strstr(only, what);
}

/* Block mode for the figures that follow: off, or on for every port. */
static void block_all(bool on)
{
	struct tw_block_config b = { .mode = on ? TW_BLOCK_ON : TW_BLOCK_OFF, .all = on };
	__u32 zero = 0;

	bpf_map_update_elem(bpf_map__fd(tor->maps.block), &zero, &b, BPF_ANY);
}

/* A fresh torwatch with maps of these sizes (see load_tor). */
static int reload(__u32 max_exact, __u32 max_prefixes)
{
	tw_exit_maps_close(&maps);
	xdp_tor_bpf__destroy(tor);
	return load_tor(max_exact, max_prefixes);
}

int main(void)
{
	struct tw_exit_set set;

	libbpf_set_print(NULL);
	empty = xdp_empty_bpf__open_and_load();
	driver = xdp_bench_driver_bpf__open_and_load();
	if (!empty || !driver || load_tor(0, 0))
		goto fail;
	printf("bench_xdp: BPF_PROG_TEST_RUN; steady: median of %d runs of %d packets over %d sources;\n"
	       "           cold: mean of %d packets, one syscall each\n",
	       ROUNDS, STEADY_REPEAT, BENCH_ADDRS, SAMPLES);
	if (load_real(&set))
		goto fail;
	if (wants("real"))
		compare_all("real list", &set, 15, 30);
	if (wants("block")) {
		/* The drop path: the hit plus the block decision and its counters. */
		block_all(true);
		header();
		if (compare("real list, block --all, IPv4 hit", &set, AF_INET, 1, 30) ||
		    compare("real list, block --all, IPv6 hit", &set, AF_INET6, 1, 30))
			fprintf(stderr, "bench_xdp: block mode: a test run failed\n");
		block_all(false);
	}
	if (wants("tunnels"))
		tunnel_figures(&set);
	if (churn(&set, 50) || remask(&set) || prefixes(&set, 8192))
		goto fail;
	tw_exit_set_free(&set);

	/* BENCH_QUICK=1: the real-list figures only, for quick iterations. */
	if (getenv("BENCH_QUICK"))
		return 0;
	/* Nothing listed: the floor of the miss path. */
	memset(&set, 0, sizeof(set));
	tw_exit_set_finalize(&set);
	if (tw_exit_set_apply(&set, &maps, &(struct tw_apply_stats){}))
		goto fail;
	if (wants("empty"))
		compare_all("no entries", &set, 15, 0);
	/* 100k exact entries per family. */
	if (reload(SYNTHETIC / 10 + 4096, 0) ||
	    load_synthetic(&set, SYNTHETIC / 10, "100k synthetic per family", 400))
		goto fail;
	if (wants("100k"))
		compare_all("100k entries", &set, 25, 150);
	tw_exit_set_free(&set);
	/* 100k prefixes per family: every miss asks the filter per listed length. */
	if (reload(0, SYNTHETIC / 10 + 4096) || load_prefixes(&set, SYNTHETIC / 10))
		goto fail;
	if (wants("prefixes"))
		compare_all("100k prefixes", &set, 150, 150);
	tw_exit_set_free(&set);
	/* Applying 1M entries in all (half per family), in maps sized for them. */
	if (reload(SYNTHETIC / 2 + SYNTHETIC / 16, 0) ||
	    load_synthetic(&set, SYNTHETIC / 2, "1M synthetic (half per family)", 2000) ||
	    churn(&set, 2000) || remask(&set))
		goto fail;
	tw_exit_set_free(&set);
	/* Tables sized for 1M per family (256 MiB each): they no longer fit in cache. */
	if (reload(SYNTHETIC, 0) ||
	    load_synthetic(&set, SYNTHETIC, "1M synthetic per family", 4000))
		goto fail;
	if (wants("1m"))
		compare_all("1M entries", &set, 25, 150);
	if (wants("nofilter") && versus_figures(&set, "no prefilter", true))
		goto fail;
	if (churn(&set, 4000))
		goto fail;
	tw_exit_set_free(&set);
	xdp_tor_bpf__destroy(tor);
	xdp_empty_bpf__destroy(empty);
	xdp_bench_driver_bpf__destroy(driver);
	return 0;
fail:
	fprintf(stderr, "bench_xdp: cannot load the programs (run as root)\n");
	return 1;
}
