/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helper threads of the daemon take no signals: those belong to the event
 * loop's signalfd (a thread with SIGHUP open would die of it). */
#ifndef TW_QUIET_THREAD_H
#define TW_QUIET_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread; 0 or an errno. */
int tw_quiet_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
