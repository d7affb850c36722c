#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The syslog sink against a real rsyslog (Debian's), listening on UDP and
# TCP in the daemon's namespace: every alert arrives once per transport with
# the fields rsyslog parsed from the RFC 5424 message (APP-NAME, MSGID,
# severity, facility, structured data, the JSON as MSG), hostile process
# names included. --alerts is given three times: file, UDP and TCP.
. "$(dirname "$0")/lib.sh"
require_root
command -v rsyslogd >/dev/null || { echo "SKIP: rsyslogd is not installed (scripts/install-deps.sh --test installs it)"; exit 77; }
H=tws-$ID
LP=$TOOLS/listen_port
add_netns "$H"
ip -n "$H" link set lo up
veth_in "$H" vS vT
mkdir -p "$T/state" "$T/rsyslog"

cat >"$T/rsyslog.conf" <<EOT
global(workDirectory="$T/rsyslog" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="5514")
input(type="imtcp" address="127.0.0.1" port="5515")
template(name="fields" type="string"
	 string="%inputname%\t%app-name%\t%msgid%\t%syslogseverity%\t%syslogfacility%\t%procid%\t%structured-data%\t%msg%\n")
*.* action(type="omfile" file="$T/received.tsv" template="fields")
EOT
nsenter --net="/run/netns/$H" /usr/sbin/rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" \
	</dev/null >"$T/rsyslog.log" 2>&1 &
RSYSLOG=$!
check "rsyslog listens on UDP and TCP" wait_for 5 in_ns "$H" sh -c "ss -Hlun | grep -q 5514 && ss -Hltn | grep -q 5515"

# A listener whose executable name is hostile: quote, backslash, bracket.
WEIRD="$T/q\"b\\s]x"
cp "$LP" "$WEIRD"
# Worse: a newline, control bytes and bytes that are not UTF-8 in the name,
# and a 4 KB command line.
EVIL="$T/"$'n\nl\x01\x1b\xff\xfe\xc0\xafz'
cp "$LP" "$EVIL"
LONG=$(printf '"\\%.0s' {1..1000})$(printf 'A%.0s' {1..2100})
check "torwatch starts with a file, a UDP and a TCP syslog sink" start_daemon "$H" -i vS \
	--alerts syslog+udp://127.0.0.1:5514 --alerts syslog+tcp://127.0.0.1:5515 --allowed-ports 22
check "the log names the three sinks" \
	grep -q "alerts to $T/alerts.json, syslog+udp://127.0.0.1:5514, syslog+tcp://127.0.0.1:5515" "$T/daemon.log"
in_ns "$H" "$LP" tcp4 0.0.0.0 9201 100 >/dev/null
in_ns "$H" "$WEIRD" udp4 0.0.0.0 9202 100 >/dev/null
in_ns "$H" "$LP" tcp6 :: 9203 100 >/dev/null
in_ns "$H" "$EVIL" tcp4 0.0.0.0 9206 100 1 "$LONG" >/dev/null
lines() { grep -c . "$T/alerts.json" 2>/dev/null; }
check "the alerts are in the file (4 listeners and feed_stale)" wait_for 3 sh -c "[ \$(grep -c . $T/alerts.json) -ge 5 ]"
received() { awk -F'\t' -v i="$1" '$1 == i' "$T/received.tsv"; }
# The barrier: one more listener, after those; once its alert has arrived
# over both transports, everything before it has too (each sink delivers in
# order), and a duplicate would be there already.
in_ns "$H" "$LP" tcp4 0.0.0.0 9207 100 >/dev/null
barrier_arrived() {
	received imudp | grep -q 'Unexpected Port Opened: 9207' &&
		received imtcp | grep -q 'Unexpected Port Opened: 9207'
}
check "the barrier alert arrived over UDP and TCP" wait_for 5 barrier_arrived
n=$(lines)
check_eq "every alert arrived once over UDP" "$n" "$(received imudp | grep -c .)"
check_eq "every alert arrived once over TCP" "$n" "$(received imtcp | grep -c .)"

