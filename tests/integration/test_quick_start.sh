#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The README's quick start, as far as it can run here without touching the
# host's own interface: scripts/run.sh's stdout carries only what torwatch
# writes (the alert stream), even when it has to build first.
. "$(dirname "$0")/lib.sh"
require_root
cd "$(dirname "$0")/../.."

touch user/main.c	# so that run.sh has something to build and say
out=$(scripts/run.sh --help 2>"$T/stderr")
rc=$?
check_eq "scripts/run.sh --help exits 0" 0 $rc
check_eq "its stdout starts with torwatch's own output" "usage: torwatch run" "$(head -1 <<<"$out" | cut -c1-19)"
check_eq "no build line on stdout" 0 "$(grep -Ec '^  (CC|LINK|AR|BPF) ' <<<"$out")"
check "the build said what it did, on stderr" grep -Eq '^  (CC|LINK) ' "$T/stderr"
finish
