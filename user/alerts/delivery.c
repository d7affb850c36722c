// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every alert gets a sequence number when it is queued; the worker always
 * sends the oldest, from memory or from the spool, so the order holds when
 * a full queue sends high alerts to disk and when alerts still in memory at
 * a stop join those already spooled. */
#include "alerts/delivery.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "alerts/rules.h"
#include "alerts/spool.h"
#include "common/log.h"
#include "common/quiet_thread.h"
#include "common/timeutil.h"
#include "common/plural.h"

#define BATCH_BYTES (4u << 20)	/* one request's body at most */
#define BACKOFF_MAX_S 60

struct item {
	char *body;
	size_t len;
	int score;
	uint64_t seq;
};

struct tw_delivery {
	struct tw_delivery_conf conf;
	struct tw_delivery_counts *c;	/* the sink's */
	const char *shown;	/* the sink, for logs */
	struct tw_spool *spool;	/* NULL when there is none */
	pthread_t thread;
	bool started, stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item *q;		/* a ring of conf.queue_max: head, n */
	size_t head, n;
	uint64_t next_seq;
	/* An episode of failed attempts, logged once at its start and once at
	 * its end: 0 when the receiver takes what is sent. */
	time_t failing_since;
	uint64_t failed_attempts;
};

static bool is_high(int score)
{
	return score >= tw_severity_score("high");
}

static struct item *at(struct tw_delivery *d, size_t i)
{
	return &d->q[(d->head + i) % d->conf.queue_max];
}

static void drop_front(struct tw_delivery *d, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		free(at(d, 0)->body);
		d->head = (d->head + 1) % d->conf.queue_max;
		d->n--;
	}
}

static void note_error(struct tw_delivery_counts *s, const char *why)
{
	snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	s->last_error_at = (uint64_t)time(NULL);
}

/* Up to batch_max queued alerts older than the spool's first, joined. */
static char *take_queued(struct tw_delivery *d, uint64_t before, size_t *count, size_t *len)
{
	size_t k = 0, total = 0;
	char *body;

	while (k < d->n && k < d->conf.batch_max && at(d, k)->seq < before &&
	       (!k || total + at(d, k)->len <= BATCH_BYTES))
		total += at(d, k++)->len;
	body = malloc(total + 1);
	if (!body)
		return NULL;
	total = 0;
	for (size_t i = 0; i < k; i++) {
		memcpy(body + total, at(d, i)->body, at(d, i)->len);
		total += at(d, i)->len;
	}
	body[total] = '\0';
	*count = k;
	*len = total;
	return body;
}

/* Called with the lock held; makes what was spooled durable without
 * holding the lock (the event loop may be queueing meanwhile). */
static void sync_spool(struct tw_delivery *d)
{
	int fd = d->spool ? tw_spool_sync_begin(d->spool) : -1;
	int ret;

	if (fd < 0)
		return;
	pthread_mutex_unlock(&d->lock);
	ret = fdatasync(fd);
	pthread_mutex_lock(&d->lock);
	if (ret)
		note_error(d->c, "cannot sync the spool");
}

/* Waits out a backoff of about backoff_s seconds, or until a stop. */
static void back_off(struct tw_delivery *d, double backoff_s)
{
	double wait = backoff_s * (0.8 + 0.4 * ((double)random() / RAND_MAX));
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)wait;
	until.tv_nsec += (long)((wait - (double)(time_t)wait) * TW_NS_PER_SEC);
	if (until.tv_nsec >= (long)TW_NS_PER_SEC)
		until.tv_sec++, until.tv_nsec -= (long)TW_NS_PER_SEC;
	while (!d->stop && pthread_cond_timedwait(&d->cond, &d->lock, &until) != ETIMEDOUT)
		sync_spool(d);	/* woken by a new alert: it may have been spooled */
}

