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
finish
