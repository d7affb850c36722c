/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Delivery to a receiver that may be slow or down (HTTP, a syslog
 * collector): a bounded queue in memory, a worker thread of its own that
 * sends in batches and retries with backoff and jitter, and for high and
 * critical alerts a spool on disk (spool.h) they are written ahead to, so
 * that SIGKILL, a crash or a restart loses none. Alerts leave in the order they came; the sink's counters
 * (sink.h) say where each one went. */
#ifndef TW_DELIVERY_H
#define TW_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

struct tw_delivery;

/* What a worker counts for its sink (the sink holds them; the worker
 * writes them, the event loop reads them). */
struct tw_delivery_counts {
	uint64_t delivered, retried, rejected, dropped;
	uint64_t spooled;	/* high alerts that went to the spool */
	uint64_t too_large;	/* alerts dropped for their size */
	char last_error[160];
	uint64_t last_error_at;	/* unix seconds */
};

/* Sends n rendered alerts joined into body (len bytes): how many of them the
 * receiver refused for good (0 when it took them all), or -1 to try all
 * again later; why says what went wrong. Runs on the worker thread only. */
typedef int (*tw_deliver_fn)(void *ctx, const char *body, size_t len, size_t n, char *why,
			     size_t wlen);

struct tw_delivery_conf {
	tw_deliver_fn send;
	void *ctx;
	size_t queue_max;	/* alerts held in memory */
	size_t batch_max;	/* alerts per send (1 where the receiver takes one) */
	size_t body_max;	/* a bigger rendered alert is dropped as too large */
	const char *spool_path;	/* NULL: no spool, high alerts past the queue are dropped */
	uint64_t spool_max;	/* bytes */
};

/* Starts the worker; in the spool it finds, alerts from an earlier run are
 * sent first. 0 or -errno with one sentence in err. */
int tw_delivery_start(struct tw_delivery **out, struct tw_delivery_counts *counts,
		      const char *shown, const struct tw_delivery_conf *conf, char *err,
		      size_t errlen);
/* Queues one rendered alert (taking body, malloc'd) of ECS severity score:
 * 0, or -errno when it was dropped (counted). */
int tw_delivery_push(struct tw_delivery *d, char *body, size_t len, int score);
/* Alerts waiting: in memory only, and in the spool (high and critical
 * ones, written ahead; a copy in memory is not counted twice). */
void tw_delivery_backlog(struct tw_delivery *d, size_t *queued, size_t *spooled);
/* Stops the worker (a send under way ends first); high and critical alerts
 * the spool refused while it ran are tried there again, the others still
 * queued are counted as lost. */
void tw_delivery_stop(struct tw_delivery *d);

#endif
