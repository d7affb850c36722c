#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Bad storage under the alert files, with real faults: a 64 KiB tmpfs that
# fills up, an ext4 (a loop image mounted errors=remount-ro) that an error
# turns read-only (trigger_fs_error) and that is then repaired and mounted
# again, and an alert file whose directory is removed under the daemon. (A
# plain 'mount -o remount,ro' is refused by the kernel while the daemon
# holds a file open for writing: read-only under a running daemon comes
# from errors.) Each episode is said once in the log (not
# per alert), no half line is left in a file, the other sinks (a file on a
# healthy disk, a webhook) keep delivering every alert, and the sink
# resumes by itself when the storage is back, saying how many alerts it
# could not write meanwhile.
. "$(dirname "$0")/lib.sh"
require_root
receiver_host ok
SMALL=$T/small GONE=$T/gone E4=$T/e4
mkdir -p "$SMALL" "$GONE" "$E4"
mount -t tmpfs -o size=64k tmpfs "$SMALL"
truncate -s 4M "$T/e4.img" && mkfs.ext4 -q "$T/e4.img"
mount -o loop,errors=remount-ro "$T/e4.img" "$E4"
unmount_all() {
	umount -l "$SMALL" "$E4" 2>/dev/null
	losetup -j "$T/e4.img" | cut -d: -f1 | xargs -r -n1 losetup -d 2>/dev/null
}
trap 'kill $RPID 2>/dev/null; unmount_all; cleanup' EXIT
hook_conf
# Four files: $T/alerts.json (start_daemon's, on a healthy disk), the
# small tmpfs, the ext4, and one whose directory will go.
check "the daemon starts with four alert files and a webhook" \
	start_daemon "$H" -c "$T/run.conf" --alerts "$SMALL/alerts.json" --alerts "$E4/alerts.json" \
	--alerts "$GONE/alerts.json"