# Field by field, for every alert and both transports.
ok_fields=0
while IFS= read -r a; do
	id=$(jq -r .event.id <<<"$a") rule=$(jq -r .rule.id <<<"$a") level=$(jq -r .log.level <<<"$a")
	case $level in critical) sev=2 ;; high) sev=3 ;; medium) sev=4 ;; low) sev=5 ;; *) sev=6 ;; esac
	for input in imudp imtcp; do
		r=$(received $input | grep -F "id=\"$id\"")
		IFS=$'\t' read -r _ app msgid rsev fac procid sd msg <<<"$r"
		[ "$app" = torwatch ] && [ "$msgid" = "$rule" ] && [ "$rsev" = "$sev" ] && [ "$fac" = 4 ] &&
			[ "$procid" = "$DAEMON_PID" ] &&
			[[ "$sd" == "[torwatch@32473 rule=\"$rule\" severity=\"$sev\" id=\"$id\""* ]] &&
			[ "$(jq -c . <<<"$msg")" = "$(jq -c . <<<"$a")" ] && ok_fields=$((ok_fields + 1))
	done
done <"$T/alerts.json"
check_eq "APP-NAME, MSGID, severity, facility, PROCID, structured data and the JSON as MSG" \
	$((2 * n)) $ok_fields
weird=$(received imtcp | awk -F'\t' '$3 == "unexpected_listen_port"' | grep -F 'Port Opened: 9202' | cut -f8)
check_eq "a hostile process name survives syslog and a JSON parser" 'q"b\s]x' "$(jq -r .process.name <<<"$weird")"
check_eq "... and is the executable's" "$WEIRD" "$(jq -r .process.executable <<<"$weird")"
sd=$(received imtcp | awk -F'\t' '$3 == "unexpected_listen_port"' | grep -F 'Port Opened: 9202' | cut -f7)
check "in the structured data it is escaped as RFC 5424 says (\\\" \\\\ \\])" \
	grep -qF 'process="q\"b\\s\]x"]' <<<"$sd"
evil() { received "$1" | awk -F'\t' '$3 == "unexpected_listen_port"' | grep -F 'Port Opened: 9206' | cut -f8; }
check_eq "newlines, control bytes and bad UTF-8: one valid JSON line per alert, the file's, over TCP" \
	"$(jq -c 'select(.destination.port == 9206)' "$T/alerts.json")" "$(evil imtcp | jq -c .)"
check_eq "... and over UDP" "$(jq -c 'select(.destination.port == 9206)' "$T/alerts.json")" "$(evil imudp | jq -c .)"
check_eq "the bad bytes are U+FFFD, the control bytes escaped" '"n\nl\u0001\u001b\ufffd\ufffd\ufffd\ufffdz"' \
	"$(evil imtcp | jq -c .process.name | python3 -c 'import sys; print(sys.stdin.read().strip().encode().decode("utf-8").encode("ascii", "backslashreplace").decode().replace("\\\\ufffd", "\\ufffd"))')"
check_eq "the 4 KB command line arrives whole" true \
	"$(evil imtcp | jq --arg tail " tcp4 0.0.0.0 9206 100 1 $LONG" '.process.command_line | endswith($tail)')"
check "the whole file is valid UTF-8, one JSON object per line" \
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], encoding="utf-8", errors="strict")]' "$T/alerts.json"

# The collector goes away and comes back: TCP reconnects, nothing is lost after.
kill "$RSYSLOG"; wait "$RSYSLOG" 2>/dev/null
nsenter --net="/run/netns/$H" /usr/sbin/rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" \
	</dev/null >>"$T/rsyslog.log" 2>&1 &
RSYSLOG=$!
wait_for 5 in_ns "$H" sh -c "ss -Hltn | grep -q 5515"
in_ns "$H" "$LP" tcp4 0.0.0.0 9204 100 >/dev/null
check "after the collector restarted, TCP delivers again" \
	wait_for 3 sh -c "awk -F'\t' '\$1 == \"imtcp\"' $T/received.tsv | grep -q 'Unexpected Port Opened: 9204'"
