#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: the journal: sink's alerts per second, beside the file sink's,
# against a real systemd-journald started here in a mount namespace of its
# own (tmpfs on its sockets and journal), so the host's journal is never
# touched (as test_journal_sink.sh does).
if [ -z "${TW_JOURNAL_NS:-}" ]; then
	TW_JOURNAL_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../integration/lib.sh"
require_root
JD=$(command -v systemd-journald || echo /lib/systemd/systemd-journald)
[ -x "$JD" ] || { echo "bench_journal: SKIP: systemd-journald is not installed"; exit 0; }
for d in /run/systemd/journal /run/log /var/log/journal; do mkdir -p $d && mount -t tmpfs tmpfs $d; done
"$JD" </dev/null >"$T/journald.log" 2>&1 &
JPID=$!
trap 'kill $JPID 2>/dev/null; cleanup' EXIT
wait_for 5 test -S /run/systemd/journal/socket || { echo "bench_journal: journald did not start"; exit 1; }
"$(dirname "$TW")/.output/tests/bench_alerts" --journal
n=$(journalctl -D /run/log/journal -q --no-pager SYSLOG_IDENTIFIER=torwatch -o cat 2>/dev/null | wc -l)
echo "  entries in the journal afterwards: $n"
