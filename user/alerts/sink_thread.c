// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "alerts/sink_thread.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "alerts/rules.h"
#include "alerts/sink.h"
#include "alerts/spool.h"
#include "common/log.h"
#include "common/quiet_thread.h"
#include "common/realtime.h"

#define QUEUE_DEFAULT 10000

struct line {
	char *text;
	size_t len;
	int score;
	bool spooled;		/* its record is the spool's oldest not yet written */
};

struct tw_sink_thread {
	struct tw_sink *s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more, drained;
	struct line *q;		/* a ring of cap: head, n */
	size_t cap, head, n;
	bool writing;		/* the writer holds a line out of the queue */
	bool reopen, stop, stuck;
	/* High lines are written ahead here (write(2), in the pusher's thread),
	 * and consumed once written: a daemon killed with lines queued writes
	 * them at its next start. NULL: no spool directory. */
	struct tw_spool *spool;
	/* The spool's own lock, apart from the queue's: the writer's consume
	 * (disk I/O) never holds the lock every push takes. A push of a high
	 * line takes both, the queue's first, so records keep the queue's order. */
	pthread_mutex_t spool_lock;
	uint64_t seq;
	bool spool_failing;	/* an append failed: said once until one works */
};

static struct line *at(struct tw_sink_thread *t, size_t i)
{
	return &t->q[(t->head + i) % t->cap];
}

static void *writer(void *arg)
{
	struct tw_sink_thread *t = arg;
	struct tw_sink *s = t->s;
	char err[512];

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!t->n && !t->reopen && !t->stop)
			pthread_cond_wait(&t->more, &t->lock);
		if (t->reopen) {
			t->reopen = false;
			pthread_mutex_unlock(&t->lock);
			if (s->ops->reopen(s, err, sizeof(err)))
				tw_warn("%s; alerts still go to the file opened before", err);
			pthread_mutex_lock(&t->lock);
			continue;
		}
		if (!t->n)
			break;	/* stop, and all written */
		struct line l = *at(t, 0);

		t->head = (t->head + 1) % t->cap;
		t->n--;
		t->writing = true;
		pthread_mutex_unlock(&t->lock);
		/* Out of the lock: a write that blocks holds only this thread. */
		tw_sink_count(s, s->ops->write(s, l.text, l.len, NULL));
		free(l.text);
		/* Written or counted failed: either way not written again. */
		if (l.spooled) {
			pthread_mutex_lock(&t->spool_lock);
			tw_spool_consume(t->spool, 1);
			pthread_mutex_unlock(&t->spool_lock);
		}
		pthread_mutex_lock(&t->lock);
		t->writing = false;
		if (!t->n)
			pthread_cond_broadcast(&t->drained);
	}
	pthread_cond_broadcast(&t->drained);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* The spool's records a killed daemon left unwritten, queued first, in
 * their order. Past the queue's room the oldest are given up (counted
 * dropped): a record left in the spool but not queued would be consumed in
 * the place of a later line. */
static int replay_spool(struct tw_sink_thread *t)
{
	size_t pending = tw_spool_pending(t->spool), skip = 0, queued = 0;
	uint64_t cursor = 0, seq;
	int ret = 0;

	if (!pending)
		return 0;
	if (pending > t->cap) {
		skip = pending - t->cap;
		tw_warn("alert sink %s: %zu high alerts the last run did not write are more than its queue holds; the oldest %zu are given up",
			t->s->shown, pending, skip);
		t->s->counts.dropped += skip;
		if ((ret = tw_spool_consume(t->spool, skip)))
			return ret;
	}
	while (queued < pending - skip) {
		struct line *l = at(t, t->n);

		ret = tw_spool_next(t->spool, &cursor, &seq, &l->text, &l->len);
		if (ret)
			break;
		l->score = tw_severity_score("high");	/* only high lines are spooled */
		l->spooled = true;
		t->n++;
		queued++;
	}
	if (ret == -ENODATA)
		ret = 0;
	if (queued)
		tw_info("alert sink %s: %zu high alert%s the last run had queued but not written, written now",
			t->s->shown, queued, queued == 1 ? "" : "s");
	return ret;
}

/* The spool, when the settings name a directory. One that cannot be made or
 * read is said, and the sink writes on without it: it wrote without one
 * before, and a start is worth more than the write-ahead. */
static void open_spool(struct tw_sink_thread *t)
{
	char path[512], why[512];
	int ret = tw_sink_spool_prepare(t->s, t->s->shown, path, sizeof(path), why, sizeof(why));

	if (ret > 0)
		ret = tw_spool_open(&t->spool, path, tw_sink_spool_max(t->s), why, sizeof(why));
	if (!ret && t->spool) {
		t->seq = tw_spool_last_seq(t->spool);
		ret = replay_spool(t);
		if (ret)
			snprintf(why, sizeof(why), "cannot read %.400s: %s", path, strerror(-ret));
	}
	if (ret < 0) {
		tw_warn("alert sink %s: no spool for its high alerts (%s); a crash loses those still queued",
			t->s->shown, why);
		/* What the replay queued is written, not consumed. */
		for (size_t i = 0; i < t->n; i++)
			at(t, i)->spooled = false;
		if (t->spool)
			tw_spool_close(t->spool);
		t->spool = NULL;
	}
}

static void free_thread(struct tw_sink_thread *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(at(t, i)->text);
	if (t->spool)
		tw_spool_close(t->spool);
	free(t->q);
	free(t);
}

