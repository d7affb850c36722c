// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CLI argument handling: 'run' options and object lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "feeds/list_parse.h"
#include "config/config_file.h"
#include "config/run_opts.h"
#include "common/port_list.h"
#include "sensors/sensor.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) tw_run_opts_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, err, sizeof(err))

static void test_run_defaults(void **state)
{
	struct tw_run_opts o;
	char err[256];

	assert_int_equal(PARSE(&o, err, "run"), 0);
	assert_int_equal(o.n_ifaces, 0);
	assert_int_equal(o.n_feeds, 0);
	assert_int_equal(o.n_alerts, 1);
	assert_string_equal(o.alerts[0], "-");
	assert_string_equal(o.pin_root, "/sys/fs/bpf/torwatch");
	assert_string_equal(o.state_dir, "/var/lib/torwatch");
	assert_int_equal(o.xdp_mode, TW_XDP_REQ_AUTO);
	assert_int_equal(o.max_exits, 65536);
}

static void test_run_all_options(void **state)
{
	struct tw_run_opts o;
	char err[256];

	assert_int_equal(PARSE(&o, err, "run", "-i", "eth0", "--interface", "eth1", "--feed",
			       "/a.txt", "--feed=/b.txt", "--alerts", "/var/log/tw.json",
			       "--xdp-mode", "skb", "--pin-root", "/sys/fs/bpf/x", "--state-dir",
			       "/tmp/s", "-v"),
			 0);
	assert_int_equal(o.n_ifaces, 2);
	assert_string_equal(o.ifaces[1], "eth1");
	assert_int_equal(o.n_feeds, 2);
	assert_string_equal(o.feeds[1], "/b.txt");
	assert_string_equal(o.alerts[0], "/var/log/tw.json");
	assert_int_equal(o.xdp_mode, TW_XDP_REQ_SKB);
	assert_string_equal(o.pin_root, "/sys/fs/bpf/x");
	assert_string_equal(o.state_dir, "/tmp/s");
	assert_true(o.verbose);
	assert_int_equal(PARSE(&o, err, "run", "--xdp-mode", "native"), 0);
	assert_int_equal(o.xdp_mode, TW_XDP_REQ_NATIVE);
}

static void test_run_errors(void **state)
{
	struct tw_run_opts o;
	char err[256];

	assert_int_equal(PARSE(&o, err, "run", "--xdp-mode", "fast"), -1);
	assert_string_equal(err, "xdp-mode must be auto, native or skb, not 'fast'");
	assert_int_equal(PARSE(&o, err, "run", "--frobnicate"), -1);
	assert_string_equal(err, "unknown option '--frobnicate' for 'run'");
	assert_int_equal(PARSE(&o, err, "run", "--feed"), -1);
	assert_string_equal(err, "option --feed needs a value");
	assert_int_equal(PARSE(&o, err, "run", "-i", "eth0", "-i", "eth0"), -1);
	assert_string_equal(err, "--interface 'eth0' is given twice");
	/* One rule for every list: the same value twice is refused. */
	assert_int_equal(PARSE(&o, err, "run", "--alerts", "-", "--alerts", "-"), -1);
	assert_string_equal(err, "--alerts '-' is given twice");
	assert_int_equal(PARSE(&o, err, "run", "--feed", "/a", "--feed", "/a"), -1);
	assert_string_equal(err, "--feed '/a' is given twice");
	assert_int_equal(PARSE(&o, err, "run", "-i", "an-interface-name-too-long"), -1);
	assert_string_equal(err, "'an-interface-name-too-long' is not a valid interface name");
	assert_int_equal(PARSE(&o, err, "run", "stray"), -1);
	assert_string_equal(err, "unexpected argument 'stray' for 'run'");
	assert_int_equal(PARSE(&o, err, "run", "-i", "a", "-i", "b", "-i", "c", "-i", "d", "-i",
			       "e", "-i", "f", "-i", "g", "-i", "h", "-i", "i"),
			 -1);
	assert_string_equal(err, "at most 8 interfaces");
	assert_int_equal(PARSE(&o, err, "run", "--max-exits", "100"), -1);
	assert_string_equal(err, "max-exits must be a number from 1024 to 4194304, not '100'");
	assert_int_equal(PARSE(&o, err, "run", "--max-exits", "1e6"), -1);
	assert_int_equal(PARSE(&o, err, "run", "--max-exits", "-5"), -1);
	assert_int_equal(PARSE(&o, err, "run", "--max-exits", "1000000"), 0);
	assert_int_equal(o.max_exits, 1000000);
	assert_int_equal(PARSE(&o, err, "run", "--help"), 1);
}

