// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/event_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "common/log.h"
#include "common/timeutil.h"

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

/* A run that held the loop TW_LOOP_WARN_NS or more: said, at most once a
 * minute an input, with how many there were since it was last said. */
static void say_long_run(struct tw_loop_entry *e, uint64_t took, uint64_t end)
{
	e->unsaid++;
	if (e->warned_ns && end - e->warned_ns < 60000000000ull)
		return;
	if (e->unsaid == 1)
		tw_warn("event loop: '%s' held it for %llu ms; kernel events and alerts waited behind it",
			e->name, (unsigned long long)(took / 1000000));
	else
		tw_warn("event loop: '%s' held it for %llu ms, %llu runs of %llu ms or more since the last warning; kernel events and alerts waited behind them",
			e->name, (unsigned long long)(took / 1000000),
			(unsigned long long)e->unsaid,
			(unsigned long long)(TW_LOOP_WARN_NS / 1000000));
	e->warned_ns = end;
	e->unsaid = 0;
}

/* Runs e's handler and counts how long it held the loop. */
static void run(struct tw_loop_entry *e)
{
	uint64_t start = tw_now_mono_ns(), end, took;

	e->fn(e->ctx);
	end = tw_now_mono_ns();
	took = end - start;
	e->runs++;
	e->total_ns += took;
	if (took > e->longest_ns)
		e->longest_ns = took;
	if (took < TW_LOOP_SLOW_NS)
		return;
	e->slow++;
	e->last_slow_at = tw_now_unix();
	if (took >= TW_LOOP_WARN_NS)
		say_long_run(e, took, end);
}

static void run_ticks(struct tw_event_loop *l, enum tw_loop_phase phase)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].fd < 0 && l->e[i].phase == phase)
			run(&l->e[i]);
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
		for (int i = 0; i < n; i++)
			run(out[i].data.ptr);
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
