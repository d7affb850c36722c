#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# SSH sessions followed in the kernel, against a real OpenSSH server (sshd
# -D on :2222, and 'sshd -i' handed each connection on :22 as inetd and
# systemd do): a process of a session connecting out raises
# sshd_child_egress (high from the fake exit node, medium from the clean
# client), however deep below the login shell and after a fork without
# exec; UDP too; excluded ranges and the same command outside SSH raise
# nothing; a login from the exit node raises ssh_login_from_tor once; ssh
# -N -L is a login and, when used, a forwarding egress; a session opened
# before torwatch is followed; 1,000 short sessions leave the maps empty.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
. "$(dirname "$0")/ssh_session_cases.sh"
require_root
trap 'stop_sshd; kill $(jobs -p) 2>/dev/null; cleanup' EXIT

session_hosts
mkdir -p "$T/state"

public_host $(seq 8080 8089)
check "sshd starts (inetd-style :22, sshd -D :2222)" start_sshd "$S"

SP=2222 SP_CLEAN=22 SP_CLEAN_WHAT="sshd -i from a socket, as inetd and systemd run it" B=8080 UDP=5353
early_session_begin
check "torwatch starts" start_daemon "$S" -i vX --feed "$T/exits.txt" \
	--egress-exclude 10.0.0.0/8,127.0.0.0/8,::1 --allowed-ports 22,2222,8080-8089
early_session_check
run_session_cases
thousand_sessions
stop_daemon
check "unload" tw_in "$S" unload
finish
