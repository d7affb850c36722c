// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/event_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

int tw_loop_init(struct tw_event_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

static struct tw_loop_entry *add(struct tw_event_loop *l, const char *name, int fd,
				 enum tw_loop_phase phase, tw_loop_fn fn, void *ctx)
{
	struct tw_loop_entry *e;

	if (l->n == TW_LOOP_MAX_INPUTS)
		return NULL;
	e = &l->e[l->n++];
	*e = (struct tw_loop_entry){ .name = name, .fd = fd, .phase = phase, .fn = fn, .ctx = ctx };
	return e;
}

int tw_loop_add_fd(struct tw_event_loop *l, const char *name, int fd, tw_loop_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct tw_loop_entry *e;

	if (fd < 0)
		return 0;
	e = add(l, name, fd, TW_LOOP_AFTER_INPUT, fn, ctx);
	if (!e)
		return -ENOSPC;
	ev.data.ptr = e;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		l->n--;
		return -errno;
	}
	return 0;
}

int tw_loop_add_tick(struct tw_event_loop *l, const char *name, enum tw_loop_phase phase,
		     tw_loop_fn fn, void *ctx)
{
	return add(l, name, -1, phase, fn, ctx) ? 0 : -ENOSPC;
}

static void run_ticks(struct tw_event_loop *l, enum tw_loop_phase phase)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].fd < 0 && l->e[i].phase == phase)
			l->e[i].fn(l->e[i].ctx);
}

int tw_loop_run(struct tw_event_loop *l)
{
	struct epoll_event out[8];

	l->running = true;
	while (l->running) {
		int n = epoll_wait(l->epfd, out, 8, TW_LOOP_TICK_MS);

		if (n < 0 && errno != EINTR)
			return -errno;
		run_ticks(l, TW_LOOP_BEFORE_INPUT);
		for (int i = 0; i < n; i++) {
			struct tw_loop_entry *e = out[i].data.ptr;

			e->fn(e->ctx);
		}
		run_ticks(l, TW_LOOP_AFTER_INPUT);
	}
	return 0;
}

void tw_loop_stop(struct tw_event_loop *l)
{
	l->running = false;
}

void tw_loop_close(struct tw_event_loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
	l->n = 0;
}
