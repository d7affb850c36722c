// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Onionoo details documents: addresses from or_addresses and exit_addresses,
 * hostile values counted as bad, broken documents refused with a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include "feeds/onionoo.h"
#include "../feed_assert.h"

static int parse(const char *doc, struct tw_feed *f, char *err)
{
	return tw_feed_parse_onionoo(doc, strlen(doc), f, err, 200);
}

static void test_relays(void **state)
{
	const char *doc =
		"{\"version\":\"8.0\",\"relays_published\":\"2024-03-12 14:00:00\",\"relays\":[\n"
		" {\"or_addresses\":[\"192.0.2.1:9001\",\"[2001:db8::1]:9001\"],\"exit_addresses\":[\"198.51.100.1\"]},\n"
		" {\"or_addresses\":[\"203.0.113.5:443\"]},\n"
		" {\"exit_addresses\":[\"2001:db8::2\"]}\n"
		"],\"bridges_published\":\"2024-03-12 14:00:00\",\"bridges\":[]}\n  \n";
	struct tw_feed f;
	char err[200];

	assert_int_equal(parse(doc, &f, err), 0);
	assert_int_equal(f.format, TW_FEED_ONIONOO);
	assert_int_equal(f.n, 5);
	assert_int_equal(f.bad_lines, 0);
	assert_entry(&f, 0, "192.0.2.1");
	assert_entry(&f, 1, "2001:db8::1");
	assert_entry(&f, 2, "198.51.100.1");
	assert_entry(&f, 3, "203.0.113.5");
	assert_entry(&f, 4, "2001:db8::2");
	assert_int_equal(f.newest_data, 1710252000);
	tw_feed_free(&f);
}

static void test_hostile_values(void **state)
{
	const char *doc =
		"{\"relays\":[\n"
		" {\"or_addresses\":[\"192.0.2.1:9001\",\"bogus:1\",42,\"[2001:db8::1\",\"192.0.2.0/24:1\","
		"\"\\u0000192.0.2.9:1\",\"1.2.3.4.5:6\",\"[::ffff:192.0.2.300]:1\"]},\n"
		" \"not a relay\",\n"
		" {\"or_addresses\":\"192.0.2.2:1\",\"exit_addresses\":[\"192.0.2.3\"]}\n"
		"]}";
	struct tw_feed f;
	char err[200];

	assert_int_equal(parse(doc, &f, err), 0);
	assert_int_equal(f.n, 2);
	assert_entry(&f, 0, "192.0.2.1");
	assert_entry(&f, 1, "192.0.2.3");
	assert_int_equal(f.bad_lines, 9);
	assert_string_equal(f.errors[1].reason, "an address that is not a string");
	assert_string_equal(f.errors[2].reason, "unterminated [IPv6]");
	assert_string_equal(f.errors[3].reason, "a prefix where an address belongs");
	assert_string_equal(f.errors[4].reason, "contains a NUL byte");
	assert_string_equal(f.errors[4].excerpt, "\\x00192.0.2.9:1");
	tw_feed_free(&f);
}

static void test_broken_documents(void **state)
{
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{ "", "malformed Onionoo JSON at byte 0" },
		{ "{\"relays\":[{\"or_addresses\":[\"192.0.2.1:1\"]}", "malformed Onionoo JSON" },
		{ "{\"relays\":[]} trailing", "malformed Onionoo JSON at byte 14" },
		{ "[1,2,3]", "not an Onionoo details document: no \"relays\" array" },
		{ "{\"relays\":{}}", "not an Onionoo details document" },
		{ "<html>503</html>", "malformed Onionoo JSON" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tw_feed f;
		char err[200] = "";

		assert_int_equal(parse(cases[i].doc, &f, err), -EINVAL);
		assert_non_null(strstr(err, cases[i].want));
		assert_null(f.entries);
	}
}

static void test_empty_relays_is_empty(void **state)
{
	struct tw_feed f;
	char err[200];

	/* Valid and empty: the guard, not the parser, refuses it. */
	assert_int_equal(parse("{\"relays\":[]}", &f, err), 0);
	assert_int_equal(f.n, 0);
	tw_feed_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relays),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_broken_documents),
		cmocka_unit_test(test_empty_relays_is_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
