// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include "common/addr.h"

static void roundtrip(const char *in, const char *want, int family, int plen)
{
	struct tw_prefix p;
	const char *why = NULL;
	char out[TW_ADDR_STRLEN];

	assert_int_equal(tw_prefix_parse(in, &p, &why), 0);
	assert_int_equal(p.family, family);
	assert_int_equal(p.prefixlen, plen);
	tw_prefix_format(&p, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_valid(void **state)
{
	roundtrip("192.0.2.1", "192.0.2.1", AF_INET, 32);
	roundtrip("192.0.2.1/32", "192.0.2.1", AF_INET, 32);
	roundtrip("198.51.100.0/24", "198.51.100.0/24", AF_INET, 24);
	roundtrip("2001:db8::1", "2001:db8::1", AF_INET6, 128);
	roundtrip("2001:DB8::/32", "2001:db8::/32", AF_INET6, 32);
	roundtrip("2001:db8::1/128", "2001:db8::1", AF_INET6, 128);
	/* IPv4-mapped IPv6 is the IPv4 address. */
	roundtrip("::ffff:203.0.113.5", "203.0.113.5", AF_INET, 32);
	roundtrip("::ffff:203.0.113.0/120", "203.0.113.0/24", AF_INET, 24);
}

static void rejected(const char *in, const char *reason)
{
	struct tw_prefix p;
	const char *why = NULL;

	assert_int_equal(tw_prefix_parse(in, &p, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_invalid(void **state)
{
	rejected("", "empty address");
	rejected("192.0.2", "not an IPv4 or IPv6 address");
	rejected("192.0.2.256", "not an IPv4 or IPv6 address");
	rejected("192.0.2.1 ", "not an IPv4 or IPv6 address");
	rejected("example.org", "not an IPv4 or IPv6 address");
	rejected("192.0.2.1/33", "prefix length over 32");
	rejected("2001:db8::/129", "prefix length over 128");
	rejected("192.0.2.1/", "prefix length is not a number");
	rejected("192.0.2.1/-1", "prefix length is not a number");
	rejected("192.0.2.1/24x", "prefix length is not a number");
	rejected("192.0.2.1/0024", "prefix length is not a number");
	rejected("0.0.0.0/0", "a /0 prefix would match every address");
	rejected("::/0", "a /0 prefix would match every address");
	rejected("192.0.2.1/24", "host bits set after the prefix length");
	rejected("2001:db8::1/64", "host bits set after the prefix length");
	char longer[200];

	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	rejected(longer, "too long to be an address");
}

static void test_contains_and_order(void **state)
{
	struct tw_prefix net, in, out, v6;
	const char *why;

	assert_int_equal(tw_prefix_parse("192.0.2.128/25", &net, &why), 0);
	assert_int_equal(tw_prefix_parse("192.0.2.200", &in, &why), 0);
	assert_int_equal(tw_prefix_parse("192.0.2.127", &out, &why), 0);
	assert_int_equal(tw_prefix_parse("2001:db8::1", &v6, &why), 0);
	assert_true(tw_prefix_contains(&net, &in));
	assert_false(tw_prefix_contains(&net, &out));
	assert_false(tw_prefix_contains(&net, &v6));
	assert_true(tw_prefix_cmp(&out, &in) < 0);
	assert_true(tw_prefix_cmp(&in, &v6) < 0); /* AF_INET sorts before AF_INET6 */
	assert_int_equal(tw_prefix_cmp(&in, &in), 0);
}

static void test_in6_conversion(void **state)
{
	struct tw_prefix a, b;
	uint8_t in6[16];
	const char *why;

	assert_int_equal(tw_prefix_parse("203.0.113.9", &a, &why), 0);
	tw_prefix_to_in6(&a, in6);
	assert_int_equal(in6[10], 0xff);
	assert_int_equal(in6[11], 0xff);
	tw_prefix_from_in6(in6, &b);
	assert_int_equal(tw_prefix_cmp(&a, &b), 0);
	assert_int_equal(tw_prefix_parse("2001:db8::9", &a, &why), 0);
	tw_prefix_to_in6(&a, in6);
	tw_prefix_from_in6(in6, &b);
	assert_int_equal(b.family, AF_INET6);
	assert_int_equal(tw_prefix_cmp(&a, &b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_contains_and_order),
		cmocka_unit_test(test_in6_conversion),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
