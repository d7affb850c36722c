// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "exitset/apply_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "common/quiet_thread.h"
#include "common/realtime.h"

struct tw_apply_worker {
	struct tw_exit_maps *maps;	/* the caller's: written here only, while the worker lives */
	uint64_t last;		/* the digest of what the maps hold; the worker's */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int efd;
	bool quit;
	bool running;
	struct tw_apply_job *waiting;	/* submitted, not started */
	struct tw_apply_job *done, **done_tail;	/* finished, not taken: oldest first */
	struct tw_apply_job *released;	/* taken and handed back, to free here */
};

void tw_apply_job_free(struct tw_apply_job *job)
{
	if (!job)
		return;
	tw_exit_set_free(&job->set);
	if (job->free_ctx)
		job->free_ctx(job->ctx);
	free(job);
}

void tw_apply_job_run(struct tw_apply_job *job, struct tw_exit_maps *maps, uint64_t *last)
{
	if (job->prepare && !job->prepare(job, *last))
		return;
	job->written = true;
	job->err = tw_exit_set_apply(&job->set, maps, &job->st);
	/* A failed write may have left part of the set: compare nothing with it. */
	*last = job->err ? 0 : job->digest;
}

static void free_jobs(struct tw_apply_job *job)
{
	while (job) {
		struct tw_apply_job *next = job->next;

		tw_apply_job_free(job);
		job = next;
	}
}

static void *worker(void *arg)
{
	struct tw_apply_worker *w = arg;
	uint64_t one = 1;

	tw_thread_background();
	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct tw_apply_job *job;

		while (!w->quit && !w->waiting && !w->released)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->quit)
			break;
		if (w->released) {
			job = w->released;
			w->released = NULL;
			pthread_mutex_unlock(&w->lock);
			free_jobs(job);
			pthread_mutex_lock(&w->lock);
			continue;
		}
		job = w->waiting;
		w->waiting = NULL;
		w->running = true;
		pthread_mutex_unlock(&w->lock);
		tw_apply_job_run(job, w->maps, &w->last);
		pthread_mutex_lock(&w->lock);
		w->running = false;
		*w->done_tail = job;
		w->done_tail = &job->next;
		if (write(w->efd, &one, sizeof(one)) < 0)
			continue; /* the counter is already set */
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct tw_apply_worker *tw_apply_worker_new(struct tw_exit_maps *maps, uint64_t last)
{
	struct tw_apply_worker *w = calloc(1, sizeof(*w));
	int ret = -1;

	if (!w)
		return NULL;
	w->maps = maps;
	w->last = last;
	w->done_tail = &w->done;
	tw_mutex_init_pi(&w->lock);
	pthread_cond_init(&w->wake, NULL);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd >= 0)
		ret = tw_quiet_thread_start(&w->thread, TW_CAPS_MAPS, worker, w);
	if (ret) {
		if (w->efd >= 0)
			close(w->efd);
		free(w);
		return NULL;
	}
	return w;
}

int tw_apply_worker_fd(const struct tw_apply_worker *w)
{
	return w->efd;
}

void tw_apply_worker_submit(struct tw_apply_worker *w, struct tw_apply_job *job)
{
	pthread_mutex_lock(&w->lock);
	tw_apply_job_free(w->waiting);
	w->waiting = job;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

struct tw_apply_job *tw_apply_worker_done(struct tw_apply_worker *w)
{
	struct tw_apply_job *job;
	uint64_t n;

	pthread_mutex_lock(&w->lock);
	job = w->done;
	if (job) {
		w->done = job->next;
		job->next = NULL;
		if (!w->done)
			w->done_tail = &w->done;
	}
	if (!w->done && read(w->efd, &n, sizeof(n)) < 0)
		n = 0; /* nothing was signalled */
	pthread_mutex_unlock(&w->lock);
	return job;
}

void tw_apply_worker_release(struct tw_apply_worker *w, struct tw_apply_job *job)
{
	if (!job)
		return;
	pthread_mutex_lock(&w->lock);
	job->next = w->released;
	w->released = job;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

bool tw_apply_worker_idle(struct tw_apply_worker *w)
{
	bool idle;

	pthread_mutex_lock(&w->lock);
	idle = !w->running && !w->waiting && !w->done;
	pthread_mutex_unlock(&w->lock);
	return idle;
}

void tw_apply_worker_free(struct tw_apply_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	tw_apply_job_free(w->waiting);
	free_jobs(w->done);
	free_jobs(w->released);
	close(w->efd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}