static void *worker(void *arg)
{
	struct tw_delivery *d = arg;
	struct tw_delivery_counts *s = d->c;
	double backoff = 0;
	char why[160];

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		uint64_t spool_head = d->spool ? tw_spool_head_seq(d->spool) : UINT64_MAX;
		uint64_t mem_head = d->n ? at(d, 0)->seq : UINT64_MAX;
		bool from_spool = spool_head < mem_head;
		size_t count = 0, len = 0;
		char *body = NULL;
		int ret;

		sync_spool(d);
		if (spool_head == UINT64_MAX && mem_head == UINT64_MAX) {
			pthread_cond_wait(&d->cond, &d->lock);
			continue;
		}
		if (from_spool) {
			if (tw_spool_peek(d->spool, d->conf.batch_max, mem_head, &body, &len, &count)) {
				/* Unreadable: not retried forever, counted as lost. */
				note_error(s, "cannot read the spool");
				s->dropped += tw_spool_pending(d->spool);
				tw_spool_consume(d->spool, tw_spool_pending(d->spool));
				continue;
			}
		} else {
			body = take_queued(d, spool_head, &count, &len);
		}
		pthread_mutex_unlock(&d->lock);
		ret = body ? d->conf.send(d->conf.ctx, body, len, count, why, sizeof(why)) : -1;
		if (!body)
			snprintf(why, sizeof(why), "out of memory");
		free(body);
		pthread_mutex_lock(&d->lock);
		if (ret >= 0) {
			/* Taken, or refused for good: either way they leave. */
			if (from_spool)
				tw_spool_consume(d->spool, count);
			else
				drop_front(d, count);
			if ((size_t)ret > count)
				ret = (int)count;
			s->delivered += count - (size_t)ret;
			s->rejected += (size_t)ret;
			if (ret)
				note_error(s, why);
			if (d->failing_since) {
				char took[32];

				tw_format_age(time(NULL) - d->failing_since, took, sizeof(took));
				tw_info("alert sink %s delivers again, after %llu failed %s over %s",
					d->shown, (unsigned long long)d->failed_attempts,
					tw_plural(d->failed_attempts, "attempt", "attempts"), took);
				d->failing_since = 0;
			}
			backoff = 0;
			continue;
		}
		s->retried++;
		note_error(s, why);
		if (!d->failing_since) {
			d->failing_since = time(NULL);
			d->failed_attempts = 0;
			tw_warn("alert sink %s is failing: %s; its alerts wait (high and critical ones in the spool, if it has one) and are retried",
				d->shown, why);
		}
		d->failed_attempts++;
		backoff = backoff ? (backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff * 2) : 1;
		back_off(d, backoff);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

int tw_delivery_start(struct tw_delivery **out, struct tw_delivery_counts *counts,
		      const char *shown, const struct tw_delivery_conf *conf, char *err,
		      size_t errlen)
{
	struct tw_delivery *d = calloc(1, sizeof(*d));

	if (!d || !(d->q = calloc(conf->queue_max, sizeof(*d->q)))) {
		free(d);
		return -ENOMEM;
	}
	d->conf = *conf;
	d->conf.spool_path = NULL;	/* not kept: the caller's string */
	d->c = counts;
	d->shown = shown;
	if (conf->spool_path) {
		int ret = tw_spool_open(&d->spool, conf->spool_path, conf->spool_max, err, errlen);

		if (ret) {
			free(d->q), free(d);
			return ret;
		}
		d->next_seq = tw_spool_last_seq(d->spool);
		if (tw_spool_pending(d->spool))
			tw_info("alert sink %s: %zu alerts from an earlier run wait in its spool",
				shown, tw_spool_pending(d->spool));
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	if (tw_quiet_thread_start(&d->thread, TW_CAPS_NONE, worker, d)) {
		snprintf(err, errlen, "sink %s: cannot start its thread", shown);
		tw_spool_close(d->spool);
		free(d->q), free(d);
		return -EAGAIN;
	}
	d->started = true;
	*out = d;
	return 0;
}

/* Full queue: the oldest alert below high makes room (the usual case: it is
 * at the front). False when every queued alert is high or critical. */
static bool drop_oldest_low(struct tw_delivery *d)
{
	size_t victim = d->n;

	for (size_t i = 0; i < d->n && victim == d->n; i++)
		if (!is_high(at(d, i)->score))
			victim = i;
	if (victim == d->n)
		return false;
	free(at(d, victim)->body);
	d->c->dropped++;
	for (size_t i = victim; i > 0; i--)
		*at(d, i) = *at(d, i - 1);
	d->head = (d->head + 1) % d->conf.queue_max;
	d->n--;
	return true;
}

int tw_delivery_push(struct tw_delivery *d, char *body, size_t len, int score)
{
	struct tw_delivery_counts *s = d->c;
	int ret = 0;

	if (len > d->conf.body_max) {
		free(body);
		s->too_large++;
		return -EMSGSIZE;
	}
	pthread_mutex_lock(&d->lock);
	if (d->n == d->conf.queue_max && !drop_oldest_low(d)) {
		/* Every queued alert is high or critical. */
		ret = is_high(score) && d->spool ?
			tw_spool_append(d->spool, ++d->next_seq, body, len) : -ENOBUFS;
		if (ret) {
			s->dropped++;
			if (d->spool && is_high(score))
				note_error(s, ret == -ENOSPC ? "spool full" : "cannot write the spool");
		} else {
			s->spooled++;
		}
		free(body);
		goto out;
	}
	*at(d, d->n) = (struct item){ body, len, score, ++d->next_seq };
	d->n++;
out:
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

void tw_delivery_backlog(struct tw_delivery *d, size_t *queued, size_t *spooled)
{
	pthread_mutex_lock(&d->lock);
	*queued = d->n;
	*spooled = d->spool ? tw_spool_pending(d->spool) : 0;
	pthread_mutex_unlock(&d->lock);
}

void tw_delivery_stop(struct tw_delivery *d)
{
	struct tw_spool_rec *recs;
	size_t n_recs = 0, lost = 0;

	if (!d)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_cond_signal(&d->cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL);
	}
	recs = calloc(d->n ? d->n : 1, sizeof(*recs));
	for (size_t i = 0; i < d->n; i++) {
		const struct item *it = at(d, i);

		if (d->spool && recs && is_high(it->score))
			recs[n_recs++] = (struct tw_spool_rec){ it->seq, it->body, it->len };
		else
			lost++;
	}
	if (d->spool && tw_spool_close_merged(d->spool, recs, n_recs)) {
		tw_warn("alert sink %s: cannot spool the %zu high and critical alerts still queued",
			d->shown, n_recs);
		lost += n_recs;
		n_recs = 0;
	}
	if (n_recs)
		tw_info("alert sink %s: %zu high and critical alerts still queued wait in its spool",
			d->shown, n_recs);
	if (lost)
		tw_warn("alert sink %s: %zu alerts still queued at the stop are lost", d->shown,
			lost);
	d->c->dropped += lost;
	free(recs);
	drop_front(d, d->n);
	free(d->q);
	free(d);
}
