/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Folding repeats into one alert: the first of a key opens a window and is
 * alerted at once; repeats of the key within the window are counted; when
 * the window closes, its first record comes back with the count, for one
 * summary alert. The session and Tor client sensors fold their connections
 * so. A fixed table with open addressing: when it is full, a record is let
 * through (alerted), never folded into another key's window. */
#ifndef TW_ALERTS_FOLD_H
#define TW_ALERTS_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_fold;

/* The windows open in a table and a lower bound of the oldest one's start,
 * so that a round with no window to close reads no slot (the loop asks
 * after every round). A scan that closes nothing sets the bound exact. */
struct tw_open_windows {
	size_t open;
	uint64_t oldest_ns;
};

static inline void tw_window_opened(struct tw_open_windows *w, uint64_t now_ns)
{
	if (!w->open++ || now_ns < w->oldest_ns)
		w->oldest_ns = now_ns;
}

static inline bool tw_window_may_close(const struct tw_open_windows *w, uint64_t now_ns,
				       uint64_t window_ns)
{
	return w->open && now_ns - w->oldest_ns >= window_ns;
}

/* slots windows at most, keys of key_size bytes (compared as bytes: zero
 * their padding), records of rec_size bytes. NULL when out of memory. */
struct tw_fold *tw_fold_new(size_t slots, size_t key_size, size_t rec_size);
void tw_fold_free(struct tw_fold *f);
/* true: key has an open window, and add repeats were counted in it;
 * false: alert rec (a new window now holds it, if there was room). */
bool tw_fold_seen(struct tw_fold *f, const void *key, const void *rec, uint64_t add,
		  uint64_t now_ns, uint64_t window_ns);
/* The next window closed by now: its first record into rec, its repeats
 * into *repeats; the window is freed. false when none is left. */
bool tw_fold_next_closed(struct tw_fold *f, uint64_t now_ns, uint64_t window_ns, void *rec,
			 uint64_t *repeats);

#endif
