// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exitset/exit_set.h"
#include "feeds/list_parse.h"
#include "../feed_assert.h"

#ifndef SNAPSHOT_PATH
#define SNAPSHOT_PATH TW_SNAPSHOT_FILE
#endif

static void parse_mem(const char *text, size_t len, struct tw_feed *feed)
{
	FILE *f = fmemopen((void *)text, len, "r");

	assert_non_null(f);
	assert_int_equal(tw_feed_parse(f, feed), 0);
	fclose(f);
}

static void parse_str(const char *text, struct tw_feed *feed)
{
	parse_mem(text, strlen(text), feed);
}

static void assert_error(const struct tw_feed *feed, size_t i, unsigned long line,
			 const char *reason)
{
	assert_true(i < TW_FEED_MAX_REPORTED);
	assert_int_equal(feed->errors[i].line, line);
	assert_string_equal(feed->errors[i].reason, reason);
}

/* The real snapshot: 2,378 ExitAddress lines, 1,174 unique IPv4. */
static void test_real_snapshot(void **state)
{
	struct tw_feed feed;
	struct tw_exit_set set = {};
	char err[256];

	assert_int_equal(tw_feed_parse_file(SNAPSHOT_PATH, &feed, err, sizeof(err)), 0);
	assert_int_equal(feed.format, TW_FEED_EXIT_ADDRESSES);
	assert_int_equal(feed.bad_lines, 0);
	assert_int_equal(feed.n, 2378);
	assert_int_equal(feed.newest_data, tw_parse_utc("2024-03-12 14:24:53") > 0 ?
			 feed.newest_data : -1);
	assert_true(feed.newest_data >= tw_parse_utc("2024-03-12 00:00:00"));
	assert_int_equal(tw_exit_set_add_feed(&set, &feed, 0), 0);
	tw_exit_set_finalize(&set);
	assert_int_equal(set.exact_v4, 1174);
	assert_int_equal(set.exact_v6, 0);
	assert_int_equal(set.prefixes_v4 + set.prefixes_v6, 0);
	tw_exit_set_free(&set);
	tw_feed_free(&feed);
}

static void test_exit_addresses_with_header(void **state)
{
	struct tw_feed feed;

	parse_str("@type tordnsel 1.0\n"
		  "Downloaded 2024-03-12 15:00:00\n"
		  "ExitNode 0011223344556677889900AABBCCDDEEFF001122\n"
		  "Published 2024-03-11 13:07:19\n"
		  "LastStatus 2024-03-12 08:00:00\n"
		  "ExitAddress 192.0.2.10 2024-03-12 08:10:51\n"
		  "ExitAddress 192.0.2.11 2024-03-12 09:10:51\n",
		  &feed);
	assert_int_equal(feed.format, TW_FEED_EXIT_ADDRESSES);
	assert_int_equal(feed.n, 2);
	assert_entry(&feed, 0, "192.0.2.10");
	assert_entry(&feed, 1, "192.0.2.11");
	/* "Downloaded" is not a record keyword: reported, rest intact. */
	assert_int_equal(feed.bad_lines, 1);
	assert_error(&feed, 0, 2, "unknown keyword");
	assert_int_equal(feed.newest_data, tw_parse_utc("2024-03-12 09:10:51"));
	tw_feed_free(&feed);
}

