#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The package across a reboot: the pins are gone (bpffs is new at every
# boot), the enabled unit starts at boot, and on a machine whose network
# comes late (no default route yet) it keeps trying until the route is
# there instead of giving up after systemd's start limit.
. "$(dirname "$0")/lib.sh"
sys_require
cached=$("$(dirname "$0")/debian12_root.sh") || { echo "SKIP: no Debian 12 root: $cached"; exit 77; }
make -s -C "$REPO" deb >"$T/deb.log" 2>&1 || { cat "$T/deb.log"; not_ok "make deb"; finish; exit 1; }
DEB=$(ls "$REPO"/.output/deb/torwatch_*_amd64.deb)
sys_root_copy "$cached"
cp "$DEB" "$SYS_ROOT/root/"
sys_chroot sh -c "apt-get update -qq && apt-get install -qq -y /root/$(basename "$DEB")" >"$T/apt.log" 2>&1 ||
	{ echo "SKIP: the Debian archive cannot be reached: $(tail -2 "$T/apt.log")"; exit 77; }
sys_net
export SYS_PID C X EXIT4 HOST4
export -f sys_in sys_prop
check "the root with the package boots" sys_boot
export SYS_PID
check "the enabled unit started at boot" wait_for 20 bash -c '[ "$(sys_prop SubState)" = running ]'
meta() { sys_in stat -c %i /sys/fs/bpf/torwatch/meta; }
first=$(meta)

# --- a reboot: the container goes down and comes up on the same root ---------
sys_in systemctl poweroff
check "the container powers off" wait_for 60 bash -c "! kill -0 $NSPAWN_PID 2>/dev/null"
# The network comes late this time: no default route at boot.
ip -n "$C" route del default
check "it boots again" sys_boot
export SYS_PID
check "without a default route the service keeps trying" wait_for 30 bash -c '[ "$(sys_prop NRestarts)" -ge 6 ]'
check_eq "past systemd's start limit, not failed for good" activating "$(sys_prop ActiveState)"
check "saying why in one sentence" bash -c "sys_in journalctl -q --no-pager -b -u torwatch | grep -q 'no default route to pick an interface from'"
ip -n "$C" route add default via $EXIT4
check "once the route is there it runs" wait_for 15 bash -c '[ "$(sys_prop SubState)" = running ]'
check "with pins made afresh (bpffs is new at every boot)" test "$(meta)" != "$first"
sys_exit ping -c 2 -i 0.2 -W 1 $HOST4 >/dev/null
check "and counts exit traffic again" wait_for 5 bash -c \
	"[ \"\$(sys_in torwatch stats --json | jq .totals.packets)\" -gt 0 ]"
finish
