/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The container a process runs in, from its cgroup path and the runtime's
 * local state (no network call, no runtime socket): Podman and CRI-O (the
 * name conmon was started with), Docker (its config.v2.json), containerd,
 * systemd-nspawn (the machine scope) and kubelet's pod layout. Cached by
 * the cgroup's id (and by path where only a v1 path shows it). */
#ifndef TW_CONTAINER_H
#define TW_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_container {
	char id[65];		/* 64 hex digits, or an nspawn machine's name */
	char name[128];		/* "" when the runtime's state does not say */
	char runtime[24];	/* podman, docker, containerd, cri-o, systemd-nspawn */
	char pod_uid[40];	/* kubelet's pod, "" outside one */
	char cgroup[256];	/* the cgroup v2 path (or the first v1 one) */
};

/* --container-allowed-ports NAME:LIST: ports expected from one container
 * (its name, or 12+ hex digits of its id), as ranges. */
#define TW_MAX_CONTAINER_PORTS 8
#define TW_CONTAINER_PORT_RANGES 16
struct tw_container_ports {
	char container[64];
	struct {
		uint16_t lo, hi;
		bool tcp, udp;
	} r[TW_CONTAINER_PORT_RANGES];
	unsigned n;
};

/* The container id in a /proc/PID/cgroup text (docker, containerd, CRI-O,
 * podman path forms), "" when none. */
void tw_container_id_from_cgroup(const char *text, char *out, size_t len);
/* Parses a /proc/PID/cgroup text into c (name left ""): true when it shows
 * a container or a pod. */
bool tw_container_parse(const char *cgroup_text, struct tw_container *c);
/* pid as its own PID namespace numbers it (the last of /proc/PID/status
 * NSpid), 0 when unknown. */
int tw_pid_in_namespace(int pid);
/* The container of pid, whose event gave cgroup_id (its v2 cgroup's id,
 * 0 when unknown): cached by that id, so a cached cgroup costs no read and
 * a process that has gone is still named. False when it runs in none (or
 * is gone and its cgroup too). */
bool tw_container_of(int pid, uint64_t cgroup_id, struct tw_container *c);

#endif
