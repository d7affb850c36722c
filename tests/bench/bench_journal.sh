#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: the journal: sink's alerts per second, beside the file sink's,
# against a real systemd-journald started here in a mount namespace of its
# own (tmpfs on its sockets and journal), so the host's journal is never
# touched (as test_journal_sink.sh does).
. "$(dirname "$0")/../integration/journald_lib.sh"
in_own_mount_ns "$@"
. "$(dirname "$0")/../integration/lib.sh"
require_root
[ -x "$JOURNALD" ] || { echo "bench_journal: SKIP: systemd-journald is not installed"; exit 0; }
own_journal_dirs || { echo "bench_journal: cannot mount journald's directories"; exit 1; }
start_journald || { echo "bench_journal: journald did not start"; exit 1; }
trap 'kill $JPID 2>/dev/null; cleanup' EXIT
"$(dirname "$TW")/.output/tests/bench_alerts" --journal
n=$(journalctl -D /run/log/journal -q --no-pager SYSLOG_IDENTIFIER=torwatch -o cat 2>/dev/null | wc -l)
echo "  entries in the journal afterwards: $n"
