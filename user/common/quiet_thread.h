/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helper threads of the daemon take no signals: those belong to the event
 * loop's signalfd (a thread with SIGHUP open would die of it). And each
 * keeps only the capabilities its job needs, from its first instruction:
 * threads start before the main thread drops its own, and capabilities
 * are per thread. */
#ifndef TW_QUIET_THREAD_H
#define TW_QUIET_THREAD_H

#include <pthread.h>
#include "common/privilege.h"

/* pthread_create with every signal blocked in the new thread, which keeps
 * only the capabilities of keep (tw_caps_keep) before fn runs; 0 or an
 * errno (a thread that cannot drop them does not run fn). */
int tw_quiet_thread_start(pthread_t *thread, enum tw_cap_set keep, void *(*fn)(void *), void *arg);

/* The calling thread yields the CPU to the event loop: nice +10 for bulk
 * work (an apply, a scrape) that must not delay the kernel's events on a
 * host with few cores. */
void tw_thread_background(void);

#endif
