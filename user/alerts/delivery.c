// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* High and critical alerts are written ahead to the spool before anything
 * else happens to them, so that SIGKILL, a crash or the OOM killer loses
 * none; the others wait in memory. Every alert gets a sequence number when
 * it is queued, and the worker builds each batch from the two in that
 * order, so alerts leave in the order they were raised. */
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
#include "common/realtime.h"

#define BATCH_BYTES (4u << 20)	/* one request's body at most */
#define BACKOFF_MAX_S 60
/* A high alert written ahead is on disk within this (plus one send) while
 * alerts keep coming: a bound on what a crash of the host could take. */
#define SYNC_EVERY_NS (10 * TW_NS_PER_MS)

struct item {
	char *body;
	size_t len;
	int score;
	uint64_t seq;
	bool spooled;	/* also written ahead to the spool (a copy kept to send) */
	uint64_t spool_end;	/* then: where its record ends in the spool */
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
	size_t n_spooled;	/* of the n, the copies of alerts written ahead */
	uint64_t next_seq;
	/* An episode of failed attempts, logged once at its start and once at
	 * its end: 0 when the receiver takes what is sent. */
	time_t failing_since;
	uint64_t failed_attempts;
	bool spool_failing;	/* the last write ahead failed (said once) */
	uint64_t synced_ns;	/* the last group commit, CLOCK_MONOTONIC */
};

static struct item *at(struct tw_delivery *d, size_t i)
{
	return &d->q[(d->head + i) % d->conf.queue_max];
}

