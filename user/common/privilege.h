/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Capabilities: what the daemon needs to start, and dropping the rest once
 * it is loaded and attached (libcap). Root has them all; the service runs as
 * its own user with exactly the ones named here. */
#ifndef TW_PRIVILEGE_H
#define TW_PRIVILEGE_H

#include <stdbool.h>
#include <stddef.h>

/* The capabilities a start uses, and why:
 *   CAP_BPF          load the programs, make the maps
 *   CAP_PERFMON      tracing programs (tracepoints) and their perf events
 *   CAP_NET_ADMIN    attach XDP and the cgroup socket hooks
 *   CAP_DAC_READ_SEARCH  read tracepoint ids in tracefs (root's, mode 0700)
 *   CAP_SYS_RESOURCE raise RLIMIT_MEMLOCK on kernels that still charge it
 *   CAP_SYS_PTRACE   process.executable of other users' processes in alerts
 * The first three are required; the others are used when present. */
enum tw_cap_set {
	TW_CAPS_REQUIRED,	/* a start without them is refused */
	TW_CAPS_RUNNING,	/* kept after the start: re-attaching XDP */
	TW_CAPS_MAPS,		/* threads that read or write maps: CAP_BPF */
	TW_CAPS_NONE,		/* threads that only talk to the network */
	TW_CAPS_UNCHANGED,	/* a thread that keeps its creator's */
};

/* The required capabilities the process lacks, as "CAP_BPF, CAP_PERFMON"
 * into buf ("" when none): the number missing. With tracefs not readable
 * to us, CAP_DAC_READ_SEARCH is required too. */
int tw_caps_missing(bool tracefs_readable, char *buf, size_t len);
/* For the calling thread (capabilities are a thread's, not a process's):
 * keeps only the capabilities of set (those it has) as effective and
 * permitted, clears the inheritable and ambient ones, cuts the bounding set
 * to set (where CAP_SETPCAP allows; the unit's CapabilityBoundingSet= does
 * it otherwise) and sets no_new_privs, so that no exec gives any back.
 * Threads it starts afterwards inherit all of it. 0 or -errno. */
int tw_caps_keep(enum tw_cap_set set);
/* The effective capabilities, as "cap_bpf,cap_net_admin" ("" when none). */
void tw_caps_effective(char *buf, size_t len);

#endif
