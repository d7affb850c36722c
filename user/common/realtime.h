/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The event loop in the kernel's real-time class (SCHED_RR), bounded.
 *
 * In the normal class a woken loop waits behind whatever the fair scheduler
 * picks first: sshd processes on a busy host held an SSH alert back by up
 * to 24 ms (docs/performance.md). At real-time priority 1 the loop runs as
 * soon as it is woken, ahead of every ordinary task and behind every other
 * real-time one. What bounds it: the loop sleeps in epoll between rounds,
 * and a loop that runs longer than max_run_ms without sleeping (a bug, a
 * huge batch) gets SIGXCPU from the kernel (RLIMIT_RTTIME), whose handler
 * moves it back to the normal class for good; the hard limit, one second
 * later, kills a process that somehow stayed. Threads the loop starts do
 * not inherit the class (SCHED_RESET_ON_FORK). */
#ifndef TW_REALTIME_H
#define TW_REALTIME_H

#include <pthread.h>
#include <stdbool.h>

#define TW_REALTIME_PRIORITY 1		/* the lowest: never ahead of another real-time task */
#define TW_REALTIME_MAX_RUN_MS 500	/* the longest run without sleeping */

/* The calling thread into SCHED_RR at priority, unless it is already in a
 * real-time class (the service manager put it there: CPUSchedulingPolicy=),
 * then the bound of max_run_ms. *demoted_fd becomes an eventfd that turns
 * readable when the bound moved the thread back to the normal class.
 * 0, or -errno (-EPERM: no CAP_SYS_NICE, or a filter refused it), and the
 * thread stays as it was. Once per process. */
int tw_realtime_enter(int priority, unsigned max_run_ms, int *demoted_fd);
/* The calling thread is in SCHED_RR or SCHED_FIFO. */
bool tw_realtime_is(void);
/* The calling thread out of a real-time class into the normal one
 * (SCHED_OTHER), if it is in one: allowed without privilege. 0 or -errno. */
int tw_realtime_leave(void);

/* A lock the loop shares with a helper thread: with priority inheritance,
 * a helper that holds it while the loop waits runs at the loop's priority
 * until it lets go. A plain lock would leave the loop waiting for the
 * fair class to pick the helper again (priority inversion). 0 or an errno. */
int tw_mutex_init_pi(pthread_mutex_t *m);

/* The allocator's locks inherit nothing. The loop allocates from glibc's
 * main arena, and a helper that grows or frees a buffer the loop allocated
 * holds that arena's lock meanwhile: growing a 1M-entry set there held the
 * loop for 5.6 ms (perf sched). With a fixed threshold every buffer of
 * 128 KiB or more is a mapping of its own (grown by mremap, freed by
 * munmap, no arena lock held); glibc otherwise raises the threshold to
 * 32 MiB after the first large free. Before any thread starts. */
void tw_realtime_malloc_policy(void);

#endif
