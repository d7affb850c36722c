/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Builds and applies exit sets on a thread of its own, so that merging,
 * sorting and writing a large set (about a second each for 1M entries)
 * never holds up the event loop and its alerts. One job runs at a time; a
 * newer job replaces one still waiting (its ctx must then say nothing the
 * newer one does not). */
#ifndef TW_APPLY_WORKER_H
#define TW_APPLY_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include "exitset/exit_set.h"

struct tw_apply_job {
	/* Run first, where the job runs (NULL: set and digest are ready):
	 * makes set and digest from ctx; last is the digest of the set the
	 * maps hold (0: unknown). False: nothing to write (err says why, or
	 * nothing changed). */
	bool (*prepare)(struct tw_apply_job *job, uint64_t last);
	void *ctx;
	void (*free_ctx)(void *ctx);
	struct tw_exit_set set;
	uint64_t digest;
	bool written;		/* set went to the maps (err says how) */
	struct tw_apply_stats st;
	int err;
	struct tw_apply_job *next;	/* the worker's list of finished jobs */
};

struct tw_apply_worker;

/* Prepares and applies job here and now; *last follows what the maps hold. */
void tw_apply_job_run(struct tw_apply_job *job, struct tw_exit_maps *maps, uint64_t *last);
/* last: the digest of the set the maps hold now. The worker writes maps
 * (the caller's, kept until tw_apply_worker_free) and no one else may. */
struct tw_apply_worker *tw_apply_worker_new(struct tw_exit_maps *maps, uint64_t last);
/* Readable when a job has finished. */
int tw_apply_worker_fd(const struct tw_apply_worker *w);
/* Takes job (the worker owns it until tw_apply_worker_done hands it back). */
void tw_apply_worker_submit(struct tw_apply_worker *w, struct tw_apply_job *job);
/* The oldest finished job not yet taken (free it with tw_apply_job_free),
 * or NULL: every job submitted and not replaced comes back, in order. */
struct tw_apply_job *tw_apply_worker_done(struct tw_apply_worker *w);
void tw_apply_job_free(struct tw_apply_job *job);
/* Hands a taken job back to be freed on the worker's thread: a 1M-entry
 * set is tens of MB, and giving its pages back to the kernel takes the
 * caller ms. Its free_ctx must then be safe on any thread. */
void tw_apply_worker_release(struct tw_apply_worker *w, struct tw_apply_job *job);
/* Nothing running, waiting or finished-but-untaken. */
bool tw_apply_worker_idle(struct tw_apply_worker *w);
/* Lets the running job finish, drops a waiting one, joins. */
void tw_apply_worker_free(struct tw_apply_worker *w);

#endif
