// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The option table of 'torwatch run': every entry is in --help and in the
 * example config, its default parses, and SIGHUP tells restart-only
 * changes from the others. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/run_opts.h"
#include "sensors/sensor.h"

#define EXAMPLE_CONFIG "packaging/torwatch.conf"

static char *usage_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	tw_run_usage(f);
	fclose(f);
	return buf;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* help with each line break and the indent after it taken out: a long
 * default is wrapped at its commas. */
static char *unwrapped(const char *help)
{
	char *out = calloc(1, strlen(help) + 1), *o = out;

	for (const char *p = help; *p; p++) {
		if (*p == '\n' && p > help && p[-1] == ',') {
			while (p[1] == ' ')
				p++;
			continue;
		}
		if (*p == '\n' && p - help >= 8 && !strncmp(p - 8, "(default", 8)) {
			while (p[1] == ' ')
				p++;
			*o++ = ' ';
			continue;
		}
		*o++ = *p;
	}
	return out;
}

static void test_every_option_is_in_help(void **state)
{
	char *raw = usage_text(), *help = unwrapped(raw), want[1200];

	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *opt = &tw_run_options[i];

		snprintf(want, sizeof(want), "--%s%s", opt->name, opt->arg ? " " : "");
		if (!strstr(help, want))
			fail_msg("'torwatch run --help' does not describe --%s", opt->name);
		if (opt->def && !(opt->flags & TW_OPT_CLI_ONLY)) {
			snprintf(want, sizeof(want), "(default %s)", opt->def);
			if (!strstr(help, want))
				fail_msg("--help does not give the default of --%s (%s)", opt->name,
					 opt->def);
		}
	}
	free(raw);
	free(help);
}

static size_t row_of(const char *name)
{
	for (size_t i = 0; i < tw_n_run_options; i++)
		if (!strcmp(tw_run_options[i].name, name))
			return i;
	fail_msg("--%s is not in the table", name);
	return 0;
}

/* Each sensor's own rows are joined once, in its part: after the feeds'
 * last row and before the outputs' first, in the sensor list's order. */
static void test_sensor_rows_are_joined(void **state)
{
	size_t feeds_end = row_of("ca-file"), outputs_start = row_of("alerts"), last = feeds_end;
	size_t n = 0;

	for (size_t s = 0; s < tw_n_sensors; s++) {
		const struct tw_sensor_ops *ops = tw_sensor_list[s];

		assert_non_null(ops->options);
		for (size_t i = 0; i < *ops->n_options; i++) {
			size_t at = row_of(ops->options[i].name);

			if (at <= last || at >= outputs_start)
				fail_msg("--%s of sensor %s is at row %zu, not after %zu and before %zu",
					 ops->options[i].name, ops->name, at, last, outputs_start);
			last = at;
			n++;
		}
	}
	assert_int_equal(n, outputs_start - feeds_end - 1);
}

/* Each config key appears as "name =" (commented out or not). */
static void test_every_key_is_in_the_example_config(void **state)
{
	char *text = read_file(EXAMPLE_CONFIG), want[80];

	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *opt = &tw_run_options[i];

		if (opt->flags & TW_OPT_CLI_ONLY)
			continue;
		snprintf(want, sizeof(want), "\n%s = ", opt->name);
		if (strstr(text, want))
			continue;
		snprintf(want, sizeof(want), "\n; %s = ", opt->name);
		if (!strstr(text, want))
			fail_msg("%s has no '%s =' line", EXAMPLE_CONFIG, opt->name);
	}
	free(text);
}

