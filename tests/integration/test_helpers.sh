#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The helpers the other integration tests judge with (lib.sh) must be able to
# fail: each is run here on input where it must say no.
. "$(dirname "$0")/lib.sh"

fails() { ! "$@"; }

f="$T/lines.json"
printf '{"a":1,"rule":{"id":"x"}}\n{"a":2,"rule":{"id":"y"}}\n{"a":3,"rule' >"$f"

check "jq_any: a select() that keeps a line passes" jq_any "$f" 'select(.a == 1)'
check "jq_any: a match followed by other lines passes" jq_any "$f" 'select(.rule.id == "x")'
check "jq_any: a true test passes" jq_any "$f" '.a == 2'
check "jq_any: --arg reaches the filter" jq_any "$f" 'select(.rule.id == $r)' --arg r y
check "jq_any: a select() that keeps nothing fails" fails jq_any "$f" 'select(.a == 9)'
check "jq_any: a test that is false on every line fails" fails jq_any "$f" '.a == 9'
check "jq_any: a filter that gives null fails" fails jq_any "$f" '.missing'
check "jq_any: the line still being written is ignored" fails jq_any "$f" 'select(.a == 3)'

# check_eq and wait_for, in a subshell so that their verdicts do not count here.
check "check_eq counts a difference as a failure" \
	bash -c ". '$(dirname "$0")/lib.sh' >/dev/null; check_eq d 1 2 >/dev/null; [ \$N_FAIL = 1 ]"
check "wait_for gives up when the condition never holds" fails wait_for 1 false
check "wait_for returns as soon as the condition holds" wait_for 1 true
# The runner's time limit: a test that hangs fails, its children go, the run goes on.
cat >"$T/test_hang.sh" <<'EOT'
#!/usr/bin/env bash
sleep 300 &
echo $! >"${0%/*}/sleeper.pid"
sleep 300
EOT
chmod +x "$T/test_hang.sh"
start=$SECONDS
out=$(TEST_TIMEOUT=2 "$(dirname "$0")/../run_tests.sh" "$T/test_hang.sh" 2>&1); rc=$?
check "a test that hangs fails" test $rc -ne 0
check "... within its limit" test $((SECONDS - start)) -lt 20
check "... and the summary says it did not finish" grep -q "did not finish within 2s" <<<"$out"
running() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null); [ -n "$s" ] && [ "${s:0:1}" != Z ]; }
check "... its children are gone too" fails running "$(cat "$T/sleeper.pid")"
finish