listen() { for port in "$@"; do in_ns "$H" "$TOOLS/listen_port" tcp4 0.0.0.0 "$port" 50 >/dev/null; done; }
ports_in() { jq -r 'select(.rule.id == "unexpected_listen_port") | .destination.port' "$1" 2>/dev/null | grep '^97' | paste -sd' '; }
hooked() { jq -r '.body | fromjson | select(.rule.id == "unexpected_listen_port") | .destination.port' "$T/recv/requests.jsonl" 2>/dev/null | grep '^97' | paste -sd' '; }
has_port() { grep -qw "$2" <<<"$(ports_in "$1")"; }
# Everything the healthy file and the webhook have: the barrier for each step.
everywhere() { has_port "$T/alerts.json" "$1" && grep -qw "$1" <<<"$(hooked)"; }
sink_of() { tw_in "$H" status --json | jq --arg f "$1" ".alerts.sinks[] | select(.name == \$f) | $2"; }
whole_lines() {	# every line of file $1 is a whole JSON object, and the file ends a line
	[ ! -s "$1" ] || { [ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" = '\n' ] && jq -ec . "$1" >/dev/null; }
}
failing_lines() { grep -c "cannot write alerts to $1" "$T/daemon.log"; }

listen 9701
check "a first alert reaches every sink" wait_for 5 sh -c "$(declare -f ports_in); [ \"\$(ports_in $SMALL/alerts.json)\" = 9701 ] && [ \"\$(ports_in $GONE/alerts.json)\" = 9701 ]"

# --- the disk fills up ---
dd if=/dev/zero of="$SMALL/fill" bs=1k count=1000 2>/dev/null
listen $(seq 9702 9709)
check "with the tmpfs full, the healthy file and the webhook still get every alert" wait_for 10 everywhere 9709
check_eq "the healthy file has all nine" "$(seq 9701 9709 | paste -sd' ')" "$(ports_in "$T/alerts.json")"
check_eq "the full disk is said once, not per alert" 1 "$(failing_lines "$SMALL/alerts.json")"
check "... naming why" grep -q "cannot write alerts to $SMALL/alerts.json: No space left on device" "$T/daemon.log"
# The sink writes on a thread of its own: the healthy file having 9709
# means it was queued to this one too; its queue empty is the barrier.
drained() { [ "$(sink_of "$1" .queued)" = 0 ]; }
check "the full disk's writer has taken every line" wait_for 5 drained "$SMALL/alerts.json"
check "no half line is left in the file on the full disk" whole_lines "$SMALL/alerts.json"
written=$(ports_in "$SMALL/alerts.json" | wc -w)
failed=$(sink_of "$SMALL/alerts.json" .failed)
echo "# full disk: $written of 9 alerts fit, $failed counted as not written"
check_eq "what did not fit is counted: written + failed = 9" 9 $((written + failed))
rm -f "$SMALL/fill"
listen 9710
check "space back: the sink writes again by itself" wait_for 5 has_port "$SMALL/alerts.json" 9710
check "... and says how many it could not write meanwhile" \
	grep -q "$SMALL/alerts.json takes alerts again; $failed could not be written meanwhile" "$T/daemon.log"

# --- read-only: an ext4 error, then the disk repaired and mounted again ---
# (What a sink could not write is compared with its own count: any alert of
# the host in the episode counts, not only ours.)
e4_before=$(sink_of "$E4/alerts.json" .failed)
echo "torwatch test" >"/sys/fs/ext4/$(basename "$(findmnt -no SOURCE "$E4")")/trigger_fs_error"
listen 9711
check "the ext4 turned read-only by an error: the others still get it" wait_for 5 everywhere 9711
wait_for 5 drained "$E4/alerts.json"
check "... said once, with why" grep -q "cannot write alerts to $E4/alerts.json: Read-only file system" "$T/daemon.log"
listen 9712
check "a second alert on the dead disk" wait_for 5 everywhere 9712
wait_for 5 drained "$E4/alerts.json"
check_eq "... is not said again" 1 "$(failing_lines "$E4/alerts.json")"
# The daemon's fd keeps the old mount (and its loop device) alive: the
# repaired disk comes back on a loop device of its own.
umount -l "$E4"
e2fsck -fy "$T/e4.img" >/dev/null 2>&1
mount -o errors=remount-ro "$(losetup -f --show "$T/e4.img")" "$E4"
listen 9713
check "repaired and mounted again at the same place: the sink opens it anew by itself" \
	wait_for 5 has_port "$E4/alerts.json" 9713
wait_for 5 drained "$E4/alerts.json"
e4_missed=$(( $(sink_of "$E4/alerts.json" .failed) - e4_before ))
check "... and says the $e4_missed it could not write (ours: 2)" test "$e4_missed" -ge 2
check "... in one line" grep -q "$E4/alerts.json takes alerts again; $e4_missed could not be written meanwhile" "$T/daemon.log"
check "no half line there either" whole_lines "$E4/alerts.json"

# --- the directory goes ---
gone_before=$(sink_of "$GONE/alerts.json" .failed)
rm -rf "$GONE"
listen 9714
check "its directory removed: the others still get it" wait_for 5 everywhere 9714
wait_for 5 drained "$GONE/alerts.json"
check "... said once: the file cannot be made again" \
	grep -q "cannot write alerts to $GONE/alerts.json: No such file or directory" "$T/daemon.log"
mkdir -p "$GONE"
listen 9715
check "the directory back: the file is made again with the next alert" wait_for 5 has_port "$GONE/alerts.json" 9715
wait_for 5 drained "$GONE/alerts.json"
check "... said" grep -q "alert file $GONE/alerts.json was removed under the daemon; it is made again" "$T/daemon.log"
gone_missed=$(( $(sink_of "$GONE/alerts.json" .failed) - gone_before ))
check "... with the $gone_missed it could not write (ours: 1)" test "$gone_missed" -ge 1
check "... in one line" grep -q "$GONE/alerts.json takes alerts again; $gone_missed could not be written meanwhile" "$T/daemon.log"
check_eq "the webhook got every alert, in order" "$(seq 9701 9715 | paste -sd' ')" "$(hooked)"
stop_daemon
check "unload" tw_in "$H" unload
finish
