// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include "common/port_list.h"

static void test_parse_and_format(void **state)
{
	struct tw_port_set s;
	char err[128], out[256];

	assert_int_equal(tw_port_list_parse("22", &s, err, sizeof(err)), 0);
	assert_true(tw_port_set_has(&s, 22));
	assert_false(tw_port_set_has(&s, 23));
	assert_int_equal(tw_port_list_parse("2222,22,8000-8003,65535,1", &s, err, sizeof(err)), 0);
	tw_port_list_format(&s, out, sizeof(out));
	assert_string_equal(out, "1,22,2222,8000-8003,65535");
	assert_int_equal(tw_port_list_parse("1-65535", &s, err, sizeof(err)), 0);
	tw_port_list_format(&s, out, sizeof(out));
	assert_string_equal(out, "1-65535");
	memset(&s, 0, sizeof(s));
	tw_port_list_format(&s, out, sizeof(out));
	assert_string_equal(out, "none");
}

static void test_errors(void **state)
{
	static const struct {
		const char *in, *err;
	} bad[] = {
		{ "", "an empty port list" },
		{ "0", "'0' is not a port (1-65535) or a range A-B" },
		{ "65536", "'65536' is not a port (1-65535) or a range A-B" },
		{ "22,ssh", "'ssh' in '22,ssh' is not a port (1-65535) or a range A-B" },
		{ "22,,80", "'' in '22,,80' is not a port (1-65535) or a range A-B" },
		{ "22,", "'22,' ends with a comma" },
		{ "100-10", "range '100-10' ends before it starts" },
		{ " 22", "' 22' is not a port (1-65535) or a range A-B" },
		{ "-5", "'-5' is not a port (1-65535) or a range A-B" },
		{ "1-2-3", "'1-2-3' is not a port (1-65535) or a range A-B" },
	};
	struct tw_port_set s;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tw_port_list_parse(bad[i].in, &s, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].err);
	}
}

static void test_protocol_suffixes(void **state)
{
	struct tw_port_set tcp, udp;
	char err[160], out[128];

	assert_int_equal(tw_port_list_parse_proto("22,80,443,53/udp,47760,8000-8100/tcp", &tcp, &udp,
						  err, sizeof(err)),
			 0);
	tw_port_list_format(&tcp, out, sizeof(out));
	assert_string_equal(out, "22,80,443,8000-8100,47760");
	tw_port_list_format(&udp, out, sizeof(out));
	assert_string_equal(out, "22,53,80,443,47760");
	assert_int_equal(tw_port_list_parse_proto("53/sctp", &tcp, &udp, err, sizeof(err)), -1);
	assert_string_equal(err, "'53/sctp': the protocol must be /tcp or /udp");
	assert_int_equal(tw_port_list_parse_proto("x/udp", &tcp, &udp, err, sizeof(err)), -1);
	assert_string_equal(err, "'x/udp' is not a port (1-65535) or a range A-B");
	/* Without protocols, a suffix is not a port. */
	assert_int_equal(tw_port_list_parse("53/udp", &tcp, err, sizeof(err)), -1);
	assert_string_equal(err, "'53/udp' is not a port (1-65535) or a range A-B");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_protocol_suffixes),
	};

	return cmocka_run_group_tests_name("port_list", tests, NULL, NULL);
}
