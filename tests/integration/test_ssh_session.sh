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

S=twS-$ID X=twX-$ID C=twC-$ID D=twD-$ID
EXIT4=198.51.100.7 SRV4X=198.51.100.1 CLEAN4=203.0.113.50 SRV4C=203.0.113.1
PUB4=192.0.2.80 SRV4D=192.0.2.1 PRIV4=10.9.9.80
add_netns "$S"; add_netns "$X"; add_netns "$C"; add_netns "$D"
link_ns "$S" vX "$X" eX
link_ns "$S" vC "$C" eC
link_ns "$S" vD "$D" eD
add_addrs "$S" vX $SRV4X/24
add_addrs "$S" vC $SRV4C/24
add_addrs "$S" vD $SRV4D/24 10.9.9.1/24
add_addrs "$X" eX $EXIT4/24
add_addrs "$C" eC $CLEAN4/24
add_addrs "$D" eD $PUB4/24 $PRIV4/24
printf '%s\n' $EXIT4 >"$T/exits.txt"
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