static void drop_front(struct tw_delivery *d, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		d->n_spooled -= at(d, 0)->spooled;
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

/* The next batch: up to batch_max alerts, the oldest first, joined. A
 * high alert written ahead while there was room in memory is sent from its
 * copy there; the spool is read for the rest (an earlier run's, those past
 * a full queue). *from_spool spool records (up to *cursor) and *from_mem
 * queued alerts leave when it is delivered. NULL with *err set when the
 * spool cannot be read or memory runs out. *count alerts in all (a copy
 * sent from memory is one of each). */
static char *take_batch(struct tw_delivery *d, size_t *from_spool, uint64_t *cursor,
			size_t *from_mem, size_t *count, size_t *len, int *err)
{
	size_t spooled = d->spool ? tw_spool_pending(d->spool) : 0, ks = 0, km = 0, n = 0, total = 0;
	uint64_t cur = d->spool ? tw_spool_done(d->spool) : 0, next = 0, sseq = 0;
	bool have_rec = false;
	char *out = malloc(1);

	*err = out ? 0 : -ENOMEM;
	while (out && n < d->conf.batch_max) {
		const struct item *m = km < d->n ? at(d, km) : NULL;
		char *rbody = NULL, *grown;
		const char *body;
		size_t blen;

		if (!have_rec && ks < spooled) {
			/* The next record is the copy in memory when it starts here:
			 * no need to read its head. */
			if (m && m->spooled && m->spool_end == cur + TW_SPOOL_REC_HEAD + m->len) {
				sseq = m->seq;
				next = m->spool_end;
			} else {
				next = cur;
				if ((*err = tw_spool_next(d->spool, &next, &sseq, NULL, &blen)))
					break;
			}
			have_rec = true;
		}
		bool mirrored = have_rec && m && m->seq == sseq;
		bool from_file = have_rec && !mirrored && (!m || sseq < m->seq);

		if (!m && !from_file)
			break;
		if (from_file) {
			uint64_t at_rec = cur, seq;

			if ((*err = tw_spool_next(d->spool, &at_rec, &seq, &rbody, &blen)))
				break;
			body = rbody;
		} else {
			body = m->body;
			blen = m->len;
		}
		if (n && total + blen > BATCH_BYTES) {
			free(rbody);
			break;
		}
		grown = realloc(out, total + blen + 1);
		if (!grown) {
			free(rbody);
			*err = -ENOMEM;
			break;
		}
		out = grown;
		memcpy(out + total, body, blen);
		total += blen;
		n++;
		free(rbody);
		if (from_file || mirrored) {
			ks++;
			cur = next;
			have_rec = false;
		}
		if (!from_file)
			km++;
	}
	if (*err) {
		free(out);
		return NULL;
	}
	out[total] = '\0';
	*from_spool = ks;
	*cursor = cur;
	*from_mem = km;
	*count = n;
	*len = total;
	return out;
}

/* Group commit, called with the lock held: one fdatasync for all that was
 * written ahead since the last, at most every SYNC_EVERY_NS while alerts
 * keep coming (now: at once), without holding the lock (the event loop may
 * be queueing meanwhile). True when it synced. */
static bool sync_spool(struct tw_delivery *d, bool now)
{
	uint64_t t = tw_now_mono_ns();
	int fd, ret;

	if (!d->spool || (!now && t - d->synced_ns < SYNC_EVERY_NS) ||
	    (fd = tw_spool_sync_begin(d->spool)) < 0)
		return false;
	d->synced_ns = t;
	pthread_mutex_unlock(&d->lock);
	ret = fdatasync(fd);
	pthread_mutex_lock(&d->lock);
	if (ret)
		note_error(d->c, "cannot sync the spool");
	return true;
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
		sync_spool(d, true);	/* woken by a new alert: it may have been written ahead */
}

static void *worker(void *arg)
{
	struct tw_delivery *d = arg;
	struct tw_delivery_counts *s = d->c;
	double backoff = 0;
	char why[160];

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		size_t ks = 0, km = 0, count, len = 0;
		uint64_t cursor = 0;
		char *body;
		int ret, err;

		sync_spool(d, false);
		if (d->stop)	/* asked while the lock was let go for the sync */
			break;
		if (!d->n && !(d->spool && tw_spool_pending(d->spool))) {
			/* Idle: what was written ahead is made durable first. */
			if (!sync_spool(d, true) && !d->stop)
				pthread_cond_wait(&d->cond, &d->lock);
			continue;
		}
		body = take_batch(d, &ks, &cursor, &km, &count, &len, &err);
		if (!body && err != -ENOMEM) {
			/* An unreadable spool is not retried forever: counted as lost. */
			tw_warn("alert sink %s: cannot read its spool (%s); its %zu alerts there are lost",
				d->shown, strerror(-err), tw_spool_pending(d->spool));
			note_error(s, "cannot read the spool");
			s->dropped += tw_spool_pending(d->spool);
			tw_spool_consume(d->spool, tw_spool_pending(d->spool));
			continue;
		}
		pthread_mutex_unlock(&d->lock);
		ret = body ? d->conf.send(d->conf.ctx, body, len, count, why, sizeof(why)) : -1;
		if (!body)
			snprintf(why, sizeof(why), "out of memory");
		free(body);
		pthread_mutex_lock(&d->lock);
		if (ret >= 0) {
			/* Taken, or refused for good: either way they leave. */
			if (ks && tw_spool_consume_to(d->spool, ks, cursor))
				note_error(s, "cannot record what the spool delivered");
			drop_front(d, km);
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
	tw_mutex_init_pi(&d->lock);
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
		if (!tw_severity_is_high(at(d, i)->score))
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
	if (tw_severity_is_high(score) && d->spool) {
		/* Written ahead: the worker's next group commit makes it durable;
		 * a copy stays in memory to send when there is room. */
		ret = tw_spool_append(d->spool, ++d->next_seq, body, len);
		if (!ret) {
			s->spooled++;
			if (d->spool_failing)
				tw_info("alert sink %s: its spool takes alerts again", d->shown);
			d->spool_failing = false;
			if (d->n < d->conf.queue_max) {
				*at(d, d->n) = (struct item){ body, len, score, d->next_seq, true,
							      tw_spool_end(d->spool) };
				d->n++;
				d->n_spooled++;
			} else {
				free(body);
			}
			goto out;
		}
		/* Spool full or its disk failing: memory keeps it while the
		 * daemon runs, and the stop tries the spool again. */
		char why[160];

		if (ret == -EFBIG)
			snprintf(why, sizeof(why), "its spool is full (spool-size)");
		else
			snprintf(why, sizeof(why), "cannot write its spool: %s", strerror(-ret));
		note_error(s, why);
		if (!d->spool_failing)
			tw_warn("alert sink %s: %s; high and critical alerts wait in memory until it takes them again",
				d->shown, why);
		d->spool_failing = true;
		d->next_seq--;
	}
	if (d->n == d->conf.queue_max && !drop_oldest_low(d)) {
		/* Every queued alert is high or critical. */
		s->dropped++;
		free(body);
		ret = -ENOBUFS;
		goto out;
	}
	*at(d, d->n) = (struct item){ body, len, score, ++d->next_seq, false, 0 };
	d->n++;
	ret = 0;
out:
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

void tw_delivery_backlog(struct tw_delivery *d, size_t *queued, size_t *spooled)
{
	pthread_mutex_lock(&d->lock);
	/* The copies of alerts written ahead are counted in the spool only. */
	*queued = d->n - d->n_spooled;
	*spooled = d->spool ? tw_spool_pending(d->spool) : 0;
	pthread_mutex_unlock(&d->lock);
}

void tw_delivery_stop(struct tw_delivery *d)
{
	struct tw_spool_rec *recs;
	size_t n_recs = 0, lost = 0, waiting;

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

		if (it->spooled)
			continue;	/* there already */
		if (d->spool && recs && tw_severity_is_high(it->score))
			recs[n_recs++] = (struct tw_spool_rec){ it->seq, it->body, it->len };
		else
			lost++;
	}
	/* Those written ahead are there already; the merge adds those the
	 * spool refused while the daemon ran. */
	waiting = d->spool ? tw_spool_pending(d->spool) + n_recs : 0;
	if (d->spool && tw_spool_close_merged(d->spool, recs, n_recs)) {
		tw_warn("alert sink %s: cannot spool the %zu high and critical alerts kept in memory",
			d->shown, n_recs);
		lost += n_recs;
		waiting -= n_recs;
	}
	if (waiting)
		tw_info("alert sink %s: %zu high and critical alerts not delivered wait in its spool",
			d->shown, waiting);
	if (lost)
		tw_warn("alert sink %s: %zu alerts still queued at the stop are lost", d->shown,
			lost);
	d->c->dropped += lost;
	free(recs);
	drop_front(d, d->n);
	free(d->q);
	free(d);
}
