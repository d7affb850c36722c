/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Best-effort facts about a process from /proc. The process may be gone by
 * the time we look, and everything in it is attacker-controlled text. */
#ifndef TW_PROCINFO_H
#define TW_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/container.h"

struct tw_procinfo {
	char exe[512];		/* "" when unknown */
	char cmdline[8192];	/* arguments joined by spaces, "" when unknown */
	bool cmdline_cut;	/* it was longer and was cut to fit */
	int ppid;		/* 0 when unknown */
	char parent_name[64];
	bool in_container;	/* container (or pod) below says which */
	struct tw_container container;
	int container_pid;	/* the pid as the container numbers it, 0 outside one */
};

/* Fills what can still be read; returns false when the process is gone.
 * cgroup_id is the one its kernel event gave (0: none): the container is
 * named from it even when the process has gone. */
bool tw_procinfo_read(int pid, uint64_t cgroup_id, struct tw_procinfo *pi);
/* Calls fn with the inode of each socket among pid's open files
 * (/proc/PID/fd), until fn returns non-zero. False when pid's files cannot
 * be read (gone, or not ours to read). */
bool tw_proc_each_socket(int pid, int (*fn)(unsigned long inode, void *ctx), void *ctx);
/* The parent of pid from /proc/PID/stat, 0 when gone. */
int tw_proc_ppid(int pid);
/* The process name of pid from /proc/PID/stat (or comm), "" if gone. */
void tw_proc_name(int pid, char *out, size_t len);
/* The variable name from our environment, else from the nearest ancestor
 * whose environment has it (read from /proc, so root sees through sudo's
 * env_reset). Returns the pid it came from, 0 when none has it. */
int tw_ancestor_env(const char *name, char *out, size_t len);
/* The name of uid as the process tgid sees it (its root's /etc/passwd:
 * a chroot or a container has its own), "" when unknown. */
void tw_user_name_of(uint32_t tgid, uint32_t uid, char *out, size_t len);
/* The same in our own /etc/passwd. */
void tw_user_name_here(uint32_t uid, char *out, size_t len);

#endif