static const char *write_config(const char *text)
{
	static char path[] = "/tmp/torwatch-test-config.XXXXXX";
	int fd;

	strcpy(path, "/tmp/torwatch-test-config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_config_file(void **state)
{
	struct tw_run_opts o;
	char err[256];
	const char *path = write_config("; torwatch\n"
					"[run]\n"
					"interface = eth0\n"
					"interface = eth1\n"
					"feed = /etc/torwatch/a.txt   ; inline comment\n"
					"alerts = /var/log/torwatch/alerts.json\n"
					"xdp-mode = skb\n"
					"max-exits = 200000\n");

	assert_int_equal(PARSE(&o, err, "run", "-c", (char *)path), 0);
	assert_int_equal(o.n_ifaces, 2);
	assert_string_equal(o.ifaces[1], "eth1");
	assert_int_equal(o.n_feeds, 1);
	assert_string_equal(o.feeds[0], "/etc/torwatch/a.txt");
	assert_string_equal(o.alerts[0], "/var/log/torwatch/alerts.json");
	assert_int_equal(o.xdp_mode, TW_XDP_REQ_SKB);
	assert_int_equal(o.max_exits, 200000);
	tw_run_opts_free(&o);
	/* The command line overrides the file; its lists replace the file's. */
	assert_int_equal(PARSE(&o, err, "run", "-i", "veth9", "--config", (char *)path,
			       "--xdp-mode", "native"),
			 0);
	assert_int_equal(o.n_ifaces, 1);
	assert_string_equal(o.ifaces[0], "veth9");
	assert_int_equal(o.n_feeds, 1);
	assert_int_equal(o.xdp_mode, TW_XDP_REQ_NATIVE);
	tw_run_opts_free(&o);
	unlink(path);
}

/* Each bad line is named with its file, line number and reason. */
static void test_config_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[run]\ninterface = eth0\nxdp-mode = turbo\n",
		  ":3: xdp-mode must be auto, native or skb, not 'turbo'" },
		{ "[run]\nfrobnicate = 1\n", ":2: unknown setting 'frobnicate'" },
		{ "[block]\nports = 22\n", ":2: unknown section [block]" },
		{ "[run]\nthis line has no equals sign\n", ":2: expected 'name = value' or '[run]'" },
		{ "[run]\nmax-exits = lots\n", ":2: max-exits must be a number from 1024 to" },
		{ "interface = eth0\ninterface = eth0\n", ":2: interface 'eth0' is given twice" },
		{ "[run]\nfeed = /a\n[sink s]\nurl = -\n[run]\nfeed = /b\n",
		  ":5: [run] appears a second time (first at line 1)" },
		{ "[sink s]\nurl = -\n[sink s]\nrules = tor_traffic\n",
		  ":3: [sink s] appears a second time (first at line 1)" },
		{ "[run]\nssh-ports = 22\nssh-ports = 2222\n", ":3: 'ssh-ports' is set a second time" },
		{ "[sink s]\nurl = -\nurl = /tmp/x\n", ":3: 'url' is set a second time in [sink s]" },
		{ "[sink s]\nurl = -\nrules = ssh_from_tor,tor_trafic\n",
		  ":3: rules: no rule is called 'tor_trafic' (the rules: ssh_from_tor," },
	};
	struct tw_run_opts o;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = write_config(cases[i].text);

		assert_int_equal(PARSE(&o, err, "run", "-c", (char *)path), -1);
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, cases[i].want));
		unlink(path);
	}
	assert_int_equal(PARSE(&o, err, "run", "-c", "/nonexistent/torwatch.conf"), TW_CONFIG_UNREADABLE);
	assert_string_equal(err, "cannot read config /nonexistent/torwatch.conf: No such file or directory");
	assert_int_equal(PARSE(&o, err, "run", "-c", "/tmp"), TW_CONFIG_UNREADABLE);
	assert_string_equal(err, "config /tmp is a directory, not a file");
}

/* Comments are the same everywhere: ';' or '#', at the start of a line or
 * after a space; a '#' inside a value (a URL's fragment) stays. */
