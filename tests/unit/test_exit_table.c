// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The exact entries' open-addressing table on a real kernel array map:
 * inserts, lookups and walks; tombstones that keep live slots in place and
 * are cleared or reused only from the next apply on; the probe bound; the
 * keyed hash against addresses listed to collide; and the same answers
 * through an fd the kernel will not map (a read-only reader). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "kernel/exit_table.h"

/* A table for max_exact entries as the daemon makes one; fd is kept. */
static int new_table(uint32_t max_exact, bool v6, struct tw_exit_table *t)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, sizeof(struct tw_exit_slot),
				tw_exit_table_entries(max_exact), &opts);

	assert_true(fd >= 0);
	assert_int_equal(tw_exit_table_map(fd, v6, true, t), 0);
	return fd;
}

static uint32_t v4(unsigned n)
{
	return htonl((10u << 24) | n);
}

/* Counters of a new entry: listed by sources, packets counted. */
#define LISTED(sources_, packets_) \
	(&(struct tw_src_stats){ .sources = (sources_), .packets = (packets_) })

static uint32_t home(const struct tw_exit_table *t, uint32_t a)
{
	return tw_table_slot(tw_table_hash_v4(a, t->seed), 0, t->mask);
}

static void sizes_are_twice_the_entries_and_a_header(void **state)
{
	(void)state;
	/* The header, the entry slots, the live bitmap (1,024 slots a slot). */
	assert_int_equal(tw_exit_table_entries(1024), 1 + 2048 + 2);
	assert_int_equal(tw_exit_table_entries(1000), 1 + 2048 + 2);
	assert_int_equal(tw_exit_table_entries(32), 1 + 64 + 1);
	assert_int_equal(tw_exit_table_entries(65536), TW_DEFAULT_TABLE_ENTRIES);
}

static void inserts_are_found_and_walked(void **state)
{
	struct tw_exit_table t4, t6;
	int fd4 = new_table(1024, false, &t4), fd6 = new_table(1024, true, &t6);
	struct in6_addr a6;
	uint64_t packets = 0;
	struct tw_src_stats st;

	(void)state;
	assert_int_equal(t4.mask, 2047);
	for (unsigned i = 0; i < 1000; i++) {
		uint32_t a = v4(i);

		assert_int_equal(tw_exit_table_insert(&t4, &a, LISTED(1u << (i % 3), i)), 0);
	}
	uint32_t again = v4(7);

	assert_int_equal(tw_exit_table_insert(&t4, &again, LISTED(1, 0)), -EEXIST);
	for (unsigned i = 0; i < 1000; i++) {
		uint32_t a = v4(i);
		struct tw_exit_slot *s = tw_exit_table_find(&t4, &a);

		assert_non_null(s);
		assert_int_equal(s->st.packets, i);
		assert_int_equal(s->st.sources, 1u << (i % 3));
	}
	uint32_t absent = v4(5000);

	assert_null(tw_exit_table_find(&t4, &absent));
	assert_int_equal(tw_exit_table_count(&t4), 1000);

	inet_pton(AF_INET6, "2001:db8::42", &a6);
	assert_int_equal(tw_exit_table_insert(&t6, &a6, LISTED(2, 9)), 0);
	assert_true(tw_exit_table_read(&t6, &a6, &st));
	assert_int_equal(st.packets, 9);
	inet_pton(AF_INET6, "2001:db8::43", &a6);
	assert_false(tw_exit_table_read(&t6, &a6, &st));
	assert_int_equal(tw_exit_table_count(&t6), 1);

	/* A source mask set in place leaves the counters. */
	tw_exit_table_set_sources(tw_exit_table_find(&t4, &again), 8);
	assert_int_equal(tw_exit_table_find(&t4, &again)->st.sources, 8);
	assert_int_equal(tw_exit_table_find(&t4, &again)->st.packets, 7);
	for (uint32_t i = 1; i <= t4.mask + 1; i++)
		if (t4.slot[i].state == TW_SLOT_LIVE)
			packets += t4.slot[i].st.packets;
	assert_int_equal(packets, 999 * 1000 / 2);
	tw_exit_table_unmap(&t4);
	tw_exit_table_unmap(&t6);
	close(fd4);
	close(fd6);
}

/* n addresses with one home, far enough from the end that their cluster
 * (home, home+1, ...) does not wrap around. */
static void same_home(const struct tw_exit_table *t, uint32_t out[], unsigned n)
{
	unsigned found = 0;
	uint32_t want = 0;

	for (unsigned i = 0; found < n; i++) {
		uint32_t a = v4(i);

		if (!found && home(t, a) > t->mask - 8)
			continue;
		if (!found)
			want = home(t, a);
		if (home(t, a) == want)
			out[found++] = a;
	}
}

