// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* alerts/fold.c: the first of a key passes and opens a window, repeats
 * within it are counted, a closed window gives back its first record and
 * the count; keys never mix; a full table lets records through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include "alerts/fold.h"
#include "common/hash.h"

#define SEC 1000000000ULL

struct rec {
	int id;
};

static void test_fold_and_close(void **state)
{
	struct tw_fold *f = tw_fold_new(16, sizeof(uint32_t), sizeof(struct rec));
	uint32_t a = 1, b = 2;
	struct rec r1 = { 10 }, r2 = { 20 }, later = { 11 }, out;
	uint64_t n;

	assert_false(tw_fold_seen(f, &a, &r1, 1, 1 * SEC, 60 * SEC));	/* the first: alert */
	assert_true(tw_fold_seen(f, &a, &later, 1, 2 * SEC, 60 * SEC));
	assert_true(tw_fold_seen(f, &a, &later, 5, 3 * SEC, 60 * SEC));	/* a record that carried 4 repeats */
	assert_false(tw_fold_seen(f, &b, &r2, 1, 3 * SEC, 60 * SEC));	/* another key */
	assert_false(tw_fold_next_closed(f, 30 * SEC, 60 * SEC, &out, &n));
	assert_true(tw_fold_next_closed(f, 61 * SEC, 60 * SEC, &out, &n));
	assert_int_equal(out.id, 10);	/* the window's first record */
	assert_int_equal(n, 6);
	assert_false(tw_fold_next_closed(f, 62 * SEC, 60 * SEC, &out, &n));	/* b's is still open */
	assert_true(tw_fold_next_closed(f, 63 * SEC, 60 * SEC, &out, &n));
	assert_int_equal(out.id, 20);
	assert_int_equal(n, 0);	/* closed with no repeat: the caller says nothing */
	/* After the window, the key starts a new one. */
	assert_false(tw_fold_seen(f, &a, &r1, 1, 70 * SEC, 60 * SEC));
	tw_fold_free(f);
}

static void test_full_table(void **state)
{
	struct tw_fold *f = tw_fold_new(4, sizeof(uint32_t), sizeof(struct rec));
	struct rec r = { 1 };

	for (uint32_t k = 0; k < 4; k++)
		assert_false(tw_fold_seen(f, &k, &r, 1, SEC, 60 * SEC));
	for (uint32_t k = 0; k < 4; k++)
		assert_true(tw_fold_seen(f, &k, &r, 1, SEC, 60 * SEC));
	uint32_t fifth = 4;

	/* No room: alerted, and never folded into another key's window. */
	assert_false(tw_fold_seen(f, &fifth, &r, 1, SEC, 60 * SEC));
	assert_false(tw_fold_seen(f, &fifth, &r, 1, SEC, 60 * SEC));
	tw_fold_free(f);
}

static size_t home(uint32_t k, size_t slots)
{
	return (size_t)(tw_fnv1a(TW_FNV1A_INIT, &k, sizeof(k)) % slots);
}

/* Two keys of the same home slot: the second lives one further. When the
 * first's window closes, the second's is still found past the gap (not a
 * second window of the same key); and many windows opened and closed keep
 * every answer right while the table is compacted under them. */
static void test_closed_windows_keep_chains(void **state)
{
	const size_t slots = 8;
	struct tw_fold *f = tw_fold_new(slots, sizeof(uint32_t), sizeof(struct rec));
	uint32_t a = 0, b = 1;
	struct rec ra = { 1 }, rb = { 2 }, out;
	uint64_t n;

	while (home(b, slots) != home(a, slots))
		b++;
	assert_false(tw_fold_seen(f, &a, &ra, 1, 0, 10 * SEC));
	assert_false(tw_fold_seen(f, &b, &rb, 1, 5 * SEC, 10 * SEC));
	assert_true(tw_fold_next_closed(f, 10 * SEC, 10 * SEC, &out, &n));
	assert_int_equal(out.id, 1);
	assert_true(tw_fold_seen(f, &b, &rb, 1, 11 * SEC, 10 * SEC));	/* b's window, found */
	assert_false(tw_fold_next_closed(f, 12 * SEC, 10 * SEC, &out, &n));
	assert_true(tw_fold_next_closed(f, 15 * SEC, 10 * SEC, &out, &n));
	assert_int_equal(out.id, 2);
	assert_int_equal(n, 1);
	/* 1,000 keys through the 8 slots, 4 open at a time. */
	for (uint32_t k = 100; k < 1100; k++) {
		struct rec r = { (int)k };
		uint64_t t = (uint64_t)k * SEC;

		assert_false(tw_fold_seen(f, &k, &r, 1, t, 4 * SEC));
		assert_true(tw_fold_seen(f, &k, &r, 1, t, 4 * SEC));
		if (k >= 104) {
			assert_true(tw_fold_next_closed(f, t + 1, 4 * SEC, &out, &n));
			assert_int_equal(out.id, (int)k - 4);
			assert_int_equal(n, 1);
		}
		assert_false(tw_fold_next_closed(f, t + 1, 4 * SEC, &out, &n));
	}
	tw_fold_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_and_close),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_closed_windows_keep_chains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