static void test_config_comments(void **state)
{
	struct tw_run_opts o;
	char err[256];
	const char *path = write_config("# a comment\n; another\n[run]\nssh-ports = 22,2222 # why\n"
					"feed = http://mirror.example/list#frag ; where\n");

	assert_int_equal(PARSE(&o, err, "run", "-c", (char *)path), 0);
	assert_int_equal(o.n_feeds, 1);
	assert_string_equal(o.feeds[0], "http://mirror.example/list#frag");
	assert_true(tw_port_set_has(&o.ssh_ports, 2222));
	tw_run_opts_free(&o);
	unlink(path);
}

static void test_feed_options(void **state)
{
	struct tw_run_opts o;
	char err[256];
	const char *path = write_config("[run]\nsources = onionoo,dan-me-uk\nexpire-after = 2d\n"
					"[source onionoo]\nurl = https://mirror.example/onionoo\ninterval = 15m\n"
					"[source mirror]\nurl = http://10.0.0.1/exits\nformat = text\n"
					"[source exit-addresses]\nenabled = yes\n");

	assert_int_equal(PARSE(&o, err, "run"), 0);
	assert_int_equal(o.builtin_on, 0x7); /* exit-addresses, bulk-exit-list, onionoo */
	assert_int_equal(o.expire_s, 48 * 3600);
	assert_int_equal(o.max_shrink_pct, 50);
	assert_int_equal(o.max_body, 32u << 20);
	assert_int_equal(PARSE(&o, err, "run", "-c", (char *)path, "--max-shrink", "20%",
			       "--feed", "https://a.example/list", "--feed", "/etc/exits.txt",
			       "--stale-after", "90m", "--max-body", "512K", "--fetch-timeout", "30",
			       "--deny-file", "/etc/deny", "--allow-file", "/etc/allow",
			       "--ca-file", "/etc/ca.pem", "--retry-min", "5s"), 0);
	assert_int_equal(o.builtin_on, 0xc); /* onionoo, dan-me-uk */
	assert_int_equal(o.expire_s, 2 * 86400);
	assert_int_equal(o.max_shrink_pct, 20);
	assert_int_equal(o.stale_after_s, 5400);
	assert_int_equal(o.max_body, 512 * 1024);
	assert_int_equal(o.fetch_timeout_s, 30);
	assert_int_equal(o.retry_min_s, 5);
	assert_int_equal(o.n_feeds, 2);
	assert_string_equal(o.deny_files[0], "/etc/deny");
	assert_string_equal(o.allow_files[0], "/etc/allow");
	assert_string_equal(o.ca_file, "/etc/ca.pem");
	assert_int_equal(o.n_source_conf, 3);
	assert_string_equal(o.source_conf[0].name, "onionoo");
	assert_string_equal(o.source_conf[0].url, "https://mirror.example/onionoo");
	assert_int_equal(o.source_conf[0].interval_s, 900);
	assert_int_equal(o.source_conf[0].enabled, -1);
	assert_string_equal(o.source_conf[1].name, "mirror");
	assert_int_equal(o.source_conf[1].format, TW_FEED_PLAIN);
	assert_int_equal(o.source_conf[2].enabled, 1);
	tw_run_opts_free(&o);
	assert_int_equal(PARSE(&o, err, "run", "--sources", "none"), 0);
	assert_int_equal(o.builtin_on, 0);
	unlink(path);
	/* The shipped example parses as it is. */
	if (PARSE(&o, err, "run", "-c", "packaging/torwatch.conf"))
		fail_msg("%s", err);
	assert_int_equal(o.builtin_on, 0x7);
	assert_int_equal(o.max_body, 32u << 20);
	tw_run_opts_free(&o);
}

