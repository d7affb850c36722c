// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The tor_traffic alert: DESIGN.md fields, and hostile strings escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include "alerts/ecs.h"
#include "common/timeutil.h"
#include "alerts/exit_events.h"
#include "feeds/feed_alerts.h"
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
	assert_string_equal(json_path(a, "message"),
			    "Tor Exit Node Traffic to port 2222 Would Be Blocked (dry run, let through)");
	json_object_put(a);
	ev.kind = 77;
	assert_null(tw_event_to_alert(&ev, src));
}

static void test_feed_rejected(void **state)
{
	struct tw_source s = { .kind = TW_SOURCE_URL, .http_status = 200, .n_seen = 1200 };
	struct json_object *a;

	snprintf(s.name, sizeof(s.name), "mirror \"eu\"\n");
	snprintf(s.url, sizeof(s.url), "https://mirror.example/exits?a=1&b=\"2\"");
	a = tw_feed_alert_rejected(&s, "120 entries would replace 1200 (-90%)",
				   1710252000LL * 1000000000LL);
	assert_string_equal(json_path(a, "rule.id"), "feed_rejected");
	assert_string_equal(json_path(a, "event.severity"), "47");
	assert_string_equal(json_path(a, "event.reason"), "120 entries would replace 1200 (-90%)");
	assert_string_equal(json_path(a, "torwatch.feed.name"), "mirror \"eu\"\n");
	assert_string_equal(json_path(a, "torwatch.feed.url"), "https://mirror.example/...");
	assert_string_equal(json_path(a, "torwatch.feed.entries_kept"), "1200");
	assert_string_equal(json_path(a, "http.response.status_code"), "200");
	assert_string_equal(json_path(a, "@timestamp"), "2024-03-12T14:00:00.000000Z");
	/* The hostile name is escaped in the line, which stays one line. */
	assert_null(strchr(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), '\n'));
	json_object_put(a);
}

static void test_feed_url_redacted(void **state)
{
	static const struct {
		const char *url, *shown;
	} cases[] = {
		{ "https://fleet:s3cret@mirror.example/exits", "https://mirror.example/..." },
		{ "https://mirror.example/exits", "https://mirror.example/..." },
		{ "https://token@mirror.example/x", "https://mirror.example/..." },
		{ "https://mirror.example/a:b@c", "https://mirror.example/..." },
		{ "http://u:p@[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/..." },
		{ "https://hooks.slack.com/services/T0/B0/SECRET", "https://hooks.slack.com/..." },
		{ "https://mirror.example/exits?token=SECRET", "https://mirror.example/..." },
		{ "http://127.0.0.1:8099/", "http://127.0.0.1:8099" },
		{ "https://mirror.example", "https://mirror.example" },
	};
	struct tw_source s = { .kind = TW_SOURCE_URL };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *a;

		snprintf(s.url, sizeof(s.url), "%s", cases[i].url);
		a = tw_feed_alert_rejected(&s, "why", 0);
		assert_string_equal(json_path(a, "torwatch.feed.url"), cases[i].shown);
		json_object_put(a);
	}
}

static void test_feed_stale(void **state)
{
	struct tw_sources ss = {};
	struct tw_source *ok = tw_sources_add(&ss, TW_SOURCE_URL, "exit-addresses", "https://a");
	struct tw_source *bad = tw_sources_add(&ss, TW_SOURCE_URL, "onionoo", "https://b");
	struct json_object *a, *failing;

	ok->state = TW_SRC_OK;
	bad->state = TW_SRC_FAILED;
	snprintf(bad->error, sizeof(bad->error), "HTTP status 503");
	a = tw_feed_alert_stale(&ss, 1710252000, 6 * 3600,
				(1710252000LL + 7 * 3600 + 60) * 1000000000LL);
	assert_string_equal(json_path(a, "rule.id"), "feed_stale");
	assert_string_equal(json_path(a, "torwatch.feed.age_s"), "25260");
	assert_string_equal(json_path(a, "torwatch.feed.stale_after_s"), "21600");
	assert_string_equal(json_path(a, "torwatch.feed.newest_data"), "2024-03-12T14:00:00Z");
	assert_non_null(strstr(json_path(a, "message"), "7h 1m old"));
	assert_true(json_object_object_get_ex(json_object_object_get(a, "torwatch"), "feed", &failing));
	failing = json_object_object_get(failing, "failing");
	assert_int_equal(json_object_array_length(failing), 1);
	assert_string_equal(json_path(json_object_array_get_idx(failing, 0), "name"), "onionoo");
	assert_string_equal(json_path(json_object_array_get_idx(failing, 0), "error"), "HTTP status 503");
	json_object_put(a);
	a = tw_feed_alert_stale(&ss, 0, 60, 1710252000LL * 1000000000LL);
	assert_string_equal(json_path(a, "message"), "The exit set has no good data from any source");
	json_object_put(a);
	tw_sources_free(&ss);
}

/* A feed alert written after another alert sorts after it: its @timestamp is
 * the moment it was raised, to the microsecond, not the second it fell in. */
static void test_feed_alert_time_sorts_in_order(void **state)
{
	struct tw_sources ss = {};
	struct tw_source *s = tw_sources_add(&ss, TW_SOURCE_URL, "exit-addresses", "https://a");
	struct json_object *before, *stale, *rejected;
	const char *t0;

	before = tw_alert_new(&tw_rule_tor_traffic, "x", tw_now_unix_ns());
	stale = tw_feed_alert_stale(&ss, 1710252000, 60, tw_now_unix_ns());
	rejected = tw_feed_alert_rejected(s, "why", tw_now_unix_ns());
	t0 = json_path(before, "@timestamp");
	assert_true(strcmp(json_path(stale, "@timestamp"), t0) >= 0);
	assert_true(strcmp(json_path(rejected, "@timestamp"), json_path(stale, "@timestamp")) >= 0);
	json_object_put(before);
	json_object_put(stale);
	json_object_put(rejected);
	tw_sources_free(&ss);
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
		cmocka_unit_test(test_feed_rejected),
		cmocka_unit_test(test_feed_stale),
		cmocka_unit_test(test_feed_alert_time_sorts_in_order),
		cmocka_unit_test(test_feed_url_redacted),
	};

	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