stop_daemon
kill "$RSYSLOG"; wait "$RSYSLOG" 2>/dev/null

# A [sink NAME] section with a filter: only high and critical alerts.
printf '[run]\ninterface = vS\nallowed-ports = 22\n[sink urgent]\nurl = %s\nmin-severity = high\n' \
	"$T/high.json" >"$T/sinks.conf"
check "torwatch starts with a [sink] section" start_daemon "$H" -c "$T/sinks.conf"
in_ns "$H" "$LP" tcp4 0.0.0.0 9205 100 >/dev/null
check "the filtered sink gets the high alert" wait_for 3 grep -q "Unexpected Port Opened: 9205" "$T/high.json"
check "the unfiltered one gets feed_stale (medium)" wait_for 3 has_alert 'select(.rule.id=="feed_stale")'
check_eq "the filtered one does not" 0 "$(grep -c feed_stale "$T/high.json")"
stop_daemon
printf '[run]\ninterface = vS\n[sink bad]\nurl = -\nrules = ssh_from_tor,nope\n' >"$T/bad-sink.conf"
out=$(in_ns "$H" "$TW" run -c "$T/bad-sink.conf" --pin-root "$PIN" --state-dir "$T/state" 2>&1)
check "a sink filter naming an unknown rule stops the start, with its line" grep -q "$T/bad-sink.conf:5: rules: no rule is called 'nope'" <<<"$out"

# --- the local socket missing, then there: said once each, named ---
DEVLOG=$T/devlog
check "torwatch starts with syslog: on a socket that is not there" start_daemon "$H" -i vS \
	--alerts "syslog:$DEVLOG" --allowed-ports 22
in_ns "$H" "$LP" tcp4 0.0.0.0 9208 100 >/dev/null
check "the log says the sink is failing, naming the socket" wait_for 5 grep -q \
	"alert sink syslog:$DEVLOG is failing: cannot connect to $DEVLOG: No such file or directory" "$T/daemon.log"
cat >"$T/rsyslog-local.conf" <<EOT
global(workDirectory="$T/rsyslog")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$DEVLOG")
*.* action(type="omfile" file="$T/received-local.txt")
EOT
nsenter --net="/run/netns/$H" /usr/sbin/rsyslogd -n -f "$T/rsyslog-local.conf" -i "$T/rsyslog-local.pid" \
	</dev/null >"$T/rsyslog-local.log" 2>&1 &
RSYSLOG=$!
check "once the socket is there, the alert arrives" wait_for 20 grep -q "Unexpected Port Opened: 9208" "$T/received-local.txt"
check "the log says once that it delivers again" wait_for 3 grep -q "alert sink syslog:$DEVLOG delivers again, after [1-9][0-9]* failed attempts\?" "$T/daemon.log"
check_eq "... and said the failure once, not per attempt" 1 "$(grep -c "alert sink syslog:$DEVLOG is failing" "$T/daemon.log")"
# status is published on a timer: wait for the delivery to show.
status_delivered() { tw_in "$H" status | grep -q "^  syslog syslog:$DEVLOG: [0-9]* queued for delivery, .* [1-9][0-9]* delivered, [1-9][0-9]* failed attempts\? retried"; }
check "status names the socket and says what was delivered" wait_for 5 status_delivered
stop_daemon
kill "$RSYSLOG"; wait "$RSYSLOG" 2>/dev/null

out=$(in_ns "$H" "$TW" run -i vS --alerts syslog+udp://nowhere --pin-root "$PIN" 2>&1); rc=$?
check_eq "a syslog URL without a port is a start error" 1 $rc
check "... that says what to write" grep -q "name HOST:PORT (e.g. syslog+udp://10.0.0.5:514)" <<<"$out"
out=$(in_ns "$H" "$TW" run -i vS --alerts kafka://x.example/ --pin-root "$PIN" 2>&1)
check "an unknown kind of sink is named with the known ones" grep -q "no alert sink takes 'kafka://x.example' (known:" <<<"$out"
check "unload" tw_in "$H" unload
finish
