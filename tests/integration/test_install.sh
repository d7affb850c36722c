#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make install into a DESTDIR: the file list, the man page renders and names
# every option of the table, the installed config parses, the unit passes
# systemd-analyze verify and its exposure score is measured, completion
# completes, logrotate takes the snippet; make uninstall removes it all but
# the owner's config.
. "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
D=$T/root
mk() { make -s -C "$REPO" "$@" DESTDIR="$D" PREFIX=/usr; }

check "make install into a DESTDIR" mk install
want="/etc/logrotate.d/torwatch
/etc/torwatch/torwatch.conf
/usr/lib/systemd/system/torwatch.service
/usr/lib/sysusers.d/torwatch.conf
/usr/sbin/torwatch
/usr/share/bash-completion/completions/torwatch
/usr/share/man/man8/torwatch.8
/usr/share/torwatch/grafana/torwatch-dashboard.json
/usr/share/torwatch/prometheus/torwatch-rules.yml"
check_eq "the installed files" "$want" "$(cd "$D" && find . -type f | sed 's|^\.||' | sort)"
check_eq "the binary is executable" 755 "$(stat -c %a "$D/usr/sbin/torwatch")"
check_eq "the config is not world-readable" 640 "$(stat -c %a "$D/etc/torwatch/torwatch.conf")"

# The man page renders, and its OPTIONS are the option table's.
page=$(MANWIDTH=100 man -l "$D/usr/share/man/man8/torwatch.8" 2>"$T/man.err"); rc=$?
check_eq "man -l renders the page" 0 $rc
check_eq "with no warning from groff" "" "$(cat "$T/man.err")"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS "STOP, CRASH AND RESTART" PRIVILEGES FILES; do
	check "the page has $section" grep -q "^$section" <<<"$page"
done
missing=
for opt in $("$D/usr/sbin/torwatch" run --help | grep -oE '^  (-[a-z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
	grep -q -- "^ *\(-[a-z], \)\?$opt\b" <<<"$page" || missing="$missing $opt"
done
check_eq "every option of 'run --help' has its entry in the page" "" "$missing"
# The rest of the CLI too: every object, every verb, every object's options.
missing=
objects=$("$D/usr/sbin/torwatch" help | sed -n 's/^  \([a-z]*\) .*/\1/p')
check "the objects are listed by 'torwatch help'" test "$(wc -w <<<"$objects")" -ge 9
# section OBJ: the page's COMMANDS entry for OBJ.
section() { awk -v h="   torwatch $1" '$0 == h { on = 1; next } /^   torwatch |^[A-Z]/ { on = 0 } on' <<<"$page"; }
for obj in $objects; do
	grep -q "^   torwatch $obj$" <<<"$page" || missing="$missing $obj"
	[ "$obj" = run ] && continue
	help=$("$D/usr/sbin/torwatch" "$obj" --help)
	entry=$(section "$obj")
	for verb in $(sed -n "s/^\(usage:\)\? *torwatch $obj \([a-z]\+\)\b.*/\2/p" <<<"$help"); do
		grep -q "torwatch $obj $verb\b" <<<"$page" || missing="$missing $obj:$verb"
	done
	for opt in $(grep -oE -- '--[a-z0-9-]+' <<<"$help" | sort -u); do
		grep -q -- "$opt\b" <<<"$entry" || missing="$missing $obj:$opt"
	done
done
check_eq "every object, verb and object option is in the page" "" "$missing"
check_eq "no placeholder is left in the page" "" "$(grep -o '@[A-Z_]*@' "$D/usr/share/man/man8/torwatch.8")"
check "the page built by make names the config in FILES too" grep -q "^/etc/torwatch/torwatch.conf\|^\.I /etc/torwatch/torwatch.conf" "$REPO/.output/torwatch.8"
check "the page's FILES name the installed config" grep -q "/etc/torwatch/torwatch.conf" <<<"$page"

# The installed config parses, and a broken one names file, line and reason.
# --check-config runs the start's checks: the alert file's directory is
# the unit's LogsDirectory, not made here, so the check writes elsewhere.
out=$("$D/usr/sbin/torwatch" run -c "$D/etc/torwatch/torwatch.conf" -i lo --alerts "$T/alerts.json" \
	--check-config 2>&1 | tail -n 1)
check_eq "the installed config passes --check-config" "the settings are valid" "$out"
cp "$D/etc/torwatch/torwatch.conf" "$T/broken.conf" && echo "dedup-window = soon" >>"$T/broken.conf"
out=$("$D/usr/sbin/torwatch" run -c "$T/broken.conf" --check-config 2>&1); rc=$?
check_eq "--check-config on a broken config exits 2" 2 $rc
check "and names file, line and reason" grep -q "$T/broken.conf:$(wc -l <"$T/broken.conf"): dedup-window must be seconds" <<<"$out"

# The unit: paths of this PREFIX, systemd-analyze verify (the binary where
# the unit would find it once installed), and its exposure score.
unit=$D/usr/lib/systemd/system/torwatch.service
check "the unit runs the installed binary" grep -q "^ExecStart=/usr/sbin/torwatch run -c /etc/torwatch/torwatch.conf --keep-on-stop" "$unit"
check "the unit prepares the pin root its config names, as root" grep -qx "ExecStartPre=+/usr/sbin/torwatch prepare --user torwatch --config /etc/torwatch/torwatch.conf" "$unit"
mkdir -p "$T/verify"
sed "s|/usr/sbin/torwatch|$D/usr/sbin/torwatch|g" "$unit" >"$T/verify/torwatch.service"
out=$(systemd-analyze verify --man=no "$T/verify/torwatch.service" 2>&1); rc=$?
check_eq "systemd-analyze verify passes" 0 $rc
[ $rc = 0 ] || echo "# $out"
score=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for torwatch.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security --offline=true: exposure $score"
check "the exposure score is 3.0 or better (got $score)" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 3.0) }'

