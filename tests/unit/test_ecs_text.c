// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Hostile bytes into alerts: UTF-8 is checked as Unicode defines it, bad
 * bytes become U+FFFD one by one, and an alert holding them is one valid
 * JSON line that a parser reads back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "alerts/ecs.h"
#include "common/utf8.h"

#define R "\xef\xbf\xbd"	/* U+FFFD */

static void expect_repair(const char *in, size_t len, const char *want)
{
	char *out = tw_utf8_repair(in, len);

	assert_non_null(out);
	assert_string_equal(out, want);
	assert_true(tw_utf8_valid(out, strlen(out)));
	free(out);
}

static void test_valid_and_repaired(void **state)
{
	assert_true(tw_utf8_valid("plain ascii", 11));
	assert_true(tw_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", 14));
	assert_false(tw_utf8_valid("\xff", 1));
	assert_false(tw_utf8_valid("\xc0\xaf", 2));		/* overlong '/' */
	assert_false(tw_utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	assert_false(tw_utf8_valid("\xed\xa0\x80", 3));		/* a surrogate */
	assert_false(tw_utf8_valid("\xf4\x90\x80\x80", 4));	/* past U+10FFFF */
	assert_false(tw_utf8_valid("\xe2\x82", 2));		/* cut short */
	expect_repair("a\xff" "b", 3, "a" R "b");
	expect_repair("\xc0\xaf", 2, R R);
	expect_repair("x\xe2\x82", 3, "x" R R);
	expect_repair("\xed\xa0\x80", 3, R R R);
	expect_repair("ok \xc3\xa9", 5, "ok \xc3\xa9");
}

/* Through the alert builder: the line parses and holds the repaired text;
 * quotes, backslashes, newlines and control bytes are escaped by json-c. */
static void test_alert_line_is_valid_json(void **state)
{
	const char name[] = "q\"b\\s]\nx\x01\x1b[31m\xff\xfe\xc0\xaf";
	struct json_object *a = tw_alert_new(&tw_rule_unexpected_listen_port, "m\xff", 0), *back;
	const char *line;

	tw_json_set(a, "process.name", json_object_new_string(name));
	line = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	assert_null(strchr(line, '\n'));
	assert_true(tw_utf8_valid(line, strlen(line)));
	back = json_tokener_parse(line);
	assert_non_null(back);
	assert_string_equal(tw_json_get_string(back, "process.name"),
			    "q\"b\\s]\nx\x01\x1b[31m" R R R R);
	assert_string_equal(tw_json_get_string(back, "message"), "m" R);
	json_object_put(back);
	json_object_put(a);
}

/* What top prints of an alert: no byte that a terminal takes as a command. */
static void test_controls_escaped_for_the_terminal(void **state)
{
	char out[256];

	tw_escape_controls("ok \x1b]0;owned\x07\x1b[2J\r\x7f caf\xc3\xa9 \xc2\x9b" "1m", out, sizeof(out));
	assert_string_equal(out, "ok \\x1b]0;owned\\x07\\x1b[2J\\x0d\\x7f caf\xc3\xa9 \\x9b1m");
	for (const char *p = out; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	/* Cut at the buffer, never in the middle of an escape. */
	tw_escape_controls("\x01\x02\x03", out, 8);
	assert_string_equal(out, "\\x01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_repaired),
		cmocka_unit_test(test_alert_line_is_valid_json),
		cmocka_unit_test(test_controls_escaped_for_the_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
