/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's one thread of control: an epoll loop over registered inputs.
 * A subsystem registers its fd (a ring buffer, an eventfd, inotify, a
 * signalfd, a listening socket...) or a tick with a callback; the loop
 * itself names no subsystem. */
#ifndef TW_EVENT_LOOP_H
#define TW_EVENT_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_LOOP_MAX_INPUTS 32
#define TW_LOOP_TICK_MS 250	/* the longest sleep: ticks run at least this often */
/* A run of one input's handler this long holds every other input, kernel
 * events first, past the 5 ms an alert may take: counted slow. */
#define TW_LOOP_SLOW_NS 5000000ull
/* This long is said in the log (at most once a minute an input). */
#define TW_LOOP_WARN_NS 100000000ull

typedef void (*tw_loop_fn)(void *ctx);

/* When a tick runs in a round: before or after the ready fds are handled. */
enum tw_loop_phase {
	TW_LOOP_BEFORE_INPUT,
	TW_LOOP_AFTER_INPUT,
};

struct tw_loop_entry {
	const char *name;	/* for logs */
	int fd;			/* -1 for a tick */
	enum tw_loop_phase phase;
	tw_loop_fn fn;
	void *ctx;
	/* How long its handler held the loop. */
	uint64_t runs, slow, longest_ns, total_ns;
	int64_t last_slow_at;	/* unix seconds, 0: never */
	uint64_t warned_ns;	/* monotonic, of the last warning */
	uint64_t unsaid;	/* runs over TW_LOOP_WARN_NS not yet in a warning */
};

struct tw_event_loop {
	int epfd;
	bool running;
	struct tw_loop_entry e[TW_LOOP_MAX_INPUTS];
	size_t n;
};

/* 0 or -errno. */
int tw_loop_init(struct tw_event_loop *l);
/* fn(ctx) runs whenever fd is readable. A negative fd is skipped (0): an
 * optional input that is not there. 0 or -errno. */
int tw_loop_add_fd(struct tw_event_loop *l, const char *name, int fd, tw_loop_fn fn, void *ctx);
/* fn(ctx) runs once every round, in registration order within its phase. */
int tw_loop_add_tick(struct tw_event_loop *l, const char *name, enum tw_loop_phase phase,
		     tw_loop_fn fn, void *ctx);
/* Runs rounds until tw_loop_stop. 0, or -errno when epoll fails. */
int tw_loop_run(struct tw_event_loop *l);
/* Ends the loop after the current round (from a callback). */
void tw_loop_stop(struct tw_event_loop *l);
void tw_loop_close(struct tw_event_loop *l);

#endif
