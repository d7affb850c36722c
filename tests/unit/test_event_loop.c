// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The daemon's event loop: registered fds call back when readable, ticks
 * run every round in their phase, a callback can stop the loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "common/event_loop.h"

struct probe {
	struct tw_event_loop *loop;
	int fd;
	int reads;
	char order[16];	/* 'b' before-tick, 'f' fd, 'a' after-tick */
	size_t n;
};

static void note(struct probe *p, char c)
{
	if (p->n < sizeof(p->order) - 1)
		p->order[p->n++] = c;
}

static void on_fd(void *ctx)
{
	struct probe *p = ctx;
	uint64_t v;

	assert_int_equal(read(p->fd, &v, sizeof(v)), sizeof(v));
	p->reads++;
	note(p, 'f');
}

static void before(void *ctx)
{
	note(ctx, 'b');
}

static void after_and_stop(void *ctx)
{
	struct probe *p = ctx;

	note(p, 'a');
	if (p->reads)
		tw_loop_stop(p->loop);
}

static void test_fd_and_ticks_in_order(void **state)
{
	struct tw_event_loop l;
	struct probe p = {};
	uint64_t one = 1;

	assert_int_equal(tw_loop_init(&l), 0);
	p.loop = &l;
	p.fd = eventfd(0, EFD_CLOEXEC);
	assert_true(p.fd >= 0);
	assert_int_equal(tw_loop_add_tick(&l, "after", TW_LOOP_AFTER_INPUT, after_and_stop, &p), 0);
	assert_int_equal(tw_loop_add_fd(&l, "eventfd", p.fd, on_fd, &p), 0);
	assert_int_equal(tw_loop_add_tick(&l, "before", TW_LOOP_BEFORE_INPUT, before, &p), 0);
	assert_int_equal(write(p.fd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(tw_loop_run(&l), 0);
	/* One round: the before-tick, the fd, then the after-tick that stopped it. */
	assert_string_equal(p.order, "bfa");
	assert_int_equal(p.reads, 1);
	tw_loop_close(&l);
	close(p.fd);
}

/* No input at all: ticks still run, at most TW_LOOP_TICK_MS apart. */
static int idle_rounds;
static void count_and_stop(void *ctx)
{
	if (++idle_rounds == 2)
		tw_loop_stop(ctx);
}

static void test_ticks_run_without_input(void **state)
{
	struct tw_event_loop l;

	assert_int_equal(tw_loop_init(&l), 0);
	assert_int_equal(tw_loop_add_tick(&l, "count", TW_LOOP_AFTER_INPUT, count_and_stop, &l), 0);
	assert_int_equal(tw_loop_run(&l), 0);
	assert_int_equal(idle_rounds, 2);
	tw_loop_close(&l);
}

static void noop(void *ctx)
{
}

static void test_optional_and_full(void **state)
{
	struct tw_event_loop l;
	int n = 0;

	assert_int_equal(tw_loop_init(&l), 0);
	/* An input that is not there (-1) is no error and takes no room. */
	assert_int_equal(tw_loop_add_fd(&l, "absent", -1, noop, NULL), 0);
	assert_int_equal(l.n, 0);
	while (tw_loop_add_tick(&l, "t", TW_LOOP_AFTER_INPUT, noop, NULL) == 0)
		n++;
	assert_int_equal(n, TW_LOOP_MAX_INPUTS);
	/* A closed fd is refused by epoll, and the entry is not kept. */
	l.n--;
	assert_int_equal(tw_loop_add_fd(&l, "bad", 1000, noop, NULL), -EBADF);
	assert_int_equal(l.n, TW_LOOP_MAX_INPUTS - 1);
	tw_loop_close(&l);
}

/* Each input's runs are counted and timed; a run of TW_LOOP_SLOW_NS or
 * more is counted slow, with when. */
static void sleep_ms(void *ctx)
{
	usleep(*(unsigned *)ctx * 1000);
}

static int rounds;
static void stop_after_three(void *ctx)
{
	if (++rounds == 3)
		tw_loop_stop(ctx);
}

static void test_runs_are_timed(void **state)
{
	struct tw_event_loop l;
	unsigned slow_ms = 2 * TW_LOOP_SLOW_NS / 1000000, quick_ms = 0;

	assert_int_equal(tw_loop_init(&l), 0);
	assert_int_equal(tw_loop_add_tick(&l, "quick", TW_LOOP_BEFORE_INPUT, sleep_ms, &quick_ms), 0);
	assert_int_equal(tw_loop_add_tick(&l, "slow", TW_LOOP_AFTER_INPUT, sleep_ms, &slow_ms), 0);
	assert_int_equal(tw_loop_add_tick(&l, "stop", TW_LOOP_AFTER_INPUT, stop_after_three, &l), 0);
	assert_int_equal(tw_loop_run(&l), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(l.e[i].runs, 3);
	assert_int_equal(l.e[0].slow, 0);
	assert_true(l.e[0].longest_ns < TW_LOOP_SLOW_NS);
	assert_int_equal(l.e[0].last_slow_at, 0);
	assert_int_equal(l.e[1].slow, 3);
	assert_true(l.e[1].longest_ns >= 2 * TW_LOOP_SLOW_NS);
	assert_true(l.e[1].total_ns >= 3 * 2 * TW_LOOP_SLOW_NS);
	assert_true(l.e[1].last_slow_at > 0);
	/* Under TW_LOOP_WARN_NS: nothing was said. */
	assert_int_equal(l.e[1].unsaid, 0);
	assert_int_equal(l.e[1].warned_ns, 0);
	tw_loop_close(&l);
}

/* A run of TW_LOOP_WARN_NS or more is said once; the next ones within a
 * minute are counted for the next warning. */
static void test_long_runs_said_once_a_minute(void **state)
{
	struct tw_event_loop l;
	unsigned long_ms = TW_LOOP_WARN_NS / 1000000 + 5;

	rounds = 0;
	assert_int_equal(tw_loop_init(&l), 0);
	assert_int_equal(tw_loop_add_tick(&l, "long", TW_LOOP_AFTER_INPUT, sleep_ms, &long_ms), 0);
	assert_int_equal(tw_loop_add_tick(&l, "stop", TW_LOOP_AFTER_INPUT, stop_after_three, &l), 0);
	assert_int_equal(tw_loop_run(&l), 0);
	assert_int_equal(l.e[0].slow, 3);
	assert_true(l.e[0].warned_ns > 0);
	assert_int_equal(l.e[0].unsaid, 2);	/* said the first, held the two after */
	tw_loop_close(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_and_ticks_in_order),
		cmocka_unit_test(test_ticks_run_without_input),
		cmocka_unit_test(test_optional_and_full),
		cmocka_unit_test(test_runs_are_timed),
		cmocka_unit_test(test_long_runs_said_once_a_minute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
