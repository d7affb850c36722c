# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# For the benchmark scripts: record a figure for the JSON report.

# record SECTION CASE VALUE UNIT [GOAL MET]: one figure, as a JSON line in
# $BENCH_RECORDS (bench_report.py gathers them); nothing when it is unset.
# GOAL is the goal as text ("<= 15 ns", ">= 1.2x"), MET true or false.
record() {
	[ -n "${BENCH_RECORDS:-}" ] || return 0
	jq -cn --arg s "$1" --arg c "$2" --argjson v "$3" --arg u "$4" \
		--arg g "${5:-}" --arg m "${6:-}" \
		'{section: $s, case: $c, value: $v, unit: $u}
		 + (if $g == "" then {} else {goal: $g, met: ($m == "true")} end)' >>"$BENCH_RECORDS"
}

# median_spread V...: "median min max" of the values.
median_spread() {
	printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {printf "%s %s %s", v[int((NR + 1) / 2)], v[1], v[NR]}'
}
