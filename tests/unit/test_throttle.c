// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-rule throttles: count alerts per key and window, the next alert of a
 * key carries what was held back, keys and rules are apart, a flood of
 * distinct keys never holds back an alert it has no room to track. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include "alerts/ecs.h"
#include "alerts/throttle.h"

#define SEC 1000000000ULL

static struct json_object *traffic(const char *ip)
{
	struct json_object *a = tw_alert_new(&tw_rule_tor_traffic, "t", 0);

	tw_json_set(a, "source.ip", json_object_new_string(ip));
	return a;
}

/* Passes alert through t and drops it; returns whether it passed and, when
 * it carried one, the suppressed count in *held (else -1). */
static bool pass(struct tw_throttle *t, struct json_object *a, uint64_t now, int64_t *held)
{
	bool ok = tw_throttle_pass(t, a, now);
	struct json_object *h = tw_json_get(a, "torwatch.throttle.suppressed");

	*held = h ? json_object_get_int64(h) : -1;
	json_object_put(a);
	return ok;
}

static void test_limit_per_key_and_window(void **state)
{
	struct tw_throttle t = {};
	int64_t held;

	tw_throttle_defaults(&t);
	assert_true(pass(&t, traffic("192.0.2.1"), 1 * SEC, &held));
	assert_int_equal(held, -1);
	assert_false(pass(&t, traffic("192.0.2.1"), 2 * SEC, &held));
	assert_false(pass(&t, traffic("192.0.2.1"), 30 * SEC, &held));
	assert_true(pass(&t, traffic("192.0.2.2"), 30 * SEC, &held));	/* another key */
	assert_int_equal(t.suppressed, 2);
	/* The window (60 s from the first) closed: out, with the count. */
	assert_true(pass(&t, traffic("192.0.2.1"), 61 * SEC, &held));
	assert_int_equal(held, 2);
	assert_false(pass(&t, traffic("192.0.2.1"), 62 * SEC, &held));
	/* A rule without a throttle is never held back. */
	for (int i = 0; i < 5; i++) {
		struct json_object *a = tw_alert_new(&tw_rule_ssh_from_tor, "s", 0);

		tw_json_set(a, "source.ip", json_object_new_string("192.0.2.1"));
		assert_true(pass(&t, a, 63 * SEC, &held));
	}
	tw_throttle_free(&t);
}

static void test_set_count_and_off(void **state)
{
	struct tw_throttle t = {};
	int64_t held;

	assert_int_equal(tw_throttle_set(&t, "no_such_rule", "source.ip", SEC, 1), -EINVAL);
	assert_int_equal(tw_throttle_set(&t, "tor_traffic", "source.ip", 10 * SEC, 3), 0);
	for (int i = 0; i < 3; i++)
		assert_true(pass(&t, traffic("198.51.100.9"), SEC, &held));
	assert_false(pass(&t, traffic("198.51.100.9"), SEC, &held));
	/* One key for the whole rule. */
	assert_int_equal(tw_throttle_set(&t, "tor_traffic", "", 10 * SEC, 1), 0);
	assert_true(pass(&t, traffic("198.51.100.1"), 2 * SEC, &held));
	assert_false(pass(&t, traffic("198.51.100.2"), 2 * SEC, &held));
	assert_string_equal(tw_throttle_find(&t, "tor_traffic")->key, "");
	/* count 0: off. */
	assert_int_equal(tw_throttle_set(&t, "tor_traffic", "", 10 * SEC, 0), 0);
	assert_null(tw_throttle_find(&t, "tor_traffic"));
	assert_true(pass(&t, traffic("198.51.100.2"), 3 * SEC, &held));
	tw_throttle_free(&t);
}

/* A million distinct sources in one window: each first alert goes out; the
 * table fills, is swept once the windows close, and never holds back an
 * alert whose key it had no room for (counted as overflow). */
static void test_flood_of_keys(void **state)
{
	struct tw_throttle t = {};
	unsigned passed = 0;
	char ip[32];
	int64_t held;

	tw_throttle_defaults(&t);
	for (unsigned i = 0; i < 1000000; i++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		passed += pass(&t, traffic(ip), SEC + i, &held);
	}
	assert_int_equal(passed, 1000000);
	assert_true(t.overflow > 0);
	assert_int_equal(t.suppressed, 0);
	/* After the window, the table is swept and tracks keys again. */
	assert_true(pass(&t, traffic("192.0.2.77"), 200 * SEC, &held));
	assert_true(pass(&t, traffic("192.0.2.78"), 200 * SEC + SEC + 1, &held));
	uint64_t over = t.overflow;

	assert_false(pass(&t, traffic("192.0.2.78"), 202 * SEC, &held));
	assert_int_equal(t.overflow, over);
	tw_throttle_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_per_key_and_window),
		cmocka_unit_test(test_set_count_and_off),
		cmocka_unit_test(test_flood_of_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