static void test_exit_addresses_bad_lines(void **state)
{
	struct tw_feed feed;

	parse_str("ExitNode FE39F07EBE7870DCE124AB30DF3ABD0700A43F75\n"
		  "Published 2024-03-11 13:07:19\n"
		  "LastStatus 2024-13-12 08:00:00\n"		 /* 3: bad month */
		  "ExitAddress 192.0.2.300 2024-03-12 08:10:51\n" /* 4: bad address */
		  "ExitAddress 192.0.2.5\n"			 /* 5: no date */
		  "ExitAddress 192.0.2.0/24 2024-03-12 08:10:51\n" /* 6: prefix */
		  "ExitAddress 192.0.2.6 2024-03-12 08:10:51\n"	 /* good */
		  "ExitNode nothex\n"				 /* 8 */
		  "ExitAddress 192.0.2.7 2024-03-12 08:10:51\n"	 /* 9: orphan */
		  "ExitNode 23B49521BDC4588C7CCF3C38E552504118326B66\n"
		  "ExitAddress 2001:db8::6 2024-03-12 08:10:51\n", /* good, IPv6 */
		  &feed);
	assert_int_equal(feed.n, 2);
	assert_entry(&feed, 0, "192.0.2.6");
	assert_entry(&feed, 1, "2001:db8::6");
	assert_int_equal(feed.bad_lines, 6);
	assert_error(&feed, 0, 3, "malformed date");
	assert_error(&feed, 1, 4, "not an IPv4 or IPv6 address");
	assert_error(&feed, 2, 5, "malformed date");
	assert_error(&feed, 3, 6, "ExitAddress must be a single address");
	assert_error(&feed, 4, 8, "ExitNode without a 40-hex fingerprint");
	/* Only the first few are kept, all are counted. */
	tw_feed_free(&feed);
}

static void test_plain_list(void **state)
{
	struct tw_feed feed;

	parse_str("# a comment\n"
		  "\n"
		  "192.0.2.1\r\n"
		  "  198.51.100.0/24  # inline comment\n"
		  "\t2001:db8::1\t\n"
		  "2001:db8:1::/48\n",
		  &feed);
	assert_int_equal(feed.format, TW_FEED_PLAIN);
	assert_int_equal(feed.bad_lines, 0);
	assert_int_equal(feed.n, 4);
	assert_entry(&feed, 0, "192.0.2.1");
	assert_entry(&feed, 1, "198.51.100.0/24");
	assert_entry(&feed, 2, "2001:db8::1");
	assert_entry(&feed, 3, "2001:db8:1::/48");
	assert_int_equal(feed.newest_data, 0);
	tw_feed_free(&feed);
}

static void test_plain_bad_lines(void **state)
{
	struct tw_feed feed;
	static const char text[] = "192.0.2.1 extra words\n" /* 1 */
				   "not-an-address\n"	       /* 2 */
				   "192.0.2.1/24\n"	       /* 3 */
				   "0.0.0.0/0\n"	       /* 4 */
				   "192.0.2.9/33\n"	       /* 5 */
				   "198.51.100.4\n"	       /* good */
				   "bad\x01\x02\n"	       /* 7 */
				   "2001:db8::/129\n";	       /* 8: counted, not kept */

	parse_str(text, &feed);
	assert_int_equal(feed.n, 1);
	assert_entry(&feed, 0, "198.51.100.4");
	assert_int_equal(feed.bad_lines, 7);
	assert_error(&feed, 0, 1, "text after the address");
	assert_error(&feed, 1, 2, "not an IPv4 or IPv6 address");
	assert_error(&feed, 2, 3, "host bits set after the prefix length");
	assert_error(&feed, 3, 4, "a /0 prefix would match every address");
	assert_error(&feed, 4, 5, "prefix length over 32");
	tw_feed_free(&feed);
}

/* Hostile bytes: NULs, control characters, very long lines. */
static void test_hostile_input(void **state)
{
	static const char text[] = "192.0.2.1\n"
				   "192.0.2.2\0garbage\n"
				   "\x1b[31mred\n"
				   "198.51.100.9\n";
	struct tw_feed feed;
	char *huge;

	parse_mem(text, sizeof(text) - 1, &feed);
	assert_int_equal(feed.n, 2);
	assert_entry(&feed, 1, "198.51.100.9");
	assert_int_equal(feed.bad_lines, 2);
	assert_error(&feed, 0, 2, "contains a NUL byte");
	assert_string_equal(feed.errors[0].excerpt, "192.0.2.2\\x00garbage\\x0a");
	assert_string_equal(feed.errors[1].excerpt, "\\x1b[31mred");
	tw_feed_free(&feed);

	huge = malloc(1 << 20);
	assert_non_null(huge);
	memset(huge, 'A', (1 << 20) - 1);
	huge[(1 << 20) - 1] = '\0';
	parse_str(huge, &feed);
	assert_int_equal(feed.n, 0);
	assert_int_equal(feed.bad_lines, 1);
	/* Shortened, and says so. */
	size_t elen = strlen(feed.errors[0].excerpt);

	assert_true(elen > 40 && elen < sizeof(feed.errors[0].excerpt));
	assert_string_equal(feed.errors[0].excerpt + elen - 3, "...");
	assert_int_equal(feed.errors[0].excerpt[0], 'A');
	tw_feed_free(&feed);
	free(huge);
}

