// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The apply thread's job queue: finished jobs come back in order, and a
 * job handed back is freed on the worker's thread, not the caller's (a
 * 1M-entry set freed on the event loop held it for ms). The jobs here
 * find nothing to write, so no kernel map is touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include "exitset/apply_worker.h"

/* What happened to the jobs, noted by them. */
struct record {
	atomic_int prepared_on;	/* thread ids */
	atomic_int freed_on;
	atomic_int freed;
};

static bool prepare_nothing(struct tw_apply_job *job, uint64_t last)
{
	struct record *r = job->ctx;

	(void)last;
	atomic_store(&r->prepared_on, gettid());
	return false;
}

static void note_free(void *ctx)
{
	struct record *r = ctx;

	atomic_store(&r->freed_on, gettid());
	atomic_fetch_add(&r->freed, 1);
}

static struct tw_apply_job *new_job(struct record *r)
{
	struct tw_apply_job *job = calloc(1, sizeof(*job));

	assert_non_null(job);
	*job = (struct tw_apply_job){ .prepare = prepare_nothing, .ctx = r, .free_ctx = note_free };
	return job;
}

/* No job here writes: the worker keeps a pointer to maps none of them use. */
static struct tw_exit_maps no_maps = { .prefix_v4 = -1, .prefix_v6 = -1, .config = -1 };

static struct tw_apply_worker *new_worker(void)
{
	struct tw_apply_worker *w = tw_apply_worker_new(&no_maps, 0);

	assert_non_null(w);
	return w;
}

static struct tw_apply_job *wait_done(struct tw_apply_worker *w)
{
	struct pollfd pfd = { .fd = tw_apply_worker_fd(w), .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	return tw_apply_worker_done(w);
}

static void test_released_job_freed_on_worker(void **state)
{
	struct tw_apply_worker *w = new_worker();
	struct record r = {};
	struct tw_apply_job *job = new_job(&r);

	(void)state;
	tw_apply_worker_submit(w, job);
	assert_ptr_equal(wait_done(w), job);
	assert_int_not_equal(atomic_load(&r.prepared_on), gettid());
	tw_apply_worker_release(w, job);
	/* The worker frees it when it wakes: wait for that, 5 s at most. */
	for (int i = 0; i < 5000 && !atomic_load(&r.freed); i++)
		usleep(1000);
	assert_int_equal(atomic_load(&r.freed), 1);
	assert_int_equal(atomic_load(&r.freed_on), atomic_load(&r.prepared_on));
	tw_apply_worker_free(w);
	assert_int_equal(atomic_load(&r.freed), 1);
}

/* Jobs come back in the order they finished; those handed back and not
 * yet freed when the worker stops are freed by tw_apply_worker_free. */
static void test_order_and_stop(void **state)
{
	struct tw_apply_worker *w = new_worker();
	struct record r = {};
	struct tw_apply_job *a = new_job(&r), *b = new_job(&r);

	(void)state;
	tw_apply_worker_submit(w, a);
	assert_ptr_equal(wait_done(w), a);
	tw_apply_worker_submit(w, b);
	assert_ptr_equal(wait_done(w), b);
	assert_null(tw_apply_worker_done(w));
	tw_apply_worker_release(w, a);
	tw_apply_worker_release(w, b);
	tw_apply_worker_free(w);
	assert_int_equal(atomic_load(&r.freed), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_released_job_freed_on_worker),
		cmocka_unit_test(test_order_and_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
