// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/quiet_thread.h"

#include <signal.h>

int tw_quiet_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, was;
	int ret;

	/* The new thread inherits the mask in force when it is created. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &was);
	ret = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	return ret;
}
