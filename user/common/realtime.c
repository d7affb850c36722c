// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/realtime.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

/* For the handler: the thread the bound applies to, and who to tell. */
static pid_t rt_tid;
static int rt_demoted_fd = -1;

static void on_run_too_long(int sig)
{
	struct sched_param normal = { 0 };
	uint64_t one = 1;
	int saved = errno;

	(void)sig;
	/* Both are plain system calls, safe in a handler. The reset flag
	 * stays: clearing it needs CAP_SYS_NICE, which the loop dropped. */
	if (!sched_setscheduler(rt_tid, SCHED_OTHER | SCHED_RESET_ON_FORK, &normal)) {
		ssize_t n = write(rt_demoted_fd, &one, sizeof(one));

		(void)n;	/* moved, whether the loop is told or not */
	}
	/* Else still real-time: the hard limit ends the process. */
	errno = saved;
}

bool tw_realtime_is(void)
{
	int policy = sched_getscheduler(0);

	if (policy < 0)
		return false;
	policy &= ~SCHED_RESET_ON_FORK;
	return policy == SCHED_RR || policy == SCHED_FIFO;
}

int tw_realtime_leave(void)
{
	struct sched_param normal = { 0 };

	if (!tw_realtime_is())
		return 0;
	/* With the reset flag: a thread that has it may not clear it unprivileged. */
	return sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &normal) ? -errno : 0;
}

/* Soft limit: SIGXCPU, once the thread ran max_run_ms without sleeping;
 * hard: SIGKILL, a second later. Lowering a limit needs no privilege. */
static int bound_runs(unsigned max_run_ms)
{
	struct rlimit was, lim;

	if (getrlimit(RLIMIT_RTTIME, &was))
		return -errno;
	lim.rlim_cur = (rlim_t)max_run_ms * 1000;
	lim.rlim_max = lim.rlim_cur + 1000000;
	if (was.rlim_max != RLIM_INFINITY && was.rlim_max < lim.rlim_max)
		lim.rlim_max = was.rlim_max;
	if (lim.rlim_cur > lim.rlim_max)
		lim.rlim_cur = lim.rlim_max;
	return setrlimit(RLIMIT_RTTIME, &lim) ? -errno : 0;
}

int tw_realtime_enter(int priority, unsigned max_run_ms, int *demoted_fd)
{
	struct sigaction sa = { .sa_handler = on_run_too_long, .sa_flags = SA_RESTART };
	struct sched_param param = { .sched_priority = priority };
	bool given = tw_realtime_is();
	sigset_t xcpu;
	int fd, ret;

	if (rt_demoted_fd >= 0)
		return -EALREADY;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	rt_tid = gettid();
	rt_demoted_fd = fd;
	/* The handler and the bound are in place before the class is taken. */
	sigemptyset(&sa.sa_mask);
	sigemptyset(&xcpu);
	sigaddset(&xcpu, SIGXCPU);
	ret = sigaction(SIGXCPU, &sa, NULL) ? -errno : 0;
	if (!ret)
		ret = -pthread_sigmask(SIG_UNBLOCK, &xcpu, NULL);
	if (!ret)
		ret = bound_runs(max_run_ms);
	if (!ret && !given &&
	    sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &param))
		ret = -errno;
	if (ret) {
		close(fd);
		rt_demoted_fd = -1;
		return ret;
	}
	*demoted_fd = fd;
	return 0;
}

int tw_mutex_init_pi(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int ret = pthread_mutexattr_init(&a);

	if (!ret)
		ret = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	if (!ret)
		ret = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return ret;
}

void tw_realtime_malloc_policy(void)
{
	/* Setting it also turns glibc's dynamic threshold off. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}
