/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Sinks that write at once (the JSON-lines file, stdout) do it on a thread
 * of their own: the event loop queues each line and goes on. A disk that
 * stalls in a journal commit, or a stdout whose reader stopped reading,
 * holds that thread, never the kernel events behind it. Lines leave in the
 * order they came; each is written whole or counted failed, as before. With
 * a spool directory in the sink's settings, high lines are written ahead to
 * a spool and those a killed daemon left queued are written at the next
 * start (docs/alert-delivery.md). */
#ifndef TW_SINK_THREAD_H
#define TW_SINK_THREAD_H

#include <stdbool.h>
#include <stddef.h>

struct tw_sink;
struct tw_sink_thread;

/* Starts s's writer, which calls s->ops->write for each line, first those
 * its spool holds. 0 or -errno with one sentence in err. */
int tw_sink_thread_start(struct tw_sink *s, char *err, size_t errlen);
/* Queues a copy of one rendered alert of ECS severity score. When the queue
 * is full, the oldest line below high makes room; when every line is high,
 * this one is dropped. 0, or -ENOBUFS / -ENOMEM when it was dropped
 * (counted in s->counts.dropped). */
int tw_sink_thread_push(struct tw_sink_thread *t, const char *line, size_t len, int score);
/* s->ops->reopen (SIGHUP, a rotated file), done by the writer before the
 * next line; an error is logged by it. */
void tw_sink_thread_reopen(struct tw_sink_thread *t);
/* Lines waiting. */
size_t tw_sink_thread_backlog(struct tw_sink_thread *t);
/* Waits until every line queued so far is written (or counted failed), at
 * most wait_ms: true when it is. */
bool tw_sink_thread_flush(struct tw_sink_thread *t, unsigned wait_ms);
/* Writes what is queued (at most wait_ms), then stops the writer: true.
 * A writer still stuck in a write then is left to the process's exit, the
 * lines it did not write are counted failed and said, and false: the sink
 * must then stay open (the writer may still use it). */
bool tw_sink_thread_stop(struct tw_sink_thread *t, unsigned wait_ms);

#endif
