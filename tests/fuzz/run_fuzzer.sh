#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# run_fuzzer.sh NAME SECONDS: runs one libFuzzer target for a bounded time
# from the checked-in corpus (on a scratch copy); a crash, leak or UBSan
# report fails it. Prints one TAP line.
set -u
cd "$(dirname "$0")/../.."
name=$1 seconds=$2
bin=.output/fuzz/$name
work=$(mktemp -d /tmp/torwatch-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp tests/fuzz/corpus/* "$work/"
if "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" "$work" >"$work/log" 2>&1; then
	echo "ok - $name: $(grep -Eo 'Done [0-9]+ runs' "$work/log" | tail -1) in ${seconds}s, no crash"
else
	echo "not ok - $name: the fuzzer found a problem"
	grep -E 'ERROR|runtime error|SUMMARY' "$work/log" | head -5 | sed 's/^/    # /'
	mkdir -p .output/fuzz/crashes && cp "$work"/crash-* "$work"/leak-* .output/fuzz/crashes/ 2>/dev/null
	exit 1
fi
