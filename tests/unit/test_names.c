// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names declared once must match what they name: the pinned map list
 * against the maps of the XDP object, the counter names against the enum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <bpf/libbpf.h>
#include <string.h>
#include "kernel/counters.h"
#include "kernel/pins.h"
#include "xdp_tor.skel.h"

/* Opening parses the ELF object; nothing is loaded, so no root is needed. */
static void test_pinned_maps_exist_in_the_object(void **state)
{
	static const char *const names[] = {
#define TW_NAME(map) TW_PIN_NAME(map),
		TW_PINNED_MAPS(TW_NAME)
#undef TW_NAME
	};
	struct xdp_tor_bpf *skel = xdp_tor_bpf__open();

	assert_non_null(skel);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!bpf_object__find_map_by_name(skel->obj, names[i]))
			fail_msg("TW_PINNED_MAPS names '%s', which xdp_tor.bpf.o does not declare",
				 names[i]);
	}
	/* One fd each, before the mapped tables (aligned to 8). */
	assert_int_equal(offsetof(struct tw_pinned, exits_v4),
			 (sizeof(names) / sizeof(names[0]) * sizeof(int) + 7) & ~(size_t)7);
	static const char *const progs[] = {
#define TW_NAME(prog) #prog,
		TW_PINNED_PROGS(TW_NAME)
#undef TW_NAME
	};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (!bpf_object__find_program_by_name(skel->obj, progs[i]))
			fail_msg("TW_PINNED_PROGS names '%s', which xdp_tor.bpf.o does not have",
				 progs[i]);
	xdp_tor_bpf__destroy(skel);
}

static void test_every_counter_has_a_unique_name(void **state)
{
	for (int i = 0; i < TW_CNT__MAX; i++) {
		assert_true(strlen(tw_counter_name(i)) > 0);
		assert_true(strlen(tw_counter_about(i)) > 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(tw_counter_name(i), tw_counter_name(j));
	}
	assert_string_equal(tw_counter_name(TW_CNT_PACKETS), "packets");
	assert_string_equal(tw_counter_name(TW_CNT_LISTEN_EVENTS_LOST), "listen_events_lost");
	assert_string_equal(tw_counter_name(TW_CNT__MAX), "unnamed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned_maps_exist_in_the_object),
		cmocka_unit_test(test_every_counter_has_a_unique_name),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
