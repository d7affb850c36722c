#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Runs the test tiers (unit, bpf, sanitized, sanitized-daemon, integration,
# system, fuzz; all by default; or the paths of single test programs) and ends with
# one summary line: "summary: N passed, N failed, N skipped".
# A test program that exits 77 is skipped and must say why. V=1 shows all output.
# Every program has a time limit (TEST_TIMEOUT seconds, 600 by default): one
# that passes it is killed, with its children, and counts as a failure.
set -u
cd "$(dirname "$0")/.."
OUT=.output/tests
tiers=${*:-unit bpf sanitized sanitized-daemon integration system fuzz}
# The sanitized tier: the unit and BPF programs built with 'make SANITIZE=1';
# any report of ASan (leaks included) or UBSan ends the program with a failure.
# The sanitized-daemon tier: the integration tests that go through most of
# the daemon (every sensor, delivery, spools, restarts, feeds, metrics) with
# the daemon built that way; lib.sh fails a test whose daemon log holds a
# report. The whole integration tier so would take as long again.
SANITIZED_DAEMON_TESTS="test_durable_alerts test_restart_gap_sensors test_alert_spool test_spool_removed
	test_webhook test_feeds test_metrics test_tunnels"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
passed=0 failed=0 skipped=0
failed_names=()

count_output() {	# cmocka "[  PASSED  ] N test(s)." and TAP "ok - "/"not ok - " lines
	local log=$1 p f
	p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$NF} END {print s+0}')
	f=$(grep -Eo '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$(NF-1)} END {print s+0}')
	p=$((p + $(grep -c '^ok - ' "$log")))
	f=$((f + $(grep -c '^not ok - ' "$log")))
	echo "$p $f"
}

run_one() {
	local tier=$1 prog=$2 log rc p f
	log=$(mktemp)
	# timeout signals its whole process group: the test and what it started.
	timeout --kill-after=10 "$TEST_TIMEOUT" $prog >"$log" 2>&1 </dev/null
	rc=$?
	read -r p f < <(count_output "$log")
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "not ok - $prog did not finish within ${TEST_TIMEOUT}s" >>"$log"
		f=$((f + 1))
	fi
	if [ $rc = 77 ]; then
		skipped=$((skipped + 1))
		echo "SKIP  [$tier] $prog: $(grep -m1 SKIP "$log")"
	elif [ $rc != 0 ] || [ "$f" != 0 ] || [ "$p" = 0 ]; then
		# A program that crashed or counted nothing is one more failure.
		[ "$f" = 0 ] && f=1
		failed=$((failed + f)); passed=$((passed + p))
		failed_names+=("$prog")
		echo "FAIL  [$tier] $prog ($p passed, $f failed, exit $rc)"
		# With the tests' own notes ('# ...'): what they measured, to read a
		# failure from the CI log alone.
		grep -E '^# |not ok|FAILED|ERROR|LINE|error|runtime error|SUMMARY' "$log" | head -60 | sed 's/^/      /'
	else
		passed=$((passed + p))
		echo "PASS  [$tier] $prog ($p)"
	fi
	[ "${V:-0}" = 1 ] && sed 's/^/      /' "$log"
	rm -f "$log"
}

for tier in $tiers; do
	case $tier in
	unit | bpf) for src in tests/$tier/test_*.c; do run_one $tier "$OUT/$(basename "$src" .c)"; done ;;
	sanitized) for src in tests/unit/test_*.c tests/bpf/test_*.c; do
			run_one sanitized ".output-san/tests/$(basename "$src" .c)"
		done ;;
	sanitized-daemon) for t in $SANITIZED_DAEMON_TESTS; do
			TW=$PWD/.output-san/torwatch run_one sanitized-daemon "tests/integration/$t.sh"
		done ;;
	integration) for t in tests/integration/test_*.sh; do run_one integration "$t"; done ;;
	# systemd as PID 1 in a booted Debian 12 root: tests/system/lib.sh.
	# The cached roots are made first (debootstrap: minutes, once), outside
	# any one test's time limit; a test that finds none says why and skips.
	system) tests/system/debian12_root.sh build >/dev/null || true
		for t in tests/system/test_*.sh; do run_one system "$t"; done ;;
	fuzz) for src in tests/fuzz/fuzz_*.c; do run_one fuzz "tests/fuzz/run_fuzzer.sh $(basename "$src" .c) $FUZZ_SECONDS"; done ;;
	*/*) [ -x "$tier" ] || { echo "$tier: not an executable test"; exit 2; }
	     run_one one "$tier" ;;	# one test program, by its path
	*) echo "unknown tier $tier (unit, bpf, sanitized, sanitized-daemon, integration, system, fuzz, or the path of one test)"; exit 2 ;;
	esac
done
[ ${#failed_names[@]} = 0 ] || echo "failed: ${failed_names[*]}"
echo "summary: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