int tw_sink_thread_start(struct tw_sink *s, char *err, size_t errlen)
{
	struct tw_sink_thread *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	t->s = s;
	t->cap = s->settings.queue_max ? s->settings.queue_max : QUEUE_DEFAULT;
	t->q = calloc(t->cap, sizeof(*t->q));
	if (!t->q) {
		free(t);
		return -ENOMEM;
	}
	open_spool(t);
	tw_mutex_init_pi(&t->lock);
	tw_mutex_init_pi(&t->spool_lock);
	pthread_cond_init(&t->more, NULL);
	pthread_cond_init(&t->drained, NULL);
	/* The loop's own capabilities: it opened the file, a reopen may again. */
	ret = tw_quiet_thread_start(&t->thread, TW_CAPS_RUNNING, writer, t);
	if (ret) {
		snprintf(err, errlen, "alert sink %s: cannot start its writer thread: %s", s->shown,
			 strerror(ret));
		free_thread(t);
		return -ret;
	}
	s->own = t;
	return 0;
}

/* The oldest line below high, given up to make room: counted dropped. */
static bool drop_oldest_low(struct tw_sink_thread *t)
{
	size_t victim = t->n;

	for (size_t i = 0; i < t->n && victim == t->n; i++)
		if (!tw_severity_is_high(at(t, i)->score))
			victim = i;
	if (victim == t->n)
		return false;
	free(at(t, victim)->text);
	for (size_t i = victim; i > 0; i--)
		*at(t, i) = *at(t, i - 1);
	t->head = (t->head + 1) % t->cap;
	t->n--;
	return true;
}

/* A high line, queued, is first appended to the spool: true when it was.
 * Under t->lock; takes the spool's. */
static bool spool_ahead(struct tw_sink_thread *t, const char *line, size_t len, int score)
{
	int ret;

	if (!t->spool || !tw_severity_is_high(score))
		return false;
	pthread_mutex_lock(&t->spool_lock);
	ret = tw_spool_append(t->spool, t->seq + 1, line, len);
	pthread_mutex_unlock(&t->spool_lock);
	if (ret) {
		if (!t->spool_failing)
			tw_warn("alert sink %s: cannot write high alerts ahead to its spool (%s); until it works, a crash loses those still queued",
				t->s->shown, strerror(-ret));
		t->spool_failing = true;
		return false;
	}
	t->spool_failing = false;
	t->seq++;
	return true;
}

int tw_sink_thread_push(struct tw_sink_thread *t, const char *line, size_t len, int score)
{
	char *copy = malloc(len);
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	if (t->n == t->cap) {
		/* Its disk or reader does not keep up: said once per episode. */
		if (!t->stuck)
			tw_warn("alert sink %s: %zu alerts wait for its writer (its disk or reader does not keep up); the oldest below high make room",
				t->s->shown, t->n);
		t->stuck = true;
		if (drop_oldest_low(t))
			t->s->counts.dropped++;
	} else if (t->stuck && t->n < t->cap / 2) {
		t->stuck = false;
		tw_info("alert sink %s: its writer keeps up again", t->s->shown);
	}
	if (!copy || t->n == t->cap) {
		ret = copy ? -ENOBUFS : -ENOMEM;
		t->s->counts.dropped++;
	} else {
		memcpy(copy, line, len);
		*at(t, t->n++) = (struct line){ copy, len, score, spool_ahead(t, line, len, score) };
		copy = NULL;
		pthread_cond_signal(&t->more);
	}
	pthread_mutex_unlock(&t->lock);
	free(copy);
	return ret;
}

void tw_sink_thread_reopen(struct tw_sink_thread *t)
{
	pthread_mutex_lock(&t->lock);
	t->reopen = true;
	pthread_cond_signal(&t->more);
	pthread_mutex_unlock(&t->lock);
}

size_t tw_sink_thread_backlog(struct tw_sink_thread *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->n + t->writing;
	pthread_mutex_unlock(&t->lock);
	return n;
}

bool tw_sink_thread_flush(struct tw_sink_thread *t, unsigned wait_ms)
{
	struct timespec until;
	bool done;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&t->lock);
	while ((t->n || t->writing) &&
	       pthread_cond_timedwait(&t->drained, &t->lock, &until) != ETIMEDOUT)
		;
	done = !t->n && !t->writing;
	pthread_mutex_unlock(&t->lock);
	return done;
}

bool tw_sink_thread_stop(struct tw_sink_thread *t, unsigned wait_ms)
{
	size_t left;

	if (!t)
		return true;
	tw_sink_thread_flush(t, wait_ms);
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	left = t->n + t->writing;
	pthread_cond_signal(&t->more);
	pthread_mutex_unlock(&t->lock);
	if (left) {
		/* Its write never returns (a reader that never reads): the
		 * thread, its sink and its queue stay to the process's end. */
		t->s->failed += left;
		tw_warn("alert sink %s: %zu alert%s could not be written before the stop (its writer is stuck in a write)",
			t->s->shown, left, left == 1 ? "" : "s");
		pthread_detach(t->thread);
		t->s->own = NULL;
		return false;
	}
	pthread_join(t->thread, NULL);
	t->s->own = NULL;
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->spool_lock);
	pthread_cond_destroy(&t->more);
	pthread_cond_destroy(&t->drained);
	free_thread(t);
	return true;
}
