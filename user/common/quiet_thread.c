// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/quiet_thread.h"

#include <errno.h>
#include <signal.h>
#include "common/log.h"
#include "common/realtime.h"
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct start {
	void *(*fn)(void *);
	void *arg;
	enum tw_cap_set keep;
};

static void *first(void *p)
{
	struct start s = *(struct start *)p;
	int ret;

	free(p);
	/* The event loop's real-time class is its own (common/realtime.h):
	 * a helper never inherits it, whoever started the process in it. */
	ret = tw_realtime_leave();
	if (ret)
		tw_warn("a helper thread cannot leave the real-time class: %s", strerror(-ret));
	ret = tw_caps_keep(s.keep);
	if (ret) {
		/* Never run with more than the job needs. */
		tw_err("a helper thread cannot drop its capabilities: %s", strerror(-ret));
		return NULL;
	}
	return s.fn(s.arg);
}

int tw_quiet_thread_start(pthread_t *thread, enum tw_cap_set keep, void *(*fn)(void *), void *arg)
{
	struct start *s = malloc(sizeof(*s));
	sigset_t all, was;
	int ret;

	if (!s)
		return ENOMEM;
	*s = (struct start){ .fn = fn, .arg = arg, .keep = keep };
	/* The new thread inherits the mask in force when it is created. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &was);
	ret = pthread_create(thread, NULL, first, s);
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	if (ret)
		free(s);
	return ret;
}

void tw_thread_background(void)
{
	/* Per thread on Linux: PRIO_PROCESS with the thread's id. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), 10))
		tw_warn("a helper thread cannot lower its priority: %s", strerror(errno));
}
