// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* unexpected_listen_port decisions: allowed ports by protocol, loopback,
 * the dedup window (on a made-up clock), process attribution, container ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/addr.h"
#include "sensors/listen/listen_policy.h"
#include "common/procinfo.h"

#define SEC_NS 1000000000ULL

static struct tw_listen_event listener(const char *addr, uint16_t port, uint8_t proto)
{
	struct tw_listen_event ev = { .lport = port, .proto = proto, .tgid = (__u32)getpid(),
				      .pid = (__u32)getpid(), .hook = TW_HOOK_TRACEPOINT };

	struct tw_prefix p;
	const char *why;

	assert_int_equal(tw_prefix_parse(addr, &p, &why), 0);
	ev.family = p.family;
	tw_prefix_to_in6(&p, ev.laddr.addr);	/* IPv4 as ::ffff:a.b.c.d, as the kernel writes it */
	memcpy(ev.comm, "test_listen", 12);
	return ev;
}

static void policy(struct tw_listen_policy *p, const char *allowed, bool ignore_loopback)
{
	char err[128];

	memset(p, 0, sizeof(*p));
	assert_int_equal(tw_port_list_parse_proto(allowed, &p->tcp, &p->udp, err, sizeof(err)), 0);
	p->ignore_loopback = ignore_loopback;
	p->window_ns = 60 * SEC_NS;
}

static void test_expected(void **state)
{
	struct tw_listen_policy p;
	struct tw_listen_event ev;

	policy(&p, "22,80,443,53/udp", false);
	ev = listener("0.0.0.0", 22, IPPROTO_TCP);
	assert_true(tw_listen_expected(&p, &ev));
	ev = listener("0.0.0.0", 53, IPPROTO_UDP);
	assert_true(tw_listen_expected(&p, &ev));
	ev = listener("0.0.0.0", 53, IPPROTO_TCP);
	assert_false(tw_listen_expected(&p, &ev));
	ev = listener("127.0.0.1", 8080, IPPROTO_TCP);
	assert_false(tw_listen_expected(&p, &ev));
	policy(&p, "22", true);
	assert_true(tw_listen_expected(&p, &ev));
	ev = listener("::1", 8080, IPPROTO_TCP);
	assert_true(tw_listen_expected(&p, &ev));
	ev = listener("::", 8080, IPPROTO_TCP);
	assert_false(tw_listen_expected(&p, &ev));
	ev = listener("127.1.2.3", 8080, IPPROTO_UDP);
	assert_true(tw_listen_expected(&p, &ev));
	/* torwatch's own listener (its metrics port) is expected; another
	 * process's on the same port is not. */
	policy(&p, "22", false);
	p.self_tgid = 4242;
	ev = listener("127.0.0.1", 9477, IPPROTO_TCP);
	ev.tgid = 4243;
	assert_false(tw_listen_expected(&p, &ev));
	ev.tgid = 4242;
	assert_true(tw_listen_expected(&p, &ev));
}

static int emitted;
static int64_t emitted_count;

static void on_emit(struct json_object *a, void *ctx)
{
	struct json_object *ev, *count;

	emitted++;
	assert_true(json_object_object_get_ex(a, "event", &ev));
	assert_true(json_object_object_get_ex(ev, "count", &count));
	emitted_count = json_object_get_int64(count);
	json_object_put(a);
}

static void flush(const struct tw_listen_policy *p, struct tw_listen_dedup *d, uint64_t now_ns)
{
	struct json_object *a;

	while ((a = tw_listen_flush_next(p, d, now_ns)))
		on_emit(a, NULL);
}

/* A listener nobody can name the owner of (found at start-up, owner
 * unreadable) says so in the alert; one with an owner does not. */
static void test_unknown_owner_is_said(void **state)
{
	struct tw_listen_dedup *d = calloc(1, sizeof(*d));
	struct tw_listen_event ev = listener("0.0.0.0", 2024, IPPROTO_TCP), named;
	struct tw_listen_policy p;
	struct json_object *a, *tw, *note;

	policy(&p, "22", false);
	named = listener("0.0.0.0", 2025, IPPROTO_TCP);
	ev.tgid = ev.pid = 0;
	memset(ev.comm, 0, sizeof(ev.comm));
	a = tw_listen_handle(&p, d, &ev, true, 100 * SEC_NS);
	assert_non_null(a);
	assert_true(json_object_object_get_ex(a, "torwatch", &tw));
	assert_true(json_object_object_get_ex(tw, "process_unknown", &note));
	assert_non_null(strstr(json_object_get_string(note), "no process torwatch can see holds this socket"));
	assert_false(json_object_object_get_ex(a, "process", NULL) &&
		     json_object_object_get_ex(json_object_object_get(a, "process"), "pid", NULL));
	json_object_put(a);
	a = tw_listen_handle(&p, d, &named, true, 100 * SEC_NS);
	assert_true(json_object_object_get_ex(a, "torwatch", &tw));
	assert_false(json_object_object_get_ex(tw, "process_unknown", NULL));
	json_object_put(a);
	free(d);
}