static void test_feed_option_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[run]\nsources = tor\n", ":2: sources: unknown source 'tor'" },
		{ "[run]\nexpire-after = soon\n", ":2: expire-after must be a duration" },
		{ "[run]\nexpire-after = 5x\n", ":2: expire-after must be a duration" },
		{ "[run]\nmax-shrink = 150\n", ":2: max-shrink must be a share from 0 to 100" },
		{ "[run]\nmax-body = 0\n", ":2: max-body must be a size" },
		{ "[run]\nmax-body = 5T\n", ":2: max-body must be a size" },
		{ "[source onionoo]\nurl = ftp://x/y\n", ":2: url must start with http:// or https://" },
		{ "[source onionoo]\ncolour = red\n", ":2: unknown source setting 'colour'" },
		{ "[source x]\nformat = xml\n", ":2: format must be text" },
		{ "[source x]\nenabled = maybe\n", ":2: enabled must be yes or no" },
		{ "[sauce x]\nurl = http://x\n", ":2: unknown section [sauce x]" },
	};
	struct tw_run_opts o;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = write_config(cases[i].text);

		assert_int_equal(PARSE(&o, err, "run", "-c", (char *)path), -1);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: got '%s'", i, err);
		tw_run_opts_free(&o);
		unlink(path);
	}
	assert_int_equal(PARSE(&o, err, "run", "--deny-file", ""), -1);
	assert_string_equal(err, "deny-file needs a file path");
}

static int dummy(int argc, char **argv)
{
	return 0;
}

static void test_ssh_block_allow(void **state)
{
	struct tw_run_opts o;
	char err[256], ports[64];

	assert_int_equal(PARSE(&o, err, "run"), 0);
	tw_port_list_format(&o.ssh_ports, ports, sizeof(ports));
	assert_string_equal(ports, "22");
	assert_false(o.block);
	assert_int_equal(PARSE(&o, err, "run", "--ssh-ports", "22,2222", "--block", "--allow",
			       "198.51.100.9", "--allow", "2001:db8:1::/48"),
			 0);
	tw_port_list_format(&o.ssh_ports, ports, sizeof(ports));
	assert_string_equal(ports, "22,2222");
	assert_true(o.block);
	assert_int_equal(o.n_allow, 2);
	assert_int_equal(o.allow[1].prefixlen, 48);
	assert_int_equal(PARSE(&o, err, "run", "--ssh-ports", "ssh"), -1);
	assert_string_equal(err, "ssh-ports: 'ssh' is not a port (1-65535) or a range A-B");
	assert_int_equal(PARSE(&o, err, "run", "--allow", "198.51.100.0/33"), -1);
	assert_string_equal(err, "allow '198.51.100.0/33': prefix length over 32");
	assert_int_equal(PARSE(&o, err, "run", "--block=yes"), -1);
	/* In the config file, block takes yes/no. */
	const char *path = write_config("[run]\nblock = maybe\n");

	assert_int_equal(PARSE(&o, err, "run", "-c", (char *)path), -1);
	assert_non_null(strstr(err, ":2: block must be yes or no, not 'maybe'"));
	unlink(path);
	path = write_config("[run]\nblock = yes\nallow = 203.0.113.7\nssh-ports = 2222\n");
	assert_int_equal(PARSE(&o, err, "run", "-c", (char *)path), 0);
	assert_true(o.block);
	assert_int_equal(o.n_allow, 1);
	assert_true(tw_port_set_has(&o.ssh_ports, 2222));
	assert_false(tw_port_set_has(&o.ssh_ports, 22));
	tw_run_opts_free(&o);
	unlink(path);
}

static void test_object_prefix_matching(void **state)
{
	static const struct tw_command cmds[] = {
		{ .name = "run", .fn = dummy }, { .name = "status", .fn = dummy },
		{ .name = "stats", .fn = dummy }, { .name = "check", .fn = dummy }, {},
	};
	bool amb;

	assert_ptr_equal(tw_cli_find(cmds, "run", &amb), &cmds[0]);
	assert_ptr_equal(tw_cli_find(cmds, "ch", &amb), &cmds[3]);
	assert_ptr_equal(tw_cli_find(cmds, "statu", &amb), &cmds[1]);
	assert_ptr_equal(tw_cli_find(cmds, "stats", &amb), &cmds[2]);
	assert_null(tw_cli_find(cmds, "sta", &amb));
	assert_true(amb);
	assert_null(tw_cli_find(cmds, "block", &amb));
	assert_false(amb);
	assert_null(tw_cli_find(cmds, "", &amb));
}

int main(void)
{
	/* The sensors' option rows join the table from the sensor list: this
	 * binary links it, as torwatch does. */
	if (!tw_n_sensors)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_defaults),
		cmocka_unit_test(test_run_all_options),
		cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_object_prefix_matching),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_comments),
		cmocka_unit_test(test_feed_options),
		cmocka_unit_test(test_feed_option_errors),
		cmocka_unit_test(test_ssh_block_allow),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
