// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Prometheus text format as the renderer writes it: families, samples,
 * and label values from the configuration, hostile ones included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/prom_text.h"

/* What fn wrote, as a string (freed by the caller). */
#define CAPTURE(out, call)                                                                         \
	do {                                                                                       \
		size_t len_;                                                                       \
		FILE *f = open_memstream(&(out), &len_);                                           \
		call;                                                                              \
		fclose(f);                                                                         \
	} while (0)

static void test_family_and_one(void **state)
{
	char *out = NULL;

	CAPTURE(out, tw_prom_one(f, "torwatch_up", "gauge", "Whether it runs.", 1));
	assert_string_equal(out, "# HELP torwatch_up Whether it runs.\n"
				 "# TYPE torwatch_up gauge\n"
				 "torwatch_up 1\n");
	free(out);
}

static void test_labelled_sample(void **state)
{
	char *out = NULL;

	CAPTURE(out, tw_prom_sample(f, "torwatch_packets_total", "source", "exit-addresses",
				    18446744073709551615ULL));
	assert_string_equal(out,
			    "torwatch_packets_total{source=\"exit-addresses\"} 18446744073709551615\n");
	free(out);
}

/* A [source NAME] may hold anything: it must not end the label or the line. */
static void test_hostile_label_values_are_escaped(void **state)
{
	char *out = NULL;

	CAPTURE(out, tw_prom_sample(f, "m", "source", "a\"b\\c\nd} 9\n", 7));
	assert_string_equal(out, "m{source=\"a\\\"b\\\\c\\nd} 9\\n\"} 7\n");
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);	/* one line */
	free(out);
}

static void test_long_label_values_are_cut(void **state)
{
	char *out = NULL, value[1000];

	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	CAPTURE(out, tw_prom_label_value(f, value));
	assert_int_equal(strlen(out), 256);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_one),
		cmocka_unit_test(test_labelled_sample),
		cmocka_unit_test(test_hostile_label_values_are_escaped),
		cmocka_unit_test(test_long_label_values_are_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
