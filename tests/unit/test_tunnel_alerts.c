// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tor_icmp_tunnel and tor_dns_tunnel: the alert carries the rule, the
 * source and the window's figures as the tunnel_state map held them, and
 * the event alone when the window is gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "../json_path.h"
#include "sensors/exit/tunnel_alerts.h"
#include "tw_status.h"

static const struct tw_tunnel_config cfg = {
	.window_ns = 60ULL * TW_NS_PER_SEC, .icmp_payload = 800, .icmp_large = 10,
	.dns_name = 90, .dns_long = 10,
};

static struct tw_event event(__u32 kind, __u8 proto)
{
	struct tw_event ev = { .kind = kind, .family = AF_INET, .proto = proto, .sources = 1 };

	/* 198.51.100.7, IPv4-mapped as the kernel stores it */
	ev.saddr.addr[10] = ev.saddr.addr[11] = 0xff;
	inet_pton(AF_INET, "198.51.100.7", &ev.saddr.addr[12]);
	ev.daddr.addr[10] = ev.daddr.addr[11] = 0xff;
	inet_pton(AF_INET, "203.0.113.1", &ev.daddr.addr[12]);
	return ev;
}

static void test_icmp_tunnel_figures(void **state)
{
	struct tw_source_info src[TW_MAX_SOURCES] = {};
	struct tw_tunnel_state st = { .icmp_bytes = 11292, .icmp_packets = 15, .icmp_large = 10,
				      .icmp_max_payload = 1052 };
	struct tw_event ev = event(TW_EV_ICMP_TUNNEL, IPPROTO_ICMP);
	struct json_object *a;

	src[0].in_use = 1;
	snprintf(src[0].name, sizeof(src[0].name), "exit-addresses");
	a = tw_tunnel_alert(&ev, &st, &cfg, src);
	assert_non_null(a);
	assert_string_equal(json_path(a, "rule.id"), "tor_icmp_tunnel");
	assert_string_equal(json_path(a, "message"), "Possible ICMP tunnel from Tor Exit Node (198.51.100.7)");
	assert_string_equal(json_path(a, "source.ip"), "198.51.100.7");
	assert_string_equal(json_path(a, "threat.indicator.provider"), "exit-addresses");
	assert_string_equal(json_path(a, "torwatch.tunnel.window_s"), "60");
	assert_string_equal(json_path(a, "torwatch.tunnel.packets"), "15");
	assert_string_equal(json_path(a, "torwatch.tunnel.bytes"), "11292");
	assert_string_equal(json_path(a, "torwatch.tunnel.bytes_per_packet"), "752");
	assert_string_equal(json_path(a, "torwatch.tunnel.large_packets"), "10");
	assert_string_equal(json_path(a, "torwatch.tunnel.max_payload"), "1052");
	assert_string_equal(json_path(a, "torwatch.tunnel.limit_payload"), "800");
	assert_null(json_path(a, "torwatch.tunnel.long_names"));
	json_object_put(a);
}

/* Read while XDP counts on: the marked packets never exceed the packets. */
static void test_counts_read_mid_update_stay_consistent(void **state)
{
	struct tw_source_info src[TW_MAX_SOURCES] = {};
	struct tw_tunnel_state st = { .dns_bytes = 900, .dns_packets = 9, .dns_long = 10,
				      .dns_longest_name = 120 };
	struct tw_event ev = event(TW_EV_DNS_TUNNEL, IPPROTO_UDP);
	struct json_object *a = tw_tunnel_alert(&ev, &st, &cfg, src);

	assert_string_equal(json_path(a, "rule.id"), "tor_dns_tunnel");
	assert_string_equal(json_path(a, "message"), "Possible DNS tunnel from Tor Exit Node (198.51.100.7)");
	assert_string_equal(json_path(a, "torwatch.tunnel.packets"), "10");
	assert_string_equal(json_path(a, "torwatch.tunnel.bytes_per_packet"), "90");
	assert_string_equal(json_path(a, "torwatch.tunnel.long_names"), "10");
	assert_string_equal(json_path(a, "torwatch.tunnel.longest_name"), "120");
	assert_string_equal(json_path(a, "torwatch.tunnel.limit_name"), "90");
	assert_null(json_path(a, "torwatch.tunnel.max_payload"));
	json_object_put(a);
}

/* The window left the LRU map before it was read: the event alone. */
static void test_window_gone(void **state)
{
	struct tw_source_info src[TW_MAX_SOURCES] = {};
	struct tw_event ev = event(TW_EV_ICMP_TUNNEL, IPPROTO_ICMP);
	struct json_object *a = tw_tunnel_alert(&ev, NULL, &cfg, src);

	assert_string_equal(json_path(a, "rule.id"), "tor_icmp_tunnel");
	assert_string_equal(json_path(a, "torwatch.tunnel.window_s"), "60");
	assert_null(json_path(a, "torwatch.tunnel.packets"));
	json_object_put(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_tunnel_figures),
		cmocka_unit_test(test_counts_read_mid_update_stay_consistent),
		cmocka_unit_test(test_window_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
