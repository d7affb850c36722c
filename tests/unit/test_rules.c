// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The rule catalogue (alerts/rules.c) is the one description of each rule:
 * the files it names exist, every rule has a count, and the rule tables of
 * README.md and docs/rules.md say what it says, row for row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "alerts/ecs.h"
#include "alerts/rules.h"
#include "tw_status.h"

/* Where each rule comes from: the files the catalogue names exist. */
static void test_rule_catalogue_names_real_files(void **state)
{
	char path[256];
	struct stat st;

	for (size_t i = 0; tw_rules[i]; i++) {
		const struct tw_rule *r = tw_rules[i];

		assert_ptr_equal(tw_rule_find(r->id), r);
		assert_true(tw_severity_score(r->severity) > 0 || !strcmp(r->severity, "info"));
		if (stat(r->builder, &st))
			fail_msg("rule %s: builder %s does not exist", r->id, r->builder);
		if (r->hook && stat(r->hook, &st))
			fail_msg("rule %s: hook %s does not exist", r->id, r->hook);
		if (r->abi) {
			snprintf(path, sizeof(path), "%.*s", (int)strcspn(r->abi, ":"), r->abi);
			if (stat(path, &st))
				fail_msg("rule %s: ABI header %s does not exist", r->id, path);
		}
	}
	assert_null(tw_rule_find("no_such_rule"));
	assert_int_equal(tw_rule_index("no_such_rule"), -1);
}

/* Counts by rule are published in struct tw_alert_stats: room for each. */
static void test_every_rule_has_a_count(void **state)
{
	size_t n = 0;

	while (tw_rules[n])
		n++;
	if (n > TW_MAX_RULES)
		fail_msg("%zu rules, but struct tw_alert_stats counts %d: raise TW_MAX_RULES", n,
			 TW_MAX_RULES);
}

/* The table row of rule id in the file at path ("| `id` | ..."), its
 * cells split at '|'; how many rows of names in backquotes that table
 * (the run of lines that start with '|') has. Returns the rows found. */
static int table_row(const char *path, const char *id, char cells[8][512], int *rows)
{
	FILE *f = fopen(path, "r");
	char line[2048], want[96];
	int found = 0, in_table = 0;

	if (!f)
		fail_msg("cannot open %s", path);
	snprintf(want, sizeof(want), "| `%s` |", id);
	while (fgets(line, sizeof(line), f)) {
		int n = 0;

		if (line[0] != '|') {
			if (found)
				break;	/* the end of the rule's table */
			in_table = 0;
			continue;
		}
		in_table += !strncmp(line, "| `", 3);
		if (strncmp(line, want, strlen(want)))
			continue;
		found++;
		for (char *save, *c = strtok_r(line, "|", &save); c && n < 8;
		     c = strtok_r(NULL, "|", &save)) {
			while (*c == ' ')
				c++;
			snprintf(cells[n], sizeof(cells[n]), "%.*s", (int)strcspn(c, "\n"), c);
			for (size_t k = strlen(cells[n]); k && cells[n][k - 1] == ' ';)
				cells[n][--k] = '\0';
			n++;
		}
	}
	fclose(f);
	*rows = in_table;
	return found;
}

/* "critical (99)": the severity and the ECS score the catalogue gives. */
static void expect_severity(const char *path, const struct tw_rule *r, const char *cell)
{
	char want[64];

	snprintf(want, sizeof(want), "%s (%d)", r->severity, tw_severity_score(r->severity));
	if (strncmp(cell, want, strlen(want)))
		fail_msg("%s: rule %s says severity '%s', the catalogue '%s'", path, r->id, cell, want);
}

static size_t n_rules(void)
{
	size_t n = 0;

	while (tw_rules[n])
		n++;
	return n;
}

/* README.md: rule, message, severity. */
static void test_readme_table_is_the_catalogue(void **state)
{
	char cells[8][512];
	int rows = 0;

	for (size_t i = 0; tw_rules[i]; i++) {
		if (table_row("README.md", tw_rules[i]->id, cells, &rows) != 1)
			fail_msg("README.md: no one row for rule %s", tw_rules[i]->id);
		expect_severity("README.md", tw_rules[i], cells[2]);
	}
	assert_int_equal(rows, (int)n_rules());
}

/* docs/rules.md: rule, severity, hook, record, builder. */
static void test_docs_table_is_the_catalogue(void **state)
{
	char cells[8][512], want[256];
	int rows = 0;

	for (size_t i = 0; tw_rules[i]; i++) {
		const struct tw_rule *r = tw_rules[i];

		if (table_row("docs/rules.md", r->id, cells, &rows) != 1)
			fail_msg("docs/rules.md: no one row for rule %s", r->id);
		expect_severity("docs/rules.md", r, cells[1]);
		snprintf(want, sizeof(want), "`%s`", r->hook ? r->hook : "");
		if (r->hook ? strncmp(cells[2], want, strlen(want)) : strncmp(cells[2], "none", 4))
			fail_msg("docs/rules.md: rule %s has hook '%s', the catalogue %s", r->id,
				 cells[2], r->hook ? r->hook : "none");
		snprintf(want, sizeof(want), "`%s`", r->builder);
		if (strcmp(cells[4], want))
			fail_msg("docs/rules.md: rule %s is built in '%s', the catalogue says %s", r->id,
				 cells[4], r->builder);
	}
	assert_int_equal(rows, (int)n_rules());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_catalogue_names_real_files),
		cmocka_unit_test(test_every_rule_has_a_count),
		cmocka_unit_test(test_readme_table_is_the_catalogue),
		cmocka_unit_test(test_docs_table_is_the_catalogue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
