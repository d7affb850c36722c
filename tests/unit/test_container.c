// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* common/container.c: the runtime, id, pod and cgroup path from the
 * /proc/PID/cgroup texts the runtimes make, on hybrid (v1 + v2) and
 * unified hosts; a process on the host is in none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include "common/container.h"

#define ID "292f62c0b7901b1e47b48f3a7ddd71bc53a6fd6efc1595abef498e50ae72b1b2"

static void test_runtimes(void **state)
{
	static const struct {
		const char *text, *runtime, *id, *cgroup;
	} cases[] = {
		/* Podman with runc on this hybrid VM (measured). */
		{ "9:name=systemd:/libpod_parent/libpod-" ID "\n8:pids:/libpod_parent/libpod-" ID
		  "\n0::/libpod_parent/libpod-" ID "\n",
		  "podman", ID, "/libpod_parent/libpod-" ID },
		/* Podman under systemd, unified. */
		{ "0::/machine.slice/libpod-" ID ".scope/container\n", "podman", ID,
		  "/machine.slice/libpod-" ID ".scope/container" },
		/* Docker: cgroupfs driver on v1 with an empty v2 tree, and the systemd driver. */
		{ "12:memory:/docker/" ID "\n1:name=systemd:/docker/" ID "\n0::/\n", "docker", ID,
		  "/docker/" ID },
		{ "0::/system.slice/docker-" ID ".scope\n", "docker", ID,
		  "/system.slice/docker-" ID ".scope" },
		{ "0::/system.slice/containerd.service/kubepods-besteffort-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice:cri-containerd:" ID "\n",
		  "containerd", ID, NULL },
		{ "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f.slice/cri-containerd-" ID ".scope\n",
		  "containerd", ID, NULL },
		{ "0::/kubepods.slice/kubepods-pod9f8e.slice/crio-" ID ".scope\n", "cri-o", ID, NULL },
	};
	struct tw_container c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("  %s\n", cases[i].text);
		assert_true(tw_container_parse(cases[i].text, &c));
		assert_string_equal(c.runtime, cases[i].runtime);
		assert_string_equal(c.id, cases[i].id);
		if (cases[i].cgroup)
			assert_string_equal(c.cgroup, cases[i].cgroup);
		assert_string_equal(c.name, "");
	}
}

static void test_pods_and_machines(void **state)
{
	struct tw_container c;

	assert_true(tw_container_parse("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/cri-containerd-" ID ".scope\n", &c));
	assert_string_equal(c.pod_uid, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d");
	/* systemd-nspawn: the machine's name is in its scope, escaped. */
	assert_true(tw_container_parse("0::/machine.slice/machine-web\\x2d1.scope/payload\n", &c));
	assert_string_equal(c.runtime, "systemd-nspawn");
	assert_string_equal(c.id, "web-1");
	assert_string_equal(c.name, "web-1");
}

static void test_host_is_in_none(void **state)
{
	struct tw_container c;

	assert_false(tw_container_parse("0::/user.slice/user-0.slice/session-1.scope\n", &c));
	assert_string_equal(c.cgroup, "/user.slice/user-0.slice/session-1.scope");
	assert_false(tw_container_parse("9:name=systemd:/\n0::/\n", &c));
	assert_false(tw_container_parse("", &c));
	assert_false(tw_container_of_pid(1 << 30, &c));	/* no such process */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtimes),
		cmocka_unit_test(test_pods_and_machines),
		cmocka_unit_test(test_host_is_in_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
