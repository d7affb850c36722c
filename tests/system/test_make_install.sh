#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The developer's install path of the README, under a real systemd: the
# tree built in a Debian 12 root that has the build packages, then, booted
# with systemd as PID 1, 'make install && systemctl enable --now torwatch'.
# The service must start (this is the path that once failed on a read-only
# bpffs), say READY after XDP is attached, and alert on an exit node.
. "$(dirname "$0")/lib.sh"
sys_require
cached=$("$(dirname "$0")/debian12_root.sh" build) || { echo "SKIP: no Debian 12 build root: $cached"; exit 77; }

sys_root_copy "$cached"
# The tree as it is (a fresh clone in CI; uncommitted changes too when run by hand).
mkdir -p "$SYS_ROOT/root/torwatch"
(cd "$REPO" && scripts/source-files.sh | tar -cf - -T -) |
	tar -xf - -C "$SYS_ROOT/root/torwatch"

sys_net
export SYS_PID C X EXIT4 HOST4
export -f sys_in sys_prop
check "the root boots with systemd as PID 1" sys_boot
export SYS_PID
sys_sh 'cd /root/torwatch && make -s -j2 torwatch' >"$T/build.log" 2>&1
check_eq "make builds in the booted Debian 12 root" 0 $?
[ -x "$SYS_ROOT/root/torwatch/torwatch" ] || { tail -20 "$T/build.log"; finish; exit 1; }
sys_sh 'cd /root/torwatch && make install' >"$T/install.log" 2>&1
check_eq "make install" 0 $?
check "it made the torwatch user" sys_in id torwatch
check_eq "the config is the service's group's" "root:torwatch 640" "$(sys_in stat -c '%U:%G %a' /etc/torwatch/torwatch.conf)"
echo $EXIT4 >"$SYS_ROOT/etc/torwatch/exits.txt"
# The config sets sources once: a second line would be refused, so it is edited.
sed -i 's/^sources = .*/sources = none/' "$SYS_ROOT/etc/torwatch/torwatch.conf"
printf 'deny-file = /etc/torwatch/exits.txt\n' >>"$SYS_ROOT/etc/torwatch/torwatch.conf"
t0=$(date +%s%N)
sys_in systemctl enable --now torwatch >"$T/enable.log" 2>&1
rc=$?
t1=$(date +%s%N)
check_eq "systemctl enable --now torwatch" 0 $rc
echo "# systemctl enable --now to READY: $(((t1 - t0) / 1000000)) ms"
check_eq "active (running)" "active running" "$(sys_prop ActiveState) $(sys_prop SubState)"
check_eq "never restarted" 0 "$(sys_prop NRestarts)"
check "XDP is attached to eth0" bash -c "ip -n $C -j link show eth0 | jq -e '.[0].xdp.prog.id > 0'"
check "the journal has no read-only file system error" \
	bash -c "! sys_in journalctl -q --no-pager -u torwatch | grep -q 'Read-only file system'"
# The apply and metrics threads lower their priority (setpriority) under
# the unit's system call filter.
check "the helper threads run at nice 10 under the unit" bash -c \
	"sys_in sh -c 'ps -L -o ni= -p \$(systemctl show -P MainPID torwatch)' | grep -qx ' *10'"
check "... with no warning" \
	bash -c "! sys_in journalctl -q --no-pager -u torwatch | grep -q 'cannot lower its priority'"
# The unit gives the loop (the main thread) the real-time class; the
# helper threads leave it, and RestrictRealtime= did not refuse it.
pid=$(sys_prop MainPID)
check_eq "the event loop is in SCHED_RR, the helper threads are not" "helper TS loop RR " \
	"$(sys_in ps -L -o tid=,cls= -p "$pid" | thread_classes "$pid")"
check "... and the daemon says so" bash -c \
	"sys_in journalctl -q --no-pager -u torwatch | grep -q 'the event loop runs in the real-time class (SCHED_RR 1)'"
sys_exit ping -c 2 -i 0.2 -W 1 $HOST4 >/dev/null
check "a Tor-exit packet raises tor_traffic" wait_for 10 bash -c \
	"sys_in cat /var/log/torwatch/alerts.json | jq -r 'select(.rule.id==\"tor_traffic\") | .source.ip' | grep -qx $EXIT4"
sys_in systemctl stop torwatch
sys_sh 'cd /root/torwatch && make uninstall' >/dev/null 2>&1
check "make uninstall removes the unit" bash -c "! sys_in test -e /usr/local/lib/systemd/system/torwatch.service"
finish
