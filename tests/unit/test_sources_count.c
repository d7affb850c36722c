// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The sources seen "today": a source's last packet is on the kernel's
 * clock (monotonic), the cut-off on the wall clock (local midnight); the
 * count converts the cut-off once, and must agree with converting every
 * source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/timeutil.h"
#include "kernel/counters.h"

static struct tw_src_stats seen_ago(int64_t ago_ns)
{
	return (struct tw_src_stats){ .packets = 1, .last_seen_ns = tw_now_mono_ns() - ago_ns };
}

static void recent_is_at_or_after_the_cut_off(void **state)
{
	const int64_t s = TW_NS_PER_SEC;
	struct tw_sources_count c = tw_sources_count_since(tw_now_unix_ns() - 10 * s);
	struct tw_src_stats older = seen_ago(20 * s), newer = seen_ago(5 * s), none = newer;

	(void)state;
	none.packets = 0;	/* listed, never sent */
	tw_sources_count_add(&c, &older);
	tw_sources_count_add(&c, &newer);
	tw_sources_count_add(&c, &none);
	assert_int_equal(c.all, 2);
	assert_int_equal(c.recent, 1);
}

/* A cut-off before the boot (a host up since the afternoon): all recent. */
static void a_cut_off_before_boot_counts_every_source(void **state)
{
	struct tw_sources_count c =
		tw_sources_count_since(tw_now_unix_ns() - (int64_t)tw_now_mono_ns() - TW_NS_PER_SEC);
	struct tw_src_stats first = { .packets = 1, .last_seen_ns = 1 };

	(void)state;
	tw_sources_count_add(&c, &first);
	assert_int_equal(c.recent, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recent_is_at_or_after_the_cut_off),
		cmocka_unit_test(a_cut_off_before_boot_counts_every_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
