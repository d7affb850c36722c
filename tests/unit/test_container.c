// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* common/container.c: the runtime, id, pod and cgroup path from the
 * /proc/PID/cgroup texts the runtimes make, on hybrid (v1 + v2) and
 * unified hosts; a process on the host is in none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/cgroup2.h"
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
	assert_false(tw_container_of(1 << 30, 0, &c));	/* no such process */
}

/* A real cgroup in the v2 tree, named as Podman names its own, with no
 * process in it: what an event of a process that has already exited
 * leaves. Its id finds its path, and the container, without /proc. */
static void test_gone_process_by_cgroup_id(void **state)
{
	char root[512], dir[1024], sub[1100], path[512];
	struct tw_container c;
	uint64_t id;

	if (geteuid() || tw_cgroup2_root(root, sizeof(root))) {
		print_message("  SKIP: needs root and a cgroup v2 mount to make a cgroup\n");
		skip();
	}
	snprintf(dir, sizeof(dir), "%s/twtest-%d", root, getpid());
	snprintf(sub, sizeof(sub), "%s/libpod-" ID, dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "/twtest-%d/libpod-" ID, getpid());
	id = tw_cgroup2_id(path);
	assert_true(id > 1);
	char found[512];

	assert_true(tw_cgroup2_path(id, found, sizeof(found)));
	assert_string_equal(found, path);
	/* No such process, but the event's cgroup id names the container, and
	 * the second ask is served from the cache. */
	assert_true(tw_container_of(1 << 30, id, &c));
	assert_string_equal(c.runtime, "podman");
	assert_string_equal(c.id, ID);
	assert_string_equal(c.cgroup, path);
	assert_int_equal(rmdir(sub), 0);
	assert_true(tw_container_of(1 << 30, id, &c));
	assert_string_equal(c.id, ID);
	assert_int_equal(rmdir(dir), 0);
	/* An id no cgroup has. */
	assert_false(tw_cgroup2_path(~0ULL, found, sizeof(found)));
	assert_false(tw_container_of(1 << 30, ~0ULL, &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtimes),
		cmocka_unit_test(test_pods_and_machines),
		cmocka_unit_test(test_host_is_in_none),
		cmocka_unit_test(test_gone_process_by_cgroup_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