static void test_dedup_window(void **state)
{
	struct tw_listen_dedup *d = calloc(1, sizeof(*d));
	struct tw_listen_policy p;
	struct tw_listen_event ev = listener("0.0.0.0", 9000, IPPROTO_TCP);
	struct tw_listen_event udp = listener("0.0.0.0", 9000, IPPROTO_UDP);
	struct json_object *a;

	policy(&p, "22", false);
	a = tw_listen_handle(&p, d, &ev, false, 100 * SEC_NS);
	assert_non_null(a);
	json_object_put(a);
	/* Same port, protocol, executable inside the window: folded. */
	for (int i = 1; i <= 3; i++)
		assert_null(tw_listen_handle(&p, d, &ev, false, (100 + (uint64_t)i) * SEC_NS));
	/* Another protocol is another listener. */
	a = tw_listen_handle(&p, d, &udp, false, 101 * SEC_NS);
	assert_non_null(a);
	json_object_put(a);
	emitted = 0;
	assert_int_equal(d->windows.open, 2);
	flush(&p, d, 159 * SEC_NS);
	assert_int_equal(emitted, 0);	/* the window is still open */
	flush(&p, d, 160 * SEC_NS);
	assert_int_equal(emitted, 1);	/* the TCP one had repeats; the UDP one none */
	assert_int_equal(emitted_count, 4);
	assert_int_equal(d->windows.open, 1);	/* the UDP one's closes at 161 */
	assert_true(d->windows.oldest_ns == 101 * SEC_NS);
	flush(&p, d, 200 * SEC_NS);
	assert_int_equal(emitted, 1);
	assert_int_equal(d->windows.open, 0);
	/* After the window: a new alert at once. */
	a = tw_listen_handle(&p, d, &ev, false, 300 * SEC_NS);
	assert_non_null(a);
	json_object_put(a);
	assert_int_equal(d->windows.open, 1);
	/* Its repeats come out when its own window closes, not before. */
	assert_null(tw_listen_handle(&p, d, &ev, false, 301 * SEC_NS));
	flush(&p, d, 359 * SEC_NS);
	assert_int_equal(emitted, 1);
	flush(&p, d, 360 * SEC_NS);
	assert_int_equal(emitted, 2);
	assert_int_equal(emitted_count, 2);
	free(d);
}

static void test_alert_fields(void **state)
{
	struct tw_listen_dedup *d = calloc(1, sizeof(*d));
	struct tw_listen_policy p;
	struct tw_listen_event ev = listener("::", 4444, IPPROTO_TCP);
	struct json_object *a, *o;
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	ev.v6only = 1;
	policy(&p, "22", false);
	a = tw_listen_handle(&p, d, &ev, true, SEC_NS);
	assert_non_null(a);
	assert_true(json_object_object_get_ex(a, "message", &o));
	assert_string_equal(json_object_get_string(o), "Unexpected Port Opened: 4444");
	assert_true(json_object_object_get_ex(a, "process", &o));
	assert_true(json_object_object_get_ex(o, "executable", &o));
	assert_string_equal(json_object_get_string(o), self);
	assert_true(json_object_object_get_ex(a, "torwatch", &o));
	assert_true(json_object_object_get_ex(o, "found_at_startup", &o));
	assert_true(json_object_get_boolean(o));
	assert_true(json_object_object_get_ex(a, "destination", &o));
	assert_true(json_object_object_get_ex(o, "ip", &o));
	assert_string_equal(json_object_get_string(o), "::");
	json_object_put(a);
	free(d);
}

static void test_procinfo_self(void **state)
{
	struct tw_procinfo pi;

	assert_true(tw_procinfo_read(getpid(), 0, &pi));
	assert_non_null(strstr(pi.exe, "test_listen_policy"));
	assert_non_null(strstr(pi.cmdline, "test_listen_policy"));
	assert_int_equal(pi.ppid, getppid());
	assert_true(strlen(pi.parent_name) > 0);
	/* A pid that does not exist: nothing, and no crash. */
	assert_false(tw_procinfo_read(0x3fffffff, 0, &pi));
	assert_string_equal(pi.exe, "");
}

static void test_container_ids(void **state)
{
	static const char id[] = "3f1c9a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";
	static const struct {
		const char *cgroup;
		bool has_id;
	} cases[] = {
		{ "0::/system.slice/docker-3f1c9a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8.scope\n", true },
		{ "12:pids:/docker/3f1c9a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8\n", true },
		{ "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-3f1c9a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8.scope\n", true },
		{ "0::/machine.slice/libpod-3f1c9a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8.scope\n", true },
		{ "0::/user.slice/user-0.slice/session-1.scope\n", false },
		{ "0::/\n", false },
		/* 65 hex digits is not an id; nor are upper-case ones. */
		{ "0::/docker/3f1c9a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f81\n", false },
		{ "0::/docker/3F1C9A2B4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8\n", false },
	};
	char out[65];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tw_container_id_from_cgroup(cases[i].cgroup, out, sizeof(out));
		assert_string_equal(out, cases[i].has_id ? id : "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected),
		cmocka_unit_test(test_unknown_owner_is_said),
		cmocka_unit_test(test_dedup_window),
		cmocka_unit_test(test_alert_fields),
		cmocka_unit_test(test_procinfo_self),
		cmocka_unit_test(test_container_ids),
	};

	return cmocka_run_group_tests_name("listen_policy", tests, NULL, NULL);
}
