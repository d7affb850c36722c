/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Applies exit sets on a thread of its own, so that writing a large set
 * (about a second for 1M entries) never holds up the event loop and its
 * alerts. One job runs at a time; a newer set replaces one still waiting. */
#ifndef TW_APPLY_WORKER_H
#define TW_APPLY_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include "exitset/exit_set.h"

struct tw_apply_job {
	struct tw_exit_set set;
	uint64_t digest;
	struct tw_apply_stats st;
	int err;
};

struct tw_apply_worker;

struct tw_apply_worker *tw_apply_worker_new(const struct tw_exit_maps *maps);
/* Readable when a job has finished. */
int tw_apply_worker_fd(const struct tw_apply_worker *w);
/* Takes set (the worker owns it from now on). */
int tw_apply_worker_submit(struct tw_apply_worker *w, struct tw_exit_set *set, uint64_t digest);
/* The next finished job (free it with tw_apply_job_free), or NULL. */
struct tw_apply_job *tw_apply_worker_done(struct tw_apply_worker *w);
void tw_apply_job_free(struct tw_apply_job *job);
/* Nothing running, waiting or finished-but-untaken. */
bool tw_apply_worker_idle(struct tw_apply_worker *w);
/* Lets the running job finish, drops a waiting one, joins. */
void tw_apply_worker_free(struct tw_apply_worker *w);

#endif
