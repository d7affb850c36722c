// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Tor client sensor's records to alerts: tor_client_connection is high,
 * low for an allowed executable, names the relay from the relay set;
 * tor_proxy_use is medium and never names the proxy itself (an allowed
 * executable); repeats within the window fold into one summary whose count
 * includes what the kernel still held; a hostile process name stays one
 * escaped JSON string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "alerts/ecs.h"
#include "alerts/fold.h"
#include "sensors/torclient/torclient_alerts.h"

#define SEC 1000000000ULL

static char self_exe[PATH_MAX];
static char allowed[2][128];

static struct tw_tor_client_event event(enum tw_tor_client_kind kind, const char *ip, uint16_t port)
{
	struct tw_tor_client_event ev = { .kind = kind, .tgid = (uint32_t)getpid(),
					  .pid = (uint32_t)getpid(), .dport = port, .proto = 6 };

	ev.daddr.addr[10] = ev.daddr.addr[11] = 0xff;
	inet_pton(AF_INET, ip, &ev.daddr.addr[12]);
	snprintf(ev.comm, sizeof(ev.comm), "%s", "unit");
	return ev;
}

static struct tw_relay_list relays(void)
{
	static const char text[] = "198.51.100.10:9001 # relay nick0 0123456789ABCDEF0123456789ABCDEF01234567\n";
	struct tw_relay_list l = {};
	char why[100];

	assert_int_equal(tw_relay_list_parse(text, strlen(text), 2, &l, why, sizeof(why)), 0);
	tw_relay_list_sort(&l);
	return l;
}

static const char *str(struct json_object *a, const char *path)
{
	const char *s = tw_json_get_string(a, path);

	return s ? s : "(none)";
}

static int64_t num(struct json_object *a, const char *path)
{
	return json_object_get_int64(tw_json_get(a, path));
}

static void test_relay_connection(void **state)
{
	struct tw_relay_list l = relays();
	struct tw_torclient_policy pol = { .allowed_exe = (const char(*)[128])allowed, .n_allowed_exe = 0 };
	struct tw_tor_client_event ev = event(TW_TOR_RELAY, "198.51.100.10", 9001);
	struct json_object *a = tw_torclient_alert(NULL, &ev, &l, &pol, false, 0);

	assert_non_null(a);
	assert_string_equal(str(a, "rule.id"), "tor_client_connection");
	assert_int_equal(num(a, "event.severity"), 73);
	assert_string_equal(str(a, "destination.ip"), "198.51.100.10");
	assert_string_equal(str(a, "torwatch.tor_client.relay.nickname"), "nick0");
	assert_string_equal(str(a, "process.executable"), self_exe);
	assert_string_equal(str(a, "process.name"), "unit");
	json_object_put(a);
	/* The same executable allowed: low. */
	snprintf(allowed[0], sizeof(allowed[0]), "%.127s", self_exe);
	pol.n_allowed_exe = 1;
	a = tw_torclient_alert(NULL, &ev, &l, &pol, false, 0);
	assert_int_equal(num(a, "event.severity"), 21);
	json_object_put(a);
	tw_relay_list_free(&l);
}

static void test_proxy(void **state)
{
	struct tw_relay_list l = {};
	struct tw_torclient_policy pol = { .allowed_exe = (const char(*)[128])allowed, .n_allowed_exe = 0 };
	struct tw_tor_client_event ev = event(TW_TOR_PROXY, "127.0.0.1", 9050);
	struct json_object *a = tw_torclient_alert(NULL, &ev, &l, &pol, false, 0);

	assert_string_equal(str(a, "rule.id"), "tor_proxy_use");
	assert_int_equal(num(a, "event.severity"), 47);
	assert_non_null(strstr(str(a, "message"), "uses the local Tor proxy (127.0.0.1:9050)"));
	json_object_put(a);
	/* The proxy itself (an allowed executable) on its port: nothing. */
	snprintf(allowed[0], sizeof(allowed[0]), "%.127s", self_exe);
	pol.n_allowed_exe = 1;
	assert_null(tw_torclient_alert(NULL, &ev, &l, &pol, false, 0));
}

static uint64_t held_by_kernel(void *ctx, const struct tw_tor_client_event *ev)
{
	return 7;
}

static void test_fold(void **state)
{
	struct tw_relay_list l = relays();
	struct tw_torclient_policy pol = { .allowed_exe = (const char(*)[128])allowed,
					   .window_ns = 60 * SEC };
	struct tw_fold *f = tw_torclient_fold_new();
	struct tw_tor_client_event ev = event(TW_TOR_RELAY, "198.51.100.10", 9001);
	struct json_object *a = tw_torclient_alert(f, &ev, &l, &pol, false, 1 * SEC);

	assert_int_equal(num(a, "event.count"), 1);
	json_object_put(a);
	ev.repeats = 4;	/* counted in the kernel before this one */
	assert_null(tw_torclient_alert(f, &ev, &l, &pol, false, 2 * SEC));
	assert_null(tw_torclient_flush_next(f, &l, &pol, 30 * SEC, held_by_kernel, NULL));
	a = tw_torclient_flush_next(f, &l, &pol, 62 * SEC, held_by_kernel, NULL);
	assert_non_null(a);
	assert_int_equal(num(a, "event.count"), 5 + 7);
	assert_true(json_object_get_boolean(tw_json_get(a, "torwatch.summary")));
	json_object_put(a);
	assert_null(tw_torclient_flush_next(f, &l, &pol, 63 * SEC, held_by_kernel, NULL));
	tw_fold_free(f);
	tw_relay_list_free(&l);
}

static void test_hostile_name(void **state)
{
	struct tw_relay_list l = relays();
	struct tw_torclient_policy pol = { .allowed_exe = (const char(*)[128])allowed };
	struct tw_tor_client_event ev = event(TW_TOR_RELAY, "198.51.100.10", 9001);
	struct json_object *a, *back;
	const char *line;

	memcpy(ev.comm, "a\"\n\x1b[31m\xff", 9);
	a = tw_torclient_alert(NULL, &ev, &l, &pol, false, 0);
	line = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	assert_null(strchr(line, '\n'));
	back = json_tokener_parse(line);
	assert_non_null(back);
	assert_non_null(strstr(str(back, "process.name"), "a\"\n"));
	json_object_put(back);
	json_object_put(a);
	tw_relay_list_free(&l);
}

static int setup(void **state)
{
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

	self_exe[n > 0 ? n : 0] = '\0';
	memset(allowed, 0, sizeof(allowed));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_relay_connection, setup),
		cmocka_unit_test_setup(test_proxy, setup),
		cmocka_unit_test_setup(test_fold, setup),
		cmocka_unit_test_setup(test_hostile_name, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
