#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# run --check-config runs the start's own checks that need no kernel: each
# setting the real start refuses is refused by the check too, with the same
# sentence, and a valid check opens, creates and starts nothing (no alert
# file, spool, feed cache, socket). Repeats are refused the same way
# everywhere; comments are the same in every section.
. "$(dirname "$0")/lib.sh"
require_root
H=twk-$ID
add_netns "$H"
veth_in "$H" vK vL
ST=$T/state
BASE=(run -i vK --sources none --relay-sources none --state-dir "$ST" --pin-root "$PIN")
check_run() { in_ns "$H" "$TW" "${BASE[@]}" "$@" --check-config 2>&1; }
real_run() { in_ns "$H" timeout 20 "$TW" "${BASE[@]}" --alerts "$T/real.json" "$@" 2>&1; }

# refused WHAT SENTENCE ARGS...: the check and the real start both refuse,
# both saying SENTENCE.
refused() {
	local what=$1 want=$2 out rc
	shift 2
	out=$(check_run "$@"); rc=$?
	check_eq "--check-config refuses $what" 2 $rc
	check "... saying why" grep -qF -- "$want" <<<"$out"
	check_eq "... and does not say it is valid" 0 "$(grep -c 'settings are valid' <<<"$out")"
	out=$(real_run "$@"); rc=$?
	check "the real start refuses $what too (exit $rc)" test $rc -ne 0
	check "... with the same sentence" grep -qF -- "$want" <<<"$out"
	check "... and leaves no pins" test ! -e "$PIN/meta"
}

refused "an alert target no sink takes" "no alert sink takes 'ftp://x'" --alerts ftp://x
refused "a metrics address that is not one" "--metrics-listen '999.1.1.1:80'" \
	--metrics-listen 999.1.1.1:80
refused "a geo database that is missing" "cannot open the geo database $T/none.mmdb" \
	--geoip "$T/none.mmdb"
printf '[source bogus]\nformat = text\n' >"$T/bogus.conf"
refused "a [source] without a url" "[source bogus] needs a url" -c "$T/bogus.conf"
refused "an alert file whose directory is missing" \
	"cannot open alert file $T/nodir/a.json: its directory $T/nodir does not exist" \
	--alerts "$T/nodir/a.json"
ln -s /etc/passwd "$T/link.json"
refused "an alert file that is a symbolic link" "alert file $T/link.json is a symbolic link" \
	--alerts "$T/link.json"
printf '[sink hook]\nurl = hec+http://127.0.0.1:9/\n' >"$T/hec.conf"
refused "a Splunk HEC sink without a token" "Splunk HEC needs a token" -c "$T/hec.conf"
printf '[throttle tor_traffic]\nper-minute = lots\n' >"$T/throttle.conf"
out=$(check_run -c "$T/throttle.conf"); rc=$?
check_eq "a bad throttle value is refused by the check" 2 $rc

# A config that is not a file: one sentence, without the options hint.
out=$(check_run -c "$T"); rc=$?
check_eq "-c DIR is refused" 2 $rc
check_eq "... in one sentence" "torwatch: config $T is a directory, not a file" "$out"
out=$(in_ns "$H" timeout 20 "$TW" "${BASE[@]}" -c "$T" 2>&1); rc=$?
check_eq "the real start refuses -c DIR too" 2 $rc
printf '[run]\nssh-ports = 22\n' >"$T/secret.conf"; chmod 600 "$T/secret.conf"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$TW" "${BASE[@]}" -c "$T/secret.conf" --check-config 2>&1)
check_eq "an unreadable config: the reason, no options hint" \
	"torwatch: cannot read config $T/secret.conf: Permission denied" "$out"

# Repeats: one rule for lists, sections and keys.
out=$(check_run --alerts - --alerts -); check "--alerts - twice is refused" grep -q -- "--alerts '-' is given twice" <<<"$out"
out=$(check_run --feed "$T/x" --feed "$T/x"); check "the same --feed twice is refused" grep -q -- "--feed '$T/x' is given twice" <<<"$out"
printf '[run]\nssh-ports = 22\n[run]\nfeed = %s/x\n' "$T" >"$T/c.conf"
out=$(check_run -c "$T/c.conf"); check "a second [run] is refused" grep -q "$T/c.conf:3: \[run\] appears a second time (first at line 1)" <<<"$out"
printf '[sink a]\nurl = -\n[sink a]\nmin-severity = high\n' >"$T/c.conf"
out=$(check_run -c "$T/c.conf"); check "a second [sink a] is refused" grep -q "$T/c.conf:3: \[sink a\] appears a second time" <<<"$out"
printf '[sink a]\nurl = -\nrules = tor_trafic\n' >"$T/c.conf"
out=$(check_run -c "$T/c.conf"); check "a sink's rule that does not exist is refused" grep -q "$T/c.conf:3: rules: no rule is called 'tor_trafic'" <<<"$out"
printf '[run]\nssh-ports = 22 # the usual\nfeed = %s/x ; the list\n' "$T" >"$T/c.conf"
echo 198.51.100.7 >"$T/x"
out=$(check_run -c "$T/c.conf"); rc=$?
check_eq "'#' and ';' comments are both taken after a value" "0 the settings are valid" "$rc $(tail -n 1 <<<"$out")"

# A valid check creates nothing: no alert file, no spool, no feed cache.
ST=$T/state-of-check
BASE=(run -i vK --sources none --relay-sources none --state-dir "$ST" --pin-root "$PIN")
printf '[sink hook]\nurl = webhook+http://127.0.0.1:9/hook\n' >"$T/ok.conf"
out=$(check_run -c "$T/ok.conf" --alerts "$T/alerts-new.json" --alerts syslog: --metrics-listen 127.0.0.1:19478); rc=$?
check_eq "a valid configuration passes" "0 the settings are valid" "$rc $(tail -n 1 <<<"$out")"
check "... without creating the alert file" test ! -e "$T/alerts-new.json"
check "... or the state directory (spool, feed cache)" test ! -e "$ST"
check "... or pins" test ! -e "$PIN"
check_eq "... or a listener on the metrics port" 0 "$(in_ns "$H" ss -Hltn 'sport = :19478' | grep -c .)"
finish
