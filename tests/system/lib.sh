# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Helpers for the system tier: a Debian 12 root booted with systemd as PID 1
# in systemd-nspawn, in a network namespace of the test's own with a fake
# exit node on a veth beside it; commands run inside with nsenter (the host
# has no systemd as PID 1, so machinectl and systemd-run -M do not work).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SYS_ROOT= SYS_PID= NSPAWN_PID=
C=twc-$ID X=twx-$ID	# the container's network namespace and the exit node's
EXIT4=198.51.100.7 HOST4=198.51.100.1

sys_require() {
	require_root
	command -v systemd-nspawn >/dev/null || { echo "SKIP: systemd-nspawn is missing (scripts/install-deps.sh --test installs systemd-container)"; exit 77; }
	sys_in_chroot && { echo "SKIP: this runs in a chroot (its / is not PID 1's): nspawn then chroots into the container and the unit's sandbox does not see the bpffs its ExecStartPre mounts; run the system tier from a real root (docs/operations.md)"; exit 77; }
}

# True when this shell's root is not the host's: a chroot, such as a CI
# runner's or fresh-debian-test's. The host's root is PID 1's, or kthreadd's
# where PID 1 keeps its own from readers; neither readable: not known, false.
sys_in_chroot() {
	local pid host
	for pid in 1 2; do
		host=$(stat -Lc %d:%i /proc/$pid/root/ 2>/dev/null) && break
	done
	[ -n "$host" ] && [ "$(stat -Lc %d:%i /)" != "$host" ]
}

# sys_root_copy CACHED: a throwaway copy of a cached root ($SYS_ROOT).
sys_root_copy() {
	SYS_ROOT=/var/tmp/torwatch-system-$ID
	rm -rf "$SYS_ROOT"
	cp -a --reflink=auto "$1" "$SYS_ROOT"
}

# sys_chroot CMD...: before the boot, with the host's network (apt downloads).
sys_chroot() {
	cp /etc/resolv.conf "$SYS_ROOT/etc/resolv.conf"
	chroot "$SYS_ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive "$@"
	local rc=$?
	rm -f "$SYS_ROOT/etc/resolv.conf"
	return $rc
}

# sys_net: the container's namespace (eth0, $HOST4, default route via the
# exit node) and the exit node's ($EXIT4), with static neighbours.
sys_net() {
	add_netns "$C"; add_netns "$X"
	ip link add eth0 netns "$C" type veth peer name eX netns "$X"
	ip -n "$C" link set eth0 up; ip -n "$X" link set eX up
	add_addrs "$C" eth0 $HOST4/24
	add_addrs "$X" eX $EXIT4/24
	ip -n "$C" route add default via $EXIT4
	ip -n "$C" neigh add $EXIT4 lladdr "$(mac_of "$X" eX)" dev eth0 nud permanent
	ip -n "$X" neigh add $HOST4 lladdr "$(mac_of "$C" eth0)" dev eX nud permanent
}

# sys_boot: systemd as PID 1 on $SYS_ROOT, in $C, the unified cgroup tree
# (Debian 12 hosts run it). BPF needs every capability and the bpf and
# perf_event_open calls; tracefs is the host's, read-only; no journal is
# linked to the host's (a fresh root has no machine-id to link it by, and
# nspawn then refuses to start). bpffs is not
# mounted: as on a host whose systemd did not mount it, 'torwatch prepare'
# has to.
sys_boot() {
	mkdir -p /run/systemd/nspawn
	mountpoint -q /run/systemd/nspawn || mount -t tmpfs tmpfs /run/systemd/nspawn
	mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
	SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 setsid systemd-nspawn -D "$SYS_ROOT" -b --register=no \
		--keep-unit --console=passive --capability=all --system-call-filter='bpf perf_event_open' \
		--link-journal=no \
		--bind-ro=/sys/kernel/tracing --network-namespace-path=/run/netns/$C -M "tw$ID" \
		>"$T/nspawn.log" 2>&1 </dev/null &
	NSPAWN_PID=$!
	wait_for 30 sys_find_init || { cat "$T/nspawn.log"; return 1; }
	# 'degraded' is fine: units the container cannot run (none torwatch needs).
	wait_for 60 sys_booted || { sys_in systemctl --failed --no-pager; return 1; }
}
sys_find_init() {
	SYS_PID=$(pgrep -P "$NSPAWN_PID" -x systemd) && [ -n "$SYS_PID" ]
}
sys_booted() {
	local s
	s=$(sys_in systemctl is-system-running 2>/dev/null)
	[ "$s" = running ] || [ "$s" = degraded ]
}

# sys_in CMD...: runs CMD in the container, as root, from a clean environment.
# -r: the container's root as its PID 1 sees it. Entering its mount namespace
# alone lands at that namespace's root, which is the container's only when
# nspawn could pivot into it; run from a chroot (a CI runner's, or
# fresh-debian-test's), nspawn chroots instead, and the namespace's root is
# the host's.
sys_in() {
	nsenter -t "$SYS_PID" -a -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}
sys_sh() { sys_in bash -c "$1"; }

# sys_prop PROP: one property of torwatch.service, from systemd's view.
sys_prop() { sys_in systemctl show -P "$1" torwatch.service; }

# sys_exit CMD...: runs CMD on the fake exit node.
sys_exit() { in_ns "$X" "$@"; }

sys_cleanup() {
	if [ -n "$NSPAWN_PID" ]; then
		# The container's systemd first: killed with nspawn alone, it would
		# run on under the host's PID 1. As the init of its PID namespace,
		# its end ends every process of the container.
		local init
		for init in $SYS_PID $(pgrep -P "$NSPAWN_PID"); do kill -KILL "$init" 2>/dev/null; done
		kill -KILL "$NSPAWN_PID" 2>/dev/null
		wait "$NSPAWN_PID" 2>/dev/null
	fi
	if [ -n "$SYS_ROOT" ] && [ -z "${KEEP:-}" ]; then
		for m in $(findmnt -rno TARGET | grep "^$SYS_ROOT" | sort -r); do umount -l "$m"; done
		rm -rf "$SYS_ROOT"
	fi
	cleanup
}
trap sys_cleanup EXIT