static void tombstones_keep_live_slots_in_place(void **state)
{
	struct tw_exit_table t;
	int fd = new_table(1024, false, &t);
	uint32_t a[3];
	struct tw_exit_slot *first, *third;

	(void)state;
	same_home(&t, a, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tw_exit_table_insert(&t, &a[i], LISTED(1, 0)), 0);
	first = tw_exit_table_find(&t, &a[0]);
	third = tw_exit_table_find(&t, &a[2]);
	assert_int_equal(third - first, 2);	/* linear probing: one after the other */
	third->st.packets = 77;			/* XDP counting into it */

	tw_exit_table_begin(&t);
	tw_exit_table_remove(&t, first);
	assert_int_equal(first->state, TW_SLOT_GONE);
	assert_null(tw_exit_table_find(&t, &a[0]));
	/* The probe passes the tombstone: the third is found where it was. */
	assert_ptr_equal(tw_exit_table_find(&t, &a[2]), third);
	assert_int_equal(third->st.packets, 77);
	/* Not reused in the same apply (XDP may still count into it)... */
	assert_int_equal(tw_exit_table_insert(&t, &a[0], LISTED(1, 0)), 0);
	assert_ptr_not_equal(tw_exit_table_find(&t, &a[0]), first);
	tw_exit_table_remove(&t, tw_exit_table_find(&t, &a[0]));	/* after the cluster */
	tw_exit_table_begin(&t);
	/* ...and from the next on: the tombstone inside the cluster stays a
	 * tombstone (the second and third still probe past it); the one
	 * after the cluster, before an empty slot, is empty again. */
	assert_int_equal(first->state, TW_SLOT_GONE);
	assert_int_equal((third + 1)->state, TW_SLOT_EMPTY);
	assert_int_equal(tw_exit_table_insert(&t, &a[0], LISTED(4, 0)), 0);
	assert_ptr_equal(tw_exit_table_find(&t, &a[0]), first);
	assert_int_equal(first->st.packets, 0);	/* a new entry's counters */
	assert_int_equal(first->st.sources, 4);

	/* The whole cluster gone: all three slots empty at the next apply. */
	tw_exit_table_begin(&t);
	for (int i = 0; i < 3; i++)
		tw_exit_table_remove(&t, tw_exit_table_find(&t, &a[i]));
	tw_exit_table_begin(&t);
	for (int i = 0; i < 3; i++)
		assert_int_equal(first[i].state, TW_SLOT_EMPTY);
	assert_int_equal(tw_exit_table_count(&t), 0);
	tw_exit_table_unmap(&t);
	close(fd);
}

/* A restart maps the table again and clears the tombstones before an
 * empty slot: one inside a cluster stays, and the entries behind it are
 * still found. */
static void a_restart_keeps_the_entries_behind_a_tombstone(void **state)
{
	struct tw_exit_table t;
	int fd = new_table(1024, false, &t);
	uint32_t a[3];
	ptrdiff_t gone;

	(void)state;
	same_home(&t, a, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tw_exit_table_insert(&t, &a[i], LISTED(1, i)), 0);
	gone = tw_exit_table_find(&t, &a[0]) - t.slot;
	tw_exit_table_remove(&t, &t.slot[gone]);
	tw_exit_table_unmap(&t);

	assert_int_equal(tw_exit_table_map(fd, false, true, &t), 0);
	assert_int_equal(t.slot[gone].state, TW_SLOT_GONE);
	assert_null(tw_exit_table_find(&t, &a[0]));
	assert_non_null(tw_exit_table_find(&t, &a[1]));
	assert_non_null(tw_exit_table_find(&t, &a[2]));
	assert_int_equal(tw_exit_table_find(&t, &a[2])->st.packets, 2);
	assert_int_equal(tw_exit_table_count(&t), 2);
	tw_exit_table_unmap(&t);
	close(fd);
}

/* A full table refuses with -ENOSPC and loses nothing it holds. */
static void a_full_table_says_so(void **state)
{
	struct tw_exit_table t;
	int fd = new_table(32, false, &t);	/* 64 slots */
	unsigned in = 0, refused = 0;

	(void)state;
	for (unsigned i = 0; i < 80; i++) {
		uint32_t a = v4(i);
		int err = tw_exit_table_insert(&t, &a, LISTED(1, i));

		assert_true(err == 0 || err == -ENOSPC);
		in += !err;
		refused += err == -ENOSPC;
	}
	assert_int_equal(in, 64);
	assert_int_equal(refused, 16);
	for (unsigned i = 0; i < 80; i++) {
		uint32_t a = v4(i);
		struct tw_exit_slot *s = tw_exit_table_find(&t, &a);

		if (s)
			assert_int_equal(s->st.packets, i);
	}
	assert_int_equal(tw_exit_table_count(&t), 64);
	tw_exit_table_unmap(&t);
	close(fd);
}

