#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The SSH session cases (ssh_session_cases.sh) against OpenSSH 10 from
# Debian 13, where sshd hands each connection to sshd-session and
# authentication runs in sshd-auth, so the user's shell is no child of
# /usr/sbin/sshd: its sshd runs chrooted into a debootstrapped trixie root
# (tests/integration/openssh10_root.sh, made once and cached) inside the
# test's server namespace, with a private mount namespace for /dev and /proc.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
. "$(dirname "$0")/ssh_session_cases.sh"
require_root
R=$("$(dirname "$0")/openssh10_root.sh") || { echo "SKIP: no OpenSSH 10 root: $R"; exit 77; }
SSHD10_PID=
trap '[ -n "$SSHD10_PID" ] && kill $SSHD10_PID; kill $(jobs -p) 2>/dev/null; rm -rf "$R$W"; cleanup' EXIT

session_hosts
mkdir -p "$T/state" "$T/ssh"
public_host $(seq 8090 8099)

# The server's files inside the root, under a directory of this test's own.
W=/run/tw-$ID
mkdir -p "$R$W" "$R/run/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$R$W/host_key" </dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/id" </dev/null
cp "$T/ssh/id.pub" "$R$W/authorized_keys"
sshd_config "ListenAddress 0.0.0.0:2223" "$W" >"$R$W/sshd_config"
nsenter --net="/run/netns/$S" unshare -m --propagation private sh -c \
	"mount --bind /dev '$R/dev' && mount -t proc proc '$R/proc' && exec chroot '$R' /usr/sbin/sshd -D -e -f $W/sshd_config" \
	</dev/null >/dev/null 2>>"$T/sshd10.log" &
SSHD10_PID=$!
check "OpenSSH 10 starts chrooted in the server namespace" wait_for 5 in_ns "$S" bash -c "echo >/dev/tcp/127.0.0.1/2223"
check_eq "it is OpenSSH 10 with sshd-session and sshd-auth" "OpenSSH_10 yes yes" \
	"$(chroot "$R" /usr/sbin/sshd -V 2>&1 | grep -o '^OpenSSH_10') $([ -x "$R/usr/lib/openssh/sshd-session" ] && echo yes) $([ -x "$R/usr/lib/openssh/sshd-auth" ] && echo yes)"

SP=2223 SP_CLEAN=2223 SP_CLEAN_WHAT="sshd-session" B=8090 UDP=5354
early_session_begin
check "torwatch starts" start_daemon "$S" -i vX --feed "$T/exits.txt" \
	--egress-exclude 10.0.0.0/8,127.0.0.0/8,::1 --allowed-ports 22,2223,8090-8099
early_session_check
check "the session's processes run sshd-session" grep -q sshd-session <<<"$(egress $((B + 9)) | jq -r '.torwatch.process_chain[].name')"
run_session_cases
thousand_sessions
stop_daemon
check "unload" tw_in "$S" unload
finish
