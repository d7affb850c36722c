// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Relay lists as the Tor client sensor reads them: ADDR:PORT and
 * [ADDR6]:PORT lines, addresses alone (any port), exit-addresses, Onionoo
 * details; the built-in list of Tor's directories; garbage refused with a
 * reason; sorting folds duplicates and finds by key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include "sensors/torclient/relay_list.h"

extern const char tw_relays_builtin_start[], tw_relays_builtin_end[];

static struct tw_relay_list parse_ok(const char *text)
{
	struct tw_relay_list l = {};
	char why[200] = "";

	if (tw_relay_list_parse(text, strlen(text), 2, &l, why, sizeof(why)))
		fail_msg("refused: %s", why);
	tw_relay_list_sort(&l);
	return l;
}

static void formatted(const struct tw_relay_list *l, size_t i, const char *want)
{
	char buf[80];

	tw_relay_key_format(&l->e[i].key, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_lines(void **state)
{
	struct tw_relay_list l = parse_ok("# comment\n"
					  "198.51.100.10:9001 # relay nick 0123456789ABCDEF0123456789ABCDEF01234567\n"
					  "[2001:db8::10]:443\n"
					  "203.0.113.5\n"
					  "2001:db8::99\n"
					  "198.51.100.10:9001\n");

	assert_int_equal(l.n, 4);	/* the duplicate folds */
	formatted(&l, 0, "198.51.100.10:9001");
	formatted(&l, 1, "203.0.113.5");
	formatted(&l, 2, "[2001:db8::10]:443");
	formatted(&l, 3, "2001:db8::99");
	assert_string_equal(l.e[0].nickname, "nick");
	assert_string_equal(l.e[0].fingerprint, "0123456789ABCDEF0123456789ABCDEF01234567");
	assert_int_equal(l.e[1].key.port, 0);	/* an address alone: any port */
	assert_int_equal(l.e[0].sources, 2);
	tw_relay_list_free(&l);
}

static void test_find(void **state)
{
	struct tw_relay_list l = parse_ok("198.51.100.10:9001\n198.51.100.10:9030\n");
	struct tw_relay_key k = l.e[0].key;

	assert_non_null(tw_relay_list_find(&l, &k));
	k.port = 443;	/* a relay's web server is not its ORPort */
	assert_null(tw_relay_list_find(&l, &k));
	tw_relay_list_free(&l);
}

static void test_exit_addresses_and_onionoo(void **state)
{
	struct tw_relay_list l = parse_ok("@type tordnsel 1.0\nExitNode 0011\nPublished 2024-03-11 13:07:19\n"
					  "ExitAddress 198.51.100.7 2024-03-12 08:10:51\n");

	assert_int_equal(l.n, 1);
	assert_int_equal(l.e[0].key.port, 0);
	tw_relay_list_free(&l);
	l = parse_ok("{\"relays\":[{\"nickname\":\"r1\",\"fingerprint\":\"AAAA\","
		     "\"or_addresses\":[\"198.51.100.1:9001\",\"[2001:db8::1]:9001\"],"
		     "\"dir_address\":\"198.51.100.1:9030\"}]}");
	assert_int_equal(l.n, 3);
	assert_string_equal(l.e[0].nickname, "r1");
	tw_relay_list_free(&l);
}

static void refused(const char *text, const char *reason)
{
	struct tw_relay_list l = {};
	char why[200] = "";

	assert_int_equal(tw_relay_list_parse(text, strlen(text), 2, &l, why, sizeof(why)), -1);
	if (!strstr(why, reason))
		fail_msg("'%s' does not say '%s'", why, reason);
	tw_relay_list_free(&l);
}

static void test_bad_input(void **state)
{
	refused("", "no relay address");
	refused("# only comments\n", "no relay address");
	refused("<html>\n<body>\n198.51.100.1:9001\n<p>x</p>\n</html>\n", "not a relay list");
	refused("198.51.100.0/24\n", "no relay address");	/* a prefix is not a relay */
	refused("198.51.100.1:0\n198.51.100.1:65536\n", "no relay address");
	refused("{\"relays\": 5}", "not an Onionoo details document");
	refused("{\"relays\":[{\"or_addresses\":[\"x:1\"]}]}", "no relay address");
}

/* The embedded list: Tor's authorities and fallbacks, every line good. */
static void test_builtin(void **state)
{
	struct tw_relay_list l = {};
	char why[200] = "";
	size_t len = (size_t)(tw_relays_builtin_end - tw_relays_builtin_start);

	assert_int_equal(tw_relay_list_parse(tw_relays_builtin_start, len, 1, &l, why, sizeof(why)), 0);
	assert_int_equal(l.bad, 0);
	tw_relay_list_sort(&l);
	assert_true(l.n >= 300);
	/* moria1's ORPort, as tor's auth_dirs.inc gives it */
	struct tw_relay_list m = parse_ok("128.31.0.39:9201\n");
	const struct tw_relay_entry *e = tw_relay_list_find(&l, &m.e[0].key);

	assert_non_null(e);
	assert_string_equal(e->nickname, "moria1");
	tw_relay_list_free(&m);
	tw_relay_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_exit_addresses_and_onionoo),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_builtin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