/* Addresses picked to share one home under a table's seed fill one probe
 * sequence: past TW_TABLE_PROBES they are refused. Another table (its own
 * random seed) spreads the same list. */
static void the_seed_spreads_a_list_made_to_collide(void **state)
{
	enum { N = TW_TABLE_PROBES + 6 };
	struct tw_exit_table a, b;
	int fa = new_table(512, false, &a), fb = new_table(512, false, &b);
	uint32_t list[N];
	unsigned in_a = 0, in_b = 0;

	(void)state;
	assert_int_not_equal(a.seed, b.seed);
	same_home(&a, list, N);
	for (unsigned i = 0; i < N; i++) {
		in_a += !tw_exit_table_insert(&a, &list[i], LISTED(1, 0));
		in_b += !tw_exit_table_insert(&b, &list[i], LISTED(1, 0));
	}
	assert_int_equal(in_a, TW_TABLE_PROBES);
	assert_int_equal(in_b, N);
	tw_exit_table_unmap(&a);
	tw_exit_table_unmap(&b);
	close(fa);
	close(fb);
}

static int sum_packets(const uint8_t *key, size_t key_len, const struct tw_src_stats *st,
		       void *sum)
{
	assert_int_equal(key_len, 4);
	*(uint64_t *)sum += st->packets;
	return 0;
}

/* A read-only fd (a member of the pins' group): the kernel maps nothing
 * through it, so the same table is read by fd, with the same answers. */
static void a_read_only_reader_gets_the_same_answers(void **state)
{
	struct tw_exit_table w, r;
	int fd = new_table(4096, false, &w), ro;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, opts, .open_flags = BPF_F_RDONLY);
	uint64_t sum_w = 0, sum_r = 0;
	struct tw_src_stats st;

	(void)state;
	/* First an address whose home is slot 1, the first entry slot: a
	 * batch read must not start past it. */
	uint32_t at_one = v4(100000);

	while (home(&w, at_one) != 1)
		at_one = htonl(ntohl(at_one) + 1);
	assert_int_equal(tw_exit_table_insert(&w, &at_one, LISTED(1, 0)), 0);
	assert_ptr_equal(tw_exit_table_find(&w, &at_one), &w.slot[1]);
	for (unsigned i = 0; i < 3000; i++) {
		uint32_t a = v4(i);

		assert_int_equal(tw_exit_table_insert(&w, &a, LISTED(1, i + 1)), 0);
	}
	uint32_t gone = v4(10);

	tw_exit_table_remove(&w, tw_exit_table_find(&w, &gone));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	ro = bpf_map_get_fd_by_id_opts(info.id, &opts);
	assert_true(ro >= 0);
	assert_int_equal(tw_exit_table_map(ro, false, false, &r), 0);
	assert_null(r.slot);	/* not mapped: read by fd */
	assert_int_equal(r.seed, w.seed);
	assert_int_equal(tw_exit_table_count(&r), 3000);	/* 2,999 and the one in slot 1 */
	tw_exit_table_each(&w, sum_packets, &sum_w);
	tw_exit_table_each(&r, sum_packets, &sum_r);
	assert_int_equal(sum_r, sum_w);
	assert_int_equal(sum_r, 3000ull * 3001 / 2 - 11);
	uint32_t some = v4(2999);

	assert_true(tw_exit_table_read(&r, &some, &st));
	assert_int_equal(st.packets, 3000);
	assert_false(tw_exit_table_read(&r, &gone, &st));
	assert_null(tw_exit_table_find(&r, &some));	/* no pointer into an unmapped table */
	/* And it never writes. */
	assert_int_equal(tw_exit_table_insert(&r, &gone, LISTED(1, 0)), -EPERM);
	tw_exit_table_unmap(&r);
	tw_exit_table_unmap(&w);
	close(ro);
	close(fd);
}

/* Not a table: a hash map, or an array of another value or size. */
static void other_maps_are_refused(void **state)
{
	struct tw_exit_table t;
	int h = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, sizeof(struct tw_src_stats), 64, NULL);
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int odd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, sizeof(struct tw_exit_slot), 100,
				 &opts);

	(void)state;
	assert_true(h >= 0 && odd >= 0);
	assert_int_equal(tw_exit_table_map(h, false, false, &t), -EINVAL);
	assert_int_equal(tw_exit_table_map(odd, false, true, &t), -EINVAL);
	close(h);
	close(odd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_are_twice_the_entries_and_a_header),
		cmocka_unit_test(inserts_are_found_and_walked),
		cmocka_unit_test(tombstones_keep_live_slots_in_place),
		cmocka_unit_test(a_restart_keeps_the_entries_behind_a_tombstone),
		cmocka_unit_test(a_full_table_says_so),
		cmocka_unit_test(the_seed_spreads_a_list_made_to_collide),
		cmocka_unit_test(a_read_only_reader_gets_the_same_answers),
		cmocka_unit_test(other_maps_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
