// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The UDP bind hooks attach to a cgroup all together or not at all: a
 * partial attach would leave hooks running while status says UDP binds are
 * not watched (and without the port-0 hooks, client ports would alert). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kernel/cgroup.h"
#include "sensors/listen/listen_detect.h"
#include "listen_detect.skel.h"

static struct listen_detect_bpf *skel;
static char cg_path[128];
static int cg_fd = -1;

/* How many programs are attached to the test cgroup for type. */
static __u32 attached(enum bpf_attach_type type)
{
	__u32 ids[8], cnt = 8;

	assert_int_equal(bpf_prog_query(cg_fd, type, 0, NULL, ids, &cnt), 0);
	return cnt;
}

static int setup(void **state)
{
	char root[96];

	skel = listen_detect_bpf__open();
	if (!skel)
		return -1;
	/* Only the tracepoint TCP hooks: kprobes and fexit do not load everywhere. */
	bpf_program__set_autoload(skel->progs.listen_kprobe, false);
	bpf_program__set_autoload(skel->progs.listen_kretprobe, false);
	bpf_program__set_autoload(skel->progs.listen_fexit, false);
	if (listen_detect_bpf__load(skel))
		return -1;
	if (tw_cgroup2_root(root, sizeof(root)))
		return -1;
	snprintf(cg_path, sizeof(cg_path), "%s/torwatch-test-%d", root, getpid());
	if (mkdir(cg_path, 0755))
		return -1;
	cg_fd = open(cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return cg_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	if (cg_fd >= 0)
		close(cg_fd);
	rmdir(cg_path);
	listen_detect_bpf__destroy(skel);
	return 0;
}

static void test_one_failure_detaches_the_others(void **state)
{
	/* The last one is a tracepoint program: no cgroup takes it. */
	struct bpf_program *progs[4] = { skel->progs.bind4, skel->progs.bind6,
					 skel->progs.post_bind4, skel->progs.listen_tracepoint };
	struct bpf_link *links[4] = {};

	assert_int_not_equal(tw_attach_cgroup_all(progs, 4, cg_fd, links), 0);
	for (int i = 0; i < 4; i++)
		assert_null(links[i]);
	assert_int_equal(attached(BPF_CGROUP_INET4_BIND), 0);
	assert_int_equal(attached(BPF_CGROUP_INET6_BIND), 0);
	assert_int_equal(attached(BPF_CGROUP_INET4_POST_BIND), 0);
}

static void test_all_attach(void **state)
{
	struct bpf_program *progs[4] = { skel->progs.bind4, skel->progs.bind6,
					 skel->progs.post_bind4, skel->progs.post_bind6 };
	struct bpf_link *links[4] = {};

	assert_int_equal(tw_attach_cgroup_all(progs, 4, cg_fd, links), 0);
	assert_int_equal(attached(BPF_CGROUP_INET4_BIND), 1);
	assert_int_equal(attached(BPF_CGROUP_INET6_POST_BIND), 1);
	for (int i = 0; i < 4; i++)
		bpf_link__destroy(links[i]);
	assert_int_equal(attached(BPF_CGROUP_INET4_BIND), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_failure_detaches_the_others),
		cmocka_unit_test(test_all_attach),
	};

	if (geteuid() != 0) {
		printf("SKIP: loading BPF programs and making a cgroup need root\n");
		return 77;
	}
	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
