// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The source storm fold: per-source alerts go out up to the limit in a
 * minute, the rest fold; the minute's summary counts them and their
 * sources once each, reads their counters from real BPF maps shaped as
 * XDP's (exact IPv4, exact IPv6, prefix-matched sources), and names the top
 * sources by packets. A limit of 0 folds nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include "../json_path.h"
#include "common/addr.h"
#include "sensors/exit/source_storm.h"

#define SEC_NS 1000000000ULL

static struct tw_event event(uint32_t kind, const char *addr)
{
	struct tw_event ev = { .kind = kind, .proto = IPPROTO_TCP, .dport = 443 };
	struct tw_prefix p;
	const char *why;

	assert_int_equal(tw_prefix_parse(addr, &p, &why), 0);
	ev.family = p.family;
	tw_prefix_to_in6(&p, ev.saddr.addr);	/* IPv4 as ::ffff:a.b.c.d, as the kernel writes it */
	return ev;
}

/* A field of the i-th of torwatch.storm.top_sources. */
static const char *top(struct json_object *a, size_t i, const char *field)
{
	struct json_object *t, *arr, *storm, *e, *v;

	assert_true(json_object_object_get_ex(a, "torwatch", &t));
	assert_true(json_object_object_get_ex(t, "storm", &storm));
	assert_true(json_object_object_get_ex(storm, "top_sources", &arr));
	e = json_object_array_get_idx(arr, i);
	assert_non_null(e);
	assert_true(json_object_object_get_ex(e, field, &v));
	return json_object_get_string(v);
}

/* A real exact table, as the daemon makes it, mapped for writing. */
static void table_of(bool v6, struct tw_exit_table *t)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, sizeof(struct tw_exit_slot),
				tw_exit_table_entries(1024), &opts);

	assert_true(fd >= 0);
	assert_int_equal(tw_exit_table_map(fd, v6, true, t), 0);
	close(fd);	/* the mapping keeps the map */
}

static void set_packets(struct tw_storm_maps *m, const struct tw_event *ev, int which,
			uint64_t packets)
{
	struct tw_src_stats st = { .packets = packets, .bytes = packets * 100 };

	if (which == 4)
		assert_int_equal(tw_exit_table_insert(&m->v4, &ev->saddr.addr[12], &st), 0);
	else if (which == 6)
		assert_int_equal(tw_exit_table_insert(&m->v6, ev->saddr.addr, &st), 0);
	else
		assert_int_equal(bpf_map_update_elem(m->src_stats, &ev->saddr, &st, 0), 0);
}

static void test_folds_past_the_limit(void **state)
{
	struct tw_storm_maps m = {
		.src_stats = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 16, sizeof(struct tw_src_stats),
					    1024, NULL),
	};
	struct tw_source_storm *s = tw_storm_new(3, 60 * SEC_NS);
	const char *addrs[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4",
				"198.51.100.5", "2001:db8::6", "2001:db8::7", "203.0.113.8" };
	uint64_t t0 = 1000 * SEC_NS;
	int folded = 0;

	assert_true(m.src_stats >= 0);
	table_of(false, &m.v4);
	table_of(true, &m.v6);

	for (size_t i = 0; i < 8; i++) {
		struct tw_event ev = event(TW_EV_TOR_TRAFFIC, addrs[i]);

		folded += tw_storm_folds(s, &ev, t0 + i);
	}
	assert_int_equal(folded, 5);
	/* The same source again (now blocked too): folded, one source still. */
	struct tw_event again = event(TW_EV_TOR_BLOCKED, "192.0.2.4");

	assert_true(tw_storm_folds(s, &again, t0 + 10));
	/* Other kinds never fold. */
	struct tw_event ssh = event(TW_EV_SSH_FROM_TOR, "192.0.2.9");

	assert_false(tw_storm_folds(s, &ssh, t0 + 11));

	/* Counters: exact IPv4, exact IPv6, and one matched by a prefix. */
	struct tw_event e4 = event(0, "192.0.2.4"), e5 = event(0, "198.51.100.5"),
			e6 = event(0, "2001:db8::6"), e8 = event(0, "203.0.113.8");

	set_packets(&m, &e4, 4, 50);
	set_packets(&m, &e5, 4, 500);
	set_packets(&m, &e6, 6, 5000);
	set_packets(&m, &e8, 0, 7);	/* src_stats: it matched a prefix */

	assert_null(tw_storm_summary(s, t0 + 59 * SEC_NS, &m));	/* the minute is not over */
	struct json_object *a = tw_storm_summary(s, t0 + 60 * SEC_NS, &m);

	assert_non_null(a);
	assert_string_equal(json_path(a, "rule.id"), "tor_source_storm");
	assert_string_equal(json_path(a, "event.count"), "6");
	assert_string_equal(json_path(a, "torwatch.storm.sources"), "5");
	assert_string_equal(json_path(a, "torwatch.storm.blocked_sources"), "1");
	assert_string_equal(json_path(a, "torwatch.storm.traffic_sources"), "5");
	assert_string_equal(json_path(a, "torwatch.storm.sources_read"), "4");
	assert_string_equal(json_path(a, "torwatch.storm.packets"), "5557");
	assert_string_equal(top(a, 0, "ip"), "2001:db8::6");
	assert_string_equal(top(a, 1, "ip"), "198.51.100.5");
	assert_string_equal(top(a, 3, "ip"), "203.0.113.8");
	assert_string_equal(top(a, 3, "packets"), "7");
	json_object_put(a);
	assert_null(tw_storm_summary(s, t0 + 61 * SEC_NS, &m));	/* said once */

	/* A new minute: the limit applies afresh. */
	struct tw_event next = event(TW_EV_TOR_TRAFFIC, "192.0.2.1");

	assert_false(tw_storm_folds(s, &next, t0 + 62 * SEC_NS));
	/* Limit 0: nothing folds. */
	tw_storm_set_limit(s, 0, 60 * SEC_NS);
	for (int i = 0; i < 10; i++)
		assert_false(tw_storm_folds(s, &next, t0 + 63 * SEC_NS));
	tw_storm_free(s);
	tw_exit_table_unmap(&m.v4);
	tw_exit_table_unmap(&m.v6);
	close(m.src_stats);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folds_past_the_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