# Completion: objects, and run's options from its own --help.
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _torwatch; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$D/usr/share/bash-completion/completions/torwatch" "$@"
}
check_eq "completion: the objects" "status
stats" "$(comp "$D/usr/sbin/torwatch" sta)"
check_eq "completion: run's options" "--keep-on-stop" "$(comp "$D/usr/sbin/torwatch" run --keep)"
check_eq "completion: block's verbs" "enable" "$(comp "$D/usr/sbin/torwatch" block en)"
# Everything the binary names completes: each object of 'torwatch help',
# each verb its usage lists, each option of 'run --help' and of each
# object's --help.
objects=$("$D/usr/sbin/torwatch" help | awk '/^objects:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
missing=
for o in $objects; do
	grep -qx "$o" <<<"$(comp "$D/usr/sbin/torwatch" "${o:0:1}")" || missing+=" $o"
	[ "$o" = run ] && continue
	# The usage lines (not the prose, which may name run's options).
	for w in $("$D/usr/sbin/torwatch" "$o" --help | grep -E '^(usage:|   )' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -qx -- "$w" <<<"$(comp "$D/usr/sbin/torwatch" "$o" "$w")" || missing+=" $o$w"
	done
	for v in $("$D/usr/sbin/torwatch" "$o" --help | sed -n "s/^ *\(usage:\)\? *torwatch $o \([a-z]\+\) .*/\2/p; s/^ *\(usage:\)\? *torwatch $o \([a-z]\+\)\$/\2/p"); do
		grep -qx "$v" <<<"$(comp "$D/usr/sbin/torwatch" "$o" "$v")" || missing+=" $o:$v"
	done
done
for w in $("$D/usr/sbin/torwatch" run --help | grep -oE '^  (-[a-z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
	grep -qx -- "$w" <<<"$(comp "$D/usr/sbin/torwatch" run "$w")" || missing+=" run$w"
done
check_eq "completion: every object, verb and option the binary names completes" "" "$missing"
echo "# completion checked for: $(wc -w <<<"$objects") objects"
check_eq "completion: stats --by offers its values" "country" "$(comp "$D/usr/sbin/torwatch" stats --by cou)"
check_eq "completion: run --xdp-mode offers its values" "native" "$(comp "$D/usr/sbin/torwatch" run --xdp-mode nat)"

# logrotate takes the snippet (debug mode: it parses and plans, changes nothing).
if command -v logrotate >/dev/null; then
	out=$(logrotate -d "$D/etc/logrotate.d/torwatch" 2>&1); rc=$?
	check_eq "logrotate parses the snippet" 0 $rc
	check "and would rotate the alert files" grep -q "/var/log/torwatch/\*.json" <<<"$out"
else
	echo "# logrotate is not installed (scripts/install-deps.sh --test installs it): its check did not run"
	not_ok "logrotate is there to check the snippet"
fi

# A second install keeps the owner's config.
echo "; the owner's edit" >>"$D/etc/torwatch/torwatch.conf"
check "a second install" mk install
check "keeps the owner's config" grep -q "the owner's edit" "$D/etc/torwatch/torwatch.conf"
check "and puts the new one beside it" test -f "$D/etc/torwatch/torwatch.conf.new"

check "make uninstall" mk uninstall
check_eq "removes everything but the owner's config" "/etc/torwatch/torwatch.conf" "$(cd "$D" && find . -type f | sed 's|^\.||' | sort)"
finish