static void test_dated_plain_list(void **state)
{
	struct tw_feed feed;

	parse_str("# torwatch: last good exit set\n# data-time: 2024-03-12 14:24:53\n192.0.2.1\n",
		  &feed);
	assert_int_equal(feed.n, 1);
	assert_int_equal(feed.newest_data, tw_parse_utc("2024-03-12 14:24:53"));
	tw_feed_free(&feed);
}

static void test_empty_and_missing(void **state)
{
	struct tw_feed feed;
	char err[256];

	parse_str("", &feed);
	assert_int_equal(feed.n, 0);
	assert_int_equal(feed.bad_lines, 0);
	tw_feed_free(&feed);
	parse_str("# only comments\n\n", &feed);
	assert_int_equal(feed.n, 0);
	tw_feed_free(&feed);
	assert_true(tw_feed_parse_file("/nonexistent/feed.txt", &feed, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot read /nonexistent/feed.txt"));
}

static void test_parse_utc(void **state)
{
	assert_int_equal(tw_parse_utc("1970-01-01 00:00:10"), 10);
	assert_int_equal(tw_parse_utc("2024-03-12 14:24:53"), 1710253493);
	assert_int_equal(tw_parse_utc("2024-03-12"), -1);
	assert_int_equal(tw_parse_utc("2024-03-12 14:24:53 extra"), -1);
	assert_int_equal(tw_parse_utc("2024-03-12T14:24:53"), -1);
}

/* Merging: duplicates collapse, sources OR together. */
static void test_merge_sources(void **state)
{
	struct tw_feed a, b;
	struct tw_exit_set set = {};
	struct tw_prefix p;
	const char *why;
	const struct tw_exit_entry *e;

	parse_str("192.0.2.1\n192.0.2.1\n198.51.100.0/24\n", &a);
	parse_str("192.0.2.1\n2001:db8::1\n", &b);
	assert_int_equal(tw_exit_set_add_feed(&set, &a, 0), 0);
	assert_int_equal(tw_exit_set_add_feed(&set, &b, 3), 0);
	assert_int_equal(tw_exit_set_add_feed(&set, &b, 32), -E2BIG);
	tw_exit_set_finalize(&set);
	assert_int_equal(set.n, 3);
	assert_int_equal(set.exact_v4, 1);
	assert_int_equal(set.exact_v6, 1);
	assert_int_equal(set.prefixes_v4, 1);
	tw_prefix_parse("192.0.2.1", &p, &why);
	e = tw_exit_set_find(&set, &p);
	assert_non_null(e);
	assert_int_equal(e->sources, (1u << 0) | (1u << 3));
	tw_prefix_parse("192.0.2.2", &p, &why);
	assert_null(tw_exit_set_find(&set, &p));
	tw_exit_set_free(&set);
	tw_feed_free(&a);
	tw_feed_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_snapshot),
		cmocka_unit_test(test_exit_addresses_with_header),
		cmocka_unit_test(test_exit_addresses_bad_lines),
		cmocka_unit_test(test_plain_list),
		cmocka_unit_test(test_plain_bad_lines),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_dated_plain_list),
		cmocka_unit_test(test_empty_and_missing),
		cmocka_unit_test(test_parse_utc),
		cmocka_unit_test(test_merge_sources),
	};

	return cmocka_run_group_tests_name("feed_parse", tests, NULL, NULL);
}
