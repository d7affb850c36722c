/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Names under the pin root, shared by the daemon that pins and the CLI that
 * opens. Every map is pinned by its name in the BPF object (the variable
 * that declares it), so this list must name variables of bpf/xdp/xdp_tor.bpf.c
 * and bpf/include/: tests/unit/test_names.c checks it against the object. */
#ifndef TW_PINS_NAMES_H
#define TW_PINS_NAMES_H

/* The maps the CLI opens (struct tw_pinned has one fd each). */
#define TW_PINNED_MAPS(X) \
	X(counters) X(src_stats) X(port_stats) X(low_port_stats) X(proto_stats) \
	X(exit_table_v4) X(exit_table_v6) X(exit_prefix_v4) X(exit_prefix_v6) \
	X(config) X(meta) X(sources) X(block) X(block_ports) X(ssh_ports) \
	X(allow_v4) X(allow_v6)

/* Status that each daemon publishes anew from zero: a pin of an older
 * layout is replaced at start, not refused (TW_PINNED_MAPS must match). */
#define TW_REPUBLISHED_MAPS(X) X(alert_stats) X(sink_stats) X(meta) X(sources) X(recent_alerts) \
	X(loop_stats)

/* The layout of the pinned state, stamped into meta with the version: one
 * more whenever a pinned map or program changes in a way a start cannot
 * carry over (the growable and republished maps above it can). A start
 * over another layout refuses and names both. */
#define TW_PIN_LAYOUT 2

/* Maps whose value may grow at the end (TW_COUNTERS gains counters, the
 * traffic counters gained would_drop): a pin with a smaller value is carried
 * over entry by entry, the new fields zero, not refused. At most
 * TW_MAX_GROWN (user/kernel/pin_upgrade.h). */
#define TW_GROWABLE_MAPS(X) X(counters) X(src_stats) \
	X(port_stats) X(low_port_stats) X(proto_stats)

/* Maps whose type changed with their key and value kept (the prefixes
 * left LPM tries for hash maps, one lookup per listed length): a pin of
 * the old type is carried over entry by entry, not refused. Counted in
 * TW_MAX_GROWN with the growable maps. */
#define TW_RETYPED_MAPS(X) X(exit_prefix_v4) X(exit_prefix_v6)

/* The pin of one map, relative to the pin root. */
#define TW_PIN_NAME(map) #map

/* Programs of xdp_tor that the CLI runs with BPF_PROG_TEST_RUN (never
 * attached), pinned as "prog_" and their name: check_exit answers 'torwatch
 * check' (struct tw_check_ctx), reset_counters 'torwatch stats reset'
 * (struct tw_reset_ctx). */
#define TW_PINNED_PROGS(X) X(check_exit) X(reset_counters)
#define TW_PIN_PROG_PREFIX "prog_"
#define TW_PIN_PROG(prog) TW_PIN_PROG_PREFIX #prog

/* The XDP link of an interface: TW_PIN_LINK_XDP followed by its name. */
#define TW_PIN_LINK_XDP "link_xdp_"

/* The event sensors keep watching while no daemon runs (a restart, an
 * upgrade, a crash): their rings and state maps are pinned (each by its
 * name in the object, the SSH detector's ring as below) and reused by the
 * next start, their links pinned with these prefixes and their program's
 * name; what they raise meanwhile waits in the ring for the next daemon. */
#define TW_PIN_SSH_RING "ssh_high_events"
#define TW_PIN_LINK_SSH "link_ssh_established"
#define TW_PIN_LINK_LISTEN "link_listen_"
#define TW_PIN_LINK_SESSION "link_session_"
#define TW_PIN_LINK_TOR_CLIENT "link_torclient_"

#endif