/* The example itself is a valid config. */
static void test_example_config_parses(void **state)
{
	struct tw_run_opts o;
	char err[512];

	tw_run_opts_defaults(&o);
	if (tw_config_load(EXAMPLE_CONFIG, &o, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(o.n_alerts, 1);
	assert_string_equal(o.alerts[0], "/var/log/torwatch/alerts.json");
	tw_run_opts_free(&o);
}

static void test_defaults_parse(void **state)
{
	struct tw_run_opts o;
	char err[256];

	memset(&o, 0, sizeof(o));
	for (size_t i = 0; i < tw_n_run_options; i++) {
		const struct tw_option *opt = &tw_run_options[i];

		if (opt->def && opt->set && opt->set(&o, opt, opt->def, err, sizeof(err)))
			fail_msg("the default of --%s, '%s', is refused: %s", opt->name, opt->def, err);
	}
	tw_run_opts_defaults(&o);
	assert_int_equal(o.expire_s, 48 * 3600);
	assert_int_equal(o.max_body, 32u << 20);
	assert_int_equal(o.dedup_window_s, 60);
	assert_true(tw_port_set_has(&o.ssh_ports, 22));
	assert_false(tw_port_set_has(&o.ssh_ports, 2222));
}

static const char *write_conf(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/torwatch-options-%d.conf", getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* [sink NAME] sections: url, min-severity, rules; bad lines named. */
static void test_sink_sections(void **state)
{
	struct tw_run_opts o;
	char err[512];

	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[sink siem]\nurl = syslog+tcp://10.0.0.5:6514\n"
						   "min-severity = high\n"
						   "rules = ssh_from_tor,unexpected_listen_port\n"),
					&o, err, sizeof(err)), 0);
	assert_int_equal(o.n_sink_conf, 1);
	assert_string_equal(o.sink_conf[0].name, "siem");
	assert_string_equal(o.sink_conf[0].url, "syslog+tcp://10.0.0.5:6514");
	assert_string_equal(o.sink_conf[0].min_severity, "high");
	assert_string_equal(o.sink_conf[0].rules, "ssh_from_tor,unexpected_listen_port");
	tw_run_opts_free(&o);
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[sink x]\nmin-severity = urgent\n"), &o, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: min-severity must be low, medium, high or critical, not 'urgent'"));
	tw_run_opts_free(&o);
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[sink x]\nheaders = a\n"), &o, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, ":2: unknown sink setting 'headers'"));
	tw_run_opts_free(&o);
	/* Delivery settings. */
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[sink h]\nurl = webhook+http://127.0.0.1:1/\n"
						   "queue-size = 50\ntimeout = 3s\nspool = no\n"
						   "spool-size = 8\n"),
					&o, err, sizeof(err)), 0);
	assert_int_equal(o.sink_conf[0].queue_size, 50);
	assert_int_equal(o.sink_conf[0].timeout_s, 3);
	assert_true(o.sink_conf[0].no_spool);
	assert_int_equal(o.sink_conf[0].spool_mb, 8);
	tw_run_opts_free(&o);
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[sink h]\nqueue-size = 0\n"), &o, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: queue-size must be a number from 1 to 1000000, not '0'"));
	tw_run_opts_free(&o);
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[sink h]\nheader = X-A: 1\nheader = X-B: two words\n"
						   "basic-auth-file = /etc/torwatch/es.auth\n"),
					&o, err, sizeof(err)), 0);
	assert_int_equal(o.sink_conf[0].n_headers, 2);
	assert_string_equal(o.sink_conf[0].headers[1], "X-B: two words");
	assert_string_equal(o.sink_conf[0].basic_auth_file, "/etc/torwatch/es.auth");
	tw_run_opts_free(&o);
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[sink h]\nheader = Bad Name: 1\n"), &o, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: header must be 'Name: value'"));
	tw_run_opts_free(&o);
	unlink(write_conf(""));
}

/* [throttle RULE] sections: key, window, count; an unknown rule is named. */
static void test_throttle_sections(void **state)
{
	struct tw_run_opts o;
	char err[512];

	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[throttle tor_traffic]\nkey = destination.port\n"
						   "window = 5m\ncount = 3\n"
						   "[throttle tor_blocked]\ncount = 0\n"),
					&o, err, sizeof(err)), 0);
	assert_int_equal(o.n_throttle_conf, 2);
	assert_string_equal(o.throttle_conf[0].rule, "tor_traffic");
	assert_string_equal(o.throttle_conf[0].key, "destination.port");
	assert_int_equal(o.throttle_conf[0].window_s, 300);
	assert_int_equal(o.throttle_conf[0].count, 3);
	assert_int_equal(o.throttle_conf[1].count, 0);
	assert_null(o.throttle_conf[1].key);
	tw_run_opts_free(&o);
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("\n[throttle tor_trafic]\ncount = 1\n"), &o, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: [throttle tor_trafic]: no rule is called that"));
	tw_run_opts_free(&o);
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[throttle tor_traffic]\nkey = a;b\n"), &o, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: key must be an alert field"));
	tw_run_opts_free(&o);
	tw_run_opts_defaults(&o);
	assert_int_equal(tw_config_load(write_conf("[throttel x]\ncount = 1\n"), &o, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, "[throttle RULE]"));
	tw_run_opts_free(&o);
	unlink(write_conf(""));
}

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, ...) \
	assert_int_equal(tw_run_opts_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, err, sizeof(err)), 0)

static void test_restart_only_changes(void **state)
{
	struct tw_run_opts a, b;
	char err[256], names[256];
	bool files;

	PARSE(&a, "run", "-i", "eth0", "--ssh-ports", "22");
	PARSE(&b, "run", "-i", "eth0", "--ssh-ports", "2222", "--max-shrink", "90");
	assert_false(tw_run_opts_restart_only_changes(&a, &b, names, sizeof(names), &files));
	PARSE(&b, "run", "-i", "eth1", "--ssh-ports", "22", "--max-exits", "2048");
	assert_true(tw_run_opts_restart_only_changes(&a, &b, names, sizeof(names), &files));
	assert_string_equal(names, "interface and max-exits");
	assert_false(files);	/* neither names a file: the log says nothing of files */
	PARSE(&b, "run", "-i", "eth0", "-i", "eth1", "--alerts", "/tmp/x", "--sources", "none");
	assert_true(tw_run_opts_restart_only_changes(&a, &b, names, sizeof(names), &files));
	assert_string_equal(names, "interface, sources and alerts");
	PARSE(&b, "run", "-i", "eth0", "--ssh-ports", "22", "--deny-file", "/tmp/deny");
	assert_true(tw_run_opts_restart_only_changes(&a, &b, names, sizeof(names), &files));
	assert_true(files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option_is_in_help),
		cmocka_unit_test(test_sensor_rows_are_joined),
		cmocka_unit_test(test_every_key_is_in_the_example_config),
		cmocka_unit_test(test_example_config_parses),
		cmocka_unit_test(test_defaults_parse),
		cmocka_unit_test(test_restart_only_changes),
		cmocka_unit_test(test_sink_sections),
		cmocka_unit_test(test_throttle_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
