// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The tor_traffic alert: DESIGN.md fields, and hostile strings escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include "alert.h"
#include "timeutil.h"
#include "events.h"
#include "../json_path.h"

static void test_tor_traffic_fields(void **state)
{
	struct tw_source_info src[TW_MAX_SOURCES] = {};
	struct tw_event ev = {
		.ts_ns = tw_now_mono_ns(), .kind = TW_EV_TOR_TRAFFIC, .family = AF_INET,
		.proto = 6, .sport = 40000, .dport = 22, .sources = 1u << 2, .pkt_len = 74,
	};
	struct json_object *a, *back;
	const char *line;

	ev.saddr.addr[10] = ev.saddr.addr[11] = 0xff;
	ev.daddr.addr[10] = ev.daddr.addr[11] = 0xff;
	inet_pton(AF_INET, "198.51.100.7", ev.saddr.addr + 12);
	inet_pton(AF_INET, "192.0.2.10", ev.daddr.addr + 12);
	src[2].in_use = 1;
	/* A hostile feed name: quotes, newline, control bytes. */
	snprintf(src[2].name, sizeof(src[2].name), "evil\"\n\x01name");

	a = tw_event_to_alert(&ev, src);
	line = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	assert_null(strchr(line, '\n'));
	back = json_tokener_parse(line);
	assert_non_null(back);
	assert_string_equal(json_path(back, "message"), "Known Tor Exit Node Traffic");
	assert_string_equal(json_path(back, "event.kind"), "alert");
	assert_string_equal(json_path(back, "event.action"), "tor_traffic");
	assert_string_equal(json_path(back, "event.severity"), "21");
	assert_string_equal(json_path(back, "log.level"), "low");
	assert_string_equal(json_path(back, "rule.id"), "tor_traffic");
	assert_string_equal(json_path(back, "rule.name"), "Known Tor Exit Node Traffic");
	assert_string_equal(json_path(back, "source.ip"), "198.51.100.7");
	assert_string_equal(json_path(back, "source.port"), "40000");
	assert_string_equal(json_path(back, "destination.ip"), "192.0.2.10");
	assert_string_equal(json_path(back, "destination.port"), "22");
	assert_string_equal(json_path(back, "network.transport"), "tcp");
	assert_string_equal(json_path(back, "network.type"), "ipv4");
	assert_string_equal(json_path(back, "threat.indicator.ip"), "198.51.100.7");
	assert_string_equal(json_path(back, "threat.indicator.type"), "ipv4-addr");
	assert_string_equal(json_path(back, "threat.indicator.provider"), "evil\"\n\x01name");
	assert_non_null(json_path(back, "host.hostname"));
	assert_non_null(json_path(back, "@timestamp"));
	json_object_put(back);
	json_object_put(a);
}

static void test_ipv6_icmp_has_no_ports(void **state)
{
	struct tw_source_info src[TW_MAX_SOURCES] = {};
	struct tw_event ev = { .ts_ns = tw_now_mono_ns(), .kind = TW_EV_TOR_TRAFFIC, .family = AF_INET6,
				.proto = 58 };
	struct json_object *a;

	inet_pton(AF_INET6, "2001:db8::7", ev.saddr.addr);
	inet_pton(AF_INET6, "2001:db8::10", ev.daddr.addr);
	a = tw_event_to_alert(&ev, src);
	assert_string_equal(json_path(a, "source.ip"), "2001:db8::7");
	assert_null(json_path(a, "source.port"));
	assert_string_equal(json_path(a, "network.transport"), "ipv6-icmp");
	assert_string_equal(json_path(a, "network.type"), "ipv6");
	assert_string_equal(json_path(a, "threat.indicator.type"), "ipv6-addr");
	json_object_put(a);
}

static void test_ssh_from_tor(void **state)
{
	struct tw_source_info src[TW_MAX_SOURCES] = { [0] = { .in_use = 1, .name = "tor-exits" } };
	struct tw_event ev = { .ts_ns = tw_now_mono_ns(), .kind = TW_EV_SSH_FROM_TOR,
			       .family = AF_INET, .proto = 6, .sport = 51000, .dport = 22,
			       .sources = 1 };
	struct json_object *a;

	ev.saddr.addr[10] = ev.saddr.addr[11] = 0xff;
	ev.daddr.addr[10] = ev.daddr.addr[11] = 0xff;
	inet_pton(AF_INET, "203.0.113.66", ev.saddr.addr + 12);
	inet_pton(AF_INET, "192.0.2.22", ev.daddr.addr + 12);
	a = tw_event_to_alert(&ev, src);
	assert_string_equal(json_path(a, "message"),
			    "SSH Connection Established from TOR Exit Node (203.0.113.66)");
	assert_string_equal(json_path(a, "rule.id"), "ssh_from_tor");
	assert_string_equal(json_path(a, "event.severity"), "99");
	assert_string_equal(json_path(a, "log.level"), "critical");
	assert_string_equal(json_path(a, "source.port"), "51000");
	assert_string_equal(json_path(a, "destination.ip"), "192.0.2.22");
	assert_string_equal(json_path(a, "destination.port"), "22");
	assert_string_equal(json_path(a, "threat.indicator.provider"), "tor-exits");
	assert_non_null(json_path(a, "event.created"));
	json_object_put(a);
}

static void test_tor_blocked(void **state)
{
	struct tw_source_info src[TW_MAX_SOURCES] = {};
	struct tw_event ev = { .ts_ns = tw_now_mono_ns(), .kind = TW_EV_TOR_BLOCKED,
			       .family = AF_INET, .proto = 6, .sport = 51000, .dport = 2222 };
	struct json_object *a;

	ev.saddr.addr[10] = ev.saddr.addr[11] = 0xff;
	a = tw_event_to_alert(&ev, src);
	assert_string_equal(json_path(a, "message"), "Blocked Tor Exit Node Traffic to port 2222");
	assert_string_equal(json_path(a, "event.severity"), "0");
	assert_string_equal(json_path(a, "log.level"), "info");
	assert_string_equal(json_path(a, "torwatch.dry_run"), "false");
	json_object_put(a);
	ev.dry_run = 1;
	a = tw_event_to_alert(&ev, src);
	assert_string_equal(json_path(a, "torwatch.dry_run"), "true");
	json_object_put(a);
	ev.kind = 77;
	assert_null(tw_event_to_alert(&ev, src));
}

static void test_severity_scores(void **state)
{
	assert_int_equal(tw_severity_score("low"), 21);
	assert_int_equal(tw_severity_score("medium"), 47);
	assert_int_equal(tw_severity_score("high"), 73);
	assert_int_equal(tw_severity_score("critical"), 99);
	assert_int_equal(tw_severity_score("info"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tor_traffic_fields),
		cmocka_unit_test(test_ipv6_icmp_has_no_ports),
		cmocka_unit_test(test_ssh_from_tor),
		cmocka_unit_test(test_tor_blocked),
		cmocka_unit_test(test_severity_scores),
	};

	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
