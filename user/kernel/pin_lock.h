/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One daemon per pin root: an flock on the pin root's directory, held for
 * the daemon's life and let go by the kernel when it dies, however it dies.
 * Readers never take it: they ask /proc/locks who holds it. */
#ifndef TW_PIN_LOCK_H
#define TW_PIN_LOCK_H

#include <sys/types.h>

/* Takes the lock: an fd to keep open, or -EBUSY with *holder the pid that
 * has it (0 when /proc/locks does not say), or another -errno. */
int tw_pin_lock(const char *root, pid_t *holder);
/* The pid of the daemon holding root's lock, 0 when none does. */
pid_t tw_pin_lock_holder(const char *root);

#endif
