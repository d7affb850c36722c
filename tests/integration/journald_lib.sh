# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A real systemd-journald of a script's own, in a mount namespace of its
# own (tmpfs over journald's sockets and journal dirs), so that the host's
# journal is never touched: for the journal: sink's test and benchmark.

# in_own_mount_ns "$@": the first thing such a script does: run itself
# again in a private mount namespace (before lib.sh makes its $T).
in_own_mount_ns() {
	[ -n "${TW_OWN_MOUNT_NS:-}" ] || TW_OWN_MOUNT_NS=1 exec unshare -m --propagation private "$0" "$@"
}

JOURNALD=$(command -v systemd-journald || echo /lib/systemd/systemd-journald)

# own_journal_dirs: tmpfs over the sockets and the journal, once.
own_journal_dirs() {
	for d in /run/systemd/journal /run/log /var/log/journal; do
		mkdir -p $d && mount -t tmpfs tmpfs $d || return 1
	done
}

# start_journald: journald there (JPID); 0 once its socket is up.
start_journald() {
	"$JOURNALD" </dev/null >>"$T/journald.log" 2>&1 &
	JPID=$!
	wait_for 5 test -S /run/systemd/journal/socket
}
