// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The event loop's real-time class and its bound, with the real kernel:
 * the thread is in SCHED_RR, threads it starts are not, a thread that
 * sleeps between runs keeps the class however much CPU it uses in all,
 * and one that runs past the bound without sleeping is moved back to the
 * normal class and says so on its eventfd; a lock it shares with a helper
 * lends the helper its priority. Needs CAP_SYS_NICE (root). The
 * tests run in order in one process: the class is entered once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/quiet_thread.h"
#include "common/realtime.h"

#define BOUND_MS 200

static int demoted_fd = -1;

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool told_demoted(void)
{
	struct pollfd p = { .fd = demoted_fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static void *report_class(void *arg)
{
	*(int *)arg = sched_getscheduler(0) & ~SCHED_RESET_ON_FORK;
	return NULL;
}

static void enters_and_threads_do_not_inherit(void **state)
{
	pthread_t t;
	int policy = -1, ret;

	(void)state;
	ret = tw_realtime_enter(TW_REALTIME_PRIORITY, BOUND_MS, &demoted_fd);
	if (ret)
		fail_msg("cannot enter the real-time class: %s (this test needs root)",
			 strerror(-ret));
	assert_true(tw_realtime_is());
	assert_int_equal(sched_getscheduler(0) & ~SCHED_RESET_ON_FORK, SCHED_RR);
	assert_int_equal(tw_realtime_enter(TW_REALTIME_PRIORITY, BOUND_MS, &demoted_fd), -EALREADY);
	/* A plain pthread: SCHED_RESET_ON_FORK alone keeps it out. */
	assert_int_equal(pthread_create(&t, NULL, report_class, &policy), 0);
	pthread_join(t, NULL);
	assert_int_equal(policy, SCHED_OTHER);
	/* A class given at exec without the reset (CPUSchedulingResetOnFork=no):
	 * a plain thread inherits it, a helper thread leaves it on its own. */
	struct sched_param p = { .sched_priority = TW_REALTIME_PRIORITY };

	assert_int_equal(sched_setscheduler(0, SCHED_RR, &p), 0);
	assert_int_equal(pthread_create(&t, NULL, report_class, &policy), 0);
	pthread_join(t, NULL);
	assert_int_equal(policy, SCHED_RR);
	assert_int_equal(tw_quiet_thread_start(&t, TW_CAPS_UNCHANGED, report_class, &policy), 0);
	pthread_join(t, NULL);
	assert_int_equal(policy, SCHED_OTHER);
	assert_int_equal(sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &p), 0);
}

/* 3x the bound of CPU in all, in runs of a quarter of it: never moved. */
static void runs_that_sleep_keep_the_class(void **state)
{
	double used = 0;

	(void)state;
	while (used < 3 * BOUND_MS) {
		double start = cpu_ms();

		while (cpu_ms() - start < BOUND_MS / 4.0)
			;
		used += cpu_ms() - start;
		usleep(1000);
	}
	assert_false(told_demoted());
	assert_true(tw_realtime_is());
}

/* Priority inversion, on one CPU: a helper at nice 19 holds the lock the
 * loop wants while a task at nice -19 spins beside it. Through a
 * priority-inheriting lock the helper runs at the loop's priority and lets
 * go after its 30 ms of work; through a plain one it would get some 0.02%
 * of the CPU, and the loop would wait until the spinner stops (3 s). */
struct inversion {
	pthread_mutex_t lock;
	atomic_bool held, stop;
};

static void on_cpu0(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
}

static void *hold_and_work(void *arg)
{
	struct inversion *v = arg;
	double start;

	on_cpu0();
	setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
	pthread_mutex_lock(&v->lock);
	atomic_store(&v->held, true);
	usleep(20000);	/* the spinner and the loop's wait begin meanwhile */
	for (start = cpu_ms(); cpu_ms() - start < 30;)
		;
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

static void *spin(void *arg)
{
	struct inversion *v = arg;
	double t0 = wall_ms();

	on_cpu0();
	setpriority(PRIO_PROCESS, (id_t)gettid(), -19);
	while (!atomic_load(&v->stop) && wall_ms() - t0 < 3000)
		;
	return NULL;
}

static void a_helper_holding_a_lock_runs_at_the_loops_priority(void **state)
{
	struct inversion v = {};
	pthread_t helper, spinner;
	cpu_set_t was;
	double t0, waited;

	(void)state;
	assert_int_equal(tw_mutex_init_pi(&v.lock), 0);
	assert_int_equal(sched_getaffinity(0, sizeof(was), &was), 0);
	on_cpu0();
	assert_int_equal(pthread_create(&helper, NULL, hold_and_work, &v), 0);
	while (!atomic_load(&v.held))
		usleep(1000);
	assert_int_equal(pthread_create(&spinner, NULL, spin, &v), 0);
	t0 = wall_ms();
	pthread_mutex_lock(&v.lock);
	waited = wall_ms() - t0;
	pthread_mutex_unlock(&v.lock);
	atomic_store(&v.stop, true);
	pthread_join(spinner, NULL);
	pthread_join(helper, NULL);
	sched_setaffinity(0, sizeof(was), &was);
	printf("# the loop waited %.0f ms for a lock a nice-19 helper held beside a nice -19 spinner\n",
	       waited);
	assert_true(waited < 1000);
	pthread_mutex_destroy(&v.lock);
}

/* One run past the bound: moved back, and told, within a few ticks; with
 * no capability left, as the daemon's loop runs. */
static void a_long_run_is_moved_back(void **state)
{
	double start, t0;

	(void)state;
	assert_int_equal(tw_caps_keep(TW_CAPS_NONE), 0);
	start = cpu_ms();
	t0 = wall_ms();
	while (!told_demoted() && wall_ms() - t0 < 5 * BOUND_MS)
		;
	assert_true(told_demoted());
	assert_false(tw_realtime_is());
	printf("# moved back after %.0f ms of CPU without sleeping (bound %d ms)\n",
	       cpu_ms() - start, BOUND_MS);
	/* Well before the hard limit's SIGKILL, a second later. */
	assert_true(cpu_ms() - start < BOUND_MS + 900);
}

/* After a free of 8 MiB glibc would serve 1 MiB from the heap (its threshold
 * raised); with the policy it stays a mapping of its own, far above the
 * program break, so growing or freeing it takes no arena lock. */
static void large_buffers_stay_mappings(void **state)
{
	(void)state;
#ifdef __SANITIZE_ADDRESS__
	printf("# not checked under ASan: its allocator is not glibc's and ignores mallopt\n");
#else
	char *big, *mid;

	tw_realtime_malloc_policy();
	big = malloc(8 << 20);
	assert_non_null(big);
	big[0] = 1;
	free(big);
	mid = malloc(1 << 20);
	assert_non_null(mid);
	assert_true(mid > (char *)sbrk(0));
	free(mid);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enters_and_threads_do_not_inherit),
		cmocka_unit_test(runs_that_sleep_keep_the_class),
		cmocka_unit_test(a_helper_holding_a_lock_runs_at_the_loops_priority),
		cmocka_unit_test(a_long_run_is_moved_back),
		cmocka_unit_test(large_buffers_stay_mappings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
